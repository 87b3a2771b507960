package io.sluice.config;

import io.sluice.config.Node.Mapping;
import io.sluice.config.Node.Scalar;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** Reads a route's {@code respond} or {@code redirect}: what Sluice answers itself instead of a server. */
final class DirectResponseReader {
    private final ValueReader values;

    DirectResponseReader(ValueReader values) {
        this.values = values;
    }

    /** {@code respond: { status, body, headers }}. */
    DirectResponse respond(Mapping route, String routePath, RouteMatch match) {
        Mapping m = values.mapping(route, routePath, "respond");
        if (m == null) {
            return null;
        }
        String path = Node.child(routePath, "respond");
        values.checkKeys(m, path, "status", "body", "headers");
        int status = values.integer(m, path, "status", DirectResponse.DEFAULT_RESPOND_STATUS, 200, 599);
        Template body = DirectResponse.EMPTY;
        Node.Entry bodyEntry = m.entry("body");
        if (bodyEntry != null && !(bodyEntry.value() instanceof Scalar v && v.text() == null)) {
            Scalar s = values.asScalar(bodyEntry.value(), Node.child(path, "body"), "a string");
            body = s == null ? body : template(s, Node.child(path, "body"), match);
            if (!body.parts().isEmpty() && (status == 204 || status == 304)) {
                values.problem(bodyEntry.keyLine(), Node.child(path, "body"),
                        "a " + status + " answer has no body (RFC 9110)");
            }
        }
        return new DirectResponse(DirectResponse.Action.RESPOND, status, null, body, headers(m, path, match));
    }

    /** {@code redirect: { to, status }}. */
    DirectResponse redirect(Mapping route, String routePath, RouteMatch match) {
        Mapping m = values.mapping(route, routePath, "redirect");
        if (m == null) {
            return null;
        }
        String path = Node.child(routePath, "redirect");
        values.checkKeys(m, path, "to", "status");
        Scalar to = values.scalar(m, path, "to", true, "a URL or path");
        Template location = null;
        if (to != null) {
            String where = Node.child(path, "to");
            if (values.parsed(to, where, HttpSyntax::fieldValue, null) != null) {
                location = template(to, where, match);
            }
        }
        int status = DirectResponse.DEFAULT_REDIRECT_STATUS;
        Scalar s = values.scalar(m, path, "status", false, "a number");
        if (s != null) {
            try {
                status = Integer.parseInt(s.text());
            } catch (NumberFormatException e) {
                status = -1;
            }
            if (!DirectResponse.REDIRECT_STATUSES.contains(status)) {
                values.problem(s.line(), Node.child(path, "status"), "bad redirect status \"" + s.text()
                        + "\" (expected one of " + DirectResponse.REDIRECT_STATUSES + ")");
            }
        }
        return new DirectResponse(DirectResponse.Action.REDIRECT, status, location, null, null);
    }

    /** Fields in file order; their values may use variables too. */
    private Map<String, Template> headers(Mapping respond, String respondPath, RouteMatch match) {
        Mapping m = values.mapping(respond, respondPath, "headers");
        if (m == null) {
            return Map.of();
        }
        String path = Node.child(respondPath, "headers");
        Map<String, Integer> lines = new HashMap<>();
        Map<String, Template> fields = new LinkedHashMap<>();
        for (Node.Entry entry : m.entries().values()) {
            String where = Node.child(path, entry.key());
            String name = values.parsed(new Scalar(entry.keyLine(), entry.key()), where,
                    text -> HttpSyntax.token(text, "header name"), null);
            if (name != null) {
                Integer first = lines.putIfAbsent(name.toLowerCase(Locale.ROOT), entry.keyLine());
                if (first != null) {
                    values.problem(entry.keyLine(), where, "duplicate header \"" + name + "\" (first at line "
                            + first + "; names are case-insensitive)");
                } else if (HttpSyntax.isManagedField(name)) {
                    values.problem(entry.keyLine(), where, "\"" + name
                            + "\" cannot be set by a response (Sluice writes framing and hop-by-hop fields)");
                }
            }
            Scalar value = entry.value() instanceof Scalar v && v.text() == null ? null
                    : values.asScalar(entry.value(), where, "a string");
            if (value == null) {
                if (entry.value() instanceof Scalar) {
                    values.problem(entry.keyLine(), where, "expected a string (\"\" for an empty value), got nothing");
                }
                continue;
            }
            if (name != null && values.parsed(value, where, HttpSyntax::fieldValue, null) != null) {
                fields.put(name, template(value, where, match));
            }
        }
        return fields;
    }

    /** The text split into parts; an unknown variable, or one the route cannot fill, is a problem. */
    private Template template(Scalar s, String path, RouteMatch match) {
        Template t = values.parsed(s, path, Template::parse, DirectResponse.EMPTY);
        if (t.uses(Template.Variable.PATH_AFTER_PREFIX) && (match == null || match.pathPrefix() == null)) {
            values.problem(s.line(), path, "{path_after_prefix} needs match.path_prefix");
        }
        return t;
    }
}
