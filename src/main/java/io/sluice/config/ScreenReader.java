package io.sluice.config;

import io.sluice.config.Node.Mapping;
import io.sluice.config.Node.Scalar;

import java.util.List;

/** Reads a listener's {@code screen} section: address blocks allowed and denied, and per-client limits. */
final class ScreenReader {
    private final ValueReader values;

    ScreenReader(ValueReader values) {
        this.values = values;
    }

    ScreenConfig screen(Mapping listener, String listenerPath) {
        String path = Node.child(listenerPath, "screen");
        Mapping m = values.mapping(listener, listenerPath, "screen");
        if (m == null) {
            return ScreenConfig.NONE;
        }
        values.checkKeys(m, path, "allow", "deny", "max_connections_per_client", "connection_rate", "request_rate",
                "tracked_clients");
        List<Cidr> allow = blocks(m, path, "allow");
        List<Cidr> deny = blocks(m, path, "deny");
        int perClient = values.integer(m, path, "max_connections_per_client", 0, 0, Integer.MAX_VALUE);
        RateLimit connectionRate = values.rate(m, path, "connection_rate");
        RateLimit requestRate = values.rate(m, path, "request_rate");
        int tracked = values.integer(m, path, "tracked_clients", ScreenConfig.DEFAULT_TRACKED_CLIENTS, 16,
                16_777_216);
        return new ScreenConfig(allow, deny, perClient, connectionRate, requestRate, tracked);
    }

    private List<Cidr> blocks(Mapping m, String path, String key) {
        return values.list(m, path, key, false, "address block", (node, itemPath) -> {
            Scalar s = values.asScalar(node, itemPath, "an address block such as 10.0.0.0/8");
            return s == null ? null : values.parsed(s, itemPath, Cidr::parse, null);
        });
    }
}
