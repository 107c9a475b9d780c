package dev.rivet.linker.elf;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rivet.linker.LinkOptions;
import dev.rivet.linker.Linker;
import dev.rivet.linker.Target;
import dev.rivet.linker.testing.ExternalTools;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A long-lived host (a compiler, an IDE) links again and again in one JVM: 100 links in a row,
 * each with a new linker over object files or over builder symbols, must not make the heap grow.
 * The heap is measured after full collections, after 20 links (when caches and the JIT have
 * settled) and after 100.
 */
class RepeatedLinksHeapTest {
    private static final int LINKS = 100;
    private static final long ALLOWED_GROWTH = 4L << 20;

    @TempDir
    Path dir;

    private static long usedAfterGc() {
        Runtime rt = Runtime.getRuntime();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            used = Math.min(used, rt.totalMemory() - rt.freeMemory());
        }
        return used;
    }

    private interface Link {
        void run(int i) throws Exception;
    }

    private static void assertNoGrowth(Link link) throws Exception {
        long settled = 0;
        for (int i = 0; i < LINKS; i++) {
            link.run(i);
            if (i == 19) {
                settled = usedAfterGc();
            }
        }
        long end = usedAfterGc();
        assertThat(end - settled).as("heap growth over %d links (after 20: %,d bytes, after %d: %,d bytes)",
                LINKS - 20, settled, LINKS, end).isLessThan(ALLOWED_GROWTH);
    }

    @Test
    void objectFileLinksDoNotGrowTheHeap() throws Exception {
        ExternalTools.require("gcc");
        List<Path> objects = CompiledPrograms.compile(Target.X86_64_LINUX, dir, List.of(), "main.c", ObjectLinkTest.MAIN,
                "util.c", ObjectLinkTest.UTIL);
        Path out = dir.resolve("prog");
        assertNoGrowth(i -> {
            try (Linker linker = Linker.create(Target.X86_64_LINUX)) {
                objects.forEach(linker::addInput);
                linker.link(out);
            }
        });
        assertThat(ExternalTools.runProgram(Target.X86_64_LINUX, out).exitCode()).isEqualTo(25);
    }

    @Test
    void builderLinksForBothArchitecturesDoNotGrowTheHeap() throws Exception {
        assertNoGrowth(i -> {
            Target t = i % 2 == 0 ? Target.X86_64_LINUX : Target.AARCH64_LINUX;
            try (Linker linker = Linker.create(t, LinkOptions.builder().threads(1 + i % 2).build())) {
                SectionsProgram.define(linker);
                for (int f = 0; f < 2000; f++) {
                    long value = f;
                    linker.loader().define("filler" + f, dev.rivet.linker.SymbolKind.RODATA, b -> b.addUint64(value));
                }
                linker.linkToMemory();
            }
        });
    }

    @Test
    void relinkingOneLinkerDoesNotGrowTheHeap() throws Exception {
        try (Linker linker = Linker.create(Target.X86_64_LINUX)) {
            SectionsProgram.define(linker);
            Path out = dir.resolve("again");
            assertNoGrowth(i -> linker.link(out));
        }
    }
}
