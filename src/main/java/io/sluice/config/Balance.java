package io.sluice.config;

/** How a cluster picks a server. Only round robin exists so far; the loader rejects the others. */
public enum Balance { ROUND_ROBIN }
