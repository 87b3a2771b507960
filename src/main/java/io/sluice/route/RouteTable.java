package io.sluice.route;

import io.netty.buffer.ByteBuf;
import io.sluice.cluster.Cluster;
import io.sluice.config.HeaderMatch;
import io.sluice.config.RouteConfig;
import io.sluice.config.RouteMatch;
import io.sluice.listener.RouteStats;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A listener's routes, compiled once per configuration: first match wins. The host picks, through a hash map, the
 * routes that can apply to it (its exact-host routes, the wildcard routes covering it and the host-less ones, in
 * file order); only those are tried, comparing bytes of the request head in place. Routing allocates nothing
 * unless a route tests a regular expression.
 */
public final class RouteTable {
    private final HostMap exactHosts;
    /** Keyed by the suffix of a {@code *.example.com} route, dot included: {@code .example.com}. */
    private final HostMap wildcardSuffixes;
    private final Entry[] anyHost;
    private final List<RouteStats> stats;
    /** Every route, in table order. */
    private final List<Entry> all;

    /**
     * @param clusters the snapshot's clusters by name; every route's cluster must be among them (the config
     *                 loader checked it); a route that answers itself has none
     */
    public RouteTable(List<RouteConfig> routes, Map<String, Cluster> clusters) {
        this(routes, clusters, null);
    }

    /**
     * A table that replaces {@code previous} (a reload): a route configured exactly as one of the previous table
     * keeps its counters and its rate bucket.
     *
     * @param previous the table replaced, or {@code null}
     */
    public RouteTable(List<RouteConfig> routes, Map<String, Cluster> clusters, RouteTable previous) {
        List<Route> carried = previous == null ? new ArrayList<>()
                : new ArrayList<>(previous.all.stream().map(e -> e.route).toList());
        List<Entry> all = new ArrayList<>();
        for (int i = 0; i < routes.size(); i++) {
            RouteConfig r = routes.get(i);
            Cluster cluster = r.cluster() == null ? null : clusters.get(r.cluster());
            if (cluster == null && r.direct() == null) {
                throw new IllegalArgumentException("route " + i + ": unknown cluster " + r.cluster());
            }
            Route before = takeSame(carried, r);
            all.add(new Entry(r.match() == null ? new RouteMatch(null, null) : r.match(),
                    new Route(r, cluster, before)));
        }
        this.all = List.copyOf(all);
        Set<String> exact = new LinkedHashSet<>();
        Set<String> suffixes = new LinkedHashSet<>();
        for (Entry e : all) {
            if (e.host != null) {
                (e.wildcard ? suffixes : exact).add(e.host);
            }
        }
        Map<String, Entry[]> exactLists = new LinkedHashMap<>();
        for (String host : exact) {
            exactLists.put(host, applicable(all, host));
        }
        Map<String, Entry[]> suffixLists = new LinkedHashMap<>();
        for (String suffix : suffixes) {
            // every host ending in this suffix: the routes of this wildcard and of the shorter ones covering it
            suffixLists.put(suffix, applicable(all, "*" + suffix));
        }
        exactHosts = new HostMap(exactLists);
        wildcardSuffixes = new HostMap(suffixLists);
        anyHost = all.stream().filter(e -> e.host == null).toArray(Entry[]::new);
        stats = all.stream().map(e -> e.route.stats()).toList();
    }

    /** Takes out of {@code routes} the first one configured as {@code config}, or returns {@code null}. */
    private static Route takeSame(List<Route> routes, RouteConfig config) {
        for (int i = 0; i < routes.size(); i++) {
            if (routes.get(i).config.equals(config)) {
                return routes.remove(i);
            }
        }
        return null;
    }

    /** The counters of the routes, in table order. */
    public List<RouteStats> stats() {
        return stats;
    }

    /** The routes that can apply to {@code host} (or, for {@code *.suffix}, to every host under the suffix). */
    private static Entry[] applicable(List<Entry> all, String host) {
        return all.stream().filter(e -> e.host == null || (e.wildcard
                ? host.endsWith(e.host) && host.length() > e.host.length() : host.equals(e.host))).toArray(Entry[]::new);
    }

    /** The first route matching the request in {@code buf}, or {@code null}. */
    public Route match(ByteBuf buf, RequestView request) {
        return firstMatch(candidates(buf, request.routeHostStart(), request.routeHostEnd()), buf, request);
    }

    private Entry[] candidates(ByteBuf buf, int hostStart, int hostEnd) {
        if (hostStart < 0) {
            return anyHost;
        }
        int end = hostNameEnd(buf, hostStart, hostEnd);
        Entry[] found = exactHosts.get(buf, hostStart, end);
        if (found != null) {
            return found;
        }
        if (!wildcardSuffixes.isEmpty()) {
            // longest suffix first: its list holds the shorter wildcards too
            for (int i = hostStart + 1; i < end; i++) {
                if (buf.getByte(i) == '.') {
                    found = wildcardSuffixes.get(buf, i, end);
                    if (found != null) {
                        return found;
                    }
                }
            }
        }
        return anyHost;
    }

    private static Route firstMatch(Entry[] entries, ByteBuf buf, RequestView request) {
        for (Entry e : entries) {
            if (e.matches(buf, request)) {
                return e.route;
            }
        }
        return null;
    }

