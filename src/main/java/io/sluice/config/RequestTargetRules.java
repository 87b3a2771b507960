package io.sluice.config;

/**
 * Which request targets a listener accepts (RFC 9112 §3.2).
 *
 * @param absoluteForm {@code GET http://host/path} (default true: clients configured with a proxy send it)
 * @param strict       the target holds only RFC 3986 characters and its path is in normal form: no dot segments,
 *                     no empty segments, no percent-encoded unreserved characters (default true), so that a route
 *                     on {@code /admin} sees every path a server would take for {@code /admin}; false accepts any
 *                     visible ASCII, matched as written
 */
public record RequestTargetRules(boolean absoluteForm, boolean strict) {
    public static final RequestTargetRules DEFAULTS = new RequestTargetRules(true, true);
}
