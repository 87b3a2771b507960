package io.sluice.deferred;

import io.sluice.cluster.Cluster;
import io.sluice.cluster.Server;
import io.sluice.config.DeferredConfig;
import io.sluice.log.Log;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.PriorityQueue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Store and forward (route option {@code deliver: deferred}, seed 004): requests are appended to the {@link Journal}
 * and made durable before their client gets 202, then delivered to their cluster in the background, retried with
 * exponential backoff until a 2xx, dead-lettered past the give-up limit. At least once: a crash after a delivery
 * and before its acknowledgement is forced delivers it again, with the same {@code Idempotency-Key}.
 *
 * <p>Threads. The event loops only {@link #submit}: an offer to a bounded queue, never a disk operation. One writer
 * thread takes every submission waiting, appends them, forces the segment once for the batch (group commit), and
 * completes each submission on the executor (its event loop) given with it. One sender thread delivers records in
 * order of their due time over plain blocking HTTP/1.1 connections (a first version: one connection per delivery).
 * Records waiting for delivery are also kept in memory; {@code max_journal_bytes} bounds both.
 */
public final class DeferredDelivery implements AutoCloseable {
    /** The answer to a submission, called on the submitter's executor. */
    public interface Completion {
        /** The request is durable under {@code id}. */
        void accepted(String id);

        /** The request was not stored: answer {@code status} (503: journal full or failing). */
        void refused(int status);
    }

    /** What {@code /stats} and {@code /metrics} show. */
    public record Snapshot(long queueDepth, long oldestAgeMillis, long accepted, long delivered, long retries,
                           long deadLetters, long journalBytes, long refused) {}

    private record Submission(String cluster, String method, String target, String headers, byte[] body,
                              Executor executor, Completion completion) {}

    private static final class Pending {
        final DeferredRecord record;
        final Journal.Position position;
        int attempts;
        long dueNanos;

        Pending(DeferredRecord record, Journal.Position position) {
            this.record = record;
            this.position = position;
        }
    }

    private static final int MAX_WAITING_SUBMISSIONS = 4096;
    private static final int CONNECT_TIMEOUT_MILLIS = 2000;
    private static final int READ_TIMEOUT_MILLIS = 30_000;

    private final DeferredConfig config;
    private final Journal journal;
    private final Function<String, Cluster> clusters;
    private final BlockingQueue<Submission> submissions = new ArrayBlockingQueue<>(MAX_WAITING_SUBMISSIONS);
    /** Records to deliver, by due time; guarded by itself. */
    private final PriorityQueue<Pending> queue = new PriorityQueue<>((a, b) -> Long.compare(a.dueNanos, b.dueNanos));
    private final Thread writer;
    private final Thread sender;
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();
    private final AtomicLong deadLetters = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private volatile boolean closed;

    private DeferredDelivery(DeferredConfig config, Journal journal, Function<String, Cluster> clusters) {
        this.config = config;
        this.journal = journal;
        this.clusters = clusters;
        long now = System.nanoTime();
        for (Journal.Recovered r : journal.recovered()) {
            Pending p = new Pending(r.record(), r.position());
            p.dueNanos = now;
            queue.add(p);
        }
        writer = new Thread(this::writeLoop, "sluice-deferred-writer");
        sender = new Thread(this::sendLoop, "sluice-deferred-sender");
        writer.setDaemon(true);
        sender.setDaemon(true);
    }

    /**
     * Opens the journal (recovering what was not delivered) and starts the writer and sender threads.
     *
     * @param clusters the current cluster of a name, or {@code null} when there is none (after a reload)
     */
    public static DeferredDelivery start(DeferredConfig config, Function<String, Cluster> clusters)
            throws IOException {
        DeferredDelivery d = new DeferredDelivery(config, Journal.open(config.journalDir(), config.segmentBytes()),
                clusters);
        if (!d.queue.isEmpty()) {
            Log.event("deferred: " + d.queue.size() + " records to deliver from " + config.journalDir());
        }
        d.writer.start();
        d.sender.start();
        return d;
    }

    /**
     * Stores a request for delivery; {@code completion} is called on {@code executor} once it is durable (or
     * refused). Never blocks: with too many submissions waiting for the disk, refuses at once (503).
     *
     * @param headers the forwarded request's field lines ({@code Name: value\r\n} each)
     */
    public void submit(String cluster, String method, String target, String headers, byte[] body, Executor executor,
                       Completion completion) {
        if (closed || !submissions.offer(new Submission(cluster, method, target, headers, body, executor,
                completion))) {
            refused.incrementAndGet();
            executor.execute(() -> completion.refused(503));
        }
    }

    // ---- writer thread

    private void writeLoop() {
        List<Submission> batch = new ArrayList<>();
        List<Object> outcomes = new ArrayList<>();
        while (!closed) {
            try {
                Submission first = submissions.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                submissions.drainTo(batch);
                List<Pending> stored = new ArrayList<>(batch.size());
                for (Submission s : batch) {
                    Pending p = store(s);
                    outcomes.add(p);
                    if (p != null) {
                        stored.add(p);
                    }
                }
                try {
                    journal.force(); // one force for the whole batch
                } catch (IOException e) {
                    Log.event("deferred: journal force failed: " + e);
                    stored.clear();
                    outcomes.replaceAll(o -> null);
                }
                synchronized (queue) {
                    long now = System.nanoTime();
                    for (Pending p : stored) {
                        p.dueNanos = now;
                        queue.add(p);
                    }
                    queue.notifyAll();
                }
                for (int i = 0; i < batch.size(); i++) {
                    Submission s = batch.get(i);
                    Object o = outcomes.get(i);
                    if (o instanceof Pending p) {
                        accepted.incrementAndGet();
                        String id = p.record.id();
                        s.executor().execute(() -> s.completion().accepted(id));
                    } else {
                        refused.incrementAndGet();
                        s.executor().execute(() -> s.completion().refused(503));
                    }
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                Log.event("deferred: writer: " + e);
            } finally {
                batch.clear();
                outcomes.clear();
            }
        }
    }

    /** Appends one submission (not forced yet); {@code null} when the journal is full or failing. */
    private Pending store(Submission s) {
        try {
            DeferredRecord probe = new DeferredRecord(idOf(0, 0), System.currentTimeMillis(), s.cluster(),
                    s.method(), s.target(), s.headers(), s.body());
            int length = probe.encode().length;
            if (journal.bytes() + length > config.maxJournalBytes()) {
                return null;
            }
            Journal.Position at = journal.nextPosition(length);
            DeferredRecord r = new DeferredRecord(idOf(at.segment(), at.offset()), probe.createdMillis(),
                    s.cluster(), s.method(), s.target(), s.headers(), s.body());
            journal.append(r.encode());
            return new Pending(r, at);
        } catch (IOException e) {
            Log.event("deferred: journal append failed: " + e);
            return null;
        }
    }

    /** Fixed width, so that every id frames to the same length and {@link Journal#nextPosition} holds. */
    private static String idOf(long segment, long offset) {
        return String.format(Locale.ROOT, "%016x-%012x", segment, offset);
    }

    // ---- sender thread

    private void sendLoop() {
        long lastAckForce = System.nanoTime();
        boolean acksDirty = false;
        while (!closed) {
            Pending p;
            try {
                synchronized (queue) {
                    p = queue.peek();
                    long wait = p == null ? TimeUnit.MILLISECONDS.toNanos(100) : p.dueNanos - System.nanoTime();
                    if (wait > 0) {
                        if (acksDirty) {
                            p = null; // force acknowledgements before sleeping
                        } else {
                            TimeUnit.NANOSECONDS.timedWait(queue, Math.min(wait, TimeUnit.MILLISECONDS.toNanos(100)));
                            continue;
                        }
                    } else {
                        queue.poll();
                    }
                }
                if (p != null) {
                    acksDirty |= attempt(p);
                }
                long now = System.nanoTime();
                if (acksDirty && (p == null || now - lastAckForce > TimeUnit.MILLISECONDS.toNanos(20))) {
                    journal.forceAcks();
                    acksDirty = false;
                    lastAckForce = now;
                }
            } catch (InterruptedException e) {
                return;
            } catch (IOException | RuntimeException e) {
                Log.event("deferred: sender: " + e);
            }
        }
    }

    /** One delivery of {@code p}; @return whether it is done (an acknowledgement was written). */
    private boolean attempt(Pending p) throws IOException {
        p.attempts++;
        boolean ok = false;
        Cluster cluster = clusters.apply(p.record.cluster());
        Server server = cluster == null ? null : pick(cluster, p.attempts);
        if (server != null) {
            ok = deliver(server.address(), p.record);
        }
        if (ok) {
            delivered.incrementAndGet();
            journal.done(p.position);
            return true;
        }
        long age = System.currentTimeMillis() - p.record.createdMillis();
        if (config.maxAttempts() > 0 && p.attempts >= config.maxAttempts()
                || age >= config.giveUpAfter().toMillis()) {
            deadLetters.incrementAndGet();
            journal.deadLetter(p.record.encode());
            journal.done(p.position);
            return true;
        }
        retries.incrementAndGet();
        long backoff = config.backoffInitial().toNanos() << Math.min(p.attempts - 1, 30);
        if (backoff <= 0 || backoff > config.backoffMax().toNanos()) {
            backoff = config.backoffMax().toNanos();
        }
        p.dueNanos = System.nanoTime() + backoff;
        synchronized (queue) {
            queue.add(p);
        }
        return false;
    }

    /** A server the cluster considers available, turning over them from one attempt to the next. */
    private Server pick(Cluster cluster, int attempt) {
        List<Server> servers = cluster.servers();
        int n = servers.size();
        int start = next.getAndIncrement() + attempt;
        for (int i = 0; i < n; i++) {
            Server s = servers.get(Math.floorMod(start + i, n));
            if (s.available()) {
                return s;
            }
        }
        return null;
    }

    /** Sends the record over a new connection; @return whether the server answered 2xx. */
    static boolean deliver(InetSocketAddress address, DeferredRecord r) {
        try (Socket socket = new Socket()) {
            socket.connect(address, CONNECT_TIMEOUT_MILLIS);
            socket.setSoTimeout(READ_TIMEOUT_MILLIS);
            socket.setTcpNoDelay(true);
            StringBuilder head = new StringBuilder(256 + r.headers().length());
            head.append(r.method()).append(' ').append(r.target()).append(" HTTP/1.1\r\n");
            for (String line : r.headers().split("\r\n")) {
                String lower = line.toLowerCase(Locale.ROOT);
                if (line.isEmpty() || lower.startsWith("content-length:") || lower.startsWith("transfer-encoding:")
                        || lower.startsWith("connection:") || lower.startsWith("idempotency-key:")
                        || lower.startsWith("expect:")) {
                    continue;
                }
                head.append(line).append("\r\n");
            }
            head.append("Idempotency-Key: ").append(r.id()).append("\r\n");
            head.append("Content-Length: ").append(r.body().length).append("\r\n");
            head.append("Connection: close\r\n\r\n");
            OutputStream out = socket.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.write(r.body());
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] status = in.readNBytes(12); // "HTTP/1.1 200"
            if (status.length < 12 || status[0] != 'H' || status[8] != ' ') {
                return false;
            }
            return status[9] == '2';
        } catch (IOException e) {
            return false;
        }
    }

    /** Counters and the queue as they are now. */
    public Snapshot snapshot() {
        long depth;
        long oldest = Long.MAX_VALUE;
        synchronized (queue) {
            depth = queue.size();
            for (Pending p : queue) {
                oldest = Math.min(oldest, p.record.createdMillis());
            }
        }
        // the record being delivered right now is out of the queue for a moment: accepted races with it, harmlessly
        long age = depth == 0 ? 0 : Math.max(0, System.currentTimeMillis() - oldest);
        return new Snapshot(depth, age, accepted.get(), delivered.get(), retries.get(), deadLetters.get(),
                journal.bytes(), refused.get());
    }

    /** Stops both threads (what is journaled stays for the next start) and closes the journal. */
    @Override
    public void close() {
        // no interrupt: it would close the journal's channels under a write; both loops look at closed every 100ms
        closed = true;
        try {
            writer.join(5000);
            sender.join(5000);
            journal.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            Log.event("deferred: closing the journal: " + e);
        }
    }
}
