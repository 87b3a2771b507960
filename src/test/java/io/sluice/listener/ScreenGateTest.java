package io.sluice.listener;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.sluice.config.ScreenConfig;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The gate in a listening channel's pipeline, with accepted connections simulated by embedded channels. */
class ScreenGateTest {
    private static final InetSocketAddress CLIENT = new InetSocketAddress("192.0.2.7", 40000);

    /** An accepted connection from {@link #CLIENT}. */
    private static EmbeddedChannel accepted() {
        return new EmbeddedChannel() {
            @Override
            protected SocketAddress remoteAddress0() {
                return CLIENT;
            }
        };
    }

    @Test
    void aConnectionRefusedAfterTheGateStopsCountingForItsClient() {
        Screen screen = new Screen(new ScreenConfig(List.of(), List.of(), 1, null, null, 1024), new ListenerStats());
        List<Channel> passed = new ArrayList<>();
        // stands for the AcceptLimiter at max_connections: closes the child before it is registered anywhere
        EmbeddedChannel listening = new EmbeddedChannel(new ScreenGate(screen), new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                Channel child = (Channel) msg;
                passed.add(child);
                child.unsafe().closeForcibly();
            }
        });
        EmbeddedChannel first = accepted();
        listening.writeInbound(first);
        assertThat(first.isOpen()).isFalse();
        assertThat(first.closeFuture().isDone()).as("closed forcibly: no close future").isFalse();
        EmbeddedChannel second = accepted();
        listening.writeInbound(second);
        assertThat(passed).as("the first one's slot was given back").containsExactly(first, second);
    }

    @Test
    void anAdmittedConnectionCountsUntilItCloses() {
        Screen screen = new Screen(new ScreenConfig(List.of(), List.of(), 1, null, null, 1024), new ListenerStats());
        EmbeddedChannel listening = new EmbeddedChannel(new ScreenGate(screen));
        EmbeddedChannel first = accepted();
        listening.writeInbound(first);
        EmbeddedChannel second = accepted();
        listening.writeInbound(second);
        assertThat(second.isOpen()).as("over the client's limit").isFalse();
        assertThat((Object) listening.readInbound()).isSameAs(first);
        assertThat((Object) listening.readInbound()).isNull();
        first.close();
        EmbeddedChannel third = accepted();
        listening.writeInbound(third);
        assertThat((Object) listening.readInbound()).isSameAs(third);
    }
}
