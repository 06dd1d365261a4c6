package org.medlabel.gateway.auth;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/**
 * MONAI Label's auth settings ({@code MONAI_LABEL_AUTH_*}, same defaults) under {@code medlabel.gateway.auth}. The
 * realm, client and audience also configure quarkus-oidc, which verifies the tokens (application.properties).
 */
@ConfigMapping(prefix = "medlabel.gateway.auth")
public interface AuthConfig {

    /** Off by default, as MONAI Label: every caller is then {@link Caller#DEFAULT}. */
    @WithDefault("false")
    boolean enabled();

    /** The identity provider's realm (Keycloak: {@code http://host:port/realms/<realm>}). */
    @WithDefault("http://localhost:8080/realms/monailabel")
    String realmUri();

    @WithDefault("monailabel-app")
    String clientId();

    /**
     * Tokens must name this audience. MONAI Label does not check one (a token the realm made for any client is
     * accepted); MedLabel's own deployments set it to the client, whose audience mapper their realm has.
     */
    Optional<String> audience();

    /** How long a call to the identity provider (discovery, password grant) may take. */
    @WithDefault("10s")
    Duration timeout();

    Token token();

    Role role();

    /** Where the claims are in a token; {@code #} separates the levels of a path, as in MONAI Label. */
    interface Token {
        @WithDefault("preferred_username")
        String username();

        @WithDefault("email")
        String email();

        @WithDefault("name")
        String name();

        @WithDefault("realm_access#roles")
        String roles();
    }

    /** The names of the four roles in the realm. */
    interface Role {
        @WithDefault("monailabel-admin")
        String admin();

        @WithDefault("monailabel-reviewer")
        String reviewer();

        @WithDefault("monailabel-annotator")
        String annotator();

        @WithDefault("monailabel-user")
        String user();
    }
}
