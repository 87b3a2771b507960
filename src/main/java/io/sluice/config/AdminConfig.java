package io.sluice.config;

/** The admin listener (stats, later metrics and dashboard). */
public record AdminConfig(HostPort address) {
}
