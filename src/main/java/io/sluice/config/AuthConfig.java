package io.sluice.config;

import java.util.List;
import java.util.Map;

/**
 * Request authorization of a route: a request without one of these credentials gets 401. Secrets are stored as
 * their SHA-256 ({@code sha256:} and 64 hex digits, as {@code sluice hash-secret} prints), so the config file does
 * not disclose them; being a fast hash, it suits generated high-entropy secrets, not human passwords.
 *
 * @param realm              named in {@code WWW-Authenticate}
 * @param bearerTokens       hashes of accepted {@code Authorization: Bearer} tokens, lower-case hex
 * @param basicUsers         user name → hash of the password, for {@code Authorization: Basic}
 * @param forwardCredentials whether the {@code Authorization} field reaches the server (default false)
 */
public record AuthConfig(String realm, List<String> bearerTokens, Map<String, String> basicUsers,
                         boolean forwardCredentials) {
    public static final String HASH_PREFIX = "sha256:";

    public AuthConfig {
        bearerTokens = List.copyOf(bearerTokens);
        basicUsers = Map.copyOf(basicUsers);
    }
}
