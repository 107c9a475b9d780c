package dev.rivet.bench;

import dev.rivet.linker.LinkPhase;
import dev.rivet.linker.LinkResult;
import dev.rivet.linker.Linker;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Measures the heap a linker holds per builder-made symbol: defines {@link SyntheticProgram} with
 * N functions (default 1,000,000) in one linker and compares the used heap after full GCs before
 * and after. Then links it a few times and prints the phase times of the first and the last link.
 *
 * <p>Usage: {@code java -Xmx8g -cp ... dev.rivet.bench.HeapPerSymbol [N]}, or
 * {@code examples/benchmarks/run heap [N]}.
 */
public final class HeapPerSymbol {
    private static final int LINKS = 5;

    private HeapPerSymbol() { }

    /**
     * Runs the measurement.
     *
     * @param args the number of functions, optional
     * @throws IOException if the temporary output cannot be made or removed
     */
    public static void main(String[] args) throws IOException {
        int n = args.length > 0 ? Integer.parseInt(args[0].replace("_", "")) : 1_000_000;
        MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
        AllocationMeter meter = new AllocationMeter();

        // Warm the code paths up on a small program so that the JIT's own allocations are done.
        SyntheticProgram.define(BuilderLinkBenchmark.newLinker(), Math.min(n, 20_000));

        Linker linker = BuilderLinkBenchmark.newLinker();
        long before = usedAfterGc(mem);
        long t0 = System.nanoTime();
        SyntheticProgram.define(linker, n);
        long defineNanos = System.nanoTime() - t0;
        long after = usedAfterGc(mem);

        long delta = after - before;
        long content = SyntheticProgram.contentBytes(n);
        long names = SyntheticProgram.nameBytes(n);
        int count = linker.loader().symbolCount();
        System.out.printf(Locale.ROOT, "symbols defined:              %,d functions + _start (%,d symbols in the loader)%n", n, count);
        System.out.printf(Locale.ROOT, "define time:                  %,.1f ms (%.0f ns/symbol, cold)%n", defineNanos / 1e6, (double) defineNanos / n);
        System.out.printf(Locale.ROOT, "used heap delta:              %,d bytes%n", delta);
        System.out.printf(Locale.ROOT, "heap per symbol:              %.1f bytes%n", (double) delta / n);
        System.out.printf(Locale.ROOT, "own content per symbol:       %.1f bytes (code)%n", (double) content / n);
        System.out.printf(Locale.ROOT, "beyond own bytes per symbol:  %.1f bytes%n", (double) (delta - content) / n);
        // A relocation is 13 bytes (offset, operation, target, 32-bit addend) in the loader.
        long relocations = 13L * SyntheticProgram.RELOCATIONS * n;
        System.out.printf(Locale.ROOT, "  of which name bytes:        %.1f bytes (UTF-8), relocations %.1f (%d of 13 bytes)%n",
                (double) names / n, (double) relocations / n, SyntheticProgram.RELOCATIONS);
        System.out.printf(Locale.ROOT, "loader structure per symbol:  %.1f bytes (beyond code, name and relocations; target: at most 64)%n",
                (double) (delta - content - names - relocations) / n);

        Path dir = Files.createTempDirectory("rivet-heap-");
        Path out = dir.resolve("program");
        try {
            LinkResult first = null;
            LinkResult last = null;
            long allocated = 0;
            for (int i = 0; i < LINKS; i++) {
                if (i == LINKS - 2) {
                    allocated = -meter.allocatedSettled();
                }
                last = linker.link(out);
                if (first == null) {
                    first = last;
                }
            }
            System.out.printf(Locale.ROOT, "output:                       %,d bytes, %s%n", last.size(), last.statistics());
            allocated += meter.allocatedSettled();
            System.out.printf(Locale.ROOT, "heap allocated a link:        %.1f bytes a symbol (%,.1f MB; the last 2 links' mean, every thread)%n",
                    allocated / 2.0 / n, allocated / 2.0 / 1048576);
            printPhases("first link (cold)", first.phaseNanos());
            printPhases("link " + LINKS + " (warmer)", last.phaseNanos());
            long retained = usedAfterGc(mem) - before;
            System.out.printf(Locale.ROOT, "heap per symbol after links:  %.1f bytes (the linker keeps the last link's addresses)%n",
                    (double) retained / n);
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(dir);
        }
        // Keep the linker reachable until every measurement is done.
        if (linker.loader().symbolCount() != count) {
            throw new AssertionError();
        }
    }

    private static void printPhases(String title, Map<LinkPhase, Long> phases) {
        long total = 0;
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<LinkPhase, Long> e : phases.entrySet()) {
            total += e.getValue();
            sb.append(String.format(Locale.ROOT, "    %-18s %9.1f ms%n", e.getKey().displayName(), e.getValue() / 1e6));
        }
        System.out.printf(Locale.ROOT, "phases of the %s: %.1f ms in all%n%s", title, total / 1e6, sb);
    }

    private static long usedAfterGc(MemoryMXBean mem) {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            used = Math.min(used, mem.getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
