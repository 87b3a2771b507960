package io.sluice.config;

/** Socket transport: {@code auto} picks native epoll where available, NIO otherwise. */
public enum Transport { AUTO, EPOLL, NIO }
