package dev.rivet.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Whole-link benchmark: links a workload with the same argument list using every linker that
 * can, checks that every output runs and prints the same and exits with the same status, and
 * prints a markdown table per workload: median and spread of wall time and of CPU time, peak
 * RSS, output size and the ratios to mold and lld.
 *
 * <p>Workloads ({@code NAME[-SIZE]}, SIZE small, medium, large or FILESxFUNCTIONS, see {@link CWorkload}):
 * <ul>
 * <li>{@code static-SIZE} (or just {@code SIZE}): the freestanding {@link CWorkload} with
 *     {@code -static -nostdlib --gc-sections -e _start};
 * <li>{@code pie-SIZE}: the same functions compiled with {@code -fPIE} and a C {@code main},
 *     linked as {@code gcc -pie -Wl,--gc-sections -Wl,-z,now} links them against the shared
 *     glibc (the argument list is read from {@code gcc -###}, see {@link GccDriver});
 * <li>{@code llvm}: {@link LlvmWorkload}, as {@code g++ -Wl,--gc-sections -Wl,-z,now} links it;
 * <li>{@code macho-SIZE}: the functions compiled by {@code clang --target=arm64-apple-macos11},
 *     linked by {@code ld64.lld-14} and {@code rivet ld64} with {@code -arch arm64
 *     -platform_version macos 11.0 11.0 -dead_strip -lSystem} against the test
 *     {@code libSystem.tbd}. The outputs run under linker-macho's test runner ({@code machorun.py},
 *     a minimal dyld on the Unicorn emulator) when the system Python has Unicorn.
 * </ul>
 *
 * <p>Linkers: ELF: {@code ld.bfd}, {@code ld.gold}, {@code ld.lld --threads=N},
 * {@code mold --no-fork --threads=N}, {@code rivet ld --threads=N} in a fresh JVM with the
 * launcher's JVM options ({@code ./rivet launch-command}) and Rivet in process. Mach-O:
 * {@code ld64.lld-14 --threads=N}, {@code rivet ld64} cold and in process.
 *
 * <p>External linkers run under {@code /usr/bin/time -f "%e %U %S %M"}: CPU time is user +
 * system (10 ms resolution), peak RSS the kernel's {@code ru_maxrss}; the wall time is measured
 * here around process start and exit. They are timed in turn: one untimed round (page cache),
 * then {@code --runs} rounds in each of which every one of them links once, so that a change in
 * the host's speed during a workload (another process, the page cache losing inputs) falls on
 * all of them rather than on whichever ran at the time, and their ratios stay fair.
 *
 * <p>Rivet in process runs in a child JVM ({@code --in-process}), on the engine jars that
 * {@code rivet ld} runs with, so that its peak RSS is its own. It calls the CLI's
 * {@code dev.rivet.cli.Main.run} with the very argument list the other linkers get, in a loop:
 * after {@code --warmup} links the next {@code --runs} are timed. CPU time is the JVM's process
 * CPU time over the link (all threads: the link's, the JIT's and the GC's). It reports the JVM's
 * {@code VmHWM}, page faults and GC time of the timed links and the heap retained afterwards. It
 * runs twice: with the JVM's default options, and with a 2 GB heap touched up front
 * ({@link #PRE_TOUCHED}).
 *
 * <p>Usage: {@code examples/benchmarks/run link [WORKLOAD ...] [--runs N] [--warmup N]
 * [--threads N] [--only ld.bfd,mold,rivet-cli,rivet-warm,...] [--markdown FILE]}.
 */
public final class WholeLink {
    static final List<String> FLAGS = List.of("-static", "-nostdlib", "--gc-sections", "-e", "_start");
    /** What Rivet says for a Mach-O link on a commit without the writer or without {@code rivet ld64}. */
    private static final List<String> NOT_YET = List.of("not supported yet", "not implemented yet");
    /**
     * The second in-process row: a heap that is committed and touched before the first link,
     * as in a long-running process. With the JVM's defaults G1 keeps growing the heap for dozens
     * of links and each link first-touches fresh pages (about 27,000 minor faults a link on the
     * medium workload instead of 2,100, at about 11 us each in a small VM), which swings the
     * times between 70 and 400 ms.
     */
    private static final List<String> PRE_TOUCHED = List.of("-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch");

    private WholeLink() { }

    enum Format { ELF, MACHO }

    /**
     * A link to measure: the arguments every linker gets (without {@code -o} and thread flags),
     * run in {@code dir}.
     */
    record Workload(String name, String description, Path dir, Format format, List<String> args, long inputBytes) { }

    enum Kind { EXTERNAL, RIVET_CLI, RIVET_WARM }

    /** One linker: how to start it, the flags that set its thread count, and its version. */
    record Tool(String key, String name, Kind kind, Format format, List<String> command, List<String> threadFlags,
            String versionLine) {
        Tool withVersion(String line) {
            return new Tool(key, name, kind, format, command, threadFlags, line);
        }

        String output() {
            return "out-" + name.replaceAll("[^A-Za-z0-9.]+", "-");
        }
    }

    /** The measurements of one linker on one workload. */
    static final class Row {
        final String name;
        final List<Long> wall = new ArrayList<>();
        final List<Long> cpu = new ArrayList<>();
        long peakRssKb = -1;
        long outputBytes = -1;
        Processes.Run result;
        String failure;
        String skipped;
        String note;

        Row(String name) {
            this.name = name;
        }
    }

    /**
     * Runs the benchmark.
     *
     * @param args workloads and options; see the class comment
     * @throws Exception if a workload cannot be built or a process cannot be started
     */
    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--in-process")) {
            inProcess(Path.of(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]), Path.of(args[4]));
            return;
        }
        int runs = 5;
        // The first ten or so links in a fresh JVM are slow while G1 grows the heap (first touch
        // of new memory) and the JIT compiles; 15 reach the steady state on a 2-core machine.
        int warmup = 40; // the JIT settles after 20-30 links of a medium program (C2 compiles and deoptimizations compete for the 2 CPUs)
        int threads = Runtime.getRuntime().availableProcessors();
        Path work = Path.of("target");
        Path root = Path.of(".");
        String only = null;
        Path markdown = null;
        List<String> names = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--work" -> work = Path.of(args[++i]);
                case "--root" -> root = Path.of(args[++i]);
                case "--only" -> only = "," + args[++i] + ",";
                case "--markdown" -> markdown = Path.of(args[++i]);
                case "-h", "--help" -> {
                    System.out.println("usage: WholeLink [static-SIZE|pie-SIZE|llvm|macho-SIZE ...] [--runs N] [--warmup N]"
                            + " [--threads N] [--work DIR] [--root DIR] [--only NAME,...] [--markdown FILE]");
                    return;
                }
                default -> names.add(args[i]);
            }
        }
        if (runs < 1 || warmup < 0 || threads < 1) {
            throw new IllegalArgumentException("--runs and --threads must be at least 1 and --warmup at least 0");
        }
        if (names.isEmpty()) {
            names.addAll(List.of("static-small", "static-medium"));
        }
        work = work.toAbsolutePath();
        root = root.toAbsolutePath().normalize();
        List<Tool> tools = tools(root, only, threads);

        StringBuilder md = new StringBuilder();
        md.append(machine(tools, threads)).append('\n');
        System.out.print(md);
        for (String name : names) {
            Workload w;
            try {
                w = workload(name, work, root);
            } catch (IOException e) {
                String skip = String.format(Locale.ROOT, "%n### %s%n%nskipped: %s%n", name, e.getMessage().strip());
                System.out.print(skip);
                md.append(skip);
                continue;
            }
            List<Row> rows = new ArrayList<>();
            String loadBefore = Processes.loadNote("before");
            List<Tool> inTurn = tools.stream().filter(t -> t.format() == w.format() && t.kind() != Kind.RIVET_WARM).toList();
            if (!inTurn.isEmpty()) {
                System.err.printf(Locale.ROOT, "%s: %s in turn...%n", w.name(), String.join(", ", inTurn.stream().map(Tool::name).toList()));
            }
            List<Row> timedInTurn = measureInTurn(inTurn, w, runs);
            for (Tool t : tools) {
                if (t.format() != w.format()) {
                    continue;
                }
                Row row;
                if (t.kind() == Kind.RIVET_WARM) {
                    System.err.printf(Locale.ROOT, "%s: %s...%n", w.name(), t.name());
                    row = measureInProcess(t, w, warmup, runs);
                } else {
                    row = timedInTurn.get(inTurn.indexOf(t));
                }
                if (row.failure != null && w.format() == Format.MACHO && t.kind() != Kind.EXTERNAL
                        && NOT_YET.stream().anyMatch(row.failure::contains)) {
                    row.skipped = "Rivet has no Mach-O writer on this commit";
                    row.note = "it says: " + row.failure;
                    row.failure = null;
                }
                if (row.failure == null && row.skipped == null) {
                    row.result = runOutput(w, w.dir().resolve(t.output()), root);
                }
                rows.add(row);
            }
            String table = table(w, rows, runs, warmup, threads) + loadBefore + Processes.loadNote("after")
                    .replace("after:", "after (these links included):");
            System.out.print(table);
            System.out.flush();
            md.append(table);
        }
        if (markdown != null) {
            Files.writeString(markdown, md.toString());
        }
    }

    /**
     * Makes a workload ready: compiles it the first time, and derives the argument list.
     *
     * @throws IOException with the reason when it cannot be made here (a tool is missing)
     */
    static Workload workload(String name, Path work, Path root) throws IOException, InterruptedException {
        String kind = name;
        String size = "medium";
        int dash = name.indexOf('-');
        if (dash > 0) {
            kind = name.substring(0, dash);
            size = name.substring(dash + 1);
        } else if (!name.equals("llvm")) {
            kind = "static";
            size = name;
        }
        switch (kind) {
            case "static", "pie", "macho" -> {
                CWorkload.Size s = CWorkload.Size.parse(size);
                CWorkload.Variant v = CWorkload.Variant.parse(kind);
                if (v == CWorkload.Variant.MACHO && !onPath("clang")) {
                    throw new IOException("clang is not installed");
                }
                Path dir = CWorkload.ensure(work, s, v, System.err);
                List<String> objects = CWorkload.objects(s);
                long bytes = 0;
                for (String o : objects) {
                    bytes += Files.size(dir.resolve(o));
                }
                List<String> args = switch (v) {
                    case STATIC -> concat(FLAGS, objects);
                    case PIE -> GccDriver.linkArguments("gcc", dir,
                            concat(List.of("-pie", "-Wl,--gc-sections", "-Wl,-z,now"), objects));
                    case MACHO -> concat(concat(List.of("-arch", "arm64", "-platform_version", "macos", "11.0", "11.0",
                            "-dead_strip"), objects), List.of("-L", root.resolve("linker-macho/src/test/resources/macho").toString(),
                            "-lSystem"));
                };
                String what = switch (v) {
                    case STATIC -> "static, freestanding";
                    case PIE -> "PIE against the shared glibc, as gcc -pie -Wl,--gc-sections -Wl,-z,now links it";
                    case MACHO -> "arm64 Mach-O, -dead_strip against the test libSystem.tbd";
                };
                return new Workload(v.name().toLowerCase(Locale.ROOT) + "-" + s.name(), what + ": " + s.describe()
                        + String.format(Locale.ROOT, ", %d objects, %.1f MB", objects.size(), bytes / 1048576.0),
                        dir, v == CWorkload.Variant.MACHO ? Format.MACHO : Format.ELF, args, bytes);
            }
            case "llvm" -> {
                if (!onPath(LlvmWorkload.LLVM_CONFIG)) {
                    throw new IOException(LlvmWorkload.LLVM_CONFIG + " is not installed");
                }
                Path dir = LlvmWorkload.ensure(work, System.err);
                List<String> libs = LlvmWorkload.libraries();
                List<String> args = GccDriver.linkArguments("g++", dir,
                        concat(List.of("-Wl,--gc-sections", "-Wl,-z,now", "targets.o"), libs));
                long archives = libs.stream().filter(l -> l.startsWith("-lLLVM")).count();
                return new Workload("llvm", "a C++ program on " + archives + " LLVM 14 static libraries, the shared glibc"
                        + " and libstdc++, as g++ -Wl,--gc-sections -Wl,-z,now links it", dir, Format.ELF, args,
                        Files.size(dir.resolve("targets.o")));
            }
            default -> throw new IllegalArgumentException("workload: static-SIZE, pie-SIZE, llvm or macho-SIZE, not " + name);
        }
    }

    /**
     * Runs a linked program: an ELF one directly, a Mach-O one under linker-macho's test runner
     * ({@code machorun.py}, Unicorn; see docs/MACHO-TESTING.md) when the system Python has Unicorn.
     *
     * @return its status and output, or null when it cannot be run here
     */
    private static Processes.Run runOutput(Workload w, Path program, Path root) throws IOException, InterruptedException {
        if (w.format() == Format.ELF) {
            return Processes.run(List.of(program.toString()), w.dir(), 60);
        }
        Path runner = root.resolve("linker-macho/src/test/python/machorun.py");
        if (!Files.isExecutable(Path.of("/usr/bin/python3")) || !Files.isRegularFile(runner)) {
            return null;
        }
        Processes.Run r = Processes.run(List.of("/usr/bin/python3", runner.toString(), "--timeout", "300", program.toString()),
                w.dir(), 600);
        return r.output().contains("No module named") ? null : r;
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> r = new ArrayList<>(a);
        r.addAll(b);
        return r;
    }

    private static boolean onPath(String program) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, program))) {
                return true;
            }
        }
        return false;
    }

    private static List<Tool> tools(Path root, String only, int threads) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String n = Integer.toString(threads);
        List<String> launcher = launchCommand(root);
        int path = Math.max(launcher.indexOf("-cp"), launcher.indexOf("-p"));
        if (path < 0) {
            throw new IOException("rivet launch-command printed neither a class path nor a module path: " + launcher);
        }

        List<String> child = new ArrayList<>(List.of(java));
        child.addAll(javaOpts());
        List<String> childPreTouched = new ArrayList<>(child);
        childPreTouched.addAll(PRE_TOUCHED);
        List<String> childArgs = List.of("-cp", childClassPath(launcher.get(path + 1)), WholeLink.class.getName(), "--in-process");
        child.addAll(childArgs);
        childPreTouched.addAll(childArgs);
        String inProcess = "the engine jars of rivet ld, on the class path of one JVM, through dev.rivet.cli.Main.run";

        List<Tool> all = new ArrayList<>();
        all.add(new Tool("ld.bfd", "ld.bfd", Kind.EXTERNAL, Format.ELF, List.of("ld.bfd"), List.of(), null));
        all.add(new Tool("ld.gold", "ld.gold", Kind.EXTERNAL, Format.ELF, List.of("ld.gold"), List.of(), null));
        all.add(new Tool("ld.lld", "ld.lld", Kind.EXTERNAL, Format.ELF, List.of("ld.lld"), List.of("--threads=" + n), null));
        all.add(new Tool("mold", "mold", Kind.EXTERNAL, Format.ELF, List.of("mold"), List.of("--no-fork", "--threads=" + n), null));
        all.add(new Tool("ld64.lld", "ld64.lld-14", Kind.EXTERNAL, Format.MACHO, List.of("ld64.lld-14"), List.of("--threads=" + n),
                null));
        for (Format f : Format.values()) {
            String sub = f == Format.ELF ? "ld" : "ld64";
            // ld64's command line has no thread count, nor has rivet ld64's: Rivet uses every core there.
            List<String> rivetThreads = f == Format.ELF ? List.of("--threads=" + n) : List.of();
            all.add(new Tool("rivet-cli", "rivet " + sub + " (cold JVM)", Kind.RIVET_CLI, f, concat(launcher, List.of(sub)),
                    rivetThreads, null));
            all.add(new Tool("rivet-warm", "rivet in-process (warm)", Kind.RIVET_WARM, f, concat(child, List.of(sub)),
                    rivetThreads, inProcess + ", default JVM options"));
            all.add(new Tool("rivet-warm", "rivet in-process (warm, 2 GB heap pre-touched)", Kind.RIVET_WARM, f,
                    concat(childPreTouched, List.of(sub)), rivetThreads, inProcess + ", " + String.join(" ", PRE_TOUCHED)));
        }
        List<Tool> tools = new ArrayList<>();
        for (Tool t : all) {
            if (only != null && !only.contains("," + t.key() + ",") && !only.contains("," + t.name() + ",")) {
                continue;
            }
            if (t.kind() == Kind.RIVET_WARM) {
                tools.add(t);
                continue;
            }
            // rivet ld --version answers for rivet ld64 too; it also checks that the JVM starts.
            List<String> v = new ArrayList<>(t.kind() == Kind.RIVET_CLI ? concat(launcher, List.of("ld")) : t.command());
            v.add("--version");
            String line;
            try {
                Processes.Run r = Processes.run(v, Path.of("."), 60);
                line = r.exit() == 0 ? r.output().lines().findFirst().orElse("?") : null;
            } catch (IOException e) {
                line = null;
            }
            if (line == null) {
                System.err.println("skipping " + t.name() + ": not installed or not runnable (" + String.join(" ", v) + ")");
                continue;
            }
            tools.add(t.withVersion(line));
        }
        return tools;
    }

    /**
     * {@return the command {@code ./rivet} runs (its JDK, JVM options, class-data-sharing archive
     * and class path), asked from the launcher with {@code rivet launch-command}, so that the
     * startup flags it uses are the ones measured}
     */
    private static List<String> launchCommand(Path root) throws IOException, InterruptedException {
        Processes.Run r = Processes.run(List.of(root.resolve("rivet").toString(), "launch-command"), root, 60);
        if (r.exit() != 0) {
            throw new IOException("rivet launch-command failed: " + r.output());
        }
        return r.output().strip().lines().toList();
    }

    /**
     * The in-process child runs this class with the engine jars that {@code rivet ld} runs with
     * (its class path, or its module path put on the class path), not those this harness was started with: the
     * benchmark's own {@code target/lib} is copied from the local Maven repository, which another
     * checkout may have installed from different sources, and both Rivet rows must measure the
     * same engine.
     */
    private static String childClassPath(String cliPath) throws IOException {
        List<String> cp = new ArrayList<>();
        try {
            cp.add(Path.of(WholeLink.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
        } catch (java.net.URISyntaxException e) {
            throw new IOException(e);
        }
        for (String p : cliPath.split(java.io.File.pathSeparator)) {
            Path path = Path.of(p);
            if (Files.isDirectory(path)) {
                try (var jars = Files.list(path)) {
                    jars.filter(j -> j.toString().endsWith(".jar")).sorted().forEach(j -> cp.add(j.toString()));
                }
            } else {
                cp.add(p);
            }
        }
        return String.join(java.io.File.pathSeparator, cp);
    }

    private static List<String> javaOpts() {
        String s = System.getenv("RIVET_JAVA_OPTS");
        return s == null || s.isBlank() ? List.of() : Arrays.asList(s.trim().split("\\s+"));
    }

    /** {@return the linker's command line for a workload: flags, thread count, output, the workload's arguments} */
    private static List<String> commandLine(Tool t, Workload w) {
        List<String> cmd = new ArrayList<>(t.command());
        cmd.addAll(t.threadFlags());
        cmd.addAll(List.of("-o", t.output()));
        cmd.addAll(w.args());
        return cmd;
    }

    /**
     * Times linkers that start a process per link, in turn: one untimed round, then {@code runs}
     * rounds of one link each. A linker that fails is reported and left out of later rounds.
     *
     * @return a row per tool, in the tools' order
     */
    static List<Row> measureInTurn(List<Tool> tools, Workload w, int runs) throws IOException, InterruptedException {
        List<Row> rows = new ArrayList<>();
        List<List<String>> commands = new ArrayList<>();
        for (Tool t : tools) {
            rows.add(new Row(t.name()));
            commands.add(commandLine(t, w));
        }
        for (int i = -1; i < runs; i++) {           // round -1 is untimed: page cache, CDS archive
            for (int k = 0; k < tools.size(); k++) {
                Row row = rows.get(k);
                if (row.failure != null) {
                    continue;
                }
                Path out = w.dir().resolve(tools.get(k).output());
                Files.deleteIfExists(out);
                Processes.Timed r = Processes.timed(commands.get(k), w.dir(), 1800);
                int exit = r.run().exit();
                if (exit != 0) {
                    row.failure = (exit > 128 ? "killed by signal " + (exit - 128) + (exit == 139 ? " (SIGSEGV)" : "")
                            : "exit " + exit) + ": " + Processes.tail(r.run().output());
                    continue;
                }
                if (i >= 0) {
                    row.wall.add(r.wallNanos());
                    if (r.cpuNanos() >= 0) {
                        row.cpu.add(r.cpuNanos());
                    }
                    row.peakRssKb = Math.max(row.peakRssKb, r.peakRssKb());
                }
                if (i == runs - 1) {
                    row.outputBytes = Files.size(out);
                }
            }
        }
        return rows;
    }

    private static Row measureInProcess(Tool t, Workload w, int warmup, int runs) throws IOException, InterruptedException {
        Row row = new Row(t.name());
        List<String> link = commandLine(t, w);
        int sub = t.command().size() - 1;           // the child's command ends with the subcommand, ld or ld64
        Path argsFile = w.dir().resolve(t.output() + ".args");
        Files.write(argsFile, link.subList(sub, link.size()));
        List<String> cmd = new ArrayList<>(t.command().subList(0, sub));
        cmd.addAll(List.of(w.dir().toString(), Integer.toString(warmup), Integer.toString(runs), argsFile.toString()));
        Processes.Run r = Processes.run(cmd, w.dir(), 3600);
        Files.deleteIfExists(argsFile);
        if (r.exit() != 0) {
            row.failure = "exit " + r.exit() + ": " + Processes.tail(r.output());
            return row;
        }
        for (String line : r.output().lines().toList()) {
            String[] f = line.split(" ", 2);
            switch (f[0]) {
                case "WALL_NS" -> Arrays.stream(f[1].split(" ")).map(Long::parseLong).forEach(row.wall::add);
                case "CPU_NS" -> Arrays.stream(f[1].split(" ")).map(Long::parseLong).forEach(row.cpu::add);
                case "HWM_KB" -> row.peakRssKb = Long.parseLong(f[1]);
                case "NOTE" -> row.note = row.note == null ? f[1] : row.note + "; " + f[1];
                default -> { }
            }
        }
        row.outputBytes = Files.size(w.dir().resolve(t.output()));
        return row;
    }

    /**
     * The child JVM: runs {@code dev.rivet.cli.Main.run} with the arguments in {@code argsFile}
     * (one a line) warmup + runs times in {@code dir} and prints the measurements.
     */
    private static void inProcess(Path dir, int warmup, int runs, Path argsFile) throws Exception {
        String[] args = Files.readAllLines(argsFile).toArray(new String[0]);
        // The paths in the arguments are relative to the workload's directory, as for the other
        // linkers; the JVM cannot change directory, so they are made absolute here.
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("-") && !args[i].startsWith("/") && Files.exists(dir.resolve(args[i]))) {
                args[i] = dir.resolve(args[i]).toString();
            } else if (i > 0 && args[i - 1].equals("-o")) {
                args[i] = dir.resolve(args[i]).toString();
            }
        }
        Method run = Class.forName("dev.rivet.cli.Main").getMethod("run", String[].class, PrintStream.class, PrintStream.class);
        PrintStream discard = new PrintStream(java.io.OutputStream.nullOutputStream());
        MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
        long before = usedAfterGc(mem);
        long[] nanos = new long[runs];
        long[] cpu = new long[runs];
        long[] warmNanos = new long[warmup];
        long[] minor = new long[runs];
        long[] major = new long[runs];
        long gcCount = 0;
        long gcMillis = 0;
        AllocationMeter meter = new AllocationMeter();
        long allocated = 0;
        for (int i = -warmup; i < runs; i++) {
            if (i == 0) {
                allocated = -meter.allocatedSettled();
            }
            long[] f0 = faults();
            if (i == 0) {
                gcCount = -gcCount();
                gcMillis = -gcMillis();
            }
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            long c0 = Processes.processCpuNanos();
            long t0 = System.nanoTime();
            int status = (Integer) run.invoke(null, args, discard, new PrintStream(err, true, StandardCharsets.UTF_8));
            long dt = System.nanoTime() - t0;
            long dc = Processes.processCpuNanos() - c0;
            if (status != 0) {
                System.out.print(err.toString(StandardCharsets.UTF_8));
                System.exit(status);
            }
            long[] f1 = faults();
            if (i >= 0) {
                nanos[i] = dt;
                cpu[i] = dc;
                minor[i] = f1[0] - f0[0];
                major[i] = f1[1] - f0[1];
            } else {
                warmNanos[i + warmup] = dt;
            }
        }
        gcCount += gcCount();
        gcMillis += gcMillis();
        allocated += meter.allocatedSettled();
        long retained = usedAfterGc(mem) - before;
        System.out.println("WALL_NS" + joined(nanos));
        System.out.println("CPU_NS" + joined(cpu));
        System.out.println("HWM_KB " + status("VmHWM:"));
        if (warmup > 0) {
            System.out.printf(Locale.ROOT, "NOTE the %d warm-up links took %.0f ms (the first), then %.0f–%.0f ms%n", warmup,
                    warmNanos[0] / 1e6, Arrays.stream(warmNanos).skip(1).min().orElse(0) / 1e6,
                    Arrays.stream(warmNanos).skip(1).max().orElse(0) / 1e6);
        }
        if (System.getenv("WHOLELINK_VERBOSE") != null) {
            for (int i = 0; i < runs; i++) {
                System.err.printf(Locale.ROOT, "link %d: %.1f ms, %.1f ms CPU, %d minor and %d major page faults%n", i,
                        nanos[i] / 1e6, cpu[i] / 1e6, minor[i], major[i]);
            }
        }
        long[] sortedMinor = minor.clone();
        Arrays.sort(sortedMinor);
        System.out.printf(Locale.ROOT, "NOTE page faults a link: median %d minor, %d major in all%n",
                sortedMinor[runs / 2], Arrays.stream(major).sum());
        System.out.printf(Locale.ROOT, "NOTE %d GCs took %d ms during the %d timed links (%.0f ms a link); heap retained"
                + " after the last link (after full GC): %.0f MB; JVM max heap %.0f MB%n",
                gcCount, gcMillis, runs, (double) gcMillis / runs,
                retained / 1048576.0, Runtime.getRuntime().maxMemory() / 1048576.0);
        System.out.printf(Locale.ROOT, "NOTE heap allocated a timed link (every thread): %.1f MB%n", allocated / 1048576.0 / runs);
    }

    private static String joined(long[] values) {
        StringBuilder sb = new StringBuilder();
        for (long v : values) {
            sb.append(' ').append(v);
        }
        return sb.toString();
    }

    /** {@return this process's minor and major page faults so far} */
    private static long[] faults() throws IOException {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        String[] w = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return new long[] {Long.parseLong(w[7]), Long.parseLong(w[9])};    // fields 10 (minflt) and 12 (majflt)
    }

    private static long gcCount() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream().mapToLong(b -> Math.max(0, b.getCollectionCount())).sum();
    }

    private static long gcMillis() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream().mapToLong(b -> Math.max(0, b.getCollectionTime())).sum();
    }

    private static long usedAfterGc(MemoryMXBean mem) {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            used = Math.min(used, mem.getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    /** {@return a kB field of /proc/self/status, or -1} */
    static long status(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(field)) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    /** {@return the machine, the JDK and each linker's version, as a markdown header} */
    static String machine(List<Tool> tools, int threads) throws IOException {
        String cpu = "?";
        for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
            if (line.startsWith("model name")) {
                cpu = line.substring(line.indexOf(':') + 1).trim();
                break;
            }
        }
        String mem = "?";
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
            if (line.startsWith("MemTotal:")) {
                mem = String.format(Locale.ROOT, "%.1f GB", Long.parseLong(line.replaceAll("[^0-9]", "")) / 1048576.0);
            }
        }
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "Machine: %d CPUs (nproc), %s, %s RAM, Linux %s; JDK %s (%s); %d threads for"
                        + " the linkers that take a count%n%n",
                Runtime.getRuntime().availableProcessors(), cpu, mem, System.getProperty("os.version"),
                System.getProperty("java.runtime.version"), System.getProperty("java.vm.name"), threads));
        sb.append(Processes.loadNote("at the start"));
        java.util.Set<String> listed = new java.util.HashSet<>();
        for (Tool t : tools) {
            if (listed.add(t.name().replace("ld64", "ld"))) {
                sb.append("- ").append(t.name()).append(": ").append(t.versionLine()).append('\n');
            }
        }
        return sb.toString();
    }

    private static String table(Workload w, List<Row> rows, int runs, int warmup, int threads) {
        Map<String, Double> wall = new LinkedHashMap<>();
        Map<String, Double> cpu = new LinkedHashMap<>();
        Processes.Run reference = null;
        String referenceName = null;
        for (Row r : rows) {
            if (r.failure == null && r.skipped == null) {
                wall.put(r.name, Processes.Stats.of(r.wall).median());
                cpu.put(r.name, Processes.Stats.of(r.cpu).median());
                if (reference == null && r.result != null) {
                    reference = r.result;
                    referenceName = r.name;
                }
            }
        }
        String lld = w.format() == Format.ELF ? "ld.lld" : "ld64.lld-14";
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%n### %s: %s%n%n", w.name(), w.description()));
        sb.append("| linker | median wall ms | wall spread (min–max) | median CPU ms | CPU spread | peak RSS MB | output KB"
                + " | vs mold (wall / CPU) | vs lld (wall / CPU) | output |\n");
        sb.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
        List<String> notes = new ArrayList<>();
        for (Row r : rows) {
            if (r.skipped != null || r.failure != null) {
                sb.append("| ").append(r.name).append(" | ").append(r.skipped != null ? "skipped: " + r.skipped : "failed")
                        .append(" | | | | | | | | |\n");
                notes.add(r.name + (r.skipped != null ? ": " + r.note : " failed: " + r.failure));
                continue;
            }
            Processes.Stats ws = Processes.Stats.of(r.wall);
            Processes.Stats cs = Processes.Stats.of(r.cpu);
            String check;
            if (r.result == null) {
                check = w.format() == Format.MACHO ? "not run (no Unicorn for machorun.py)" : "not run";
            } else if (r.result.equals(reference)) {
                check = "exit " + r.result.exit() + ", same";
            } else {
                check = "exit " + r.result.exit() + ", **differs**";
                notes.add(r.name + ": the output exits with " + r.result.exit() + " and prints "
                        + Processes.tail(r.result.output()) + "; " + referenceName + "'s with " + reference.exit() + " and "
                        + Processes.tail(reference.output()));
            }
            sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %,d | %s / %s | %s / %s | %s |%n",
                    r.name, ws.cells(), cs.cells(),
                    r.peakRssKb < 0 ? "n/a" : String.format(Locale.ROOT, "%.0f", r.peakRssKb / 1024.0),
                    r.outputBytes / 1024,
                    Processes.ratio(ws.median(), wall.get("mold")), Processes.ratio(cs.median(), cpu.get("mold")),
                    Processes.ratio(ws.median(), wall.get(lld)), Processes.ratio(cs.median(), cpu.get(lld)), check));
            if (r.note != null) {
                notes.add(r.name + ": " + r.note);
            }
        }
        sb.append(String.format(Locale.ROOT, "%n%d timed runs each, the linkers that start a process per link in turn (after 1 untimed"
                + " round; Rivet in process: after %d warm-up links in the same JVM), %d threads%s.%n", runs, warmup, threads, w.format() == Format.MACHO
                        ? " for ld64.lld-14; rivet ld64 takes no thread count and uses all "
                                + Runtime.getRuntime().availableProcessors() + " CPUs" : ""));
        if (reference != null) {
            sb.append("- every output was run; \"same\": the same exit status and output as ").append(referenceName)
                    .append("'s (")
                    .append(reference.output().isBlank() ? "no output" : Processes.tail(reference.output())).append(")\n");
        }
        for (String n : notes) {
            sb.append("- ").append(n).append('\n');
        }
        return sb.toString();
    }
}
