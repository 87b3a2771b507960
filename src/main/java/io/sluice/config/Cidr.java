package io.sluice.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * An address block such as {@code 10.0.0.0/8} or {@code 2001:db8::/32}; a bare address is a block of one. Bits of
 * the address beyond the prefix are zero (a block written {@code 10.1.2.3/8} is refused rather than guessed at).
 *
 * @param network 4 bytes (IPv4) or 16 (IPv6)
 */
public record Cidr(byte[] network, int prefix) {
    public Cidr {
        network = network.clone();
    }

    @Override
    public byte[] network() {
        return network.clone();
    }

    /** @throws IllegalArgumentException with the message to show the user */
    public static Cidr parse(String text) {
        int slash = text.indexOf('/');
        String address = slash < 0 ? text : text.substring(0, slash);
        byte[] bytes = literal(address, text);
        int max = bytes.length * 8;
        int prefix = max;
        if (slash >= 0) {
            String digits = text.substring(slash + 1);
            if (!digits.matches("\\d{1,3}") || Integer.parseInt(digits) > max) {
                throw bad(text, "the prefix length must be 0.." + max);
            }
            prefix = Integer.parseInt(digits);
        }
        for (int bit = prefix; bit < max; bit++) {
            if ((bytes[bit >> 3] & (0x80 >>> (bit & 7))) != 0) {
                throw bad(text, "address bits beyond the prefix length must be 0");
            }
        }
        return new Cidr(bytes, prefix);
    }

    private static byte[] literal(String address, String text) {
        boolean ipv6 = Addresses.isIpv6(address);
        if (!ipv6 && !Addresses.isIpv4Literal(address)) {
            throw bad(text, "expected an IPv4 or IPv6 address, optionally with /prefix-length");
        }
        InetAddress parsed;
        try {
            // a literal (with brackets for IPv6): the JDK never looks a name up
            parsed = InetAddress.getByName(ipv6 ? "[" + address + "]" : address);
        } catch (UnknownHostException e) {
            throw bad(text, "not an address");
        }
        if (ipv6 && parsed.getAddress().length == 4) {
            throw bad(text, "write an IPv4-mapped block as IPv4 (" + parsed.getHostAddress() + ")");
        }
        return parsed.getAddress();
    }

    private static IllegalArgumentException bad(String text, String why) {
        return new IllegalArgumentException("bad address block \"" + text + "\" (" + why + ")");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr c && c.prefix == prefix && Arrays.equals(c.network, network);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(network) + prefix;
    }

    @Override
    public String toString() {
        try {
            return InetAddress.getByAddress(network).getHostAddress() + "/" + prefix;
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
