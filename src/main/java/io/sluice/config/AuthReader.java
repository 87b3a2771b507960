package io.sluice.config;

import io.sluice.config.Node.Mapping;
import io.sluice.config.Node.Scalar;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/** Reads a route's {@code auth} section: accepted bearer token and Basic credential hashes. */
final class AuthReader {
    private static final Pattern HASH = Pattern.compile(Pattern.quote(AuthConfig.HASH_PREFIX) + "[0-9a-fA-F]{64}");
    private static final Pattern REALM = Pattern.compile("[\\x20\\x21\\x23-\\x5b\\x5d-\\x7e]{1,200}");
    private static final Pattern USER = Pattern.compile("[\\x21-\\x39\\x3b-\\x7e]{1,200}");
    private static final String DEFAULT_REALM = "sluice";

    private final ValueReader values;

    AuthReader(ValueReader values) {
        this.values = values;
    }

    /** {@code null} when the route has no {@code auth} section. */
    AuthConfig auth(Mapping route, String routePath) {
        Mapping m = values.mapping(route, routePath, "auth");
        if (m == null) {
            return null;
        }
        String path = Node.child(routePath, "auth");
        int before = values.problemCount();
        values.checkKeys(m, path, "realm", "bearer", "basic", "forward_credentials");
        Scalar realmText = values.scalar(m, path, "realm", false, "a string");
        String realm = realmText == null ? DEFAULT_REALM : values.parsed(realmText, Node.child(path, "realm"),
                AuthReader::realm, DEFAULT_REALM);
        List<String> bearer = values.list(m, path, "bearer", false, "token hash", (node, itemPath) -> {
            Scalar s = values.asScalar(node, itemPath, "a token hash such as sha256:9f86d08…");
            return s == null ? null : values.parsed(s, itemPath, AuthReader::hash, null);
        });
        Map<String, String> basic = basic(m, path);
        boolean forward = values.bool(m, path, "forward_credentials", false);
        if (bearer.isEmpty() && basic.isEmpty() && values.problemCount() == before) {
            // no credential at all would refuse every request, with no challenge to answer with
            values.problem(m.line(), path, "auth needs \"bearer\" tokens or \"basic\" users");
        }
        return new AuthConfig(realm, bearer, basic, forward);
    }

    private Map<String, String> basic(Mapping auth, String authPath) {
        Mapping m = values.mapping(auth, authPath, "basic");
        if (m == null) {
            return Map.of();
        }
        String path = Node.child(authPath, "basic");
        Map<String, String> users = new LinkedHashMap<>();
        for (Node.Entry entry : m.entries().values()) {
            String where = Node.child(path, entry.key());
            if (!USER.matcher(entry.key()).matches()) {
                values.problem(entry.keyLine(), where, "bad user name \"" + entry.key()
                        + "\" (visible ASCII characters other than \":\")");
                continue;
            }
            Scalar s = values.asScalar(entry.value(), where, "a password hash such as sha256:9f86d08…");
            String hash = s == null ? null : values.parsed(s, where, AuthReader::hash, null);
            if (hash != null) {
                users.put(entry.key(), hash);
            }
        }
        return users;
    }

    private static String hash(String text) {
        if (!HASH.matcher(text).matches()) {
            throw new IllegalArgumentException("bad secret hash (expected " + AuthConfig.HASH_PREFIX
                    + " and 64 hex digits, the SHA-256 of the secret, as \"sluice hash-secret\" prints; the secret"
                    + " itself does not belong in the file)");
        }
        return text.substring(AuthConfig.HASH_PREFIX.length()).toLowerCase(Locale.ROOT);
    }

    private static String realm(String text) {
        if (!REALM.matcher(text).matches()) {
            throw new IllegalArgumentException("bad realm \"" + text
                    + "\" (1 to 200 visible ASCII characters or spaces, without \" or \\)");
        }
        return text;
    }
}
