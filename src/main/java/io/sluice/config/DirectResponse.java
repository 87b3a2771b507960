package io.sluice.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a route answers itself instead of sending the request to a cluster: {@code respond} or {@code redirect}.
 *
 * @param action   {@link Action#RESPOND} or {@link Action#REDIRECT}, for /stats and the access log
 * @param status   the status answered
 * @param location the {@code Location} of a redirect, or {@code null}
 * @param body     the body (empty for a redirect)
 * @param headers  fields of the answer, in order (respond only)
 */
public record DirectResponse(Action action, int status, Template location, Template body,
                             Map<String, Template> headers) {
    /** Which key of the route made it. */
    public enum Action {
        RESPOND, REDIRECT;

        public String key() {
            return this == RESPOND ? "respond" : "redirect";
        }
    }

    public static final int DEFAULT_RESPOND_STATUS = 200;
    /** HAProxy's default; nginx's {@code return} needs one written. */
    public static final int DEFAULT_REDIRECT_STATUS = 302;
    public static final List<Integer> REDIRECT_STATUSES = List.of(301, 302, 303, 307, 308);
    public static final Template EMPTY = new Template(List.of());

    public DirectResponse {
        body = body == null ? EMPTY : body;
        headers = headers == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(headers));
    }

    /** Whether the status forbids a body and Content-Length (RFC 9110 §8.6, §15.3.5, §15.4.5). */
    public boolean bodiless() {
        return status == 204 || status == 304;
    }
}
