package io.sluice.http;

import io.netty.buffer.ByteBuf;
import io.sluice.cluster.KeyHash;
import io.sluice.route.Route;

import java.net.InetAddress;

/**
 * The consistent-hash key of a request: a header's value, a cookie's value or the client's address, per the
 * cluster's {@code hash_on}. A request without the header or cookie hashes as the empty key, so such requests
 * stick together to one server rather than spreading at random.
 */
final class BalanceKey {
    private static final byte[] COOKIE = Ascii.bytes("cookie");

    private BalanceKey() {
    }

    static long of(Route route, HeadParser p, ByteBuf buf, InetAddress client) {
        switch (route.cluster().config().hashOn().kind()) {
            case HEADER: {
                byte[] name = route.hashName();
                for (int h = 0, n = p.headerCount(); h < n; h++) {
                    if (p.nameEnd(h) - p.nameStart(h) == name.length
                            && Ascii.equalsIgnoreCase(buf, p.nameStart(h), name)) {
                        return KeyHash.hash(buf, p.valueStart(h), p.valueEnd(h));
                    }
                }
                return KeyHash.hash(buf, 0, 0);
            }
            case COOKIE:
                return cookie(route.hashName(), p, buf);
            default:
                return KeyHash.hash(client.getAddress());
        }
    }

    /** Finds {@code name=value} in the Cookie fields (RFC 6265 §4.2.1: pairs separated by "; "). */
    private static long cookie(byte[] name, HeadParser p, ByteBuf buf) {
        for (int h = 0, n = p.headerCount(); h < n; h++) {
            if (p.nameEnd(h) - p.nameStart(h) != COOKIE.length || !Ascii.equalsIgnoreCase(buf, p.nameStart(h), COOKIE)) {
                continue;
            }
            int end = p.valueEnd(h);
            int i = p.valueStart(h);
            while (i < end) {
                while (i < end && (buf.getByte(i) == ' ' || buf.getByte(i) == ';')) {
                    i++;
                }
                int pairEnd = buf.indexOf(i, end, (byte) ';');
                if (pairEnd < 0) {
                    pairEnd = end;
                }
                int eq = i + name.length;
                if (eq < pairEnd && buf.getByte(eq) == '=' && Ascii.sameBytes(buf, i, name)) {
                    return KeyHash.hash(buf, eq + 1, pairEnd);
                }
                i = pairEnd;
            }
        }
        return KeyHash.hash(buf, 0, 0);
    }
}
