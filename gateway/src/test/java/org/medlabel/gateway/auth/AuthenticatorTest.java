package org.medlabel.gateway.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Roles read where MONAI Label's {@code MONAI_LABEL_AUTH_TOKEN_ROLES} path says ({@code #} between levels). */
class AuthenticatorTest {

    private static final JsonObject KEYCLOAK = new JsonObject("""
            {"preferred_username": "annotator",
             "realm_access": {"roles": ["monailabel-annotator", "monailabel-user"]},
             "resource_access": {"monailabel-app": {"roles": ["monailabel-admin"]}},
             "groups": ["monailabel-reviewer", 7]}
            """);

    @Test
    void rolesFollowTheClaimPath() {
        assertEquals(
                List.of("monailabel-annotator", "monailabel-user"),
                Authenticator.roles(KEYCLOAK, "realm_access#roles"));
        assertEquals(
                List.of("monailabel-admin"), Authenticator.roles(KEYCLOAK, "resource_access#monailabel-app#roles"));
        // a flat claim; entries that are not strings are not roles
        assertEquals(List.of("monailabel-reviewer"), Authenticator.roles(KEYCLOAK, "groups"));
    }

    @Test
    void aPathThatLeadsNowhereGivesNoRoles() {
        // MONAI Label fails with a 500 here; no roles means every role check answers 403
        assertEquals(List.of(), Authenticator.roles(KEYCLOAK, "realm_access#groups"));
        assertEquals(List.of(), Authenticator.roles(KEYCLOAK, "preferred_username#roles"));
        assertEquals(List.of(), Authenticator.roles(KEYCLOAK, "nothing"));
    }
}
