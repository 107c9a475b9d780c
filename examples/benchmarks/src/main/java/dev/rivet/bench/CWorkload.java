package dev.rivet.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A synthetic, freestanding C program for whole-link benchmarks, compiled once by gcc into
 * relocatable objects that every linker links with the same flags.
 *
 * <p>{@code files} translation units {@code w0.c ...} hold {@code functions} functions each,
 * {@code f<file>_<n>(unsigned depth)}. Every function calls 2 or 3 functions in other files
 * (chosen by a fixed pseudo-random sequence, so the program is the same on every machine),
 * reads a global of another file, writes one of its own, and hashes a string constant (a
 * quarter of them shared by many files, so mergeable-string sections have duplicates); every
 * fifth also calls through a table of function pointers in another file (absolute
 * relocations in {@code .rodata}). Functions whose number ends in 9 are never referenced, so
 * {@code --gc-sections} has something to remove (and more: functions nothing happens to call).
 * Globals alternate between initialised ({@code .data}) and zero ({@code .bss}).
 *
 * <p>{@code main.c} holds {@code _start} (assembly: align the stack, call {@code bench_main},
 * exit through the raw {@code exit} system call with the low byte of its result), the string
 * hash and {@code bench_main}, which calls a few roots with a bounded depth. No libc: the
 * objects link with {@code -static -nostdlib}.
 *
 * <p>Compiled with {@code gcc -O1 -c -ffunction-sections -fdata-sections -ffreestanding
 * -fno-stack-protector -fno-pie}, in parallel (one gcc per core, a batch of files each), into
 * {@code <cache>/workload-<files>x<functions>}; a directory that is complete (its
 * {@code .complete} stamp matches) is reused.
 *
 * <p>Two more {@link Variant variants} compile the same {@code w*.c} differently and give
 * {@code main.c} a C {@code main} that prints {@code bench_main}'s result with {@code printf}
 * (declared, no headers) and returns its low byte: {@link Variant#PIE} with {@code -fPIE} for a
 * position-independent executable against the shared glibc, {@link Variant#MACHO} with
 * {@code clang --target=arm64-apple-macos11} for an arm64 Mach-O executable.
 *
 * <p>Usage: {@code java -cp ... dev.rivet.bench.CWorkload [CACHE_DIR] [small|medium|large|FILESxFUNCTIONS]
 * [static|pie|macho]}.
 */
public final class CWorkload {
    /** Bump when the generated code changes, so cached objects are rebuilt. */
    private static final int VERSION = 1;
    /** The flags every file of the static workload is compiled with. */
    public static final List<String> CFLAGS = List.of("-O1", "-c", "-ffunction-sections", "-fdata-sections",
            "-ffreestanding", "-fno-stack-protector", "-fno-pie");

    /** How the generated program is compiled and started. */
    public enum Variant {
        /** Freestanding, {@code _start} and a raw {@code exit} system call: {@code -static -nostdlib}. */
        STATIC("workload-", List.of("gcc"), CFLAGS, false),
        /** A C {@code main} against the shared glibc, compiled as gcc compiles for a PIE. */
        PIE("workload-pie-", List.of("gcc"), List.of("-O1", "-c", "-ffunction-sections", "-fdata-sections",
                "-fno-stack-protector", "-fPIE"), true),
        /** A C {@code main} for arm64 macOS 11, compiled by clang without system headers. */
        MACHO("workload-macho-", List.of("clang", "--target=arm64-apple-macos11"), List.of("-O1", "-c",
                "-ffreestanding", "-fno-stack-protector"), true);

        private final String prefix;
        private final List<String> compiler;
        private final List<String> flags;
        private final boolean hostedMain;

        Variant(String prefix, List<String> compiler, List<String> flags, boolean hostedMain) {
            this.prefix = prefix;
            this.compiler = compiler;
            this.flags = flags;
            this.hostedMain = hostedMain;
        }

        /** {@return the compiler command and flags, e.g. {@code gcc -O1 -c ...}} */
        public List<String> compileCommand() {
            List<String> cmd = new ArrayList<>(compiler);
            cmd.addAll(flags);
            return cmd;
        }

        /**
         * {@return the variant named static, pie or macho}
         *
         * @param s the name
         */
        public static Variant parse(String s) {
            return valueOf(s.toUpperCase(Locale.ROOT));
        }
    }
    /** How deep {@code bench_main} calls into the graph; the calls made are about 2.7^depth per root. */
    private static final int DEPTH = 9;
    private static final int ROOTS = 8;
    private static final int SHARED_STRINGS = 16;
    private static final int BATCH = 8;

    /** A workload size. */
    public record Size(String name, int files, int functions) {
        /** {@return the total number of generated functions} */
        public int totalFunctions() {
            return files * functions;
        }

        /** {@return e.g. {@code medium (300 files x 100 functions = 30,000)}} */
        public String describe() {
            return String.format(Locale.ROOT, "%s (%d files x %d functions = %,d functions)", name, files, functions,
                    totalFunctions());
        }

        /**
         * Parses {@code small}, {@code medium}, {@code large} or {@code FILESxFUNCTIONS}.
         *
         * @param s the text
         * @return the size
         */
        public static Size parse(String s) {
            switch (s) {
                case "small" -> {
                    return new Size("small", 100, 50);
                }
                case "medium" -> {
                    return new Size("medium", 300, 100);
                }
                case "large" -> {
                    return new Size("large", 600, 200);
                }
                default -> {
                    String[] p = s.split("x");
                    if (p.length != 2) {
                        throw new IllegalArgumentException("size: small, medium, large or FILESxFUNCTIONS, not " + s);
                    }
                    int f = Integer.parseInt(p[0]);
                    int m = Integer.parseInt(p[1]);
                    if (f < 2 || m < 10) {
                        throw new IllegalArgumentException("at least 2 files of 10 functions: " + s);
                    }
                    return new Size(s, f, m);
                }
            }
        }
    }

    private CWorkload() { }

    /**
     * Generates and compiles a workload, or reuses one compiled before.
     *
     * @param args the cache directory (default {@code target}) and the size (default {@code medium})
     * @throws Exception if gcc fails
     */
    public static void main(String[] args) throws Exception {
        Path cache = Path.of(args.length > 0 ? args[0] : "target");
        Size size = Size.parse(args.length > 1 ? args[1] : "medium");
        Variant variant = args.length > 2 ? Variant.parse(args[2]) : Variant.STATIC;
        Path dir = ensure(cache, size, variant, System.err);
        System.out.println(dir);
    }

    /** {@return the directory a size is compiled into} */
    static Path directory(Path cache, Size size, Variant variant) {
        return cache.resolve(variant.prefix + size.files() + "x" + size.functions());
    }

    /** {@return the object files of a compiled workload, {@code main.o} first, relative to its directory} */
    static List<String> objects(Size size) {
        List<String> objs = new ArrayList<>(size.files() + 1);
        objs.add("main.o");
        for (int i = 0; i < size.files(); i++) {
            objs.add("w" + i + ".o");
        }
        return objs;
    }

    /**
     * Makes sure a workload is generated and compiled.
     *
     * @param cache the cache directory
     * @param size the size
     * @param variant how it is compiled
     * @param log where progress is told
     * @return the workload's directory
     * @throws IOException if files cannot be written or gcc fails
     * @throws InterruptedException if interrupted while gcc runs
     */
    static Path ensure(Path cache, Size size, Variant variant, java.io.PrintStream log) throws IOException, InterruptedException {
        Path dir = directory(cache, size, variant);
        Path stamp = dir.resolve(".complete");
        String want = "version " + VERSION + ", " + size.files() + "x" + size.functions() + ", "
                + String.join(" ", variant.compileCommand()) + "\n";
        if (Files.isRegularFile(stamp) && Files.readString(stamp).equals(want)) {
            return dir;
        }
        Files.createDirectories(dir);
        Files.deleteIfExists(stamp);
        long t0 = System.nanoTime();
        List<String> sources = generate(dir, size, variant.hostedMain);
        int jobs = Runtime.getRuntime().availableProcessors();
        log.printf(Locale.ROOT, "workload: generated %d files in %s; compiling with %d parallel %s...%n", sources.size(), dir,
                jobs, variant.compiler.get(0));
        compile(dir, sources, jobs, variant.compileCommand());
        Files.writeString(stamp, want);
        log.printf(Locale.ROOT, "workload: %s compiled in %.1f s%n", size.describe(), (System.nanoTime() - t0) / 1e9);
        return dir;
    }

    private static List<String> generate(Path dir, Size size, boolean hostedMain) throws IOException {
        int n = size.files();
        int m = size.functions();
        int globals = Math.max(4, m / 4);
        SplitMix rnd = new SplitMix(0x5249564554L ^ ((long) n << 32) ^ m);
        List<String> sources = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            StringBuilder decl = new StringBuilder();
            StringBuilder body = new StringBuilder();
            java.util.Set<String> declared = new java.util.HashSet<>();
            decl.append("/* Generated by dev.rivet.bench.CWorkload: file ").append(i).append(" of ").append(n)
                    .append(", ").append(m).append(" functions. */\n");
            decl.append("unsigned bench_hash(const char *s);\n");
            for (int k = 0; k < globals; k++) {
                if (k % 2 == 0) {
                    body.append("unsigned d").append(i).append('_').append(k).append(" = ").append(1 + (k * 7 + i) % 97).append("u;\n");
                } else {
                    body.append("unsigned d").append(i).append('_').append(k).append(";\n");
                }
            }
            // A table of pointers to live functions of other files.
            String t0 = liveFunction(rnd, n, m, i);
            String t1 = liveFunction(rnd, n, m, i);
            declareFunction(decl, declared, t0);
            declareFunction(decl, declared, t1);
            body.append("unsigned (*const t").append(i).append("[2])(unsigned) = { ").append(t0).append(", ").append(t1).append(" };\n\n");
            for (int j = 0; j < m; j++) {
                String self = "f" + i + "_" + j;
                int other = otherFile(rnd, n, i);
                String data = "d" + other + "_" + rnd.nextInt(globals);
                if (declared.add(data)) {
                    decl.append("extern unsigned ").append(data).append(";\n");
                }
                body.append("unsigned ").append(self).append("(unsigned d)\n{\n");
                body.append("    unsigned acc = ").append(data).append(" + d;\n");
                if (j % 4 == 0) {
                    body.append("    acc += bench_hash(\"shared string constant number ").append(rnd.nextInt(SHARED_STRINGS)).append("\");\n");
                } else {
                    body.append("    acc += bench_hash(\"").append(self).append(": a string constant of this function\");\n");
                }
                body.append("    if (d > 0) {\n");
                int calls = 2 + rnd.nextInt(2);
                for (int c = 0; c < calls; c++) {
                    String callee = liveFunction(rnd, n, m, i);
                    declareFunction(decl, declared, callee);
                    body.append("        acc ").append(c == 1 ? "^=" : "+=").append(' ').append(callee).append("(d - 1);\n");
                }
                if (j % 5 == 1) {
                    String table = "t" + otherFile(rnd, n, i);
                    if (declared.add(table)) {
                        decl.append("extern unsigned (*const ").append(table).append("[2])(unsigned);\n");
                    }
                    body.append("        acc += ").append(table).append("[d & 1](d - 1);\n");
                }
                body.append("    }\n");
                body.append("    d").append(i).append('_').append(rnd.nextInt(globals)).append(" += acc & 15u;\n");
                body.append("    return acc * 33u;\n}\n\n");
            }
            String name = "w" + i + ".c";
            write(dir.resolve(name), decl + "\n" + body);
            sources.add(name);
        }
        StringBuilder main = new StringBuilder();
        main.append("/* Generated by dev.rivet.bench.CWorkload: the entry point of ").append(n).append(" files. */\n");
        if (hostedMain) {
            main.append("int printf(const char *, ...);\n");
        }
        for (int r = 0; r < ROOTS; r++) {
            main.append("unsigned f").append(r % n).append('_').append(r / n * 10).append("(unsigned);\n");
        }
        main.append("""

                __attribute__((noinline)) unsigned bench_hash(const char *s)
                {
                    unsigned h = 2166136261u;
                    while (*s)
                        h = (h ^ (unsigned char) *s++) * 16777619u;
                    return h;
                }

                __attribute__((used)) unsigned bench_main(void)
                {
                    unsigned r = 0;
                """);
        for (int r = 0; r < ROOTS; r++) {
            main.append("    r = r * 31u + f").append(r % n).append('_').append(r / n * 10).append('(').append(DEPTH).append(");\n");
        }
        main.append("""
                    return r;
                }
                """);
        if (hostedMain) {
            main.append("""

                    int main(void)
                    {
                        unsigned r = bench_main();
                        printf("bench_main returned %u\\n", r);
                        return (int) (r & 255u);
                    }
                    """);
        } else {
            main.append("""

                __asm__(".section .text._start,\\"ax\\",@progbits\\n"
                        ".globl _start\\n"
                        ".type _start, @function\\n"
                        "_start:\\n"
                        "    xor %ebp, %ebp\\n"
                        "    and $-16, %rsp\\n"
                        "    call bench_main\\n"
                        "    movzbl %al, %edi\\n"
                        "    mov $60, %eax\\n"
                        "    syscall\\n"
                        "    hlt\\n"
                        ".size _start, . - _start\\n");
                """);
        }
        write(dir.resolve("main.c"), main.toString());
        sources.add(0, "main.c");
        return sources;
    }

    /** A function of another file whose number does not end in 9 (those stay unreferenced). */
    private static String liveFunction(SplitMix rnd, int n, int m, int self) {
        int j;
        do {
            j = rnd.nextInt(m);
        } while (j % 10 == 9);
        return "f" + otherFile(rnd, n, self) + "_" + j;
    }

    private static int otherFile(SplitMix rnd, int n, int self) {
        int f = rnd.nextInt(n - 1);
        return f >= self ? f + 1 : f;
    }

    private static void declareFunction(StringBuilder decl, java.util.Set<String> declared, String f) {
        if (declared.add(f)) {
            decl.append("unsigned ").append(f).append("(unsigned);\n");
        }
    }

    private static void write(Path p, String s) throws IOException {
        Files.writeString(p, s, StandardCharsets.UTF_8);
    }

    private static void compile(Path dir, List<String> sources, int jobs, List<String> compiler)
            throws IOException, InterruptedException {
        ExecutorService pool = Executors.newFixedThreadPool(jobs);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int from = 0; from < sources.size(); from += BATCH) {
                List<String> batch = sources.subList(from, Math.min(sources.size(), from + BATCH));
                done.add(pool.submit(() -> {
                    List<String> cmd = new ArrayList<>(compiler);
                    cmd.addAll(batch);
                    try {
                        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
                        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                        if (p.waitFor() != 0) {
                            throw new IOException(compiler.get(0) + " failed on " + batch + ":\n" + out);
                        }
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new IOException(e.getCause().getMessage(), e.getCause());
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** SplitMix64: a fixed sequence on every JDK. */
    private static final class SplitMix {
        private long state;

        SplitMix(long seed) {
            state = seed;
        }

        int nextInt(int bound) {
            state += 0x9E3779B97F4A7C15L;
            long z = state;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            z ^= z >>> 31;
            return (int) Long.remainderUnsigned(z, bound);
        }
    }
}
