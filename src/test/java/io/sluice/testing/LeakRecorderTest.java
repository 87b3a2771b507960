package io.sluice.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Proves that the leak check of the suite really sees Netty leaks (and is quiet when there are none). */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LeakRecorderTest {

    @Test
    void suiteWideCheckIsRegisteredByAutoDetection() {
        // Nothing in this class installs the recorder: NettyLeakCheck did, loaded through META-INF/services.
        assertThat(LeakRecorder.isInstalled()).isTrue();
    }

    @Test
    void suiteWideCheckFailsOnALeak() {
        LeakRecorder.collect();
        leakOneBuffer();
        assertThatThrownBy(() -> {
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (System.nanoTime() < deadline) {
                NettyLeakCheck.check("in the self-test");
            }
        }).isInstanceOf(AssertionError.class).hasMessageContaining("LEAK: ").hasMessageContaining("in the self-test");
    }

    @Test
    void levelIsParanoid() {
        assertThat(ResourceLeakDetector.getLevel()).isEqualTo(ResourceLeakDetector.Level.PARANOID);
    }

    @Test
    void leakedByteBufIsReported() {
        LeakRecorder.collect();                       // start clean (earlier leaks fail their own tests)
        leakOneBuffer();
        List<String> leaks = new ArrayList<>();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (leaks.isEmpty() && System.nanoTime() < deadline) {
            leaks.addAll(LeakRecorder.collect());
        }
        // The report was drained here, so the suite-wide NettyLeakCheck does not fail this test.
        assertThat(leaks).as("leak reports").isNotEmpty();
        assertThat(leaks).anySatisfy(l -> assertThat(l).startsWith("LEAK: ").contains("ByteBuf"));
    }

    @Test
    void releasedByteBufIsNotReported() {
        LeakRecorder.collect();
        ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(64);
        b.writeLong(42);
        b.release();
        b = null;
        assertThat(LeakRecorder.collect()).isEmpty();
    }

    /** Allocates a tracked direct buffer and drops it without release(). */
    private static void leakOneBuffer() {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(64);
        b.writeLong(42);
        b.touch("deliberately leaked by LeakRecorderTest");
    }
}
