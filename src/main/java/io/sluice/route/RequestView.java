package io.sluice.route;

/**
 * What routing reads from a parsed request head: offsets into the buffer holding it, so that matching compares
 * bytes in place. Implemented by the HTTP parser.
 */
public interface RequestView {
    int methodStart();

    int methodEnd();

    /** Start of the host to route on (the authority of an absolute-form target, else the Host field), or -1. */
    int routeHostStart();

    /** End of that host, port included. */
    int routeHostEnd();

    int pathStart();

    /** End of the path: before '?', or the target end. */
    int pathEnd();

    int headerCount();

    int nameStart(int i);

    int nameEnd(int i);

    int valueStart(int i);

    int valueEnd(int i);
}
