package org.medlabel.gateway.auth;

/**
 * Who may call a route: MONAI Label's {@code RBAC(role)} dependency. Roles are not hierarchical (an admin token must
 * also carry the user role to call user routes), exactly as MONAI Label checks them.
 */
public enum Access {
    /** No token needed: MONAI Label's root routes ({@code /}, {@code /reload}, docs) and {@code /auth/*}. */
    PUBLIC,
    /** Any valid token, whatever its roles ({@code GET /auth/token/valid}). */
    AUTHENTICATED,
    USER,
    REVIEWER,
    ANNOTATOR,
    ADMIN;

    /** The realm role this access needs, by the configured names; null when it needs none. */
    public String role(AuthConfig.Role names) {
        return switch (this) {
            case PUBLIC, AUTHENTICATED -> null;
            case USER -> names.user();
            case REVIEWER -> names.reviewer();
            case ANNOTATOR -> names.annotator();
            case ADMIN -> names.admin();
        };
    }
}
