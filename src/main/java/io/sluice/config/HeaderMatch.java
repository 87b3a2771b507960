package io.sluice.config;

/**
 * A route condition on a request header.
 *
 * @param name  field name, compared case-insensitively
 * @param value exact value the field must have; {@code null}: the field must only be present
 */
public record HeaderMatch(String name, String value) {
}
