package io.sluice.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code sluice hash-secret}: the SHA-256 of stdin, without its trailing newline. */
class HashSecretCommandTest {
    // printf %s test | sha256sum
    private static final String TEST_HASH = "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    private static String[] run(String stdin) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new HashSecret(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8))));
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute();
        return new String[] {Integer.toString(code), out.toString().trim(), err.toString()};
    }

    @Test
    void hashesTheSecretWithoutItsNewline() {
        assertThat(run("test")).containsExactly("0", TEST_HASH, "");
        assertThat(run("test\n")[1]).isEqualTo(TEST_HASH);
        assertThat(run("test\r\n")[1]).isEqualTo(TEST_HASH);
    }

    @Test
    void emptyOrHugeInputIsAUsageError() {
        assertThat(run("")[0]).isEqualTo("2");
        assertThat(run("\n")[0]).isEqualTo("2");
        assertThat(run("x".repeat(5000))[0]).isEqualTo("2");
    }
}
