package io.sluice.listener;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import io.sluice.config.ScreenConfig;

import java.net.InetAddress;

/**
 * A listener's screening (seed 001's security proxy): decides, before any byte of a connection is parsed, whether
 * its client may connect at all (allowed and denied address blocks) and whether it is within its per-client
 * limits (connections open at once, new connections per unit of time). A refused connection is closed without a
 * word. The client's state stays attached to an admitted connection, for its request rate.
 */
public final class Screen {
    private static final AttributeKey<ClientState> CLIENT = AttributeKey.valueOf("sluice.client");

    private final AddressBlocks allow;
    private final AddressBlocks deny;
    private final ClientTable clients;
    private final ListenerStats stats;

    public Screen(ScreenConfig config, ListenerStats stats) {
        this.allow = new AddressBlocks(config.allow());
        this.deny = new AddressBlocks(config.deny());
        this.clients = config.tracksClients() ? new ClientTable(config) : null;
        this.stats = stats;
    }

    /**
     * Whether {@code client} may have connection {@code connection}; when it may, the connection is counted for
     * the client until it closes. Any thread.
     */
    public boolean admit(Channel connection, InetAddress client) {
        if (!deny.isEmpty() && deny.contains(client) || !allow.isEmpty() && !allow.contains(client)) {
            stats.denied();
            return false;
        }
        if (clients == null) {
            return true;
        }
        ClientState state = clients.open(client, System.nanoTime());
        if (state == null) {
            stats.clientLimited();
            return false;
        }
        connection.attr(CLIENT).set(state);
        connection.closeFuture().addListener(f -> release(connection));
        return true;
    }

    /**
     * Stops counting an admitted connection for its client; idempotent. Its close does it, but a connection closed
     * before it was registered with an event loop (refused at {@code max_connections}) never completes its close
     * future, so whoever closes it so calls this.
     */
    public void release(Channel connection) {
        ClientState state = connection.hasAttr(CLIENT) ? connection.attr(CLIENT).getAndSet(null) : null;
        if (state != null) {
            clients.close(state);
        }
    }

    /** The client state of an admitted connection, or {@code null} when its listener does not track clients. */
    public static ClientState client(Channel connection) {
        return connection.hasAttr(CLIENT) ? connection.attr(CLIENT).get() : null;
    }
}
