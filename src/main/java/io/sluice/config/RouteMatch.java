package io.sluice.config;

/**
 * What a request must look like for a route to apply; a {@code null} field matches anything.
 *
 * @param host       exact host name, compared case-insensitively and without port
 * @param pathPrefix request path prefix, compared byte for byte
 */
public record RouteMatch(String host, String pathPrefix) {
}
