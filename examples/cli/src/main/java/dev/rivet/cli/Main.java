package dev.rivet.cli;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

/** Entry point of the {@code rivet} command. */
public final class Main {
    private Main() { }

    /**
     * Runs a subcommand; the process exits with its status (0 by returning, as the JVM does when
     * main ends and only daemon threads are left).
     *
     * @param args the command line
     */
    public static void main(String[] args) {
        ColdStart.freshJvm = true;
        startLogging();
        int status = run(args, System.out, System.err);
        ColdStart.freshJvm = false; // for a caller that goes on to Main.run in this JVM
        System.out.flush();
        System.err.flush();
        if (status != 0) {
            System.exit(status);
        }
        // Success returns rather than calling System.exit(0): exit asks for a System.Logger to
        // log itself at debug level, and finding the JDK's logger backend reads every jar of the
        // class path (about 5 ms of a cold start). The link's threads are daemons, so the JVM
        // ends here all the same.
    }

    /**
     * Starts slf4j (slf4j-simple, which the launcher names) with a context class loader that sees
     * no class path: slf4j-simple looks for {@code simplelogger.properties} through it, and on the
     * class path that means opening Rivet's jar, about 5 ms of a cold start, for a file the jar
     * does not have. It is configured by system properties alone.
     */
    private static void startLogging() {
        Thread t = Thread.currentThread();
        ClassLoader previous = t.getContextClassLoader();
        t.setContextClassLoader(NO_CLASS_PATH);
        try {
            org.slf4j.LoggerFactory.getILoggerFactory();
        } finally {
            t.setContextClassLoader(previous);
        }
    }

    /** Finds only the JDK's classes and resources. */
    private static final ClassLoader NO_CLASS_PATH = new ClassLoader(null) { };

    /**
     * Runs a subcommand.
     *
     * @param args the command line
     * @param out standard output
     * @param err standard error
     * @return the exit status
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            usage(err);
            return 2;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        switch (args[0]) {
            case "-h", "--help", "help" -> {
                usage(out);
                return 0;
            }
            case "--version", "version" -> {
                out.println("Rivet " + version());
                return 0;
            }
            case "demo" -> {
                return new DemoCommand(out, err).run(rest);
            }
            case "cds-training" -> {
                return CdsTraining.run(rest); // for the build: see examples/cli/pom.xml and ./rivet
            }
            case "targets" -> {
                dev.rivet.linker.Target.known().forEach(t -> out.println(t));
                return 0;
            }
            case "ld" -> {
                return ld(rest, out, err);
            }
            case "ld64" -> {
                return ld64(rest, out, err);
            }
            default -> {
                err.println("rivet: unknown command '" + args[0] + "'");
                usage(err);
                return 2;
            }
        }
    }

    /**
     * {@code rivet ld}: parses a GNU ld command line; answers {@code --help}, {@code -v},
     * {@code --version} and {@code -V}; otherwise links.
     *
     * @param args the arguments after {@code ld}
     * @param out standard output
     * @param err standard error
     * @return the exit status: 0 on success, 1 when the link fails, 2 for a bad command line
     */
    static int ld(String[] args, PrintStream out, PrintStream err) {
        LdOptions options;
        try {
            options = LdCommandLine.parse(List.of(args));
        } catch (LdCommandLine.UsageException e) {
            err.println("rivet ld: " + e.getMessage());
            err.println("rivet ld: use the --help option for usage information");
            return 2;
        }
        options.warnings().forEach(w -> err.println("rivet ld: warning: " + w));
        if (options.printHelp()) {
            out.print(LdCommandLine.help());
            return 0;
        }
        if (options.printVersion()) {
            out.println(LdCommandLine.versionLine(version()));
            if (options.printEmulations()) {
                out.println("  Supported emulations:");
                LdCommandLine.EMULATIONS.keySet().forEach(e -> out.println("   " + e));
            }
        }
        if (!options.hasInputs()) {
            if (options.printVersion()) {
                return 0;                               // as GNU ld: -v without inputs is not an error
            }
            err.println("rivet ld: no input files");
            return 2;
        }
        return new LdDriver(err).link(options);
    }

    /**
     * {@code rivet ld64}: parses an ld64 command line; answers {@code -v} and
     * {@code -version_details}; otherwise links.
     *
     * @param args the arguments after {@code ld64}
     * @param out standard output
     * @param err standard error
     * @return the exit status: 0 on success, 1 when the link fails, 2 for a bad command line
     */
    static int ld64(String[] args, PrintStream out, PrintStream err) {
        Ld64Options options;
        try {
            options = Ld64CommandLine.parse(List.of(args));
        } catch (LdCommandLine.UsageException e) {
            err.println(Ld64Driver.COMMAND + ": error: " + e.getMessage());
            return 2;
        }
        if (options.printVersionDetails()) {
            out.println(Ld64CommandLine.versionDetails(version()));
            return 0;
        }
        if (options.printVersion()) {
            out.println(Ld64CommandLine.versionLine(version()));
            if (!options.hasInputs()) {
                return 0;
            }
        }
        if (!options.hasInputs()) {
            err.println(Ld64Driver.COMMAND + ": error: no input files");
            return 2;
        }
        return new Ld64Driver(err).link(options);
    }

    static String version() {
        String v = Main.class.getPackage().getImplementationVersion();
        return v == null ? "0.1.0-SNAPSHOT" : v;
    }

    private static void usage(PrintStream s) {
        s.println("""
                usage: rivet <command> [args]

                commands:
                  demo [--out DIR]   link the built-in sample programs for every supported target into DIR
                                     (default: demo-out), run the host's, and the aarch64 ones under qemu-aarch64
                  targets            list the targets Rivet knows
                  ld ARGS...         GNU ld compatible driver, as gcc calls it (gcc -B examples/cli/bin/):
                                     static executables from objects and archives (ld --help)
                  ld64 ARGS...       ld64 compatible driver, as clang calls it for macOS targets
                                     (clang -fuse-ld=<abs path of examples/cli/bin/ld64>)
                  --version          print the version
                  --help             print this help""");
    }
}
