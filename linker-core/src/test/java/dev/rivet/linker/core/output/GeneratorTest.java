package dev.rivet.linker.core.output;

import static dev.rivet.linker.testing.FlatTestFormat.readLong;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rivet.linker.LinkOptions;
import dev.rivet.linker.LinkResult;
import dev.rivet.linker.Linker;
import dev.rivet.linker.Loader;
import dev.rivet.linker.SymbolKind;
import dev.rivet.linker.Target;
import dev.rivet.linker.testing.FlatTestFormat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Generator symbols: content written by a callback straight into the output, after layout. */
class GeneratorTest {
    private static final int BIG = 64 << 20;

    @TempDir
    Path dir;

    private static long pattern(long k) {
        return k * 0x9E37_79B9_7F4A_7C15L ^ 0x0123_4567_89AB_CDEFL;
    }

    private static long usedHeap() throws InterruptedException {
        Runtime rt = Runtime.getRuntime();
        long least = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            Thread.sleep(50);
            least = Math.min(least, rt.totalMemory() - rt.freeMemory());
        }
        return least;
    }

    private static long readLongAt(FileChannel ch, long offset) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            if (ch.read(b, offset + b.position()) < 0) {
                throw new IOException("end of file at " + offset);
            }
        }
        return b.getLong(0);
    }

    @Test
    void a64MiBGeneratorIsWrittenToTheFileWithoutGoingThroughTheHeap() throws Exception {
        Linker l = Linker.create(Target.X86_64_LINUX, LinkOptions.builder().threads(2).build());
        Loader ld = l.loader();
        int big = ld.define("big_table", SymbolKind.RODATA, b -> b.alignment(4096).generator(BIG, out -> {
            ByteBuffer buf = out.buffer();
            assertThat(buf.position()).isZero();
            assertThat(buf.limit()).isEqualTo(BIG);
            for (int k = 0; k < BIG / 8; k++) {
                buf.putLong(k * 8, pattern(k));
            }
        }));
        ld.define("_start", SymbolKind.TEXT, b -> b.addAddress(big, 0));
        assertThat(ld.size(big)).isEqualTo(BIG);
        Path out = dir.resolve("big.out");

        long before = usedHeap();
        LinkResult r = l.link(out);
        long after = usedHeap();

        assertThat(r.output()).hasValue(out);
        assertThat(Files.size(out)).isEqualTo(r.size()).isGreaterThanOrEqualTo(BIG);
        assertThat(after - before).as("heap growth in bytes while holding the result").isLessThan(32L << 20);
        long base = FlatTestFormat.fileOffset(ld.address(big));
        try (FileChannel ch = FileChannel.open(out, StandardOpenOption.READ)) {
            for (long k : new long[] {0, 1, 12345, BIG / 16, BIG / 8 - 1}) {
                assertThat(readLongAt(ch, base + 8 * k)).as("long %d", k).isEqualTo(pattern(k));
            }
            assertThat(readLongAt(ch, FlatTestFormat.fileOffset(r.entryAddress()))).isEqualTo(ld.address(big));
        }
    }

    @Test
    void aGeneratorSeesItsOwnSymbolAndAddressAndOtherAddresses() {
        Linker l = Linker.create(Target.AARCH64_LINUX, LinkOptions.builder().threads(1).build());
        Loader ld = l.loader();
        int other = ld.define("other", SymbolKind.DATA, b -> b.bytes(new byte[24]));
        AtomicInteger seenSymbol = new AtomicInteger();
        int gen = ld.define("gen", SymbolKind.RODATA, b -> b.alignment(16).generator(24, out -> {
            seenSymbol.set(out.symbol());
            out.buffer().putLong(0, out.address());
            out.buffer().putLong(8, out.addressOf(other));
            out.buffer().putLong(16, out.buffer().limit());
        }));
        ld.define("_start", SymbolKind.TEXT, b -> {
            b.addAddress(gen, 0);
            b.addAddress(other, 0);
        });

        byte[] bytes = l.linkToMemory().bytes();
        long g = ld.address(gen);
        assertThat(seenSymbol.get()).isEqualTo(gen);
        assertThat(g % 16).isZero();
        assertThat(readLong(bytes, g)).isEqualTo(g);
        assertThat(readLong(bytes, g + 8)).isEqualTo(ld.address(other));
        assertThat(readLong(bytes, g + 16)).isEqualTo(24);
    }

    @Test
    void addressOfASymbolWithoutAnAddressIsRejected() {
        Linker l = Linker.create(Target.X86_64_LINUX, LinkOptions.builder().threads(1).build());
        Loader ld = l.loader();
        int dead = ld.define("dead", SymbolKind.DATA, b -> b.addUint8(1));
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        int gen = ld.define("gen", SymbolKind.DATA, b -> b.generator(8, out -> {
            try {
                out.addressOf(dead);
            } catch (IllegalArgumentException e) {
                thrown.set(e);
            }
        }));
        ld.define("_start", SymbolKind.TEXT, b -> b.addAddress(gen, 0));
        l.linkToMemory();
        assertThat(thrown.get()).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aDeadStrippedGeneratorIsNeverCalled() {
        Linker l = Linker.create(Target.X86_64_LINUX, LinkOptions.builder().threads(1).build());
        Loader ld = l.loader();
        AtomicInteger calls = new AtomicInteger();
        ld.define("unused_gen", SymbolKind.DATA, b -> b.generator(8, out -> calls.incrementAndGet()));
        ld.define("_start", SymbolKind.TEXT, b -> b.addUint8(0xc3));
        LinkResult r = l.linkToMemory();
        assertThat(calls.get()).isZero();
        assertThat(r.address("unused_gen")).isEmpty();
    }

    @Test
    void aGeneratorRunsOncePerLink() {
        Linker l = Linker.create(Target.X86_64_LINUX, LinkOptions.builder().threads(2).build());
        Loader ld = l.loader();
        AtomicInteger calls = new AtomicInteger();
        int g = ld.define("g", SymbolKind.DATA, b -> b.generator(8, out -> out.buffer().putLong(0, calls.incrementAndGet())));
        ld.define("_start", SymbolKind.TEXT, b -> b.addAddress(g, 0));
        l.linkToMemory();
        byte[] second = l.linkToMemory().bytes();
        assertThat(calls.get()).isEqualTo(2);
        assertThat(readLong(second, ld.address(g))).isEqualTo(2);
    }

    @Test
    void updateKeepsAGenerator() {
        Linker l = Linker.create(Target.X86_64_LINUX, LinkOptions.builder().threads(1).build());
        Loader ld = l.loader();
        int g = ld.define("g", SymbolKind.DATA, b -> b.generator(16, out -> out.buffer().putLong(8, 77)));
        ld.update(g, b -> b.alignment(8));
        ld.define("_start", SymbolKind.TEXT, b -> b.addAddress(g, 0));
        assertThat(ld.size(g)).isEqualTo(16);
        byte[] bytes = l.linkToMemory().bytes();
        assertThat(readLong(bytes, ld.address(g) + 8)).isEqualTo(77);
    }


    @Test
    void aGeneratorThatWritesTooMuchIsALinkExceptionNamingTheSymbol() {
        Linker linker = Linker.create(Target.X86_64_LINUX, LinkOptions.builder().threads(2).build());
        Loader ld = linker.loader();
        int g = ld.define("too_long", SymbolKind.RODATA, b -> b.generator(8, out -> out.buffer().put(new byte[9])));
        ld.define("_start", SymbolKind.TEXT, b -> b.addAddress(g, 0));
        org.assertj.core.api.Assertions.assertThatThrownBy(linker::linkToMemory)
                .isInstanceOf(dev.rivet.linker.LinkException.class)
                .hasMessageContaining("the generator of 'too_long' failed")
                .hasMessageContaining("BufferOverflowException");
    }

    @Test
    void interruptingTheLinkingThreadCancelsTheLinkAfterEveryWriterStopped(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("prog");
        Files.write(out, new byte[] {42});
        AtomicInteger running = new AtomicInteger();
        AtomicInteger finished = new AtomicInteger();
        Linker linker = Linker.create(Target.X86_64_LINUX, LinkOptions.builder().threads(4).build());
        Loader ld = linker.loader();
        int[] gens = new int[8];
        for (int i = 0; i < gens.length; i++) {
            gens[i] = ld.define("slow" + i, SymbolKind.RODATA, b -> b.generator(1 << 20, o -> {
                running.incrementAndGet();
                long end = System.nanoTime() + 300_000_000L;
                while (System.nanoTime() < end) {
                    o.buffer().put(0, (byte) 1); // keeps writing into the mapped output
                }
                finished.incrementAndGet();
            }));
        }
        ld.define("_start", SymbolKind.TEXT, b -> {
            for (int gsym : gens) {
                b.addAddress(gsym, 0);
            }
        });
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicReference<Boolean> interruptKept = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                linker.link(out);
            } catch (Throwable e) {
                thrown.set(e);
            }
            interruptKept.set(Thread.currentThread().isInterrupted());
        });
        t.start();
        while (running.get() == 0) {
            Thread.onSpinWait();
        }
        t.interrupt();
        t.join(30_000);
        assertThat(thrown.get()).isInstanceOf(dev.rivet.linker.LinkCancelledException.class);
        assertThat(interruptKept.get()).isTrue();
        assertThat(finished.get()).as("every generator that started also finished").isEqualTo(running.get());
        assertThat(Files.readAllBytes(out)).containsExactly(42);
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("prog");
        }
    }
}
