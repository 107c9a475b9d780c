package dev.rivet.linker.elf;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rivet.linker.LinkOptions;
import dev.rivet.linker.Linker;
import dev.rivet.linker.Loader;
import dev.rivet.linker.SymbolKind;
import dev.rivet.linker.Target;
import dev.rivet.linker.testing.ExternalTools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code .symtab} and {@code .strtab} of a program with enough symbols to be planned and written
 * in several chunks: locals first, each group in symbol order, and the same bytes with any
 * thread count.
 */
class SymtabWriterTest {
    @TempDir
    Path dir;

    // Enough for 4 chunks on one thread and 9 on three or four (one per 16,384 symbols, at most 4 a thread).
    private static final int FUNCTIONS = 150_000;

    /** Statics, hidden and global functions in turn, each with a name of its own length. */
    private static void define(Linker linker) {
        SectionsProgram.define(linker);
        Loader ld = linker.loader();
        for (int i = 0; i < FUNCTIONS; i++) {
            String name = "f" + i + "_" + "x".repeat(i % 7);
            int kind = i % 3;
            int s = switch (kind) {
                case 0 -> ld.define(name, SymbolKind.TEXT, b -> b.local().addUint8(0xc3));
                case 1 -> ld.define(name, SymbolKind.TEXT, b -> b.hidden().addUint8(0xc3));
                default -> ld.define(name, SymbolKind.TEXT, b -> b.addUint8(0xc3));
            };
            ld.keep(s);
        }
    }

    private Path link(int threads) throws Exception {
        Path exe = dir.resolve("many-" + threads);
        try (Linker linker = Linker.create(Target.X86_64_LINUX, LinkOptions.builder().threads(threads).build())) {
            define(linker);
            linker.link(exe);
        }
        return exe;
    }

    @Test
    void manySymbolsAreWrittenLocalsFirstInOrderAndTheSameWithAnyThreadCount() throws Exception {
        Path one = link(1);
        assertThat(Files.readAllBytes(link(4))).isEqualTo(Files.readAllBytes(one));
        assertThat(Files.readAllBytes(link(3))).isEqualTo(Files.readAllBytes(one));

        String symbols = ExternalTools.run(List.of(ExternalTools.require("readelf").toString(), "-s", "-W", one.toString())).stdout();
        Pattern entry = Pattern.compile("^\\s*\\d+: [0-9a-f]+ +\\d+ +\\w+ +(LOCAL|GLOBAL|WEAK) +(\\w+) +\\S+ +(f\\d+_x*)$", Pattern.MULTILINE);
        List<String> locals = new ArrayList<>();
        List<String> globals = new ArrayList<>();
        boolean globalSeen = false;
        Matcher m = entry.matcher(symbols);
        while (m.find()) {
            boolean local = m.group(1).equals("LOCAL");
            assertThat(local && globalSeen).as("a local after a global: %s", m.group()).isFalse();
            globalSeen |= !local;
            (local ? locals : globals).add(m.group(3));
            if (local && m.group(2).equals("HIDDEN")) {
                assertThat(Integer.parseInt(m.group(3).substring(1, m.group(3).indexOf('_'))) % 3).isEqualTo(1);
            }
        }
        List<String> wantLocals = new ArrayList<>();
        List<String> wantGlobals = new ArrayList<>();
        for (int i = 0; i < FUNCTIONS; i++) {
            (i % 3 == 2 ? wantGlobals : wantLocals).add("f" + i + "_" + "x".repeat(i % 7));
        }
        assertThat(locals).as("statics and hidden symbols, in symbol order").isEqualTo(wantLocals);
        assertThat(globals).isEqualTo(wantGlobals);
    }
}
