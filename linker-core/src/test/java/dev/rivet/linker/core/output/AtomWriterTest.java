package dev.rivet.linker.core.output;

import static dev.rivet.linker.testing.FlatTestFormat.readInt;
import static dev.rivet.linker.testing.FlatTestFormat.readLong;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rivet.linker.Diagnostic;
import dev.rivet.linker.LinkException;
import dev.rivet.linker.LinkOptions;
import dev.rivet.linker.LinkResult;
import dev.rivet.linker.Linker;
import dev.rivet.linker.Loader;
import dev.rivet.linker.RelocationKind;
import dev.rivet.linker.SymbolKind;
import dev.rivet.linker.Target;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * {@link AtomWriter}: copies atoms and applies relocations, in parallel, with the same bytes
 * whatever the number of threads.
 */
class AtomWriterTest {
    private static final int SYMBOLS = 3_000;

    private static Linker linker(int threads) {
        return Linker.create(Target.X86_64_LINUX, LinkOptions.builder().threads(threads).build());
    }

    /**
     * A few thousand symbols of several kinds and alignments, each referring to the one before
     * (so all are live), with a generator every 100 symbols.
     */
    private static void populate(Loader ld, Set<Thread> generatorThreads) {
        SymbolKind[] kinds = {SymbolKind.TEXT, SymbolKind.RODATA, SymbolKind.DATA};
        int prev = 0;
        for (int i = 0; i < SYMBOLS; i++) {
            int n = i;
            int p = prev;
            if (i % 100 == 99) {
                prev = ld.define("gen_" + i, SymbolKind.DATA, b -> b.alignment(8).generator(24, out -> {
                    generatorThreads.add(Thread.currentThread());
                    out.buffer().putLong(0, out.address());
                    out.buffer().putLong(8, out.addressOf(p));
                    out.buffer().putLong(16, n);
                }));
                ld.keep(prev);
                ld.keep(p); // a generator has no relocations: what it only reads by address must be kept
                continue;
            }
            prev = ld.define("sym_" + i, kinds[i % 3], b -> {
                b.alignment(1 << (n % 5));
                for (int j = 0; j <= n % 11; j++) {
                    b.addUint8(n * 31 + j);
                }
                if (p != 0) {
                    b.addAddress(p, n);
                    b.relocation(b.addUint32(0), RelocationKind.PC_RELATIVE_32, p, -4);
                    b.relocation(b.addUint32(0), RelocationKind.ABSOLUTE_32, p, 0);
                }
            });
        }
        int last = prev;
        ld.define("_start", SymbolKind.TEXT, b -> {
            b.addUint8(0xe8);
            b.relocation(b.addUint32(0), RelocationKind.BRANCH, last, 0);
        });
    }

    private static byte[] link(Linker l) {
        populate(l.loader(), ConcurrentHashMap.newKeySet());
        return l.linkToMemory().bytes();
    }

    @Test
    void relocationsArePatchedWithTheLaidOutAddresses() {
        Linker l = linker(1);
        Loader ld = l.loader();
        populate(ld, ConcurrentHashMap.newKeySet());
        LinkResult r = l.linkToMemory();
        byte[] out = r.bytes();
        for (int i : new int[] {1, 2, 3, 501, 1001, SYMBOLS - 2}) { // not generators, nor after one
            int s = ld.lookup("sym_" + i);
            int p = ld.lookup("sym_" + (i - 1));
            long at = ld.address(s) + i % 11 + 1;
            assertThat(readLong(out, at)).as("ABSOLUTE_64 in sym_%d", i).isEqualTo(ld.address(p) + i);
            assertThat(readInt(out, at + 8)).as("PC_RELATIVE_32 in sym_%d", i).isEqualTo((int) (ld.address(p) - 4 - (at + 8)));
            assertThat(readInt(out, at + 12)).as("ABSOLUTE_32 in sym_%d", i).isEqualTo((int) ld.address(p));
        }
        int g = ld.lookup("gen_199");
        assertThat(readLong(out, ld.address(g))).isEqualTo(ld.address(g));
        assertThat(readLong(out, ld.address(g) + 8)).isEqualTo(ld.address(ld.lookup("sym_198")));
        assertThat(readLong(out, ld.address(g) + 16)).isEqualTo(199);
        long relocations = 3L * (SYMBOLS - 1 - SYMBOLS / 100) + 1;
        assertThat(r.statistics().relocations()).isEqualTo(relocations);
        assertThat(r.statistics().liveAtoms()).isEqualTo(SYMBOLS + 1);
    }

