package io.sluice.cluster;

import io.netty.buffer.ByteBuf;

/**
 * The hash of consistent hashing: stable across processes, JVMs and restarts (so every Sluice with the same
 * config sends a key to the same server), fast on request bytes in place. 64-bit FNV-1a, then a finalising mix
 * (from SplitMix64) so that similar keys land far apart on the ring.
 */
public final class KeyHash {
    private static final long OFFSET = 0xcbf29ce484222325L;
    private static final long PRIME = 0x100000001b3L;

    private KeyHash() {
    }

    public static long hash(ByteBuf buf, int from, int to) {
        long h = OFFSET;
        for (int i = from; i < to; i++) {
            h = (h ^ (buf.getByte(i) & 0xFF)) * PRIME;
        }
        return mix(h);
    }

    public static long hash(byte[] bytes) {
        long h = OFFSET;
        for (byte b : bytes) {
            h = (h ^ (b & 0xFF)) * PRIME;
        }
        return mix(h);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
