package io.sluice.config;

import io.sluice.config.Node.Mapping;
import io.sluice.config.Node.Scalar;
import java.util.Locale;
import java.util.Set;

/** Reads one route of an http listener: what requests it matches and where they go. */
final class RouteReader {
    private final ValueReader values;
    /** Cluster names as written, even of clusters with problems, so a broken cluster does not also break its routes. */
    private final Set<String> clusterNames;

    RouteReader(ValueReader values, Set<String> clusterNames) {
        this.values = values;
        this.clusterNames = clusterNames;
    }

    RouteConfig route(Node node, String path) {
        Mapping m = values.asMapping(node, path);
        if (m == null) {
            return null;
        }
        values.checkKeys(m, path, "match", "cluster");
        RouteMatch match = new RouteMatch(null, null);
        Mapping mm = values.mapping(m, path, "match");
        if (mm != null) {
            String matchPath = Node.child(path, "match");
            values.checkKeys(mm, matchPath, "host", "path_prefix");
            match = new RouteMatch(host(mm, matchPath), pathPrefix(mm, matchPath));
        }
        return new RouteConfig(match, values.reference(m, path, "cluster", clusterNames, "cluster"));
    }

    private String host(Mapping match, String path) {
        Scalar s = values.scalar(match, path, "host", false, "a string");
        if (s == null) {
            return null;
        }
        String host = s.text().toLowerCase(Locale.ROOT);
        if (!Addresses.isHost(host)) {
            values.problem(s.line(), Node.child(path, "host"),
                    "bad host \"" + s.text() + "\" (expected a host name without port)");
        }
        return host;
    }

    private String pathPrefix(Mapping match, String path) {
        Scalar s = values.scalar(match, path, "path_prefix", false, "a string");
        if (s == null) {
            return null;
        }
        if (!s.text().startsWith("/")) {
            values.problem(s.line(), Node.child(path, "path_prefix"),
                    "bad path_prefix \"" + s.text() + "\" (must start with \"/\")");
        }
        return s.text();
    }
}
