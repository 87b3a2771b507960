package io.sluice.cluster;

import java.util.Locale;

/** Administrative and health state of a server, as shown in /stats. */
public enum ServerState {
    UP;

    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }
}
