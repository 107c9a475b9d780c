package dev.rivet.bench;

import dev.rivet.linker.LinkOptions;
import dev.rivet.linker.Linker;
import dev.rivet.linker.Target;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The in-memory frontend case: a compiler frontend that has made {@link SyntheticProgram}'s
 * 1,000,000 functions wants an x86_64-linux executable. Two whole paths, both in this (warm) JVM:
 *
 * <ol>
 * <li><b>Rivet in process</b>: {@code Linker.create}, every function defined through
 *     {@code SymbolBuilder} ({@link SyntheticProgram#define}), {@code link(out)}, {@code close()};
 * <li><b>objects + mold</b>: the same code bytes and relocations written as {@code --files} ELF
 *     relocatable objects ({@link ElfObjectWriter}, one task per object on {@code --threads}
 *     threads), then {@code mold --no-fork --threads=N -static -nostdlib --gc-sections -e _start}
 *     on them, as a frontend without an in-process linker would.
 * </ol>
 *
 * <p>Wall time of each whole path; CPU time: this JVM's process CPU time over the path, plus, for
 * mold, its user + system time from {@code /usr/bin/time}. Peak RSS of mold from
 * {@code /usr/bin/time}; the JVM's {@code VmHWM} at the end. The outputs do not run (the call
 * chain recurses until the stack overflows); instead the harness checks both have the same
 * amount of executable code.
 *
 * <p>Usage: {@code examples/benchmarks/run frontend [--symbols N] [--files N] [--runs N]
 * [--warmup N] [--threads N] [--markdown FILE]}.
 */
public final class FrontendLink {
    private FrontendLink() { }

    /**
     * Runs the comparison.
     *
     * @param args options; see the class comment
     * @throws Exception if files cannot be written or mold cannot be run
     */
    public static void main(String[] args) throws Exception {
        int symbols = 1_000_000;
        int files = 100;
        int runs = 5;
        int warmup = 8;
        int threads = Runtime.getRuntime().availableProcessors();
        Path work = Path.of("target");
        Path markdown = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--symbols" -> symbols = Integer.parseInt(args[++i].replace("_", ""));
                case "--files" -> files = Integer.parseInt(args[++i]);
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--work" -> work = Path.of(args[++i]);
                case "--markdown" -> markdown = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("usage: FrontendLink [--symbols N] [--files N] [--runs N]"
                        + " [--warmup N] [--threads N] [--work DIR] [--markdown FILE]; not " + args[i]);
            }
        }
        if (symbols < files || files < 1 || runs < 1 || warmup < 0 || threads < 1) {
            throw new IllegalArgumentException("need 1 <= files <= symbols, runs and threads >= 1, warmup >= 0");
        }
        Path dir = work.toAbsolutePath().resolve("frontend-" + symbols + "x" + files);
        Files.createDirectories(dir);
        String loadBefore = Processes.loadNote("before");

        long[] rivetWall = new long[runs];
        long[] rivetCpu = new long[runs];
        long[] writeWall = new long[runs];
        long[] moldWall = new long[runs];
        long[] pathWall = new long[runs];
        long[] pathCpu = new long[runs];
        long moldRss = -1;
        Path rivetOut = dir.resolve("out-rivet");
        Path moldOut = dir.resolve("out-mold");
        LinkOptions options = LinkOptions.builder().threads(threads).build();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            for (int i = -warmup; i < runs; i++) {
                System.err.printf(Locale.ROOT, "frontend: %s %d...%n", i < 0 ? "warm-up" : "run", i < 0 ? i + warmup : i);
                // Rivet in process.
                long c0 = Processes.processCpuNanos();
                long t0 = System.nanoTime();
                try (Linker linker = Linker.create(Target.X86_64_LINUX, options)) {
                    SyntheticProgram.define(linker, symbols);
                    linker.link(rivetOut);
                }
                long t1 = System.nanoTime();
                long c1 = Processes.processCpuNanos();
                // Objects, then mold.
                List<String> objects = writeObjects(pool, dir, symbols, files);
                long t2 = System.nanoTime();
                long c2 = Processes.processCpuNanos();
                List<String> mold = new ArrayList<>(List.of("mold", "--no-fork", "--threads=" + threads));
                mold.addAll(WholeLink.FLAGS);
                mold.addAll(List.of("-o", moldOut.toString()));
                mold.addAll(objects);
                Files.deleteIfExists(moldOut);
                Processes.Timed m = Processes.timed(mold, dir, 1800);
                if (m.run().exit() != 0) {
                    throw new IOException("mold failed (exit " + m.run().exit() + "): " + Processes.tail(m.run().output()));
                }
                if (i >= 0) {
                    rivetWall[i] = t1 - t0;
                    rivetCpu[i] = c1 - c0;
                    writeWall[i] = t2 - t1;
                    moldWall[i] = m.wallNanos();
                    pathWall[i] = t2 - t1 + m.wallNanos();
                    pathCpu[i] = c2 - c1 + Math.max(0, m.cpuNanos());
                    moldRss = Math.max(moldRss, m.peakRssKb());
                }
            }
        } finally {
            pool.shutdownNow();
        }
        long rivetText = executableBytes(rivetOut);
        long moldText = executableBytes(moldOut);
        long objectBytes = 0;
        try (var list = Files.list(dir)) {
            for (Path p : list.filter(p -> p.toString().endsWith(".o")).toList()) {
                objectBytes += Files.size(p);
            }
        }

        Processes.Stats rw = Processes.Stats.of(rivetWall);
        Processes.Stats rc = Processes.Stats.of(rivetCpu);
        Processes.Stats pw = Processes.Stats.of(pathWall);
        Processes.Stats pc = Processes.Stats.of(pathCpu);
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%n### In-memory frontend: %,d builder symbols (SyntheticProgram, x86_64-linux),"
                + " %d threads%n%n", symbols, threads));
        sb.append("| path | median wall ms | wall spread (min–max) | median CPU ms | CPU spread | peak RSS MB | vs objects + mold"
                + " (wall / CPU) |\n");
        sb.append("|---|---:|---:|---:|---:|---:|---:|\n");
        sb.append(String.format(Locale.ROOT, "| Rivet in process (define + link + close) | %s | %s | %.0f (JVM) | %s / %s |%n",
                rw.cells(), rc.cells(), WholeLink.status("VmHWM:") / 1024.0,
                Processes.ratio(rw.median(), pw.median()), Processes.ratio(rc.median(), pc.median())));
        sb.append(String.format(Locale.ROOT, "| write %d objects + mold | %s | %s | %s (mold) | 1.00× / 1.00× |%n",
                files, pw.cells(), pc.cells(), moldRss < 0 ? "n/a" : String.format(Locale.ROOT, "%.0f", moldRss / 1024.0)));
        sb.append(String.format(Locale.ROOT, "%n%d timed runs after %d warm-up runs of both paths in one JVM.%n", runs, warmup));
        sb.append(String.format(Locale.ROOT, "- of the objects + mold path: writing the objects %.1f ms, mold %.1f ms (medians);"
                + " %d objects, %.1f MB%n", Processes.Stats.of(writeWall).median(), Processes.Stats.of(moldWall).median(),
                files, objectBytes / 1048576.0));
        // The linkers place _start differently (Rivet last, mold where its object has it), so the
        // code differs by up to one alignment gap.
        long code = SyntheticProgram.contentBytes(symbols);
        boolean same = Math.min(rivetText, moldText) >= code && Math.abs(rivetText - moldText) < 16;
        sb.append(String.format(Locale.ROOT, "- executable code in the outputs: Rivet %,d bytes, mold %,d bytes, the program"
                + " %,d bytes%s%n", rivetText, moldText, code, same ? " (the same, up to alignment padding)" : " (**differs**)"));
        sb.append(loadBefore).append(Processes.loadNote("after"));
        System.out.print(sb);
        if (markdown != null) {
            Files.writeString(markdown, sb.toString());
        }
    }

    /** Writes the objects in parallel, one task per object; {@return their paths, the one with _start first} */
    private static List<String> writeObjects(ExecutorService pool, Path dir, int symbols, int files) throws Exception {
        List<Future<?>> done = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int f = 0; f < files; f++) {
            int from = (int) ((long) symbols * f / files);
            int to = (int) ((long) symbols * (f + 1) / files);
            Path p = dir.resolve("o" + f + ".o");
            boolean withStart = f == 0;
            names.add(p.toString());
            done.add(pool.submit(() -> {
                ElfObjectWriter.write(p, symbols, from, to, withStart);
                return null;
            }));
        }
        for (Future<?> d : done) {
            d.get();
        }
        return names;
    }

    /** {@return the total size of an ELF file's executable sections} */
    static long executableBytes(Path elf) throws IOException {
        try (FileChannel ch = FileChannel.open(elf, StandardOpenOption.READ)) {
            ByteBuffer b = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size()).order(ByteOrder.LITTLE_ENDIAN);
            long shoff = b.getLong(40);
            int shentsize = Short.toUnsignedInt(b.getShort(58));
            int shnum = Short.toUnsignedInt(b.getShort(60));
            long total = 0;
            for (int i = 0; i < shnum; i++) {
                int h = (int) (shoff + (long) shentsize * i);
                if ((b.getLong(h + 8) & 4) != 0) {          // SHF_EXECINSTR
                    total += b.getLong(h + 32);
                }
            }
            return total;
        }
    }
}
