package io.sluice.config;

/** A route: requests matching {@code match} go to {@code cluster}. */
public record RouteConfig(RouteMatch match, String cluster) {
}
