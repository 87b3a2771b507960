/**
 * Test fixtures for black-box integration tests over real loopback sockets.
 *
 * <ul>
 *   <li>{@link io.sluice.testing.TestOrigin}: a blocking, thread-per-connection HTTP/1.1 origin with fault
 *       injection (hang, garbage, close mid-body, stale idle connections...) that records what it receives and
 *       counts its connections;</li>
 *   <li>{@link io.sluice.testing.RawHttpClient} and {@link io.sluice.testing.RawResponse}: byte-exact client side;</li>
 *   <li>{@link io.sluice.testing.ProxyFixture}: starts Sluice around origins, checks that no lease is left and that
 *       origins only received valid HTTP; event loops from {@code -Dsluice.test.workers} (default 1);</li>
 *   <li>{@link io.sluice.testing.NettyLeakCheck} and {@link io.sluice.testing.LeakRecorder}: any Netty
 *       {@code LEAK:} report fails the test (registered for every test class by auto-detection);</li>
 *   <li>{@link io.sluice.testing.BodyPattern}: position-dependent body bytes, verified while streaming;</li>
 *   <li>{@link io.sluice.testing.IntegrationTest}: the tag the build uses to rerun integration tests with several
 *       event loops.</li>
 * </ul>
 */
package io.sluice.testing;
