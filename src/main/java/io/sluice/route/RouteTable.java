package io.sluice.route;

import io.netty.buffer.ByteBuf;
import io.sluice.cluster.Cluster;
import io.sluice.config.RouteConfig;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A listener's routes, compiled once: first match wins. Matching compares bytes of the request head in place,
 * so routing a request allocates nothing.
 */
public final class RouteTable {
    private final Entry[] entries;

    private record Entry(byte[] host, byte[] pathPrefix, Route route) {
    }

    /**
     * @param clusters the snapshot's clusters by name; every route's cluster must be among them (the config
     *                 loader checked it)
     */
    public RouteTable(List<RouteConfig> routes, Map<String, Cluster> clusters) {
        entries = new Entry[routes.size()];
        for (int i = 0; i < entries.length; i++) {
            RouteConfig r = routes.get(i);
            Cluster cluster = clusters.get(r.cluster());
            if (cluster == null) {
                throw new IllegalArgumentException("route " + i + ": unknown cluster " + r.cluster());
            }
            String host = r.match() == null ? null : r.match().host();
            String pathPrefix = r.match() == null ? null : r.match().pathPrefix();
            entries[i] = new Entry(host == null ? null : host.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8),
                    pathPrefix == null ? null : pathPrefix.getBytes(StandardCharsets.UTF_8), new Route(cluster));
        }
    }

    /**
     * The first route matching the request, or {@code null}.
     *
     * @param hostStart start of the Host value in {@code buf}, or -1 when the request has none
     * @param hostEnd   end of the Host value, port included (it is ignored here)
     */
    public Route match(ByteBuf buf, int hostStart, int hostEnd, int pathStart, int pathEnd) {
        int hostNameEnd = hostStart < 0 ? -1 : hostNameEnd(buf, hostStart, hostEnd);
        for (Entry e : entries) {
            if (e.host != null && (hostStart < 0 || !hostEquals(buf, hostStart, hostNameEnd, e.host))) {
                continue;
            }
            if (e.pathPrefix != null && !startsWith(buf, pathStart, pathEnd, e.pathPrefix)) {
                continue;
            }
            return e.route;
        }
        return null;
    }

    /** Strips the port: the last ':' outside an IPv6 literal's brackets. */
    private static int hostNameEnd(ByteBuf buf, int start, int end) {
        for (int i = end - 1; i >= start; i--) {
            byte b = buf.getByte(i);
            if (b == ':') {
                return i;
            }
            if (b == ']' || b < '0' || b > '9') {
                return end;
            }
        }
        return end;
    }

    private static boolean hostEquals(ByteBuf buf, int start, int end, byte[] lowerHost) {
        if (end - start != lowerHost.length) {
            return false;
        }
        for (int i = 0; i < lowerHost.length; i++) {
            int b = buf.getByte(start + i);
            if (b >= 'A' && b <= 'Z') {
                b += 32;
            }
            if (b != lowerHost[i]) {
                return false;
            }
        }
        return true;
    }

    private static boolean startsWith(ByteBuf buf, int start, int end, byte[] prefix) {
        if (end - start < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (buf.getByte(start + i) != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