    /** Strips the port: the last ':' outside an IPv6 literal's brackets. */
    /** The end of the host name in {@code buf[start, end)}: before a {@code :port}, if any. */
    public static int hostNameEnd(ByteBuf buf, int start, int end) {
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

    /** One route with its conditions other than the host, which the table's maps already applied. */
    private static final class Entry {
        final String host;
        final boolean wildcard;
        final byte[] pathPrefix;
        final byte[] pathExact;
        final Pattern pathRegex;
        final byte[][] methods;
        final byte[][] headerNames;
        final byte[][] headerValues;
        final Route route;

        Entry(RouteMatch m, Route route) {
            this.route = route;
            String h = m.host() == null ? null : m.host().toLowerCase(Locale.ROOT);
            wildcard = h != null && h.startsWith("*.");
            host = wildcard ? h.substring(1) : h;
            pathPrefix = bytes(m.pathPrefix());
            pathExact = bytes(m.pathExact());
            pathRegex = m.pathRegex() == null ? null : Pattern.compile(m.pathRegex());
            methods = m.methods().stream().map(RouteTable::bytes).toArray(byte[][]::new);
            headerNames = new byte[m.headers().size()][];
            headerValues = new byte[m.headers().size()][];
            for (int i = 0; i < headerNames.length; i++) {
                HeaderMatch hm = m.headers().get(i);
                headerNames[i] = bytes(hm.name().toLowerCase(Locale.ROOT));
                headerValues[i] = bytes(hm.value());
            }
        }

        boolean matches(ByteBuf buf, RequestView r) {
            int pathStart = r.pathStart();
            int pathEnd = r.pathEnd();
            // an absolute-form target without a path (http://host) asks for "/" (RFC 9112 §3.2.2), as forwarded
            boolean root = pathStart == pathEnd;
            if (pathPrefix != null && !(root ? pathPrefix.length == 1 && pathPrefix[0] == '/'
                    : Bytes.startsWith(buf, pathStart, pathEnd, pathPrefix))) {
                return false;
            }
            if (pathExact != null && !(root ? pathExact.length == 1 && pathExact[0] == '/'
                    : Bytes.equals(buf, pathStart, pathEnd, pathExact))) {
                return false;
            }
            if (methods.length > 0 && !methodMatches(buf, r.methodStart(), r.methodEnd())) {
                return false;
            }
            for (int i = 0; i < headerNames.length; i++) {
                if (!headerMatches(buf, r, headerNames[i], headerValues[i])) {
                    return false;
                }
            }
            return pathRegex == null
                    || pathRegex.matcher(root ? "/" : new AsciiView(buf, pathStart, pathEnd)).matches();
        }

        private boolean methodMatches(ByteBuf buf, int start, int end) {
            for (byte[] method : methods) {
                if (Bytes.equals(buf, start, end, method)) {
                    return true;
                }
            }
            return false;
        }

        private static boolean headerMatches(ByteBuf buf, RequestView r, byte[] name, byte[] value) {
            for (int h = 0, n = r.headerCount(); h < n; h++) {
                if (Bytes.equalsIgnoreCase(buf, r.nameStart(h), r.nameEnd(h), name)
                        && (value == null || Bytes.equals(buf, r.valueStart(h), r.valueEnd(h), value))) {
                    return true;
                }
            }
            return false;
        }
    }

    private static byte[] bytes(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    /** Open-addressing map from lower-case host bytes to route lists, looked up with bytes of a request in place. */
    private static final class HostMap {
        private final byte[][] keys;
        private final Entry[][] values;
        private final int mask;
        private final int size;

        HostMap(Map<String, Entry[]> entries) {
            size = entries.size();
            int capacity = Integer.highestOneBit(Math.max(1, entries.size()) * 4 - 1) << 1;
            keys = new byte[capacity][];
            values = new Entry[capacity][];
            mask = capacity - 1;
            for (Map.Entry<String, Entry[]> e : entries.entrySet()) {
                byte[] key = bytes(e.getKey());
                int slot = Bytes.hashLower(key) & mask;
                while (keys[slot] != null) {
                    slot = (slot + 1) & mask;
                }
                keys[slot] = key;
                values[slot] = e.getValue();
            }
        }

        boolean isEmpty() {
            return size == 0;
        }

        Entry[] get(ByteBuf buf, int start, int end) {
            int slot = Bytes.hashIgnoreCase(buf, start, end) & mask;
            byte[] key;
            while ((key = keys[slot]) != null) {
                if (Bytes.equalsIgnoreCase(buf, start, end, key)) {
                    return values[slot];
                }
                slot = (slot + 1) & mask;
            }
            return null;
        }
    }

    /** The path as a CharSequence for regular expressions, reading the buffer in place (bytes as Latin-1). */
    private record AsciiView(ByteBuf buf, int start, int end) implements CharSequence {
        @Override
        public int length() {
            return end - start;
        }

        @Override
        public char charAt(int index) {
            return (char) (buf.getByte(start + index) & 0xFF);
        }

        @Override
        public CharSequence subSequence(int from, int to) {
            return new AsciiView(buf, start + from, start + to);
        }

        @Override
        public String toString() {
            return buf.toString(start, end - start, StandardCharsets.ISO_8859_1);
        }
    }
}
