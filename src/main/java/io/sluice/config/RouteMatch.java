package io.sluice.config;

import java.util.List;

/**
 * What a request must look like for a route to apply; a {@code null} (or empty list) field matches anything.
 *
 * @param host       host name without port, compared case-insensitively: exact, or {@code *.example.com} for
 *                   any name ending in {@code .example.com}
 * @param pathPrefix request path prefix, compared byte for byte
 * @param pathExact  the whole path (query excluded), byte for byte
 * @param pathRegex  a regular expression the whole path (query excluded) must match
 * @param methods    the request method must be one of these
 * @param headers    every one of these conditions must hold
 */
public record RouteMatch(String host, String pathPrefix, String pathExact, String pathRegex, List<String> methods,
                         List<HeaderMatch> headers) {
    public RouteMatch {
        methods = methods == null ? List.of() : List.copyOf(methods);
        headers = headers == null ? List.of() : List.copyOf(headers);
    }

    public RouteMatch(String host, String pathPrefix) {
        this(host, pathPrefix, null, null, List.of(), List.of());
    }
}
