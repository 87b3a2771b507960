package io.sluice.cache;

import io.netty.buffer.ByteBuf;

import java.util.Arrays;
import java.util.List;

/**
 * One request's fetch from the server on a cached route: decides from the response head whether the response is
 * stored, copies its body as it passes (bounded by {@code max_object}), and stores it once complete. A fetch that
 * revalidates a stored response turns a 304 into that response, refreshed. Confined to the exchange's event loop.
 */
public final class CacheFill {
    private final ResponseCache cache;
    private final CacheRequest request;
    /** The stored response whose validators the request carries, or {@code null}. */
    private final CachedResponse revalidating;
    /** The waiters to wake when this fetch ends, when it leads; else {@code null}. */
    private final Collapse collapse;
    /** Why the request went to the server, as an RFC 9211 {@code fwd} value. */
    private final String forward;
    private final long requestTime = System.currentTimeMillis();
    private String cacheStatus;
    private int status;
    private String reason;
    private List<Field> fields;
    private byte[] body;
    private int length;
    private boolean capturing;
    private boolean ended;

    CacheFill(ResponseCache cache, CacheRequest request, CachedResponse revalidating, Collapse collapse,
              String forward) {
        this.cache = cache;
        this.request = request;
        this.revalidating = revalidating;
        this.collapse = collapse;
        this.forward = forward;
    }

    public CacheRequest request() {
        return request;
    }

    /** Field lines to add to the request sent to the server: the stored response's validators, or nothing. */
    public String requestFields() {
        return revalidating == null ? "" : revalidating.validators();
    }

    /**
     * The response head arrived.
     *
     * @param contentLength the body's declared length; -1 when the body is chunked or ends at close
     * @return the stored response to answer with instead, refreshed, when the server confirmed it (304); else
     *         {@code null}: the server's response goes to the client
     */
    public CachedResponse responseHead(int status, String reason, List<Field> fields, long contentLength) {
        long now = System.currentTimeMillis();
        if (revalidating != null && status == 304) {
            CachedResponse refreshed = revalidating.refreshed(fields, requestTime, now);
            if (CachedResponse.refusal(request, refreshed.status, refreshed.fields) == null) {
                cache.store(request, refreshed);
            } else {
                cache.invalidate(request.key);
            }
            cache.stats.revalidated.increment();
            cacheStatus = "sluice; fwd=" + forward + "; fwd-status=304";
            end();
            return refreshed;
        }
        String refusal = CachedResponse.refusal(request, status, fields);
        if (refusal == null && contentLength > cache.maxObject()) {
            refusal = "too-large";
        }
        cacheStatus = "sluice; fwd=" + forward + "; fwd-status=" + status;
        if (refusal != null) {
            cache.stats.notStored.increment();
            cacheStatus += "; detail=" + refusal;
            end();
            return null;
        }
        cacheStatus += "; stored";
        this.status = status;
        this.reason = reason;
        this.fields = fields;
        // grown as bytes come: a Content-Length is the server's word, not memory to set aside before the body arrives
        this.body = new byte[(int) Math.min(contentLength >= 0 ? contentLength : 16 * 1024, 64 * 1024)];
        capturing = true;
        return null;
    }

    /** The Cache-Status field value (RFC 9211) of the response the client gets; known once the head arrived. */
    public String cacheStatus() {
        return cacheStatus;
    }

    /** Whether body bytes are wanted: the response is being stored. */
    public boolean capturing() {
        return capturing;
    }

    /** Copies body bytes (the payload, without chunk framing); past {@code max_object} the response is not stored. */
    public void body(ByteBuf buf, int index, int n) {
        if (!capturing) {
            return;
        }
        if ((long) length + n > cache.maxObject()) {
            capturing = false;
            body = null;
            cache.stats.notStored.increment();
            end();
            return;
        }
        if (length + n > body.length) {
            body = Arrays.copyOf(body, (int) Math.min(cache.maxObject(), Math.max(length + n, 2L * body.length)));
        }
        buf.getBytes(index, body, length, n);
        length += n;
    }

    /** The response is complete: stored if it was to be. */
    public void complete() {
        if (capturing) {
            capturing = false;
            byte[] whole = length == body.length ? body : Arrays.copyOf(body, length);
            body = null;
            cache.store(request, CachedResponse.of(request, status, reason, fields, whole, requestTime,
                    System.currentTimeMillis()));
        }
        end();
    }

    /** The fetch failed or the client left before the response was complete: nothing is stored. */
    public void abandon() {
        if (capturing) {
            capturing = false;
            body = null;
            cache.stats.notStored.increment();
        }
        end();
    }

    /**
     * The client of the request left. Before the response head, the waiters are woken to elect another fetch;
     * after it, the response is not stored (what the server still sends is read and dropped).
     */
    public void clientLeft() {
        if (cacheStatus == null) {
            end(true); // nothing captured yet
        } else {
            abandon();
        }
    }

    private void end() {
        end(false);
    }

    /** @param clientLeft the fetch ends because its client left before the response head */
    private void end(boolean clientLeft) {
        if (!ended) {
            ended = true;
            if (collapse != null) {
                collapse.end(clientLeft);
            }
        }
    }
}
