package io.sluice.cli;

import io.sluice.Sluice;
import io.sluice.config.ConfigException;
import io.sluice.config.ConfigLoader;
import io.sluice.config.SluiceConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** The {@code sluice} command line. Exit codes: 0 ok, 1 runtime failure, 2 bad configuration or usage. */
@Command(name = "sluice", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Connection-managing reverse proxy and load balancer for HTTP/1.x.",
        subcommands = {Main.Run.class, Main.Check.class, Main.Demo.class, Main.VersionCommand.class,
                HashSecret.class})
public final class Main implements Runnable {
    static final int EXIT_BAD_CONFIG = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    static int execute(String... args) {
        return new CommandLine(new Main()).execute(args); // picocli answers bad usage with 2 too
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"sluice " + io.sluice.Version.current()};
        }
    }

    @Command(name = "version", description = "Print the version.")
    static final class VersionCommand implements Runnable {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            spec.commandLine().getOut()
                    .println("sluice " + io.sluice.Version.current() + " (Java " + Runtime.version() + ")");
        }
    }

    /** The {@code -c FILE} option shared by the commands that read a configuration. */
    static final class ConfigFile {
        @Option(names = {"-c", "--config"}, required = true, description = "configuration file (YAML)")
        Path path;

        /** Reads the file again for a reload; throws {@link ConfigException} when it is invalid. */
        SluiceConfig reload() {
            return ConfigLoader.load(path);
        }

        /** The loaded configuration, or {@code null} after every problem was printed to stderr. */
        SluiceConfig load(CommandLine.Model.CommandSpec spec) {
            try {
                return ConfigLoader.load(path);
            } catch (ConfigException e) {
                PrintWriter err = spec.commandLine().getErr();
                e.problems().forEach(err::println);
                err.flush();
                return null;
            }
        }
    }

    @Command(name = "check", description = "Validate a configuration file; print every problem with its line.")
    static final class Check implements Callable<Integer> {
        @CommandLine.Mixin
        ConfigFile config;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            if (config.load(spec) == null) {
                return EXIT_BAD_CONFIG;
            }
            spec.commandLine().getOut().println(config.path + ": ok");
            return 0;
        }
    }

    @Command(name = "run", description = "Run the proxy with a configuration file. SIGHUP reloads the file; SIGTERM"
            + " stops gracefully.")
    static final class Run implements Callable<Integer> {
        @CommandLine.Mixin
        ConfigFile config;

        @Option(names = "--watch", description = "reload the file when it changes (checked every second)")
        boolean watch;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws InterruptedException {
            SluiceConfig loaded = config.load(spec);
            if (loaded == null) {
                return EXIT_BAD_CONFIG;
            }
            Sluice sluice = Sluice.start(loaded, config::reload);
            PrintWriter out = spec.commandLine().getOut();
            loaded.listeners().forEach(l ->
                    out.println("sluice: listener " + l.name() + " on " + sluice.listenerAddress(l.name())));
            if (sluice.adminAddress() != null) {
                out.println("sluice: admin on " + sluice.adminAddress());
            }
            out.flush();
            try (ConfigReloads reloads = new ConfigReloads(sluice, config.path)) {
                reloads.onHangup();
                if (watch) {
                    reloads.watch();
                }
                awaitShutdown(sluice);
            }
            return 0;
        }
    }

    @Command(name = "demo", description = "Start demo backends, the proxy on 127.0.0.1:8080 and the admin on :9901.")
    static final class Demo implements Callable<Integer> {
        @Option(names = "--port", defaultValue = "8080", description = "proxy port (default ${DEFAULT-VALUE})")
        int port;

        @Option(names = "--admin-port", defaultValue = "9901", description = "admin port (default ${DEFAULT-VALUE})")
        int adminPort;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException, InterruptedException {
            io.sluice.demo.DemoBackends backends = io.sluice.demo.DemoBackends.start(2);
            Sluice sluice = Sluice.start(DemoConfig.of(backends.addresses(), port, adminPort));
            PrintWriter out = spec.commandLine().getOut();
            out.println(DemoConfig.instructions(backends.addresses(), port, adminPort));
            out.flush();
            try {
                awaitShutdown(sluice);
            } finally {
                backends.close();
            }
            return 0;
        }
    }

    /** Runs until SIGTERM or SIGINT, which stop gracefully: see {@link Sluice#shutdownGracefully()}. */
    private static void awaitShutdown(Sluice sluice) throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            sluice.shutdownGracefully();
            stopped.countDown();
        }, "sluice-shutdown"));
        stopped.await();
    }
}
