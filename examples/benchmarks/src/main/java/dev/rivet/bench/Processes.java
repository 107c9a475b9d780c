package dev.rivet.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/** Running processes and taking their times, and the statistics the benchmarks print. */
final class Processes {
    /** GNU time: elapsed, user and system seconds, peak RSS in KB. */
    static final Path TIME = Path.of("/usr/bin/time");

    private Processes() { }

    /** What a process did: its exit status and its merged standard output and error. */
    record Run(int exit, String output) { }

    /**
     * One timed run of an external process: wall time measured here around start and exit (so it
     * includes starting {@code /usr/bin/time}, about 2 ms), CPU time (user + system) and peak RSS
     * as {@code /usr/bin/time} reports them (CPU in units of 10 ms), -1 where unknown.
     */
    record Timed(Run run, long wallNanos, long cpuNanos, long peakRssKb) { }

    static Run run(List<String> cmd, Path dir, int timeoutSeconds) throws IOException, InterruptedException {
        Path log = Files.createTempFile("rivet-bench-", ".log");
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

    /**
     * Runs a command under {@code /usr/bin/time} when it is there.
     *
     * @param cmd the command
     * @param dir where it runs
     * @param timeoutSeconds when it is killed
     * @return its status, output, wall and CPU time and peak RSS
     * @throws IOException if it cannot be started
     * @throws InterruptedException if interrupted while it runs
     */
    static Timed timed(List<String> cmd, Path dir, int timeoutSeconds) throws IOException, InterruptedException {
        boolean haveTime = Files.isExecutable(TIME);
        Path times = Files.createTempFile("rivet-bench-", ".time");
        try {
            List<String> full = new ArrayList<>();
            if (haveTime) {
                full.addAll(List.of(TIME.toString(), "-f", "%e %U %S %M", "-o", times.toString()));
            }
            full.addAll(cmd);
            long t0 = System.nanoTime();
            Run r = run(full, dir, timeoutSeconds);
            long wall = System.nanoTime() - t0;
            long cpu = -1;
            long rss = -1;
            if (haveTime && r.exit() == 0) {
                // time writes "Command exited with non-zero status" first when it fails; the figures are the last line.
                String[] w = lastLine(Files.readString(times)).split(" ");
                cpu = Math.round((Double.parseDouble(w[1]) + Double.parseDouble(w[2])) * 1e9);
                rss = Long.parseLong(w[3]);
            }
            return new Timed(r, wall, cpu, rss);
        } finally {
            Files.deleteIfExists(times);
        }
    }

    /** {@return the CPU time this JVM has used, all threads (JIT and GC included), in nanoseconds} */
    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    static String tail(String s) {
        List<String> lines = s.lines().toList();
        return String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
    }

    static String lastLine(String s) {
        List<String> lines = s.strip().lines().toList();
        return lines.isEmpty() ? "" : lines.get(lines.size() - 1).trim();
    }

    static String loadAverage() throws IOException {
        String[] w = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
        return w[0] + " " + w[1] + " " + w[2];
    }

    /** {@return the 1-minute load average} */
    static double load1() throws IOException {
        return Double.parseDouble(loadAverage().split(" ")[0]);
    }

    /**
     * {@return a line saying how busy the machine was, with a warning when the load is above the
     * number of CPUs: such numbers are not final}
     */
    static String loadNote(String when) throws IOException {
        int cpus = Runtime.getRuntime().availableProcessors();
        double load = load1();
        return "- load average (1, 5, 15 min) " + when + ": " + loadAverage()
                + (load > cpus * 0.5 ? " — **busy machine** (" + cpus + " CPUs): these are not final numbers" : "") + "\n";
    }

    /** Median, minimum and maximum of a set of nanosecond samples, in milliseconds. */
    record Stats(double median, double min, double max) {
        static Stats of(long[] nanos) {
            long[] s = nanos.clone();
            Arrays.sort(s);
            int n = s.length;
            if (n == 0) {
                return new Stats(Double.NaN, Double.NaN, Double.NaN);
            }
            double m = n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2.0;
            return new Stats(m / 1e6, s[0] / 1e6, s[n - 1] / 1e6);
        }

        static Stats of(List<Long> nanos) {
            return of(nanos.stream().mapToLong(Long::longValue).toArray());
        }

        /** {@return e.g. {@code 12.3 | 11.0–15.2}: the median and the spread, two table cells} */
        String cells() {
            return Double.isNaN(median) ? "n/a | " : String.format(Locale.ROOT, "%.1f | %.1f–%.1f", median, min, max);
        }
    }

    /** {@return {@code a / b} as {@code 0.62×}, or n/a} */
    static String ratio(double a, Double b) {
        return b == null || Double.isNaN(a) || Double.isNaN(b) || b == 0 ? "n/a" : String.format(Locale.ROOT, "%.2f×", a / b);
    }
}
