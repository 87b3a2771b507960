package io.sluice.tcp;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ReflectiveChannelFactory;
import io.netty.channel.epoll.AbstractEpollStreamChannel;
import io.netty.channel.epoll.Native;
import io.sluice.log.Log;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Method;

/**
 * Keeps a half-closed epoll channel registered with epoll, working around a Netty 4.2.18 bug.
 *
 * <p>When a channel's interest set becomes empty (input shut down, so no EPOLLIN or EPOLLRDHUP, and nothing
 * waiting to be written), Netty removes the descriptor from epoll but still believes it is there; the next time
 * a write fills the socket buffer it asks epoll to <em>modify</em> the registration, gets ENOENT, and fails the
 * channel: a client that shut its write side loses the tail of a large answer. Netty's own registration code is
 * private, so the interest set is kept from ever becoming empty: EPOLLERR is added to it, which changes nothing
 * else (epoll reports errors whether asked or not). Remove this class once Netty registers again instead of
 * modifying after such a removal.
 */
public final class EpollRegistration {
    private static final MethodHandle SET_FLAG = setFlag();

    private EpollRegistration() {
    }

    private static MethodHandle setFlag() {
        try {
            Method m = AbstractEpollStreamChannel.class.getSuperclass().getDeclaredMethod("setFlag", int.class);
            m.setAccessible(true);
            return MethodHandles.lookup().unreflect(m);
        } catch (ReflectiveOperationException | RuntimeException e) {
            Log.event("cannot keep half-closed epoll channels registered (" + e + "): large transfers to clients"
                    + " that shut their write side may be cut short");
            return null;
        }
    }

    /** Makes channels of {@code type} that are {@linkplain #keep kept} from the start, at no cost. */
    public static <C extends Channel> ChannelFactory<C> keptChannels(Class<C> type) {
        ReflectiveChannelFactory<C> plain = new ReflectiveChannelFactory<>(type);
        return () -> {
            C channel = plain.newChannel();
            keep(channel);
            return channel;
        };
    }

    /**
     * Keeps {@code channel} in epoll's interest list until it closes; call before it is registered or on its event
     * loop while it still has interest (Netty may already have removed an idle channel it believes registered).
     */
    static void keep(Channel channel) {
        if (SET_FLAG == null || !(channel instanceof AbstractEpollStreamChannel)) {
            return;
        }
        try {
            SET_FLAG.invoke(channel, Native.EPOLLERR);
        } catch (Throwable e) {
            channel.pipeline().fireExceptionCaught(e);
        }
    }
}
