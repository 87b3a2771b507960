package io.sluice.tcp;

import io.sluice.Sluice;
import io.sluice.config.ConfigLoader;
import io.sluice.config.SluiceConfig;
import io.sluice.testing.IntegrationTest;
import io.sluice.testing.ProxyFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** A reload does not cut TCP sessions: they stay with their server while new ones follow the new configuration. */
@IntegrationTest
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TcpReloadTest {

    private static SluiceConfig config(InetSocketAddress... servers) {
        StringBuilder list = new StringBuilder();
        for (InetSocketAddress s : servers) {
            list.append("      - { address: ").append(ProxyFixture.hostPort(s)).append(" }\n");
        }
        return ConfigLoader.parse(String.join("\n",
                "workers: " + ProxyFixture.workers(),
                "listeners:",
                "  - { name: db, address: 127.0.0.1:0, protocol: tcp, cluster: db }",
                "clusters:",
                "  - name: db",
                "    servers:",
                list.toString()), "test.yaml");
    }

    private static String echoed(Socket s, String text) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(text.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        byte[] back = s.getInputStream().readNBytes(text.length());
        return new String(back, StandardCharsets.US_ASCII);
    }

    @Test
    void aSessionOutlivesAReloadThatReplacesItsClusterAndNewSessionsFollowTheNewOne() throws Exception {
        try (RawTcpServer first = new RawTcpServer(RawTcpServer::echo);
             RawTcpServer second = new RawTcpServer(s -> s.getOutputStream().write("second\n".getBytes(
                     StandardCharsets.US_ASCII)));
             Sluice sluice = Sluice.start(config(first.address()));
             Socket session = new Socket()) {
            InetSocketAddress db = sluice.listenerAddress("db");
            session.connect(db, 5000);
            session.setSoTimeout(5000);
            assertThat(echoed(session, "before\n")).isEqualTo("before\n");

            assertThat(sluice.reload(config(second.address())).changes()).contains("cluster changed: db");

            assertThat(echoed(session, "after the reload\n")).isEqualTo("after the reload\n");
            try (Socket fresh = new Socket()) {
                fresh.connect(db, 5000);
                fresh.setSoTimeout(5000);
                assertThat(new String(fresh.getInputStream().readNBytes(7), StandardCharsets.US_ASCII))
                        .isEqualTo("second\n");
            }
            assertThat(echoed(session, "still\n")).isEqualTo("still\n");
        }
    }
}
