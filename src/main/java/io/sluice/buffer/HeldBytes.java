package io.sluice.buffer;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.DefaultFileRegion;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;

/**
 * Bytes held for one client on their way out, in order: in memory within the holder's share of the
 * {@link BufferBudget}, past it in a spill file. Bytes are added at server speed and drained to the client at the
 * client's speed, while it is writable; spilled ranges go out as file regions (sendfile). Confined to one event
 * loop. {@link #close()} gives everything back (memory, file) whether or not it was sent.
 */
public final class HeldBytes {
    /** Largest file region handed to a channel at once. */
    private static final long MAX_REGION = 256 * 1024;

    private final BufferBudget budget;
    private final SpillDirectory spill;
    /** {@link ByteBuf}s in memory and {@link FileRange}s in the spill file, oldest first. */
    private final ArrayDeque<Object> segments = new ArrayDeque<>();
    private long memory;
    private long spilled;
    private Path file;
    private FileChannel fileOut;
    /** Bytes in the file so far. */
    private long fileLength;
    /** Bytes handed to a channel by {@link #drainTo}, memory and file alike. */
    private long handedOut;
    /** File ranges handed to the channel and not yet sent; the file is deleted when the last one is. */
    private int rangesInFlight;
    private boolean closed;
    private boolean spillFailed;

    private record FileRange(long from, long to) {
    }

    /**
     * @param spill {@code null}: no spilling, the holder stops its source instead
     */
    public HeldBytes(BufferBudget budget, SpillDirectory spill) {
        this.budget = budget;
        this.spill = spill;
        budget.join();
    }

    /**
     * Adds {@code buf} at the end (taking it over).
     *
     * @return whether the source may go on: false when neither the holder's share of memory nor its spill file
     *         could take the bytes, which were then kept in memory anyway (so the budget is exceeded by at most
     *         one read per holder) and the source should pause until {@link #drainTo} made room
     */
    public boolean add(ByteBuf buf) {
        int n = buf.readableBytes();
        if (n == 0 || closed) {
            buf.release();
            return true;
        }
        if ((file == null || spillFailed) && budget.tryReserve(memory, n)) {
            keep(buf, n);
            return true;
        }
        if (spill != null && !spillFailed && spilled + n <= spill.maxPerExchange() && spill.tryTake(n)) {
            if (writeToFile(buf)) {
                return true;
            }
            spill.give(n);
        }
        budget.force(n); // over the share: counted all the same, and the source pauses
        keep(buf, n);
        return false;
    }

    private void keep(ByteBuf buf, int n) {
        memory += n;
        segments.add(buf);
    }

    private boolean writeToFile(ByteBuf buf) {
        try {
            if (file == null) {
                Path created = spill.newFile();
                try {
                    fileOut = FileChannel.open(created, StandardOpenOption.WRITE);
                } catch (IOException e) {
                    Files.deleteIfExists(created);
                    spill.deleted();
                    throw e;
                }
                file = created;
            }
            int n = buf.readableBytes();
            long at = fileLength;
            // positional writes: a failure halfway leaves fileLength, and so every range, on the bytes written whole
            for (ByteBuffer b : buf.nioBuffers()) {
                while (b.hasRemaining()) {
                    at += fileOut.write(b, at);
                }
            }
            buf.release();
            fileLength += n;
            spilled += n;
            spill.countSpilled(n);
            Object last = segments.peekLast();
            if (last instanceof FileRange r && r.to == fileLength - n) {
                segments.pollLast();
                segments.add(new FileRange(r.from, fileLength));
            } else {
                segments.add(new FileRange(fileLength - n, fileLength));
            }
            return true;
        } catch (IOException e) {
            spillFailed = true; // the disk is full or gone: memory and backpressure from now on
            return false;
        }
    }

    /** Whether nothing is held. */
    public boolean isEmpty() {
        return segments.isEmpty();
    }

    /** Bytes held in memory now. */
    public long memory() {
        return memory;
    }

    /** Bytes written to the spill file so far. */
    public long spilled() {
        return spilled;
    }

    /** Bytes handed to a channel so far (queued for writing there: not necessarily sent yet). */
    public long handedOut() {
        return handedOut;
    }

    /**
     * Writes held bytes to {@code channel} while it is writable (without flushing).
     *
     * @return whether everything held went out
     */
    public boolean drainTo(Channel channel) {
        Object s;
        while (channel.isWritable() && (s = segments.poll()) != null) {
            if (s instanceof ByteBuf buf) {
                int n = buf.readableBytes();
                memory -= n;
                // handed over: from here the channel's own watermark bounds what it queues
                budget.release(n);
                handedOut += n;
                channel.write(buf, channel.voidPromise());
            } else {
                FileRange r = (FileRange) s;
                long to = Math.min(r.to, r.from + MAX_REGION);
                if (to < r.to) {
                    // a region at a time, so that the channel's watermark paces the file as it paces memory
                    segments.addFirst(new FileRange(to, r.to));
                }
                rangesInFlight++;
                handedOut += to - r.from;
                channel.write(new DefaultFileRegion(file.toFile(), r.from, to - r.from))
                        .addListener((ChannelFutureListener) f -> rangeDone());
            }
        }
        return segments.isEmpty();
    }

    private void rangeDone() {
        rangesInFlight--;
        if (closed && rangesInFlight == 0) {
            deleteFile();
        }
    }

    /** Releases what is still held; the spill file goes once the ranges already handed to a channel are sent. */
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        Object s;
        while ((s = segments.poll()) != null) {
            if (s instanceof ByteBuf buf) {
                budget.release(buf.readableBytes());
                buf.release();
            }
        }
        memory = 0;
        budget.leave();
        if (rangesInFlight == 0) {
            deleteFile();
        }
    }

    private void deleteFile() {
        if (file == null) {
            return;
        }
        try {
            fileOut.close();
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // the directory is emptied at the next start-up
        }
        file = null;
        spill.deleted();
        spill.give(fileLength);
    }
}
