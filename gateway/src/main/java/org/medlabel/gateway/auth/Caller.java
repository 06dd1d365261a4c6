package org.medlabel.gateway.auth;

import java.util.List;

/** Who made a request: MONAI Label's {@code User} (what {@code GET /auth/token/valid} answers). */
public record Caller(String username, String email, String name, List<String> roles) {

    /** Everyone, when auth is off: MONAI Label's {@code DEFAULT_USER}. */
    static Caller everyone(AuthConfig.Role names) {
        return new Caller(
                "admin",
                "admin@monailabel.com",
                "UNK",
                List.of(names.admin(), names.reviewer(), names.annotator(), names.user()));
    }

    /** Nobody authenticated: the caller of a public route when auth is on. */
    static final Caller ANONYMOUS = new Caller(null, null, null, List.of());
}
