package io.sluice.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.sluice.cluster.Cluster;
import io.sluice.config.Balance;
import io.sluice.config.ClusterConfig;
import io.sluice.config.ClusterTimeouts;
import io.sluice.config.HostPort;
import io.sluice.config.PoolConfig;
import io.sluice.config.RouteConfig;
import io.sluice.config.RouteMatch;
import io.sluice.config.ServerConfig;
import io.sluice.route.Route;
import io.sluice.route.RouteTable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The per-request work on a request head: find its end, parse it, and write the head forwarded to the server
 * (the allocation of that head buffer included, released at once as the write would).
 */
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class RequestHeadBenchmark {
    private static final String WRK = "GET /1k HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n";
    private static final String BROWSER = "GET /api/v1/items?page=2&sort=name HTTP/1.1\r\n"
            + "Host: shop.example.com\r\n"
            + "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36\r\n"
            + "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8\r\n"
            + "Accept-Language: en-US,en;q=0.9\r\n"
            + "Accept-Encoding: gzip, deflate, br\r\n"
            + "Connection: keep-alive\r\n"
            + "Cookie: session=0123456789abcdef0123456789abcdef; theme=dark; consent=yes\r\n"
            + "Referer: https://shop.example.com/api/v1/items?page=1\r\n"
            + "Upgrade-Insecure-Requests: 1\r\n"
            + "X-Forwarded-For: 203.0.113.7\r\n"
            + "\r\n";
    private static final InetAddress CLIENT = InetAddress.getLoopbackAddress();
    private static final Cluster CLUSTER = new Cluster(new ClusterConfig("bench", Balance.ROUND_ROBIN,
            List.of(new ServerConfig(new HostPort("127.0.0.1", 9), 1, 1)), PoolConfig.DEFAULTS,
            ClusterTimeouts.DEFAULTS));
    /** A table like a small site's: the request matches the last route, after a host map lookup. */
    private static final RouteTable ROUTES = new RouteTable(List.of(
            new RouteConfig(new RouteMatch("static.example.com", "/"), "bench"),
            new RouteConfig(new RouteMatch(null, "/admin"), "bench"),
            new RouteConfig(new RouteMatch(null, "/"), "bench")), Map.of("bench", CLUSTER));

    @Param({"wrk", "browser"})
    public String head;

    private ByteBuf request;
    private final HeadParser parser = new HeadParser();
    private final ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;

    @Setup(Level.Trial)
    public void setUp() {
        request = Unpooled.directBuffer().writeBytes(("wrk".equals(head) ? WRK : BROWSER).getBytes(StandardCharsets.US_ASCII));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        request.release();
    }

    @Benchmark
    public int parseAndRewrite() {
        int end = HeadScanner.findEnd(request, request.readerIndex());
        int status = parser.parseRequest(request, request.readerIndex(), end, 8192, 100);
        Route route = ROUTES.match(request, parser);
        ByteBuf out = HeadWriter.request(alloc, parser, request, request.readerIndex(), end, CLIENT, route, false);
        HeadWriter.finishRequest(out, null);
        int size = out.readableBytes() + status;
        out.release();
        return size;
    }

    /** The parser alone: the part issue 7's strict target and field checks add to. */
    @Benchmark
    public int parse() {
        int end = HeadScanner.findEnd(request, request.readerIndex());
        return parser.parseRequest(request, request.readerIndex(), end, 8192, 100) + parser.pathEnd;
    }
}
