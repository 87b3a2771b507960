package io.sluice.config;

import java.util.List;

/**
 * Who may connect to a listener and how often, checked as a connection is accepted (or, on an
 * {@code accept_proxy} listener, once the PROXY header named the real client), before any byte is parsed.
 *
 * @param allow                    when not empty, only clients in these blocks are served
 * @param deny                     clients in these blocks are refused, whatever {@code allow} says
 * @param maxConnectionsPerClient  connections one client may hold open at once; 0 (the default): no limit
 * @param connectionRate           new connections per client; {@code null} (the default): no limit
 * @param requestRate              requests per client across the listener's routes, answered 429 beyond;
 *                                 {@code null} (the default): no limit
 * @param trackedClients           clients whose rates are remembered at once (default 65536); the least recently
 *                                 seen one without open connections is forgotten first
 */
public record ScreenConfig(List<Cidr> allow, List<Cidr> deny, int maxConnectionsPerClient, RateLimit connectionRate,
                           RateLimit requestRate, int trackedClients) {
    public static final int DEFAULT_TRACKED_CLIENTS = 65_536;
    public static final ScreenConfig NONE = new ScreenConfig(List.of(), List.of(), 0, null, null,
            DEFAULT_TRACKED_CLIENTS);

    public ScreenConfig {
        allow = List.copyOf(allow);
        deny = List.copyOf(deny);
    }

    /** Whether clients are counted per address: a per-client limit is set. */
    public boolean tracksClients() {
        return maxConnectionsPerClient > 0 || connectionRate != null || requestRate != null;
    }

    /** Whether anything is checked at all. */
    public boolean active() {
        return !allow.isEmpty() || !deny.isEmpty() || tracksClients();
    }
}
