package io.sluice.cluster;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Consistent hashing on a ring (as in ketama): each server owns points on a 64-bit ring, as many as
 * {@value #POINTS_PER_WEIGHT} per unit of weight, and a key goes to the owner of the first point at or after its
 * hash. A server that is unavailable or already tried is walked past, clockwise, so its keys spread over the
 * servers that own the next points while every other key stays where it was; when it comes back its keys return.
 *
 * <p>A point is {@link KeyHash} of the server's configured address and the point's number ({@code 10.0.0.1:80-7}),
 * so every Sluice with the same servers and weights builds the same ring, whatever their order in the config:
 * the same key reaches the same server from any instance, with no shared state. For that reason the ring ignores
 * slow start (a weight that changes over time would move points, and keys with them): a server coming back takes
 * its whole share at once.
 *
 * <p>The ring is built once per cluster and never changes; each event loop gets its own instance over the same
 * arrays, and a pick is a binary search and a short walk, without allocation.
 */
final class HashRing implements Balancer {
    static final int POINTS_PER_WEIGHT = 160;
    /**
     * At most this many points (512 KiB of hashes) however large the weights: beyond 160 per weight unit the
     * servers' shares are scaled down in proportion, at least one point each. 64 servers of weight 6 fit unscaled.
     */
    static final int MAX_POINTS = 1 << 16;

    private final Server[] servers;
    /** Point hashes in increasing (signed) order. */
    private final long[] points;
    /** The server index owning each point. */
    private final byte[] owners;
    /** A bit for every server. */
    private final long all;

    private HashRing(Server[] servers, long[] points, byte[] owners) {
        this.servers = servers;
        this.points = points;
        this.owners = owners;
        all = servers.length == Long.SIZE ? -1L : (1L << servers.length) - 1;
    }

    /** Builds the ring of a cluster; {@link #forLoop()} gives each event loop its instance. */
    static HashRing build(List<Server> list) {
        Server[] servers = Cluster.checkedServers(list);
        long weights = 0;
        for (Server server : servers) {
            weights += server.config().weight();
        }
        boolean scaled = weights * POINTS_PER_WEIGHT > MAX_POINTS;
        List<Point> ring = new ArrayList<>();
        for (int s = 0; s < servers.length; s++) {
            int weight = servers[s].config().weight();
            long count = scaled ? Math.max(1, weight * (long) MAX_POINTS / weights) : weight * (long) POINTS_PER_WEIGHT;
            String address = servers[s].config().address().toString();
            for (int i = 0; i < count; i++) {
                long hash = KeyHash.hash((address + "-" + i).getBytes(StandardCharsets.UTF_8));
                ring.add(new Point(hash, address, s));
            }
        }
        // a tie between two 64-bit hashes is next to impossible, but it must still break the same way everywhere
        ring.sort(Comparator.comparingLong(Point::hash).thenComparing(Point::address).thenComparingInt(Point::server));
        long[] points = new long[ring.size()];
        byte[] owners = new byte[ring.size()];
        for (int i = 0; i < points.length; i++) {
            points[i] = ring.get(i).hash;
            owners[i] = (byte) ring.get(i).server;
        }
        return new HashRing(servers, points, owners);
    }

    private record Point(long hash, String address, int server) {
    }

    /** An instance for one more event loop, sharing this ring. */
    HashRing forLoop() {
        return new HashRing(servers, points, owners);
    }

    /** How many points the ring has (for tests). */
    int size() {
        return points.length;
    }

    @Override
    public int pick(long tried, long hash) {
        long skipped = tried & all;
        if (skipped == all) {
            return -1;
        }
        int n = points.length;
        int i = ceiling(hash);
        // each server owns at least one point, so the walk finds an available one or skips them all within a turn
        for (int step = 0; step < n; step++, i++) {
            if (i == n) {
                i = 0;
            }
            int s = owners[i];
            long bit = 1L << s;
            if ((skipped & bit) != 0) {
                continue;
            }
            if (servers[s].available()) {
                return s;
            }
            skipped |= bit;
            if (skipped == all) {
                return -1;
            }
        }
        return -1;
    }

    /** The index of the first point at or after {@code hash}, or {@code points.length} when it is past the last. */
    private int ceiling(long hash) {
        int lo = 0;
        int hi = points.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (points[mid] < hash) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
