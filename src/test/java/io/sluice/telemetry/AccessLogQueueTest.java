package io.sluice.telemetry;

import io.sluice.config.AccessLogConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.io.Writer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The queue between the event loops and the writer: bounded, a full queue drops and counts at once instead of
 * waiting, and closing writes what is queued.
 */
@Timeout(value = 20, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class AccessLogQueueTest {
    /** A writer whose first write blocks until released, like a disk that stalls. */
    private static final class StalledWriter extends Writer {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final StringWriter text = new StringWriter();

        @Override
        public void write(char[] buf, int off, int len) {
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // close() interrupts the writer: keep the flag, go on
            }
            synchronized (text) {
                text.write(buf, off, len);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }

        long lines() {
            synchronized (text) {
                return text.toString().lines().count();
            }
        }
    }

    private static AccessRecord record(int i) {
        AccessRecord r = new AccessRecord();
        r.listener = "web";
        r.status = 200;
        r.bytesIn = i;
        return r;
    }

    @Test
    void fullQueueDropsAndCountsWithoutBlocking() throws Exception {
        StalledWriter out = new StalledWriter();
        AccessLog log = new AccessLog(out, null, null, 16);
        try {
            log.offer(record(0));
            assertThat(out.entered.await(5, TimeUnit.SECONDS)).as("the writer took the first line").isTrue();
            long began = System.nanoTime();
            for (int i = 1; i <= 1000; i++) {
                log.offer(record(i));
            }
            long tookMillis = (System.nanoTime() - began) / 1_000_000;
            assertThat(tookMillis).as("offers never wait for the writer").isLessThan(2000);
            // the writer holds one line; the queue takes 16 more, and the rest of the burst is dropped
            assertThat(log.dropped()).isEqualTo(1000 - 16);
            assertThat(log.written()).isZero();
            out.release.countDown();
        } finally {
            log.close();
        }
        assertThat(log.written()).isEqualTo(17);
        assertThat(out.lines()).isEqualTo(17);
        log.offer(record(2000));
        assertThat(log.dropped()).as("after close, dropped").isEqualTo(1000 - 16 + 1);
    }

    @Test
    void closeWritesWhatIsQueuedAndFlushes() {
        StringWriter text = new StringWriter();
        AccessLog log = new AccessLog(text, null, null, 1024);
        for (int i = 0; i < 500; i++) {
            log.offer(record(i));
        }
        log.close();
        assertThat(log.written()).isEqualTo(500);
        assertThat(log.dropped()).isZero();
        assertThat(text.toString().lines().count()).isEqualTo(500);
        assertThat(text.toString().lines().toList().get(499)).contains("\"bytes_in\":499");
    }

    @Test
    void standardOutputGetsTheLinesAndStaysOpen() throws Exception {
        PrintStream before = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream capture = new PrintStream(captured, true, StandardCharsets.UTF_8);
        System.setOut(capture);
        try {
            AccessLog log = AccessLog.open(new AccessLogConfig(null, AccessLogConfig.parseTemplate("%status %bytes_in"),
                    16));
            log.offer(record(7));
            log.close();
            capture.println("still open");
        } finally {
            System.setOut(before);
        }
        assertThat(captured.toString(StandardCharsets.UTF_8)).isEqualTo("200 7\nstill open" + System.lineSeparator());
        assertThat(capture.checkError()).isFalse();
    }
}