    @Test
    void linkingTwiceGivesTheSameBytes() {
        Linker l = linker(4);
        populate(l.loader(), ConcurrentHashMap.newKeySet());
        byte[] first = l.linkToMemory().bytes();
        byte[] second = l.linkToMemory().bytes();
        assertThat(first.length).isGreaterThan(SYMBOLS * 10);
        assertThat(second).isEqualTo(first);
    }

    @Test
    void oneThreadAndFourThreadsGiveTheSameBytes() {
        Set<Thread> threads = ConcurrentHashMap.newKeySet();
        Linker parallel = linker(4);
        populate(parallel.loader(), threads);
        byte[] four = parallel.linkToMemory().bytes();
        byte[] one = link(linker(1));

        assertThat(four).isEqualTo(one);
        assertThat(threads).as("the four-thread link wrote on its pool").doesNotContain(Thread.currentThread());
    }

    @Test
    void aCallersExecutorGivesTheSameBytesAndIsNotShutDown() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            Set<Thread> threads = ConcurrentHashMap.newKeySet();
            Linker l = Linker.create(Target.X86_64_LINUX, LinkOptions.builder().threads(3).executor(pool).build());
            populate(l.loader(), threads);
            byte[] bytes = l.linkToMemory().bytes();

            assertThat(bytes).isEqualTo(link(linker(1)));
            assertThat(pool.isShutdown()).isFalse();
            assertThat(threads).doesNotContain(Thread.currentThread());
            assertThat(pool.submit(() -> 42).get()).isEqualTo(42);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void linkersWorkingAtOnceDoNotDisturbEachOther() throws Exception {
        byte[] expected = link(linker(1));
        ExecutorService callers = Executors.newFixedThreadPool(3);
        try {
            List<Future<byte[]>> results = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                results.add(callers.submit(() -> link(linker(2))));
            }
            for (Future<byte[]> f : results) {
                assertThat(f.get()).isEqualTo(expected);
            }
        } finally {
            callers.shutdownNow();
        }
    }

    @Test
    void relocationErrorsAreReportedInAtomOrderWhateverTheThreads() {
        for (int threads : new int[] {1, 4}) {
            Linker l = linker(threads);
            Loader ld = l.loader();
            int far = ld.define("far", SymbolKind.ABSOLUTE, b -> b.value(0x7000_0000_0000L));
            List<Integer> sites = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                int n = i;
                sites.add(ld.define("site_" + i, SymbolKind.TEXT, b -> {
                    b.addBytes(new byte[n % 64 + 1]);
                    if (n % 50 == 7) {
                        b.relocation(b.addUint32(0), RelocationKind.PC_RELATIVE_32, far, -4);
                    }
                }));
            }
            ld.define("_start", SymbolKind.TEXT, b -> {
                for (int s : sites) {
                    b.addAddress(s, 0);
                }
            });
            try {
                l.linkToMemory();
                throw new AssertionError("overflows were not reported");
            } catch (LinkException e) {
                List<String> where = e.diagnostics().stream().map(Diagnostic::location).toList();
                assertThat(where).as("threads=%d", threads).containsExactly(
                        "'site_7'+0x8", "'site_57'+0x3a", "'site_107'+0x2c", "'site_157'+0x1e",
                        "'site_207'+0x10", "'site_257'+0x2", "'site_307'+0x34", "'site_357'+0x26");
                assertThat(e.diagnostics()).allSatisfy(d -> {
                    assertThat(d.message()).contains("R_X86_64_PC32").contains("'far'").contains("out of range");
                    assertThat(d.input()).isEqualTo("<in-memory>");
                });
            }
        }
    }

    @Test
    void bssTakesNoFileSpace() {
        Linker l = linker(1);
        Loader ld = l.loader();
        int big = ld.define("big", SymbolKind.BSS, b -> b.size(1 << 20));
        ld.define("_start", SymbolKind.TEXT, b -> b.addAddress(big, 0));
        LinkResult r = l.linkToMemory();
        assertThat(r.size()).isEqualTo(8);
        assertThat(readLong(r.bytes(), r.entryAddress())).isEqualTo(ld.address(big));
    }
}
