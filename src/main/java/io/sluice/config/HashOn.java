package io.sluice.config;

/**
 * What {@link Balance#CONSISTENT_HASH} hashes: a request header, a cookie, or the client's address.
 *
 * @param name the header or cookie name; {@code null} for the client address
 */
public record HashOn(Kind kind, String name) {
    public enum Kind { HEADER, COOKIE, CLIENT_ADDRESS }

    public static final HashOn CLIENT_ADDRESS = new HashOn(Kind.CLIENT_ADDRESS, null);
}
