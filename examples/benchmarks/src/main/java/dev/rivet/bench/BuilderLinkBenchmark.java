package dev.rivet.bench;

import dev.rivet.linker.LinkResult;
import dev.rivet.linker.Linker;
import dev.rivet.linker.Target;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Links {@link SyntheticProgram}, {@code symbols} functions of 16 bytes with 3 calls each, into
 * an x86_64-linux executable in a temporary directory.
 *
 * <ul>
 * <li>{@link #defineAndLink}: a fresh linker, every symbol interned and defined, then linked;
 *     what a compiler frontend that links in process pays.
 * <li>{@link #linkOnly}: the symbols are defined once; only {@code linker.link(path)} is timed.
 * </ul>
 *
 * <p>Run with {@code examples/benchmarks/run jmh}; {@code -p symbols=100000} for a smaller program.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx8g"})
@Warmup(iterations = 3)
@Measurement(iterations = 5)
public class BuilderLinkBenchmark {
    /** The number of functions. */
    @Param({"1000000"})
    public int symbols;

    private Path dir;
    private Path output;
    private Linker prebuilt;

    /** Makes the output directory and the linker that {@link #linkOnly} links, and checks both cases once. */
    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("rivet-bench-");
        output = dir.resolve("program");
        prebuilt = newLinker();
        SyntheticProgram.define(prebuilt, symbols);
        check(prebuilt.link(output));
        check(defineAndLink());
    }

    /** Removes the output directory. */
    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        prebuilt = null;
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** {@return the result of defining every symbol in a fresh linker and linking} */
    @Benchmark
    public LinkResult defineAndLink() {
        Linker linker = newLinker();
        SyntheticProgram.define(linker, symbols);
        return linker.link(output);
    }

    /** {@return the result of linking the symbols defined in setup} */
    @Benchmark
    public LinkResult linkOnly() {
        return prebuilt.link(output);
    }

    static Linker newLinker() {
        // Default options: entry _start, dead-stripping on (the call chain keeps every function),
        // as many threads as cores.
        return Linker.create(Target.X86_64_LINUX);
    }

    private void check(LinkResult r) {
        LinkResult.Statistics st = r.statistics();
        long expectedSize = SyntheticProgram.contentBytes(symbols);
        if (st.liveAtoms() != symbols + 1 || st.deadAtoms() != 0
                || st.relocations() != (long) symbols * SyntheticProgram.RELOCATIONS + 1
                || r.size() < expectedSize) {
            throw new IllegalStateException("unexpected link of " + symbols + " functions: " + st + ", " + r.size() + " bytes");
        }
    }
}
