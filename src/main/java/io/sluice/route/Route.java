package io.sluice.route;

import io.sluice.cluster.Cluster;

/** Where a matched request goes. */
public record Route(Cluster cluster) {
}
