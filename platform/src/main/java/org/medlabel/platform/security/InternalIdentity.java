package org.medlabel.platform.security;

import java.util.Optional;
import org.medlabel.api.internal.InternalHeaders;

/**
 * What a service sends on its own calls to another: the deployment's internal token, and itself as the user the call is
 * made for unless a call names the user it acts for.
 */
public record InternalIdentity(Optional<String> token, String service) {

    /** No token: a deployment (or test) without one. */
    public static final InternalIdentity NONE = new InternalIdentity(Optional.empty(), "medlabel");

    /** Adds the headers to a request being built. */
    public void apply(java.net.http.HttpRequest.Builder request, String user) {
        token.ifPresent(t -> request.header(InternalHeaders.TOKEN, t));
        request.header(
                InternalHeaders.USER, InternalHeaders.isPerson(user) ? user : InternalHeaders.serviceUser(service));
    }
}
