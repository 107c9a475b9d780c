package dev.rivet.cli;

import dev.rivet.hello.GeneratedProgram;
import dev.rivet.hello.HelloProgram;
import dev.rivet.hello.MacHelloProgram;
import dev.rivet.linker.Architecture;
import dev.rivet.linker.LinkException;
import dev.rivet.linker.LinkResult;
import dev.rivet.linker.Linker;
import dev.rivet.linker.ObjectFormat;
import dev.rivet.linker.Target;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code rivet demo}: links the sample programs for every target, runs those this machine can
 * run, and says what happened. Exits non-zero if a link fails or a program misbehaves.
 */
final class DemoCommand {
    private static final int HELLO_EXIT = 42;

    private final PrintStream out;
    private final PrintStream err;

    DemoCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    int run(String[] args) {
        Path dir = Path.of("demo-out");
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--out") && i + 1 < args.length) {
                dir = Path.of(args[++i]);
            } else {
                err.println("rivet demo: unknown argument '" + args[i] + "' (usage: rivet demo [--out DIR])");
                return 2;
            }
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            err.println("rivet demo: cannot create " + dir + ": " + e.getMessage());
            return 1;
        }
        out.println("Rivet " + Main.version() + " demo: linking sample programs into " + dir.toAbsolutePath());
        int failures = 0;
        for (Target t : Target.known()) {
            if (t.format() != ObjectFormat.ELF) {
                out.printf("%n[%s]%n", t);
                failures += linkAndRunMachO(t, dir);
                continue;
            }
            out.printf("%n[%s]%n", t);
            String message = "Hello from Rivet, linked for " + t + "!\n";
            failures += linkAndRun(t, dir.resolve("hello-" + t), message, HELLO_EXIT, l -> HelloProgram.define(l, message, HELLO_EXIT));
            failures += linkAndRun(t, dir.resolve("generated-" + t), null, 0, GeneratedProgram::define);
        }
        out.println();
        out.println(failures == 0 ? "demo finished: all programs linked and every program run behaved as expected"
                : "demo finished with " + failures + " failure(s)");
        return failures == 0 ? 0 : 1;
    }

    private int linkAndRun(Target t, Path output, String expected, int expectedExit, java.util.function.Consumer<Linker> program) {
        LinkResult r;
        try {
            Linker linker = Linker.create(t);
            program.accept(linker);
            r = linker.link(output);
        } catch (LinkException e) {
            err.println("  link of " + output.getFileName() + " failed:\n" + e.getMessage());
            return 1;
        }
        long micros = r.phaseNanos().values().stream().mapToLong(Long::longValue).sum() / 1000;
        out.printf("  linked %-28s %6d bytes, entry 0x%x, %d us%n", output.getFileName(), r.size(), r.entryAddress(), micros);
        if (expected == null) {
            expected = String.format("generated at 0x%016x\n", r.address("generated_message").orElseThrow());
        }
        List<String> cmd = runner(t, output);
        if (cmd == null) {
            out.println("    not run: this machine cannot run " + t.architecture().canonicalName()
                    + " programs (install qemu-user for qemu-" + t.architecture().canonicalName() + ")");
            return 0;
        }
        return run(cmd, expected, expectedExit);
    }

    /** Runs a program and compares its output and exit code with what is expected; 1 if they differ. */
    private int run(List<String> cmd, String expected, int expectedExit) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                out.println("    ran " + String.join(" ", cmd) + ": timed out");
                return 1;
            }
            String got = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int code = p.exitValue();
            out.printf("    ran %s%n      output: %s      exit code: %d%n", String.join(" ", cmd), got.isEmpty() ? "(none)\n" : got, code);
            if (!got.equals(expected) || code != expectedExit) {
                out.printf("    UNEXPECTED: wanted exit code %d and output %s", expectedExit, expected);
                return 1;
            }
            return 0;
        } catch (IOException e) {
            out.println("    could not run: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    /**
     * Links the macOS hello program against a text stub of libSystem written next to it, and runs
     * it under the project's Mach-O runner (a minimal dyld on the Unicorn emulator) when this
     * machine has {@value #PYTHON} with Debian's python3-unicorn.
     */
    private int linkAndRunMachO(Target t, Path dir) {
        Path output = dir.resolve("hello-" + t);
        String message = "Hello from Rivet, linked for " + t + "!";
        LinkResult r;
        try (Linker linker = Linker.create(t)) {
            Path tbd = dir.resolve("libSystem.tbd");
            Files.writeString(tbd, MacHelloProgram.LIBSYSTEM_TBD);
            MacHelloProgram.define(linker, message, HELLO_EXIT);
            linker.addInput(tbd);
            r = linker.link(output);
        } catch (LinkException | IOException e) {
            err.println("  link of " + output.getFileName() + " failed:\n" + e.getMessage());
            return 1;
        }
        long micros = r.phaseNanos().values().stream().mapToLong(Long::longValue).sum() / 1000;
        out.printf("  linked %-28s %6d bytes, entry 0x%x, %d us%n", output.getFileName(), r.size(), r.entryAddress(), micros);
        Path runner = machORunner(dir);
        if (runner == null) {
            out.println("    not run: the Mach-O runner needs " + PYTHON + " with Unicorn (Debian: apt-get install python3-unicorn)");
            return 0;
        }
        return run(List.of(PYTHON, runner.toString(), output.toAbsolutePath().toString()), message + "\n", HELLO_EXIT);
    }

    private static final String PYTHON = "/usr/bin/python3";

    /** Writes the runner into dir if this machine can run it; null if it cannot. */
    private static Path machORunner(Path dir) {
        try {
            if (!Files.isExecutable(Path.of(PYTHON))) {
                return null;
            }
            Process p = new ProcessBuilder(PYTHON, "-c", "import unicorn").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return null;
            }
            Path script = dir.resolve("machorun.py");
            try (java.io.InputStream in = DemoCommand.class.getResourceAsStream("machorun.py")) {
                if (in == null) {
                    return null; // a build without the runner
                }
                Files.write(script, in.readAllBytes());
            }
            return script;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** The command that runs a Linux program here, or null if none can. */
    private static List<String> runner(Target t, Path program) {
        if (t.os() != dev.rivet.linker.OperatingSystem.LINUX || !System.getProperty("os.name").equals("Linux")) {
            return null;
        }
        List<String> cmd = new ArrayList<>();
        String arch = System.getProperty("os.arch");
        boolean native64 = (arch.equals("amd64") && t.architecture() == Architecture.X86_64)
                || (arch.equals("aarch64") && t.architecture() == Architecture.AARCH64);
        if (!native64) {
            String qemu = "qemu-" + t.architecture().canonicalName();
            Path q = onPath(qemu);
            if (q == null) {
                return null;
            }
            cmd.add(q.toString());
        }
        cmd.add(program.toAbsolutePath().toString());
        return cmd;
    }

    private static Path onPath(String name) {
        String path = System.getenv("PATH");
        if (path != null) {
            for (String d : path.split(File.pathSeparator)) {
                Path p = Path.of(d, name);
                if (Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        return null;
    }
}
