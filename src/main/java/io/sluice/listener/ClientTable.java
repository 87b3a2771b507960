package io.sluice.listener;

import io.sluice.config.RateLimit;
import io.sluice.config.ScreenConfig;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The clients of one listener, each with its open connections and rate buckets, shared by every event loop. An IPv6
 * client is its /64, the block one subscriber usually gets, so that one host cannot escape its limits by cycling
 * through the addresses it owns. Bounded: beyond {@code tracked_clients} the client idle (without connections) the
 * longest is forgotten (its rates start afresh when it comes back). Striped, so loops accepting at once
 * rarely wait for each other. At most {@code tracked_clients} are remembered, plus clients beyond that which hold
 * connections (bounded by {@code max_connections}).
 */
final class ClientTable {
    private static final int STRIPES = 16;

    record Key(long high, long low) {
        static Key of(InetAddress address) {
            byte[] b = address.getAddress();
            if (address instanceof Inet4Address) {
                return new Key(-1, (b[0] & 0xffL) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff));
            }
            long high = 0;
            for (int i = 0; i < 8; i++) {
                high = high << 8 | (b[i] & 0xff);
            }
            return new Key(high, 0);
        }
    }

    private final ScreenConfig config;
    private final Stripe[] stripes = new Stripe[STRIPES];

    ClientTable(ScreenConfig config) {
        this.config = config;
        int perStripe = Math.max(1, (config.trackedClients() + STRIPES - 1) / STRIPES);
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new Stripe(perStripe);
        }
    }

    /**
     * Counts a new connection of {@code client} at {@code nowNanos}.
     *
     * @return the client's state, or {@code null} when the connection is over the client's limits
     */
    ClientState open(InetAddress client, long nowNanos) {
        Key key = Key.of(client);
        Stripe stripe = stripe(key);
        synchronized (stripe) {
            ClientState state = stripe.get(key);
            if (state == null) {
                state = new ClientState(key, bucket(config.connectionRate()), bucket(config.requestRate()));
                stripe.insert(state);
            }
            if (config.maxConnectionsPerClient() > 0 && state.connections >= config.maxConnectionsPerClient()) {
                return null;
            }
            if (state.connectRate != null && state.connectRate.take(nowNanos) != 0) {
                return null;
            }
            if (state.connections++ == 0) {
                stripe.busy(state);
            }
            return state;
        }
    }

    void close(ClientState state) {
        Stripe stripe = stripe(state.key);
        synchronized (stripe) {
            if (--state.connections == 0) {
                stripe.idle(state);
            }
        }
    }

    /** Clients remembered now (for tests and stats). */
    int size() {
        int n = 0;
        for (Stripe s : stripes) {
            synchronized (s) {
                n += s.size();
            }
        }
        return n;
    }

    private Stripe stripe(Key key) {
        int h = Long.hashCode(key.high * 0x9E3779B97F4A7C15L ^ key.low * 0xC2B2AE3D27D4EB4FL);
        return stripes[(h ^ h >>> 16) & (STRIPES - 1)];
    }

    private static TokenBucket bucket(RateLimit limit) {
        return limit == null ? null : new TokenBucket(limit);
    }

    /**
     * One stripe: every client it remembers, and those without connections in the order they became idle, the
     * eldest forgotten first when the stripe is full. A client holding connections is never forgotten (its count
     * must stay exact); those are bounded by the listener's {@code max_connections}.
     */
    private static final class Stripe {
        private final int capacity;
        private final Map<Key, ClientState> all = new HashMap<>();
        private final LinkedHashMap<Key, ClientState> idle = new LinkedHashMap<>();

        Stripe(int capacity) {
            this.capacity = capacity;
        }

        ClientState get(Key key) {
            return all.get(key);
        }

        int size() {
            return all.size();
        }

        /** A new client, without connections yet. */
        void insert(ClientState state) {
            Iterator<ClientState> eldest = idle.values().iterator();
            while (all.size() >= capacity && eldest.hasNext()) {
                all.remove(eldest.next().key);
                eldest.remove();
            }
            all.put(state.key, state);
            idle.put(state.key, state);
        }

        void busy(ClientState state) {
            idle.remove(state.key);
        }

        void idle(ClientState state) {
            idle.put(state.key, state);
            if (all.size() > capacity) {
                Iterator<ClientState> eldest = idle.values().iterator();
                ClientState forgotten = eldest.next();
                eldest.remove();
                all.remove(forgotten.key);
            }
        }
    }
}
