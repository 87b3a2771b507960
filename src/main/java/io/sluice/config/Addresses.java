package io.sluice.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Parses {@code host:port} and {@code [ipv6]:port}. Never resolves names: a config check must not depend on DNS,
 * and names are resolved when sockets are opened.
 */
final class Addresses {
    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");
    private static final Pattern DIGITS_AND_DOTS = Pattern.compile("[0-9.]+");
    private static final Pattern IPV6_CHARS = Pattern.compile("[0-9A-Fa-f:.]+");
    private static final Pattern PORT = Pattern.compile("\\d{1,5}");

    private Addresses() {
    }

    /** @throws IllegalArgumentException with the message to show the user */
    static HostPort parse(String text) {
        String host;
        String port;
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0 || close + 1 >= text.length() || text.charAt(close + 1) != ':') {
                throw bad(text);
            }
            host = text.substring(1, close);
            port = text.substring(close + 2);
            if (!isIpv6(host)) {
                throw bad(text);
            }
        } else {
            int colon = text.lastIndexOf(':');
            if (colon < 0) {
                throw bad(text);
            }
            host = text.substring(0, colon);
            port = text.substring(colon + 1);
            if (!isIpv4OrHostname(host)) {
                throw bad(text);
            }
        }
        if (!PORT.matcher(port).matches() || Integer.parseInt(port) > 65535) {
            throw bad(text);
        }
        return new HostPort(host.toLowerCase(Locale.ROOT), Integer.parseInt(port));
    }

    /** A host as a route matches it: a name, an IPv4 literal or a bracketed IPv6 literal, never with a port. */
    static boolean isHost(String host) {
        if (host.startsWith("[") && host.endsWith("]")) {
            return isIpv6(host.substring(1, host.length() - 1));
        }
        return isIpv4OrHostname(host);
    }

    /** A DNS name, not an address literal: what may follow the {@code *.} of a wildcard route host. */
    static boolean isHostName(String host) {
        return !DIGITS_AND_DOTS.matcher(host).matches() && isIpv4OrHostname(host);
    }

    private static boolean isIpv4OrHostname(String host) {
        if (host.isEmpty() || host.length() > 253) {
            return false;
        }
        // Something like 10.0.0.300 is a mistyped IPv4 address, not a host name.
        if (DIGITS_AND_DOTS.matcher(host).matches()) {
            return isIpv4(host);
        }
        for (String label : host.split("\\.", -1)) {
            if (!LABEL.matcher(label).matches()) {
                return false;
            }
        }
        return true;
    }

    /** Four dotted decimal numbers, each 0..255. */
    static boolean isIpv4Literal(String host) {
        return DIGITS_AND_DOTS.matcher(host).matches() && isIpv4(host);
    }

    private static boolean isIpv4(String host) {
        String[] parts = host.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String part : parts) {
            if (part.isEmpty() || part.length() > 3 || Integer.parseInt(part) > 255) {
                return false;
            }
        }
        return true;
    }

    /** An IPv6 address literal, without brackets. */
    static boolean isIpv6(String host) {
        if (!host.contains(":") || !IPV6_CHARS.matcher(host).matches()) {
            return false;
        }
        try {
            // With brackets the JDK only accepts a literal and never falls back to a name lookup.
            InetAddress.getByName("[" + host + "]");
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static IllegalArgumentException bad(String text) {
        return new IllegalArgumentException("bad address \"" + text + "\" (expected host:port)");
    }
}
