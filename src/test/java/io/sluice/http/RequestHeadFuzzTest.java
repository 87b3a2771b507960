package io.sluice.http;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.sluice.cluster.Cluster;
import io.sluice.config.Balance;
import io.sluice.config.ClusterConfig;
import io.sluice.config.ClusterTimeouts;
import io.sluice.config.HostPort;
import io.sluice.config.PoolConfig;
import io.sluice.config.ServerConfig;
import io.sluice.route.Route;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

import static io.sluice.http.HeadChecks.check;
import static io.sluice.http.HeadChecks.text;

/**
 * Fuzz target (docs/fuzzing.md): {@link HeadParser#parseRequest} on arbitrary bytes, up to the blank line
 * {@link HeadScanner} finds. It must never throw, and when it accepts a head, what it reports must describe the
 * head ({@link HeadChecks}); the head Sluice forwards for it ({@link HeadWriter#request}, as
 * {@code ClientConnection} builds it) must be one Sluice accepts again, with the same method, target and framing.
 */
class RequestHeadFuzzTest {
    /** Bytes before the head: the parser works on absolute indexes into a buffer that holds more than the head. */
    private static final byte[] BEFORE = "\r\nGET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
    private static final byte[] BLANK_LINES = "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
    private static final Set<Integer> STATUSES = Set.of(HeadParser.OK, 400, 414, 431, 501, 505);
    private static final String SERVER = "10.0.0.1:8001";
    private static final Route ROUTE = Route.to(new Cluster(new ClusterConfig("fuzz", Balance.ROUND_ROBIN,
            List.of(new ServerConfig(new HostPort("10.0.0.1", 8001), 1, 1)), PoolConfig.DEFAULTS,
            ClusterTimeouts.DEFAULTS)));
    private static final InetAddress CLIENT = InetAddress.getLoopbackAddress();
    private static final ByteBufAllocator ALLOC = UnpooledByteBufAllocator.DEFAULT;

    private final HeadParser parser = new HeadParser();
    private final HeadParser reparser = new HeadParser();

    @FuzzTest(maxDuration = "15s")
    void parseRequest(byte[] input) {
        ByteBuf buf = Unpooled.buffer(BEFORE.length + input.length + BLANK_LINES.length);
        buf.writeBytes(BEFORE).writeBytes(input);
        int start = BEFORE.length;
        int end = HeadScanner.findEnd(buf, start);
        if (end == HeadScanner.INCOMPLETE) {
            buf.writeBytes(BLANK_LINES); // most inputs would never be a head otherwise
            end = HeadScanner.findEnd(buf, start);
        }
        try {
            int status = parser.parseRequest(buf, start, end, 8192, 100);
            check(STATUSES.contains(status), "status " + status);
            if (status == HeadParser.OK) {
                checkAccepted(parser, buf, start, end);
                checkForwarded(buf, start, end);
            }
            // the same head under tight limits: other answers, but never an inconsistent success
            status = parser.parseRequest(buf, start, end, 16 + input.length % 64, input.length % 4);
            check(STATUSES.contains(status), "status " + status);
            if (status == HeadParser.OK) {
                checkAccepted(parser, buf, start, end);
            }
        } finally {
            buf.release();
        }
    }

    private static void checkAccepted(HeadParser p, ByteBuf buf, int start, int end) {
        int fieldsStart = HeadChecks.checkRequestLine(buf, p, start, end);
        HeadChecks.checkFields(buf, p, fieldsStart, end, true);
    }

    /** Forwards the head as {@code ClientConnection} does and parses the result again. */
    private void checkForwarded(ByteBuf buf, int start, int end) {
        HeadParser p = parser;
        boolean hasBody = p.chunked || p.contentLength > 0;
        boolean upgrade = p.upgrade && p.http11 && !hasBody && ROUTE.allowsUpgrade(buf, p.upgradeStart, p.upgradeEnd);
        boolean hostMissing = p.hostStart < 0 && p.authorityStart < 0;
        String method = text(buf, p.methodStart, p.methodEnd);
        String target = HeadChecks.originForm(text(buf, p.targetStart, p.targetEnd));
        String host = p.authorityStart >= 0 ? text(buf, p.authorityStart, p.authorityEnd)
                : hostMissing ? SERVER : text(buf, p.hostStart, p.hostEnd);
        ByteBuf out = HeadWriter.request(ALLOC, p, buf, start, end, CLIENT, ROUTE, upgrade);
        try {
            HeadWriter.finishRequest(out, hostMissing ? SERVER.getBytes(StandardCharsets.US_ASCII) : null);
            String sent = text(out, 0, out.writerIndex());
            int sentEnd = HeadScanner.findEnd(out, 0);
            check(sentEnd == out.writerIndex(), "the forwarded head ends at its blank line: " + sent);
            HeadParser q = reparser;
            int status = q.parseRequest(out, 0, sentEnd, Integer.MAX_VALUE, Integer.MAX_VALUE);
            check(status == HeadParser.OK, "Sluice refuses (" + status + ") the head it forwards: " + sent);
            checkAccepted(q, out, 0, sentEnd);
            check(q.http11, "forwarded as HTTP/1.1");
            check(method.equals(text(out, q.methodStart, q.methodEnd)), "same method: " + sent);
            check(target.equals(text(out, q.targetStart, q.targetEnd)), "target " + target + " forwarded: " + sent);
            check(q.chunked == p.chunked && q.contentLength == p.contentLength, "same framing: " + sent);
            check(host.equals(text(out, q.hostStart, q.hostEnd)), "Host " + host + " forwarded: " + sent);
            check(!q.connectionClose, "the server connection is kept: " + sent);
        } finally {
            out.release();
        }
    }
}
