package org.medlabel.api.internal;

/**
 * Headers of the calls between MedLabel's services. The gateway authenticates the client and passes on who it is; a
 * service trusts these only from a caller that also sends the deployment's internal token (when one is configured).
 */
public final class InternalHeaders {

    /** The deployment's shared secret ({@code MEDLABEL_INTERNAL_TOKEN}), required by the services when set. */
    public static final String TOKEN = "X-MedLabel-Internal-Token";

    /** The authenticated user the call is made for (a service's own background work names the service). */
    public static final String USER = "X-MedLabel-User";

    /** That user's roles, comma-separated. */
    public static final String ROLES = "X-MedLabel-Roles";

    private static final String SERVICE = "service:";

    private InternalHeaders() {}

    /** The {@link #USER} of a service's own calls (work no user is waiting for). */
    public static String serviceUser(String service) {
        return SERVICE + service;
    }

    /** Whether a {@link #USER} names a person, not a service calling for itself. */
    public static boolean isPerson(String user) {
        return user != null && !user.isBlank() && !user.startsWith(SERVICE);
    }
}
