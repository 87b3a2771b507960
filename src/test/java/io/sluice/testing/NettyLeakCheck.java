package io.sluice.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.List;

/**
 * Fails a test when Netty reported a resource leak during it (or, since leaks surface only after GC, during an
 * earlier test whose garbage was collected since). Registered for every test class through JUnit's extension
 * auto-detection ({@code src/test/resources/META-INF/services/org.junit.jupiter.api.extension.Extension} and
 * {@code junit.jupiter.extensions.autodetection.enabled=true}), which loads it before any test class is initialised,
 * early enough to install {@link LeakRecorder}'s detector factory.
 *
 * <p>Auto-detected extensions are registered first, so their after-each callbacks run last: after fixtures such
 * as {@link ProxyFixture} have closed the proxy and its buffers have become garbage.
 */
public final class NettyLeakCheck implements AfterEachCallback, AfterAllCallback {
    static {
        LeakRecorder.install();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        check("after " + context.getDisplayName());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        check("after all tests of " + context.getDisplayName());
    }

    /** Fails when Netty reported a leak; package-private for {@link LeakRecorderTest}. */
    static void check(String when) {
        List<String> leaks = LeakRecorder.collect();
        if (!leaks.isEmpty()) {
            throw new AssertionError("Netty reported " + leaks.size() + " leak(s) " + when + " (the leak may come "
                    + "from an earlier test of this JVM):\n" + String.join("\n\n", leaks));
        }
    }
}
