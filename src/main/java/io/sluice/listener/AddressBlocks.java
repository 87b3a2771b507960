package io.sluice.listener;

import io.sluice.config.Cidr;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A set of address blocks answering "is this address in one of them" with one hash lookup per distinct prefix
 * length in the set, so that a deny list of thousands of blocks costs what a list of a few does.
 */
final class AddressBlocks {
    private final PrefixSet v4 = new PrefixSet(32);
    private final PrefixSet v6 = new PrefixSet(128);

    AddressBlocks(List<Cidr> blocks) {
        for (Cidr block : blocks) {
            byte[] network = block.network();
            (network.length == 4 ? v4 : v6).add(network, block.prefix());
        }
    }

    boolean isEmpty() {
        return v4.isEmpty() && v6.isEmpty();
    }

    boolean contains(InetAddress address) {
        return (address instanceof Inet4Address ? v4 : v6).contains(address.getAddress());
    }

    /** Blocks of one address family, as their network bits (high, low) per prefix length. */
    private static final class PrefixSet {
        private record Key(long high, long low) {
        }

        @SuppressWarnings("unchecked")
        private final Set<Key>[] byLength;
        private int[] lengths = new int[0];

        @SuppressWarnings("unchecked")
        PrefixSet(int bits) {
            byLength = new Set[bits + 1];
        }

        void add(byte[] network, int prefix) {
            if (byLength[prefix] == null) {
                byLength[prefix] = new HashSet<>();
                lengths = Arrays.copyOf(lengths, lengths.length + 1);
                lengths[lengths.length - 1] = prefix;
            }
            byLength[prefix].add(masked(network, prefix));
        }

        boolean isEmpty() {
            return lengths.length == 0;
        }

        boolean contains(byte[] address) {
            for (int prefix : lengths) {
                if (byLength[prefix].contains(masked(address, prefix))) {
                    return true;
                }
            }
            return false;
        }

        private static Key masked(byte[] address, int prefix) {
            long high = 0;
            long low = 0;
            for (int i = 0; i < address.length; i++) {
                int bitsBefore = i * 8;
                int keep = Math.max(0, Math.min(8, prefix - bitsBefore));
                int b = address[i] & (0xff00 >>> keep) & 0xff;
                if (i < 8) {
                    high = high << 8 | b;
                } else {
                    low = low << 8 | b;
                }
            }
            return new Key(high, low);
        }
    }
}
