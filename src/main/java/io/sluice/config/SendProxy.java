package io.sluice.config;

/** Whether a server connection starts with a PROXY protocol header naming the client, and which version. */
public enum SendProxy {
    OFF,
    /** The text header ("PROXY TCP4 ..."). */
    V1,
    /** The binary header. */
    V2
}
