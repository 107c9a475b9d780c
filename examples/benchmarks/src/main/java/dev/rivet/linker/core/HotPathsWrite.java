package dev.rivet.linker.core;

import dev.rivet.bench.SyntheticProgram;
import dev.rivet.linker.LinkOptions;
import dev.rivet.linker.Target;
import dev.rivet.linker.core.output.AtomWriter;
import dev.rivet.linker.core.output.LinkContext;
import dev.rivet.linker.core.output.OutputFormat;
import dev.rivet.linker.core.output.OutputPlan;
import dev.rivet.linker.elf.ElfFormat;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
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
 * The output-writing hot path: {@link AtomWriter#write} (copy every live atom into the image and
 * apply its relocations, in parallel) over the plan of a finished link of {@code symbols}
 * functions of {@link SyntheticProgram} (16 bytes and 3 calls each).
 *
 * <p>It lives in the engine's package because the link context and the plan are not public: the
 * linker is made directly ({@link CoreLinker}'s constructor) with the ELF format wrapped so that
 * its {@code plan} is kept; after one {@code linkToMemory} the context (addresses assigned) and
 * the plan are written again and again into one buffer. The executor is the benchmark's own, so
 * it outlives the link.
 *
 * <p>Run with {@code examples/benchmarks/run jmh HotPaths}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g"})
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
public class HotPathsWrite {
    /** The number of functions. */
    @Param({"1000000"})
    public int symbols;

    /** The threads the writer uses. */
    @Param({"2"})
    public int threads;

    private ExecutorService executor;
    private PlanKeeper format;
    private ByteBuffer image;

    /** Links the program once and keeps its context and plan. */
    @Setup(Level.Trial)
    public void setUp() {
        executor = Executors.newFixedThreadPool(threads);
        format = new PlanKeeper(new ElfFormat());
        CoreLinker linker = new CoreLinker(Target.X86_64_LINUX, LinkOptions.builder().threads(threads).executor(executor).build(),
                format);
        SyntheticProgram.define(linker, symbols);
        linker.linkToMemory();
        image = ByteBuffer.allocate((int) format.plan.fileSize()).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Stops the executor. */
    @TearDown(Level.Trial)
    public void tearDown() {
        executor.shutdownNow();
    }

    /** {@return the image with every atom copied and relocated} */
    @Benchmark
    public ByteBuffer writeAtoms() {
        AtomWriter.write(format.ctx, format.plan, image);
        return image;
    }

    /** The ELF format, keeping the context and plan of the last link. */
    private static final class PlanKeeper implements OutputFormat {
        private final OutputFormat elf;
        LinkContext ctx;
        OutputPlan plan;

        PlanKeeper(OutputFormat elf) {
            this.elf = elf;
        }

        @Override
        public String name() {
            return elf.name();
        }

        @Override
        public boolean supports(Target target) {
            return elf.supports(target);
        }

        @Override
        public OutputPlan plan(LinkContext c) {
            ctx = c;
            plan = elf.plan(c);
            return plan;
        }

        @Override
        public void defineLinkerSymbols(LinkContext c) {
            elf.defineLinkerSymbols(c);
        }

        @Override
        public void trimLiveAtoms(LinkContext c) {
            elf.trimLiveAtoms(c);
        }

        @Override
        public void createSyntheticAtoms(LinkContext c) {
            elf.createSyntheticAtoms(c);
        }

        @Override
        public void readInput(CoreLinker linker, java.nio.file.Path path, ByteBuffer data,
                java.util.Set<dev.rivet.linker.InputOption> options) {
            elf.readInput(linker, path, data, options);
        }
    }
}
