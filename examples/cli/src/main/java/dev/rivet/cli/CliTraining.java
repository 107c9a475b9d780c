package dev.rivet.cli;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The part of {@link CdsTraining} that links real objects through {@code rivet ld}: a small C
 * program is compiled with the installed C compiler, which is then asked to link it three ways
 * with an {@code ld} that only records its arguments; each argument list is linked by
 * {@link Main#run}, as a {@code rivet ld} process would. With clang, the program is also compiled
 * for arm64 macOS and linked by {@code rivet ld64} against a text stub of libSystem. For each
 * format, a large freestanding program ({@link #LARGE}) is then linked twice, for the paths only
 * large links take. Nothing is printed and the directory is removed afterwards.
 */
final class CliTraining {
    private CliTraining() { }

    private static final String MAIN = """
            #include <stdio.h>
            extern int work(int);
            extern const char *names[];
            __thread int calls;
            static int twice(int x) { calls++; return 2 * x; }
            int (*volatile op)(int) = twice;
            int main(int argc, char **argv) {
                int r = work(argc) + op(argc);
                printf("%s %d %d\\n", names[argc % 3], r, calls);
                return r & 1;
            }
            """;

    private static final String MAC_MAIN = """
            int printf(const char *, ...);
            extern int work(int);
            extern const char *names[];
            int main(int argc, char **argv) {
                printf("%s %d\\n", names[argc % 3], work(argc));
                return 0;
            }
            """;

    private static final String LIBSYSTEM_TBD = """
            --- !tapi-tbd
            tbd-version:     4
            targets:         [ arm64-macos ]
            install-name:    '/usr/lib/libSystem.B.dylib'
            current-version: 1311
            compatibility-version: 1
            exports:
              - targets:     [ arm64-macos ]
                symbols:     [ dyld_stub_binder, _printf ]
            ...
            """;

    private static final String LIBRARY = """
            const char *names[] = {"zero", "one", "two"};
            static int table[64];
            int work(int n) {
                for (int i = 0; i < 64; i++) table[i] = i * n;
                return table[n % 64] + (int) sizeof(names);
            }
            """;

    /**
     * A freestanding program of 9,000 functions that {@code _start} calls through a table, and
     * 2 MiB of data: a link large enough for the paths that only large links take (binding a
     * batch of symbols on several threads, dead-stripping a level of the reference graph on
     * several threads, handing a replaced output of over 1 MiB to be closed in the background).
     * Without it their lambdas were made at run time in every large link (5-6 ms each, cold).
     */
    private static final String LARGE = """
            #define F(n) int f##n(int x) { return x + n; }
            #define T(n) f##n,
            #define D10(M, n) M(n##0) M(n##1) M(n##2) M(n##3) M(n##4) M(n##5) M(n##6) M(n##7) M(n##8) M(n##9)
            #define D100(M, n) D10(M, n##0) D10(M, n##1) D10(M, n##2) D10(M, n##3) D10(M, n##4) \\
                D10(M, n##5) D10(M, n##6) D10(M, n##7) D10(M, n##8) D10(M, n##9)
            #define D1000(M, n) D100(M, n##0) D100(M, n##1) D100(M, n##2) D100(M, n##3) D100(M, n##4) \\
                D100(M, n##5) D100(M, n##6) D100(M, n##7) D100(M, n##8) D100(M, n##9)
            #define D9000(M) D1000(M, 1) D1000(M, 2) D1000(M, 3) D1000(M, 4) D1000(M, 5) D1000(M, 6) \\
                D1000(M, 7) D1000(M, 8) D1000(M, 9)
            D9000(F)
            int (*const table[])(int) = { D9000(T) 0 };
            char big[2 << 20] = {1};
            void _start(void) {
                int s = 0;
                for (int i = 0; table[i]; i++) s += table[i](i);
                big[1] = s;
                for (;;) { }
            }
            """;

    /**
     * Compiles and links the training program when {@code cc} and {@code ar} are on the PATH (and
     * for macOS when {@code clang} is).
     *
     * @return the number of {@code rivet ld} links that succeeded (0 without a compiler)
     * @throws IOException if the compiler or a file operation fails
     * @throws InterruptedException if interrupted while the compiler runs
     */
    static int run() throws IOException, InterruptedException {
        Optional<Path> cc = onPath("cc");
        Optional<Path> ar = onPath("ar");
        if (cc.isEmpty() || ar.isEmpty()) {
            return 0;
        }
        Path dir = Files.createTempDirectory("rivet-training");
        try {
            Files.writeString(dir.resolve("main.c"), MAIN);
            Files.writeString(dir.resolve("work.c"), LIBRARY);
            Files.writeString(dir.resolve("large.c"), LARGE);
            Path bin = Files.createDirectories(dir.resolve("bin"));
            Path recorder = bin.resolve("ld");
            Files.writeString(recorder, "#!/bin/sh\nprintf '%s\\n' \"$@\" > \"$RIVET_TRAINING_ARGS\"\n");
            Files.setPosixFilePermissions(recorder, PosixFilePermissions.fromString("rwxr-xr-x"));
            exec(dir, null, cc.get().toString(), "-c", "-O1", "-fPIC", "-ffunction-sections", "-fdata-sections", "main.c", "work.c");
            exec(dir, null, ar.get().toString(), "rcs", "libwork.a", "work.o");
            // Absolute paths: the recorded arguments are linked from this JVM's working directory.
            String d = dir + File.separator;
            List<List<String>> links = List.of(
                    List.of("-o", d + "pie", d + "main.o", "-L" + dir, "-lwork", "-Wl,--gc-sections", "-Wl,-z,now"),
                    List.of("-static", "-o", d + "static", d + "main.o", "-L" + dir, "-lwork", "-Wl,--gc-sections"),
                    List.of("-shared", "-o", d + "libwork.so", d + "work.o"));
            PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
            // Linked as a warm JVM links, on every thread asked for: a large link's threaded paths
            // are then in the archive too (a small one runs the same methods on one thread).
            ColdStart.freshJvm = false;
            int made = 0;
            for (List<String> link : links) {
                Path args = dir.resolve("args");
                List<String> cmd = new ArrayList<>(List.of(cc.get().toString(), "-B" + bin + File.separator));
                cmd.addAll(link);
                exec(dir, args, cmd.toArray(new String[0]));
                List<String> ld = new ArrayList<>(List.of("ld"));
                ld.addAll(Files.readAllLines(args));
                if (Main.run(ld.toArray(new String[0]), quiet, quiet) == 0) {
                    made++;
                }
            }
            exec(dir, null, cc.get().toString(), "-c", "-O0", "-ffunction-sections", "-fdata-sections", "large.c");
            // Twice to the same file, on two threads: the second replaces the first.
            String[] large = {"ld", "--threads=2", "-static", "-nostdlib", "--gc-sections", "-e", "_start", "-o", d + "large",
                d + "large.o"};
            made += linkTwice(large, quiet);
            Optional<Path> clang = onPath("clang");
            if (clang.isPresent()) {
                Path mac = Files.createDirectories(dir.resolve("macho"));
                Files.writeString(mac.resolve("main.c"), MAC_MAIN);
                Files.writeString(mac.resolve("work.c"), LIBRARY);
                Files.writeString(mac.resolve("libSystem.tbd"), LIBSYSTEM_TBD);
                exec(mac, null, clang.get().toString(), "--target=arm64-apple-macos11", "-O1", "-c", "-ffreestanding",
                        "-fno-stack-protector", "main.c", "work.c");
                String[] ld64 = {"ld64", "-arch", "arm64", "-platform_version", "macos", "11.0", "11.0", "-dead_strip",
                    "-o", mac.resolve("program").toString(), mac.resolve("main.o").toString(), mac.resolve("work.o").toString(),
                    "-L" + mac, "-lSystem"};
                if (Main.run(ld64, quiet, quiet) == 0) {
                    made++;
                }
                Files.writeString(mac.resolve("large.c"), LARGE);
                exec(mac, null, clang.get().toString(), "--target=arm64-apple-macos11", "-O0", "-c", "-ffreestanding",
                        "-fno-stack-protector", "large.c");
                String[] large64 = {"ld64", "-arch", "arm64", "-platform_version", "macos", "11.0", "11.0", "-dead_strip",
                    "-e", "__start", "-o", mac.resolve("large").toString(), mac.resolve("large.o").toString(), "-L" + mac, "-lSystem"};
                made += linkTwice(large64, quiet);
            }
            return made;
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** {@return how many of two links with the same arguments (the second replacing the first's output) succeeded} */
    private static int linkTwice(String[] args, PrintStream quiet) {
        int made = 0;
        for (int i = 0; i < 2; i++) {
            if (Main.run(args, quiet, quiet) == 0) {
                made++;
            }
        }
        return made;
    }

    /** Runs a command in {@code dir}; with {@code argsFile}, the recording ld writes its arguments there. */
    private static void exec(Path dir, Path argsFile, String... command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        if (argsFile != null) {
            pb.environment().put("RIVET_TRAINING_ARGS", argsFile.toString());
        }
        Process p = pb.start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(command[0] + " did not finish");
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed");
        }
    }

    private static Optional<Path> onPath(String program) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, program))) {
                return Optional.of(Path.of(d, program));
            }
        }
        return Optional.empty();
    }
}
