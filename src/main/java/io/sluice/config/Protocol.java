package io.sluice.config;

/** What a listener speaks. */
public enum Protocol { HTTP, TCP }
