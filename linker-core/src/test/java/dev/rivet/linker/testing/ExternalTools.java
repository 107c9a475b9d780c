package dev.rivet.linker.testing;

import dev.rivet.linker.Architecture;
import dev.rivet.linker.Target;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Finds and runs the external tools tests need (readelf, qemu-aarch64, gcc...). A missing tool
 * skips the test on a developer's machine and fails it when {@code RIVET_REQUIRE_TOOLS=1}, as CI
 * sets, so that a green CI never hides skipped tests.
 */
public final class ExternalTools {
    private ExternalTools() { }

    /** {@return whether missing tools fail tests instead of skipping them} */
    public static boolean required() {
        return "1".equals(System.getenv("RIVET_REQUIRE_TOOLS"));
    }

    /** {@return the tool's path on PATH, if any} @param name a command name */
    public static Optional<Path> find(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /**
     * Returns the tool's path; skips the test if it is missing, or fails it when tools are required.
     *
     * @param name a command name
     * @return its path
     */
    public static Path require(String name) {
        Optional<Path> p = find(name);
        if (p.isEmpty()) {
            String why = "'" + name + "' is not on PATH";
            if (required()) {
                Assertions.fail(why + " and RIVET_REQUIRE_TOOLS=1 (run .ci/run, or install it)");
            }
            Assumptions.abort(why + "; skipping (set RIVET_REQUIRE_TOOLS=1 to fail instead)");
        }
        return p.get();
    }

    /** {@return the host's architecture, if Rivet knows it} */
    public static Optional<Architecture> hostArchitecture() {
        String a = System.getProperty("os.arch");
        return switch (a) {
            case "amd64", "x86_64" -> Optional.of(Architecture.X86_64);
            case "aarch64", "arm64" -> Optional.of(Architecture.AARCH64);
            default -> Optional.empty();
        };
    }

    /**
     * The command that runs a Linux program of the target's architecture here: the program itself
     * on a matching host, else under qemu-user (required as a tool).
     *
     * @param target a Linux target
     * @param program the program
     * @return the command line
     */
    public static List<String> runCommand(Target target, Path program) {
        return runCommand(target, program, Map.of());
    }

    /**
     * As {@link #runCommand(Target, Path)}, with variables set in the program's environment: under
     * qemu-user as {@code -E NAME=VALUE} options (the caller's {@link #run(List, Map)} sets them
     * for a native program).
     */
    private static List<String> runCommand(Target target, Path program, Map<String, String> env) {
        List<String> cmd = new ArrayList<>();
        if (!isNative(target)) {
            String qemu = target.architecture() == Architecture.AARCH64 ? "qemu-aarch64" : "qemu-x86_64";
            cmd.add(require(qemu).toString());
            if (target.architecture() == Architecture.AARCH64) {
                // Dynamically linked programs find the cross toolchain's loader and libraries there.
                cmd.add("-L");
                cmd.add("/usr/aarch64-linux-gnu");
            }
            new TreeMap<>(env).forEach((k, v) -> {
                cmd.add("-E");
                cmd.add(k + "=" + v);
            });
        }
        cmd.add(program.toString());
        return cmd;
    }

    private static boolean isNative(Target target) {
        return hostArchitecture().orElse(null) == target.architecture();
    }

    /**
     * Runs a command to completion (60 s at most).
     *
     * @param command the command line
     * @return its exit code and output
     */
    public static Result run(List<String> command) {
        return run(command, Map.of());
    }

    /**
     * Runs a command to completion (60 s at most) with variables added to its environment.
     *
     * @param command the command line
     * @param env the variables to set
     * @return its exit code and output
     */
    public static Result run(List<String> command, Map<String, String> env) {
        try {
            Path out = Files.createTempFile("rivet-test", ".out");
            Path err = Files.createTempFile("rivet-test", ".err");
            try {
                ProcessBuilder pb = new ProcessBuilder(command);
                pb.environment().putAll(env);
                Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    Assertions.fail("timed out: " + command);
                }
                return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                        Files.readString(err, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new AssertionError("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted running " + command, e);
        }
    }

    /**
     * Runs a Linux program built for the target (see {@link #runCommand}).
     *
     * @param target the program's target
     * @param program the program
     * @return its exit code and output
     */
    public static Result runProgram(Target target, Path program) {
        return run(runCommand(target, program));
    }

    /**
     * Runs a Linux program built for the target with variables set in its environment (such as
     * {@code LD_BIND_NOW=1}), natively or under qemu-user ({@code -E}).
     *
     * @param target the program's target
     * @param program the program
     * @param env the variables to set
     * @return its exit code and output
     */
    public static Result runProgram(Target target, Path program, Map<String, String> env) {
        return isNative(target) ? run(runCommand(target, program, Map.of()), env) : run(runCommand(target, program, env));
    }

    /**
     * What a command did.
     *
     * @param exitCode its exit status
     * @param stdout what it wrote to standard output
     * @param stderr what it wrote to standard error
     */
    public record Result(int exitCode, String stdout, String stderr) { }
}
