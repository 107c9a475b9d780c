package dev.rivet.bench;

import dev.rivet.linker.Architecture;
import dev.rivet.linker.LinkOptions;
import dev.rivet.linker.Linker;
import dev.rivet.linker.Target;
import dev.rivet.linker.core.arch.Arch;
import dev.rivet.linker.core.arch.X86_64;
import dev.rivet.linker.core.symbols.SymbolTable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
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
 * The engine's hot paths one at a time, on the names, code and relocations of
 * {@link SyntheticProgram} ({@code symbols} functions, 3 calls each); each benchmark is one
 * operation over all of them, so the score divided by {@code symbols} is the cost per symbol
 * or per function. The write phase is in {@link dev.rivet.linker.core.HotPathsWrite}.
 *
 * <ul>
 * <li>{@link #internNew}: every name interned into an empty {@code SymbolTable} (hash, probe,
 *     copy into the name arena, grow);
 * <li>{@link #internExisting}: the same names again into the full table: the lookup an object
 *     reader does for each reference to a symbol already known;
 * <li>{@link #resolveObjects}: a fresh {@code Linker} given {@code objects} ELF relocatable
 *     objects ({@link ElfObjectWriter}) with {@code addInput}: reading sections, symbols and
 *     relocations, interning and binding every symbol (undefined references resolved against the
 *     definitions of the other objects), then closed;
 * <li>{@link #resolveObjectsTogether}: the same with one {@code addInputs} on 2 threads: objects
 *     parsed in parallel and their symbols bound together, the shards of the name table shared
 *     among the threads, with the result of {@link #resolveObjects};
 * <li>{@link #applyRelocations}: {@code Arch.apply} for x86-64 over a buffer of the program's
 *     code, three PLT32 calls a function, as the atom writer calls it.
 * </ul>
 *
 * <p>Run with {@code examples/benchmarks/run jmh HotPaths}; {@code -p symbols=100000} for fewer.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g"})
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
public class HotPaths {
    /** The number of functions of the program whose names and code are used. */
    @Param({"1000000"})
    public int symbols;

    /** The number of objects {@link #resolveObjects} reads. */
    @Param({"100"})
    public int objects;

    private byte[] names;
    private int[] nameOffsets;
    private SymbolTable full;
    private Path dir;
    private Path[] objectFiles;
    private ByteBuffer code;
    private Arch x86;

    /** Makes the names, a full table, the objects and the code buffer. */
    @Setup(Level.Trial)
    public void setUp() throws IOException {
        nameOffsets = new int[symbols + 1];
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < symbols; i++) {
            nameOffsets[i] = sb.length();
            sb.append(SyntheticProgram.name(i));
        }
        nameOffsets[symbols] = sb.length();
        names = sb.toString().getBytes(StandardCharsets.US_ASCII);
        full = internAll(new SymbolTable(1024));

        dir = Files.createTempDirectory("rivet-hotpaths-");
        objectFiles = new Path[objects];
        for (int f = 0; f < objects; f++) {
            objectFiles[f] = dir.resolve("o" + f + ".o");
            ElfObjectWriter.write(objectFiles[f], symbols, (int) ((long) symbols * f / objects),
                    (int) ((long) symbols * (f + 1) / objects), f == 0);
        }

        code = ByteBuffer.allocate(symbols * SyntheticProgram.FUNCTION_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        x86 = Arch.of(Architecture.X86_64);
    }

    /** Removes the objects. */
    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private SymbolTable internAll(SymbolTable table) {
        for (int i = 0; i < symbols; i++) {
            table.intern(names, nameOffsets[i], nameOffsets[i + 1] - nameOffsets[i]);
        }
        return table;
    }

    /** {@return a table with every name interned, starting empty} */
    @Benchmark
    public SymbolTable internNew() {
        return internAll(new SymbolTable(1024));
    }

    /** {@return the sum of the handles of every name, looked up in the full table} */
    @Benchmark
    public long internExisting() {
        long sum = 0;
        for (int i = 0; i < symbols; i++) {
            sum += full.intern(names, nameOffsets[i], nameOffsets[i + 1] - nameOffsets[i]);
        }
        return sum;
    }

    /** {@return the number of symbols a fresh linker knows after reading every object} */
    @Benchmark
    public int resolveObjects() {
        try (Linker linker = Linker.create(Target.X86_64_LINUX, LinkOptions.defaults())) {
            for (Path p : objectFiles) {
                linker.addInput(p);
            }
            return linker.loader().symbolCount();
        }
    }

    /** {@return the number of symbols a fresh 2-thread linker knows after reading every object at once} */
    @Benchmark
    public int resolveObjectsTogether() {
        try (Linker linker = Linker.create(Target.X86_64_LINUX, LinkOptions.builder().threads(2).build())) {
            linker.addInputs(java.util.Arrays.asList(objectFiles));
            return linker.loader().symbolCount();
        }
    }

    /** {@return the code buffer with every call of every function relocated} */
    @Benchmark
    public ByteBuffer applyRelocations() {
        long base = 0x401000;
        int n = symbols;
        for (int i = 0; i < n; i++) {
            int at = i * SyntheticProgram.FUNCTION_SIZE;
            for (int j = 0; j < SyntheticProgram.RELOCATIONS; j++) {
                int callee = SyntheticProgram.callee(i, j, n);
                int pos = at + 5 * j + 1;
                String error = x86.apply(code, pos, X86_64.PLT32, base + (long) callee * SyntheticProgram.FUNCTION_SIZE, -4,
                        base + pos);
                if (error != null) {
                    throw new IllegalStateException(error);
                }
            }
        }
        return code;
    }
}
