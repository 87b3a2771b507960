package io.sluice;

import java.util.List;

/**
 * What a reload did.
 *
 * @param changes     one line per cluster or listener added, changed, rebound or removed
 * @param needRestart top-level keys that changed but only take effect after a restart
 */
public record ReloadReport(List<String> changes, List<String> needRestart) {
    public ReloadReport {
        changes = List.copyOf(changes);
        needRestart = List.copyOf(needRestart);
    }

    @Override
    public String toString() {
        String what = changes.isEmpty() ? "no change" : String.join(", ", changes);
        return needRestart.isEmpty() ? what : what + "; needs a restart to change: " + String.join(", ", needRestart);
    }
}
