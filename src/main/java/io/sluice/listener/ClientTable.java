package io.sluice.listener;

import io.sluice.config.RateLimit;
import io.sluice.config.ScreenConfig;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The clients of one listener, each with its open connections and rate buckets, shared by every event loop. An IPv6
 * client is its /64, the block one subscriber usually gets, so that one host cannot escape its limits by cycling
 * through the addresses it owns. Bounded: beyond {@code tracked_clients} the least recently connected client without
 * open connections is forgotten (its rates start afresh when it comes back). Striped, so loops accepting at once
 * rarely wait for each other.
 */
final class ClientTable {
    private static final int STRIPES = 16;
    /** Eldest entries looked at to find one to forget; beyond, the stripe grows (only clients holding connections). */
    private static final int EVICTION_SCAN = 16;

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
                state = new ClientState(key, bucket(config.connectionRate()),
                        bucket(config.requestRate()));
                stripe.insert(key, state);
            }
            if (config.maxConnectionsPerClient() > 0 && state.connections >= config.maxConnectionsPerClient()) {
                return null;
            }
            if (state.connectRate != null && state.connectRate.take(nowNanos) != 0) {
                return null;
            }
            state.connections++;
            return state;
        }
    }

    void close(ClientState state) {
        Stripe stripe = stripe(state.key);
        synchronized (stripe) {
            state.connections--;
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

    private static final class Stripe extends LinkedHashMap<Key, ClientState> {
        private final int capacity;

        Stripe(int capacity) {
            super(16, 0.75f, true);
            this.capacity = capacity;
        }

        void insert(Key key, ClientState state) {
            if (size() >= capacity) {
                Iterator<Map.Entry<Key, ClientState>> eldest = entrySet().iterator();
                for (int i = 0; i < EVICTION_SCAN && eldest.hasNext(); i++) {
                    if (eldest.next().getValue().connections == 0) {
                        eldest.remove();
                        break;
                    }
                }
            }
            put(key, state);
        }
    }
}
