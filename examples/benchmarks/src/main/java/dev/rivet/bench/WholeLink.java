package dev.rivet.bench;

import dev.rivet.linker.LinkOptions;
import dev.rivet.linker.LinkPhase;
import dev.rivet.linker.LinkResult;
import dev.rivet.linker.Linker;
import dev.rivet.linker.Target;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Whole-link benchmark: links the objects of a {@link CWorkload} with the same flags
 * ({@code -static -nostdlib --gc-sections -e _start -o OUT}) using GNU ld (bfd), gold, lld,
 * mold, {@code rivet ld} in a fresh JVM, and Rivet in process in a warmed-up JVM; checks that
 * every output runs and exits with the same status; prints a markdown table per size.
 *
 * <p>External linkers run under {@code /usr/bin/time -f %M} for their peak RSS (the kernel's
 * {@code ru_maxrss}); the wall time is measured here around process start and exit, so it
 * includes starting {@code time} and the linker (about 2 ms). Each linker is run once untimed
 * (page cache), then {@code --runs} times.
 *
 * <p>Rivet in process runs in a child JVM ({@code --in-process}), on the engine jars that
 * {@code rivet ld} runs with, so that its peak RSS is its own: each link is a new
 * {@link Linker} with {@code deadStrip(true)} and {@code entry("_start")}, every object added
 * with {@link Linker#addInput}, then {@link Linker#link}; after {@code --warmup} links the next
 * {@code --runs} are timed. It reports the JVM's {@code VmHWM}, page faults and GC time of the
 * timed links, the heap retained by the last linker (used heap after full GCs, compared with
 * before the first link) and the phase times of the last link. It runs twice: with the JVM's
 * default options, and with a 2 GB heap touched up front ({@link #PRE_TOUCHED}).
 *
 * <p>Usage: {@code examples/benchmarks/run link [small|medium|large|FxM ...] [--runs N]
 * [--warmup N] [--only ld.bfd,mold,...] [--markdown FILE]}.
 */
public final class WholeLink {
    static final List<String> FLAGS = List.of("-static", "-nostdlib", "--gc-sections", "-e", "_start");
    private static final String RIVET_CLI = "rivet ld (cold JVM)";
    /**
     * The second in-process row: a heap that is committed and touched before the first link,
     * as in a long-running process. With the JVM's defaults G1 keeps growing the heap for dozens
     * of links and each link first-touches fresh pages (about 27,000 minor faults a link on the
     * medium workload instead of 2,100, at about 11 us each in a small VM), which swings the
     * times between 70 and 400 ms.
     */
    private static final List<String> PRE_TOUCHED = List.of("-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch");

    private WholeLink() { }

    /** One linker and how to run it. */
    private record Tool(String name, List<String> command, String versionLine, String output, boolean inProcess) {
        Tool(String name, List<String> command, String output) {
            this(name, command, null, output, false);
        }

        Tool withVersion(String line) {
            return new Tool(name, command, line, output, inProcess);
        }
    }

    /** The measurements of one linker on one size. */
    private static final class Row {
        final String name;
        final List<Long> nanos = new ArrayList<>();
        long peakRssKb = -1;
        long outputBytes = -1;
        Integer exit;
        String failure;
        String note;

        Row(String name) {
            this.name = name;
        }

        double medianMs() {
            long[] s = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
            int n = s.length;
            return (n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2.0) / 1e6;
        }

        double minMs() {
            return nanos.stream().mapToLong(Long::longValue).min().orElse(0) / 1e6;
        }

        double maxMs() {
            return nanos.stream().mapToLong(Long::longValue).max().orElse(0) / 1e6;
        }
    }

    /**
     * Runs the benchmark.
     *
     * @param args sizes and options; see the class comment
     * @throws Exception if a workload cannot be built or a process cannot be started
     */
    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--in-process")) {
            inProcess(Path.of(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]), args[4]);
            return;
        }
        int runs = 5;
        // The first ten or so links in a fresh JVM are slow while G1 grows the heap (first touch
        // of new memory) and the JIT compiles; 15 reach the steady state on a 2-core machine.
        int warmup = 15;
        Path work = Path.of("target");
        String cli = null;
        String only = null;
        Path markdown = null;
        List<CWorkload.Size> sizes = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--work" -> work = Path.of(args[++i]);
                case "--cli" -> cli = args[++i];
                case "--only" -> only = "," + args[++i] + ",";
                case "--markdown" -> markdown = Path.of(args[++i]);
                case "-h", "--help" -> {
                    System.out.println("usage: WholeLink [small|medium|large|FILESxFUNCTIONS ...] [--runs N] [--warmup N]"
                            + " [--work DIR] [--cli MODULE_PATH] [--only NAME,...] [--markdown FILE]");
                    return;
                }
                default -> sizes.add(CWorkload.Size.parse(args[i]));
            }
        }
        if (runs < 1 || warmup < 0) {
            throw new IllegalArgumentException("--runs must be at least 1 and --warmup at least 0");
        }
        if (sizes.isEmpty()) {
            sizes.add(CWorkload.Size.parse("small"));
            sizes.add(CWorkload.Size.parse("medium"));
        }
        work = work.toAbsolutePath();
        List<Tool> tools = tools(cli, only);
        boolean haveTime = Files.isExecutable(Path.of("/usr/bin/time"));

        StringBuilder md = new StringBuilder();
        md.append(machine(tools)).append('\n');
        System.out.print(md);
        for (CWorkload.Size size : sizes) {
            Path dir = CWorkload.ensure(work, size, System.err);
            List<String> objects = CWorkload.objects(size);
            long inputBytes = 0;
            for (String o : objects) {
                inputBytes += Files.size(dir.resolve(o));
            }
            List<Row> rows = new ArrayList<>();
            String loadBefore = loadAverage();
            for (Tool t : tools) {
                System.err.printf(Locale.ROOT, "%s: %s...%n", size.name(), t.name());
                Row row = t.inProcess()
                        ? measureInProcess(t, dir, warmup, runs)
                        : measureExternal(t, dir, objects, runs, haveTime);
                if (row.failure == null) {
                    verify(row, dir.resolve(t.output()));
                }
                rows.add(row);
            }
            String table = table(size, objects.size(), inputBytes, rows, runs, warmup)
                    + "- load average (1, 5, 15 min) before: " + loadBefore + "; after: " + loadAverage()
                    + " (the latter includes these links; a high load before means other work was running)\n";
            System.out.print(table);
            System.out.flush();
            md.append(table);
        }
        if (markdown != null) {
            Files.writeString(markdown, md.toString());
        }
    }

    private static List<Tool> tools(String cli, String only) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> javaOpts = javaOpts();
        if (cli == null) {
            Path t = Path.of("examples/cli/target");
            if (!Files.isDirectory(t)) {
                t = Path.of("../cli/target");
            }
            cli = t.resolve("cli-0.1.0-SNAPSHOT.jar") + ":" + t.resolve("modules");
        }
        cli = absolute(cli);
        List<String> rivetCli = new ArrayList<>(List.of(java));
        rivetCli.addAll(javaOpts);
        rivetCli.addAll(List.of("-p", cli, "-m", "dev.rivet.cli/dev.rivet.cli.Main", "ld"));
        List<String> child = new ArrayList<>(List.of(java));
        child.addAll(javaOpts);
        List<String> childPreTouched = new ArrayList<>(child);
        childPreTouched.addAll(PRE_TOUCHED);
        List<String> childArgs = List.of("-cp", childClassPath(cli), WholeLink.class.getName(), "--in-process");
        child.addAll(childArgs);
        childPreTouched.addAll(childArgs);

        List<Tool> all = new ArrayList<>();
        all.add(new Tool("ld.bfd", List.of("ld.bfd"), "out-ld.bfd"));
        all.add(new Tool("ld.gold", List.of("ld.gold"), "out-ld.gold"));
        all.add(new Tool("ld.lld", List.of("ld.lld"), "out-ld.lld"));
        all.add(new Tool("mold", List.of("mold", "--no-fork"), "out-mold"));
        all.add(new Tool(RIVET_CLI, rivetCli, "out-rivet"));
        String inProcess = "the engine jars of rivet ld, on the class path of one JVM";
        all.add(new Tool("rivet in-process (warm)", child, inProcess + ", default JVM options", "out-rivet-warm", true));
        all.add(new Tool("rivet in-process (warm, 2 GB heap pre-touched)", childPreTouched,
                inProcess + ", " + String.join(" ", PRE_TOUCHED), "out-rivet-warm-pretouched", true));
        List<Tool> tools = new ArrayList<>();
        for (Tool t : all) {
            if (only != null && !only.contains("," + t.name() + ",") && !only.contains("," + t.name().split(" ")[0] + ",")
                    && !(t.inProcess() && only.contains(",rivet-warm,"))
                    && !(t.name().equals(RIVET_CLI) && only.contains(",rivet-cli,"))) {
                continue;
            }
            List<String> v = new ArrayList<>(t.command().subList(0, 1));
            if (t.name().equals(RIVET_CLI)) {
                v = new ArrayList<>(t.command());
                v.add("--version");
            } else if (t.inProcess()) {
                tools.add(t);
                continue;
            } else {
                v.add("--version");
            }
            String line;
            try {
                Run r = run(v, Path.of("."), 60);
                line = r.exit == 0 ? r.output.lines().findFirst().orElse("?") : null;
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
     * The in-process child runs this class with the engine jars that {@code rivet ld} runs with
     * (its module path, put on the class path), not those this harness was started with: the
     * benchmark's own {@code target/lib} is copied from {@code ~/.m2}, which another checkout may
     * have installed from different sources, and both Rivet rows must measure the same engine.
     */
    private static String childClassPath(String cliModulePath) throws IOException {
        List<String> cp = new ArrayList<>();
        try {
            cp.add(Path.of(WholeLink.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
        } catch (java.net.URISyntaxException e) {
            throw new IOException(e);
        }
        for (String p : cliModulePath.split(java.io.File.pathSeparator)) {
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

    /** The processes run in the workload's directory: make a path list absolute. */
    private static String absolute(String pathList) {
        StringBuilder sb = new StringBuilder();
        for (String p : pathList.split(java.io.File.pathSeparator)) {
            if (!p.isEmpty()) {
                sb.append(sb.length() == 0 ? "" : java.io.File.pathSeparator).append(Path.of(p).toAbsolutePath());
            }
        }
        return sb.toString();
    }

    private static List<String> javaOpts() {
        String s = System.getenv("RIVET_JAVA_OPTS");
        return s == null || s.isBlank() ? List.of() : Arrays.asList(s.trim().split("\\s+"));
    }

    private static Row measureExternal(Tool t, Path dir, List<String> objects, int runs, boolean haveTime)
            throws IOException, InterruptedException {
        Row row = new Row(t.name());
        String out = t.output();
        Path rss = dir.resolve(out + ".rss");
        List<String> cmd = new ArrayList<>();
        if (haveTime) {
            cmd.addAll(List.of("/usr/bin/time", "-f", "%M", "-o", rss.toString()));
        }
        cmd.addAll(t.command());
        cmd.addAll(FLAGS);
        cmd.addAll(List.of("-o", out));
        cmd.addAll(objects);
        long maxRss = -1;
        for (int i = -1; i < runs; i++) {           // run -1 is untimed: page cache, CDS archive
            Files.deleteIfExists(dir.resolve(out));
            long t0 = System.nanoTime();
            Run r = run(cmd, dir, 600);
            long dt = System.nanoTime() - t0;
            if (r.exit != 0) {
                row.failure = (r.exit > 128 ? "killed by signal " + (r.exit - 128) + (r.exit == 139 ? " (SIGSEGV)" : "")
                        : "exit " + r.exit) + ": " + tail(r.output);
                return row;
            }
            if (i >= 0) {
                row.nanos.add(dt);
                if (haveTime) {
                    maxRss = Math.max(maxRss, Long.parseLong(lastLine(Files.readString(rss))));
                }
            }
        }
        Files.deleteIfExists(rss);
        row.peakRssKb = maxRss;
        row.outputBytes = Files.size(dir.resolve(out));
        return row;
    }

    private static Row measureInProcess(Tool t, Path dir, int warmup, int runs) throws IOException, InterruptedException {
        Row row = new Row(t.name());
        List<String> cmd = new ArrayList<>(t.command());
        cmd.addAll(List.of(dir.toAbsolutePath().toString(), Integer.toString(warmup), Integer.toString(runs), t.output()));
        Run r = run(cmd, dir, 1800);
        if (r.exit != 0) {
            row.failure = "exit " + r.exit + ": " + tail(r.output);
            return row;
        }
        for (String line : r.output.lines().toList()) {
            String[] w = line.split(" ", 2);
            switch (w[0]) {
                case "WALL_NS" -> Arrays.stream(w[1].split(" ")).map(Long::parseLong).forEach(row.nanos::add);
                case "HWM_KB" -> row.peakRssKb = Long.parseLong(w[1]);
                case "NOTE" -> row.note = row.note == null ? w[1] : row.note + "; " + w[1];
                default -> { }
            }
        }
        row.outputBytes = Files.size(dir.resolve(t.output()));
        return row;
    }

    /** The child JVM: links the workload in {@code dir} warmup + runs times and prints the measurements. */
    private static void inProcess(Path dir, int warmup, int runs, String output) throws IOException {
        int files;
        try (var list = Files.list(dir)) {
            files = (int) list.filter(p -> p.getFileName().toString().matches("w\\d+\\.o")).count();
        }
        List<Path> objects = new ArrayList<>();
        objects.add(dir.resolve("main.o"));
        for (int i = 0; i < files; i++) {
            objects.add(dir.resolve("w" + i + ".o"));
        }
        Path out = dir.resolve(output);
        LinkOptions options = LinkOptions.builder().deadStrip(true).entry("_start").build();
        MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
        long before = usedAfterGc(mem);
        long[] nanos = new long[runs];
        long[] warmNanos = new long[warmup];
        long[] minor = new long[runs];
        long[] major = new long[runs];
        Linker last = null;
        LinkResult result = null;
        long gcCount = 0;
        long gcMillis = 0;
        for (int i = -warmup; i < runs; i++) {
            last = null;
            long[] f0 = faults();
            if (i == 0) {
                gcCount = -gcCount();
                gcMillis = -gcMillis();
            }
            long t0 = System.nanoTime();
            Linker linker = Linker.create(Target.X86_64_LINUX, options);
            for (Path o : objects) {
                linker.addInput(o);
            }
            result = linker.link(out);
            long dt = System.nanoTime() - t0;
            linker.close(); // release the inputs' mappings now, as a long-running caller should (untimed)
            long[] f1 = faults();
            if (i >= 0) {
                nanos[i] = dt;
                minor[i] = f1[0] - f0[0];
                major[i] = f1[1] - f0[1];
            } else {
                warmNanos[i + warmup] = dt;
            }
            last = linker;
        }
        gcCount += gcCount();
        gcMillis += gcMillis();
        String mappedBefore = mappings(objects.size());
        long retained = usedAfterGc(mem) - before;
        StringBuilder sb = new StringBuilder("WALL_NS");
        for (long n : nanos) {
            sb.append(' ').append(n);
        }
        System.out.println(sb);
        System.out.println("HWM_KB " + vmHwmKb());
        try {
            Thread.sleep(500);      // lets the Cleaner thread unmap what the full GCs found unreachable
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        System.out.printf(Locale.ROOT, "NOTE mapped files: %s before the full GCs that end the run, %s after%n",
                mappedBefore, mappings(objects.size()));
        StringBuilder phases = new StringBuilder();
        for (Map.Entry<LinkPhase, Long> e : result.phaseNanos().entrySet()) {
            phases.append(String.format(Locale.ROOT, "%s%s %.0f", phases.length() == 0 ? "" : ", ",
                    e.getKey().displayName(), e.getValue() / 1e6));
        }
        if (warmup > 0) {
            System.out.printf(Locale.ROOT, "NOTE the %d warm-up links took %.0f ms (the first), then %.0f–%.0f ms%n", warmup,
                    warmNanos[0] / 1e6, Arrays.stream(warmNanos).skip(1).min().orElse(0) / 1e6,
                    Arrays.stream(warmNanos).skip(1).max().orElse(0) / 1e6);
        }
        if (System.getenv("WHOLELINK_VERBOSE") != null) {
            for (int i = 0; i < runs; i++) {
                System.err.printf(Locale.ROOT, "link %d: %.1f ms, %d minor and %d major page faults%n", i, nanos[i] / 1e6, minor[i], major[i]);
            }
        }
        long[] sortedMinor = minor.clone();
        Arrays.sort(sortedMinor);
        System.out.printf(Locale.ROOT, "NOTE page faults a link: median %d minor, %d major in all%n",
                sortedMinor[runs / 2], Arrays.stream(major).sum());
        System.out.printf(Locale.ROOT, "NOTE %d GCs took %d ms during the %d timed links (%.0f ms a link); heap retained by the"
                + " last linker (after full GC): %.0f MB; JVM max heap %.0f MB; phases of the last link (ms; addInput, which"
                + " reads the objects, is not among them): %s%n",
                gcCount, gcMillis, runs, (double) gcMillis / runs,
                retained / 1048576.0, Runtime.getRuntime().maxMemory() / 1048576.0, phases);
        if (last.loader().symbolCount() < 0) {      // keeps the last linker reachable until measured
            throw new AssertionError();
        }
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

    private static long vmHwmKb() throws IOException {
        return status("VmHWM:");
    }

    /** {@return how many .o files are mapped and the file-backed RSS} */
    private static String mappings(int objectsPerLink) throws IOException {
        long n;
        try (var maps = Files.lines(Path.of("/proc/self/maps"))) {
            n = maps.filter(l -> l.endsWith(".o")).count();
        }
        return String.format(Locale.ROOT, "%d mappings of .o files (%d a link), %d MB resident", n, objectsPerLink,
                status("RssFile:") / 1024);
    }

    /** {@return a kB field of /proc/self/status, or -1} */
    private static long status(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(field)) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    private static void verify(Row row, Path program) throws IOException, InterruptedException {
        Run r = run(List.of(program.toAbsolutePath().toString()), program.getParent(), 60);
        row.exit = r.exit;
    }

    private record Run(int exit, String output) { }

    private static Run run(List<String> cmd, Path dir, int timeoutSeconds) throws IOException, InterruptedException {
        Path log = Files.createTempFile("rivet-wholelink-", ".log");
        try {
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                return new Run(-1, "timed out after " + timeoutSeconds + " s: " + String.join(" ", cmd));
            }
            return new Run(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private static String tail(String s) {
        List<String> lines = s.lines().toList();
        return String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
    }

    private static String lastLine(String s) {
        List<String> lines = s.strip().lines().toList();
        return lines.get(lines.size() - 1).trim();
    }

    private static String loadAverage() throws IOException {
        String[] w = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
        return w[0] + " " + w[1] + " " + w[2];
    }

    private static String machine(List<Tool> tools) throws IOException {
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
        sb.append(String.format(Locale.ROOT, "Machine: %d CPUs (nproc), %s, %s RAM, Linux %s; JDK %s (%s)%n%n",
                Runtime.getRuntime().availableProcessors(), cpu, mem, System.getProperty("os.version"),
                System.getProperty("java.runtime.version"), System.getProperty("java.vm.name")));
        for (Tool t : tools) {
            sb.append("- ").append(t.name()).append(": ").append(t.versionLine()).append('\n');
        }
        return sb.toString();
    }

    private static String table(CWorkload.Size size, int objects, long inputBytes, List<Row> rows, int runs, int warmup) {
        Map<String, Double> medians = new LinkedHashMap<>();
        Integer reference = null;
        for (Row r : rows) {
            if (r.failure == null) {
                medians.put(r.name, r.medianMs());
                if (reference == null) {
                    reference = r.exit;
                }
            }
        }
        Double mold = medians.get("mold");
        Double lld = medians.get("ld.lld");
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%n### %s: %d objects, %.1f MB%n%n", size.describe(), objects, inputBytes / 1048576.0));
        sb.append("| linker | median wall ms | spread (min–max) ms | peak RSS MB | output KB | vs mold | vs lld | exit |\n");
        sb.append("|---|---:|---:|---:|---:|---:|---:|---|\n");
        List<String> notes = new ArrayList<>();
        for (Row r : rows) {
            if (r.failure != null) {
                sb.append("| ").append(r.name).append(" | failed | | | | | | |\n");
                notes.add(r.name + " failed: " + r.failure);
                continue;
            }
            double m = r.medianMs();
            String exit = r.exit == null ? "?" : r.exit.equals(reference) ? r.exit + " ok" : r.exit + " **differs**";
            if (r.exit != null && !r.exit.equals(reference)) {
                notes.add(r.name + ": the output exits with " + r.exit + ", " + rows.get(0).name + "'s with " + reference);
            }
            sb.append(String.format(Locale.ROOT, "| %s | %.1f | %.1f–%.1f | %s | %,d | %s | %s | %s |%n",
                    r.name, m, r.minMs(), r.maxMs(),
                    r.peakRssKb < 0 ? "n/a" : String.format(Locale.ROOT, "%.0f", r.peakRssKb / 1024.0),
                    r.outputBytes / 1024, ratio(m, mold), ratio(m, lld), exit));
            if (r.note != null) {
                notes.add(r.name + ": " + r.note);
            }
        }
        sb.append(String.format(Locale.ROOT, "%n%d timed runs each (after 1 untimed run; Rivet in process: after %d warm-up links"
                + " in the same JVM).%n", runs, warmup));
        for (String n : notes) {
            sb.append("- ").append(n).append('\n');
        }
        return sb.toString();
    }

    private static String ratio(double m, Double base) {
        return base == null ? "n/a" : String.format(Locale.ROOT, "%.2f×", m / base);
    }
}
