package io.sluice.route;

import io.netty.buffer.ByteBuf;
import io.sluice.config.AuthConfig;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Checks the {@code Authorization} field of a request against a route's credentials (RFC 9110 §11; Bearer, RFC
 * 6750; Basic, RFC 7617). Only hashes are kept: the presented secret is hashed and compared in constant time.
 * A request with no such field, several of them, an unknown scheme or a wrong secret is refused alike.
 */
public final class RouteAuth {
    private static final byte[] AUTHORIZATION = ascii("authorization");
    private static final byte[] BEARER = ascii("bearer");
    private static final byte[] BASIC = ascii("basic");
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(RouteAuth::sha256);

    private final Set<String> bearerHashes;
    private final Map<String, byte[]> basicHashes = new HashMap<>();
    private final String challenge;
    private final String invalidTokenChallenge;
    private final boolean forwardCredentials;

    RouteAuth(AuthConfig config) {
        this.bearerHashes = new HashSet<>(config.bearerTokens());
        config.basicUsers().forEach((user, hash) -> basicHashes.put(user, HexFormat.of().parseHex(hash)));
        String bearer = "WWW-Authenticate: Bearer realm=\"" + config.realm() + "\"";
        String basic = "WWW-Authenticate: Basic realm=\"" + config.realm() + "\", charset=\"UTF-8\"\r\n";
        this.challenge = (bearerHashes.isEmpty() ? "" : bearer + "\r\n") + (basicHashes.isEmpty() ? "" : basic);
        this.invalidTokenChallenge = (bearerHashes.isEmpty() ? "" : bearer + ", error=\"invalid_token\"\r\n")
                + (basicHashes.isEmpty() ? "" : basic);
        this.forwardCredentials = config.forwardCredentials();
    }

    /** Whether the server gets the {@code Authorization} field. */
    public boolean forwardsCredentials() {
        return forwardCredentials;
    }

    /**
     * @return {@code null} when the request carries accepted credentials; otherwise the {@code WWW-Authenticate}
     *         field lines (CRLF-terminated) of the 401 to answer with
     */
    public String refusal(ByteBuf buf, RequestView request) {
        int field = -1;
        for (int i = 0; i < request.headerCount(); i++) {
            if (Bytes.equalsIgnoreCase(buf, request.nameStart(i), request.nameEnd(i), AUTHORIZATION)) {
                if (field >= 0) {
                    return challenge; // two credentials: which would the server believe?
                }
                field = i;
            }
        }
        if (field < 0) {
            return challenge;
        }
        int start = request.valueStart(field);
        int end = request.valueEnd(field);
        int space = buf.indexOf(start, end, (byte) ' ');
        if (space < 0) {
            return challenge;
        }
        int credentials = space + 1;
        while (credentials < end && buf.getByte(credentials) == ' ') {
            credentials++;
        }
        byte[] secret = new byte[end - credentials];
        buf.getBytes(credentials, secret);
        if (!bearerHashes.isEmpty() && Bytes.equalsIgnoreCase(buf, start, space, BEARER)) {
            return bearerHashes.contains(HexFormat.of().formatHex(hash(secret))) ? null : invalidTokenChallenge;
        }
        if (!basicHashes.isEmpty() && Bytes.equalsIgnoreCase(buf, start, space, BASIC)) {
            return basicAccepted(secret) ? null : challenge;
        }
        return challenge;
    }

    private boolean basicAccepted(byte[] encoded) {
        byte[] decoded;
        try {
            decoded = Base64.getDecoder().decode(encoded);
        } catch (IllegalArgumentException e) {
            return false;
        }
        int colon = -1;
        for (int i = 0; i < decoded.length && colon < 0; i++) {
            if (decoded[i] == ':') {
                colon = i;
            }
        }
        if (colon < 0) {
            return false;
        }
        byte[] expected = basicHashes.get(new String(decoded, 0, colon, StandardCharsets.UTF_8));
        byte[] password = new byte[decoded.length - colon - 1];
        System.arraycopy(decoded, colon + 1, password, 0, password.length);
        byte[] presented = hash(password);
        // an unknown user costs a comparison too, so timing does not tell which user names exist
        return MessageDigest.isEqual(expected == null ? new byte[presented.length] : expected, presented)
                && expected != null;
    }

    /** The SHA-256 of {@code secret}, as stored in the config. */
    public static byte[] hash(byte[] secret) {
        MessageDigest digest = SHA256.get();
        digest.reset();
        return digest.digest(secret);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
