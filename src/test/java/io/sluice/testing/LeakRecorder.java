package io.sluice.testing;

import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import io.netty.util.ResourceLeakTracker;

import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Records every Netty {@code LEAK:} report in this JVM so tests can fail on it.
 *
 * <p>Installs a {@link ResourceLeakDetectorFactory} whose detectors keep each report in a queue (and still log it
 * as Netty does). The factory must be in place before Netty creates its detectors in static initialisers (e.g.
 * {@code AbstractByteBuf.leakDetector}); {@link NettyLeakCheck} installs it when JUnit loads it, before any test
 * class is initialised, and {@link #install()} checks that the ByteBuf detector is really ours.
 *
 * <p>Netty only notices a leak when the garbage collector has cleared the leaked object and the detector is next
 * used; {@link #collect()} forces both: it runs GC until a sentinel reference is cleared, then makes every detector
 * poll its reference queue.
 */
public final class LeakRecorder {
    private static final ConcurrentLinkedQueue<String> LEAKS = new ConcurrentLinkedQueue<>();
    private static final List<RecordingDetector<?>> DETECTORS = new CopyOnWriteArrayList<>();
    private static volatile boolean installed;

    private LeakRecorder() {
    }

    /** Installs the recording factory (idempotent) and raises the level to paranoid. */
    public static synchronized void install() {
        if (installed) {
            return;
        }
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new RecordingFactory());
        installed = true;
        verifyByteBufDetector();
    }

    /** Whether {@link #install()} ran (it runs when JUnit auto-detects {@link NettyLeakCheck}). */
    public static boolean isInstalled() {
        return installed;
    }

    /** Fails when Netty's ByteBuf detector was created before the factory was installed (reports would be lost). */
    private static void verifyByteBufDetector() {
        try {
            Class<?> c = Class.forName("io.netty.buffer.AbstractByteBuf", true, LeakRecorder.class.getClassLoader());
            Field f = c.getDeclaredField("leakDetector");
            f.setAccessible(true);
            Object detector = f.get(null);
            if (!(detector instanceof RecordingDetector)) {
                throw new IllegalStateException("Netty's ByteBuf leak detector was created before LeakRecorder was "
                        + "installed (" + detector.getClass().getName() + "): leaks would not fail tests");
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            if (e instanceof IllegalStateException) {
                throw (IllegalStateException) e;
            }
            // layout changed in a later Netty: the self-test (LeakRecorderTest) still proves detection end to end
        }
    }

    /** Runs GC, makes every detector report what it found, and returns (and forgets) all reports so far. */
    public static List<String> collect() {
        gc();
        for (RecordingDetector<?> d : DETECTORS) {
            d.poll();
        }
        return drain();
    }

    /** Returns and forgets the reports recorded so far, without forcing GC. */
    public static List<String> drain() {
        List<String> out = new ArrayList<>();
        for (String s; (s = LEAKS.poll()) != null; ) {
            out.add(s);
        }
        return out;
    }

    /** Runs GC until a fresh weakly reachable sentinel has been cleared and enqueued (bounded: ~2 s). */
    static void gc() {
        for (int round = 0; round < 2; round++) {
            ReferenceQueue<Object> queue = new ReferenceQueue<>();
            WeakReference<Object> sentinel = new WeakReference<>(new Object(), queue);
            try {
                for (int i = 0; i < 20; i++) {
                    System.gc();
                    if (queue.remove(50) != null) {
                        break;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            Reference.reachabilityFence(sentinel);
        }
    }

    private static final class RecordingFactory extends ResourceLeakDetectorFactory {
        @Override
        @SuppressWarnings("deprecation")
        public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval,
                                                                   long maxActive) {
            return newResourceLeakDetector(resource, samplingInterval);
        }

        @Override
        public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval) {
            RecordingDetector<T> d = new RecordingDetector<>(resource, samplingInterval);
            DETECTORS.add(d);
            return d;
        }
    }

    private static final class RecordingDetector<T> extends ResourceLeakDetector<T> {
        RecordingDetector(Class<?> resource, int samplingInterval) {
            super(resource, samplingInterval);
        }

        /** Makes the detector drain its reference queue (Netty does that whenever it tracks something). */
        @SuppressWarnings("unchecked")
        void poll() {
            Object dummy = new Object();
            ResourceLeakTracker<Object> t = ((ResourceLeakDetector<Object>) (ResourceLeakDetector<?>) this)
                    .trackForcibly(dummy);
            if (t != null) {
                t.close(dummy);
            }
        }

        @Override
        protected boolean needReport() {
            return true;                // record even when Netty's logger has error level off
        }

        @Override
        protected void reportTracedLeak(String resourceType, String records) {
            LEAKS.add("LEAK: " + resourceType + ".release() was not called before it was garbage-collected."
                    + records);
            super.reportTracedLeak(resourceType, records);
        }

        @Override
        protected void reportUntracedLeak(String resourceType) {
            LEAKS.add("LEAK: " + resourceType + ".release() was not called before it was garbage-collected "
                    + "(no access records)");
            super.reportUntracedLeak(resourceType);
        }
    }
}
