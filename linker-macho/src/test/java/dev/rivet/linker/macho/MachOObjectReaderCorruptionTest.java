package dev.rivet.linker.macho;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rivet.linker.LinkException;
import dev.rivet.linker.LinkOptions;
import dev.rivet.linker.Linker;
import dev.rivet.linker.SymbolKind;
import dev.rivet.linker.Target;
import dev.rivet.linker.core.CoreLinker;
import dev.rivet.linker.core.symbols.ParsedInput;
import dev.rivet.linker.core.symbols.SymbolLoader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A malformed Mach-O object is a {@link LinkException} naming the file, the offset and the
 * reason; no other exception escapes and nothing hangs, whatever the bytes.
 */
class MachOObjectReaderCorruptionTest {
    @TempDir
    Path dir;

    private static final String SOURCE = """
            #include <stddef.h>
            extern int ext(int);
            int counter = 3;
            static const double k[2] = {1.5, 2.5};
            int common_var;
            _Thread_local int tv = 7;
            __attribute__((weak)) int weakfn(void) { return 1; }
            const char *name(int i) { return i ? "one" : "two"; }
            static int helper(int x) { return ext(x) + counter + (int) k[x & 1]; }
            int main(void) { return helper(2) + weakfn() + tv + (int) (size_t) name(0) + common_var; }
            ptrdiff_t delta(void) { return (char *) &counter - (char *) &common_var; }
            """;

    private byte[] good(Target t) throws Exception {
        return Files.readAllBytes(MachOInputs.compile(t, dir, "good", SOURCE, "-fcommon"));
    }

    private static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Loads the bytes and, if they load, links them into memory; only LinkException may escape. */
    private boolean loads(byte[] bytes, Target t, Path p) throws Exception {
        Files.write(p, bytes);
        Linker l = Linker.create(t, LinkOptions.builder().threads(1).deadStrip(false).entry("_main").build());
        l.loader().define("_ext", SymbolKind.TEXT, b -> b.addUint32(0));
        l.loader().define("__tlv_bootstrap", SymbolKind.TEXT, b -> b.addUint32(0));
        try {
            l.addInput(p);
        } catch (LinkException e) {
            // The input is named as the diagnostic's input, or in its text (a symbol "defined in" it twice).
            assertThat(e.getMessage()).contains(p.toString());
            return false;
        }
        try {
            l.linkToMemory();
        } catch (LinkException e) {
            return true; // a problem found while linking or writing, reported as a LinkException
        }
        return true;
    }

    private LinkException load(byte[] bytes, Target t) throws Exception {
        Path p = dir.resolve("bad.o");
        Files.write(p, bytes);
        try {
            Linker.create(t).addInput(p);
        } catch (LinkException e) {
            assertThat(e.diagnostics().get(0).input()).isEqualTo(p.toString());
            return e;
        }
        throw new AssertionError("no LinkException");
    }

    /** Offsets of the load commands' parts in an object, found the way the reader does. */
    private record Layout(int sections, int nsect, int symtabCmd, int symoff, int nsyms, int stroff, int strsize) {
        int section(int i) {
            return sections + 80 * i;
        }

        static Layout of(byte[] b) {
            ByteBuffer x = le(b);
            int ncmds = x.getInt(16);
            int off = 32;
            int sections = -1;
            int nsect = 0;
            int symtab = -1;
            for (int c = 0; c < ncmds; c++) {
                int cmd = x.getInt(off);
                if (cmd == 0x19) {
                    sections = off + 72;
                    nsect = x.getInt(off + 64);
                } else if (cmd == 2) {
                    symtab = off;
                }
                off += x.getInt(off + 4);
            }
            return new Layout(sections, nsect, symtab, x.getInt(symtab + 8), x.getInt(symtab + 12), x.getInt(symtab + 16), x.getInt(symtab + 20));
        }

        /** The first section whose relocations are not empty. */
        int relocated(byte[] b) {
            for (int i = 0; i < nsect; i++) {
                if (le(b).getInt(section(i) + 60) > 0) {
                    return i;
                }
            }
            throw new AssertionError("no relocations");
        }

        /** The first symbol defined in a section and external. */
        int definedSymbol(byte[] b) {
            for (int l = 0; l < nsyms; l++) {
                int type = b[symoff + 16 * l + 4] & 0xff;
                if ((type & 0x0e) == 0x0e && (type & 1) != 0 && (type & 0xe0) == 0) {
                    return symoff + 16 * l;
                }
            }
            throw new AssertionError("no defined symbol");
        }
    }

    @ParameterizedTest
    @MethodSource("dev.rivet.linker.macho.MachOInputs#targets")
    void theUncorruptedObjectLoads(Target t) throws Exception {
        assertThat(loads(good(t), t, dir.resolve("ok.o"))).isTrue();
    }

    @ParameterizedTest
    @MethodSource("dev.rivet.linker.macho.MachOInputs#targets")
    void headerProblemsAreNamed(Target t) throws Exception {
        byte[] g = good(t);
        assertThat(load(Arrays.copyOf(g, 20), t)).hasMessageContaining("the Mach-O header").hasMessageContaining("extends past the end of the file (20 bytes)");
        byte[] b = g.clone();
        le(b).putInt(0, 0xcafebabe);
        assertThat(load(b, t)).hasMessageContaining("universal (fat)");
        le(b).putInt(0, 0xfeedface);
        assertThat(load(b, t)).hasMessageContaining("32-bit");
        le(b).putInt(0, 0x7f454c46);
        assertThat(load(b, t)).hasMessageContaining("not a Mach-O file").hasMessageContaining("offset 0x0");
        Target other = t == Target.ARM64_MACOS ? Target.X86_64_MACOS : Target.ARM64_MACOS;
        assertThat(load(g, other)).hasMessageContaining("is for " + (t == Target.ARM64_MACOS ? "arm64" : "x86_64") + ", but the link is for " + other)
                .hasMessageContaining("offset 0x4");
        b = g.clone();
        le(b).putInt(12, 2);
        assertThat(load(b, t)).hasMessageContaining("MH_EXECUTE").hasMessageContaining("not a relocatable object");
        le(b).putInt(12, 6);
        assertThat(load(b, t)).hasMessageContaining("dynamic library has no LC_ID_DYLIB");
        b = g.clone();
        le(b).putInt(16, 0x7fff_ffff);
        assertThat(load(b, t)).hasMessageContaining("load commands, more than").hasMessageContaining("offset 0x10");
        b = g.clone();
        le(b).putInt(20, 0x7fff_0000);
        assertThat(load(b, t)).hasMessageContaining("the load commands").hasMessageContaining("extend past the end of the file");
        b = g.clone();
        le(b).putInt(32 + 4, 0x10000);
        assertThat(load(b, t)).hasMessageContaining("runs past the end of the load commands").hasMessageContaining("offset 0x24");
    }

    @ParameterizedTest
    @MethodSource("dev.rivet.linker.macho.MachOInputs#targets")
    void sectionAndTableProblemsAreNamed(Target t) throws Exception {
        byte[] g = good(t);
        Layout lay = Layout.of(g);
        byte[] b = g.clone();
        le(b).putInt(lay.section(0) + 48, 0x7fff_0000);
        assertThat(load(b, t)).hasMessageContaining("the contents of section __TEXT,__text").hasMessageContaining("extends past the end");
        b = g.clone();
        le(b).putLong(lay.section(0) + 40, 1L << 40);
        assertThat(load(b, t)).hasMessageContaining("more than 2 GiB").hasMessageContaining(String.format("offset 0x%x", lay.section(0) + 40));
        b = g.clone();
        le(b).putInt(lay.section(0) + 52, 31);
        assertThat(load(b, t)).hasMessageContaining("alignment 2^31");
        b = g.clone();
        le(b).putInt(lay.section(0) + 64, (le(b).getInt(lay.section(0) + 64) & ~0xff) | 0x17);
        assertThat(load(b, t)).hasMessageContaining("unknown section type 0x17");
        b = g.clone();
        le(b).putInt(lay.symtabCmd() + 12, 0x1000_0000);
        assertThat(load(b, t)).hasMessageContaining("the symbol table (268435456 entries)").hasMessageContaining("extends past the end");
        b = g.clone();
        le(b).putInt(lay.symtabCmd() + 20, 0x7000_0000);
        assertThat(load(b, t)).hasMessageContaining("the string table");
        int sym = lay.definedSymbol(g);
        b = g.clone();
        b[sym + 5] = (byte) 200;
        assertThat(load(b, t)).hasMessageContaining("is in section 200, but the file has only " + lay.nsect() + " sections")
                .hasMessageContaining(String.format("offset 0x%x", sym + 5));
        b = g.clone();
        le(b).putLong(sym + 8, 0x7fff_ffff_0000L);
        assertThat(load(b, t)).hasMessageContaining("outside section");
        b = g.clone();
        le(b).putInt(sym, 0x7fff_ffff);
        assertThat(load(b, t)).hasMessageContaining("outside its string table");
    }

    @ParameterizedTest
    @MethodSource("dev.rivet.linker.macho.MachOInputs#targets")
    void relocationProblemsAreNamed(Target t) throws Exception {
        byte[] g = good(t);
        Layout lay = Layout.of(g);
        int s = lay.relocated(g);
        int reloff = le(g).getInt(lay.section(s) + 56);
        byte[] b = g.clone();
        le(b).putInt(lay.section(s) + 60, 0x1000_0000);
        assertThat(load(b, t)).hasMessageContaining("the relocations of section __TEXT,__text");
        b = g.clone();
        le(b).putInt(reloff, 0x7fff_0000);
        assertThat(load(b, t)).hasMessageContaining("at offset 0x7fff0000 lies outside section __TEXT,__text");
        b = g.clone();
        le(b).putInt(reloff, 0x8000_0010);
        assertThat(load(b, t)).hasMessageContaining("scattered");
        int info = le(g).getInt(reloff + 4);
        b = g.clone();
        le(b).putInt(reloff + 4, (info & 0x0fff_ffff) | (15 << 28));
        assertThat(load(b, t)).hasMessageContaining("unknown relocation type 15").hasMessageContaining("in __TEXT,__text at offset 0x")
                .hasMessageContaining(String.format("offset 0x%x", reloff + 4));
        b = g.clone();
        le(b).putInt(reloff + 4, (info & ~0xff_ffff) | 0x00ff_fff0 | (1 << 27));
        assertThat(load(b, t)).hasMessageContaining("refers to symbol 16777200, but the symbol table has " + lay.nsyms());
        b = g.clone();
        le(b).putInt(reloff + 4, info ^ (1 << 24)); // flip pcrel
        assertThat(load(b, t)).hasMessageContaining("which this type does not take");
    }

    @ParameterizedTest
    @MethodSource("dev.rivet.linker.macho.MachOInputs#targets")
    void parsingChangesNoSharedTableAndAProblemItFindsIsThrownWhenBound(Target t) throws Exception {
        byte[] g = good(t);
        Layout lay = Layout.of(g);
        int reloff = le(g).getInt(lay.section(lay.relocated(g)) + 56);
        byte[] b = g.clone();
        le(b).putInt(reloff + 4, (le(g).getInt(reloff + 4) & 0x0fff_ffff) | (15 << 28));
        CoreLinker linker = (CoreLinker) Linker.create(t);
        SymbolLoader loader = linker.symbolLoader();
        List<Integer> before = List.of(loader.atoms.count, loader.symbols.fileCount(), loader.symbols.count, loader.sections.count());
        ParsedInput bad = MachOObjectReader.parse(linker, "bad.o", le(b));
        ParsedInput ok = MachOObjectReader.parse(linker, "good.o", le(g));
        assertThat(List.of(loader.atoms.count, loader.symbols.fileCount(), loader.symbols.count, loader.sections.count())).isEqualTo(before);
        assertThatThrownBy(() -> bad.bind(-1)).isInstanceOf(LinkException.class).hasMessageContaining("unknown relocation type 15")
                .hasMessageContaining(String.format("offset 0x%x", reloff + 4));
        ok.bind(-1);
        int main = loader.symbols.lookup("_main");
        assertThat(main).isNotZero();
        assertThat(loader.atoms.count).isGreaterThan(before.get(0));
        assertThat(loader.atoms.relCount(loader.symbols.atom(main))).as("main's calls").isPositive();
    }

    @ParameterizedTest
    @MethodSource("dev.rivet.linker.macho.MachOInputs#targets")
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void truncationAtEveryOffsetIsALinkException(Target t) throws Exception {
        byte[] g = good(t);
        Path p = dir.resolve("short.o");
        int rejected = 0;
        for (int n = 0; n < g.length; n++) {
            if (n == 0) {
                continue; // an empty file is refused before the reader ("input file is empty")
            }
            if (!loads(Arrays.copyOf(g, n), t, p)) {
                rejected++;
            }
        }
        assertThat(rejected).as("an object cut before its string table's end cannot load").isGreaterThan(Layout.of(g).stroff());
    }

    @ParameterizedTest
    @MethodSource("dev.rivet.linker.macho.MachOInputs#targets")
    void anySectionMadeZerofillPastTheEndIsAnErrorOrLinks(Target t) throws Exception {
        // A zero-fill section's bytes are not in the file: whatever reads a section's bytes must
        // first know it has them (its type), or the read runs past the mapping.
        byte[] original = good(t);
        Layout layout = Layout.of(original);
        Path p = dir.resolve("zerofill.o");
        for (int i = 0; i < layout.nsect(); i++) {
            byte[] b = original.clone();
            ByteBuffer x = le(b);
            int h = layout.section(i);
            x.putInt(h + 64, (x.getInt(h + 64) & ~0xff) | 0x01); // S_ZEROFILL
            x.putInt(h + 48, 0x7fff_0000);
            loads(b, t, p);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.rivet.linker.macho.MachOInputs#targets")
    void edgeValuesInEverySectionSymbolAndRelocationFieldAreAnErrorOrLink(Target t) throws Exception {
        byte[] original = good(t);
        Layout layout = Layout.of(original);
        ByteBuffer o = le(original);
        Path p = dir.resolve("edge.o");
        long[] values = {0, 1, 2, 3, 4, 7, 8, 0x0e, 0x0f, 0x1e, 0x80, 0xff, 0xffff, 0x7fff_ffffL, 0xffff_ffffL, -1L, 1L << 40};
        List<int[]> fields = new java.util.ArrayList<>(); // offset, width
        for (int i = 0; i < layout.nsect(); i++) {
            int h = layout.section(i);
            // addr, size, offset, align, reloff, nreloc, flags, reserved1, reserved2
            for (int[] f : new int[][] {{32, 8}, {40, 8}, {48, 4}, {52, 4}, {56, 4}, {60, 4}, {64, 4}, {68, 4}, {72, 4}}) {
                fields.add(new int[] {h + f[0], f[1]});
            }
            for (int r = 0; r < o.getInt(h + 60); r++) { // address, info
                fields.add(new int[] {o.getInt(h + 56) + 8 * r, 4});
                fields.add(new int[] {o.getInt(h + 56) + 8 * r + 4, 4});
            }
        }
        for (int l = 0; l < layout.nsyms(); l++) { // strx, type, sect, desc, value
            for (int[] f : new int[][] {{0, 4}, {4, 1}, {5, 1}, {6, 2}, {8, 8}}) {
                fields.add(new int[] {layout.symoff() + 16 * l + f[0], f[1]});
            }
        }
        for (int[] f : fields) {
            for (long v : values) {
                byte[] b = original.clone();
                ByteBuffer x = le(b);
                dev.rivet.linker.testing.FieldWrites.put(x, f[0], f[1], v);
                loads(b, t, p); // only a LinkException may escape
            }
        }
    }

    @ParameterizedTest
    @MethodSource("dev.rivet.linker.macho.MachOInputs#targets")
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void randomCorruptionNeverEscapesAsAnotherException(Target t) throws Exception {
        byte[] g = good(t);
        Layout lay = Layout.of(g);
        int tables = lay.symoff();
        Random rnd = new Random(20260501L + t.hashCode());
        Path p = dir.resolve("fuzz.o");
        int loaded = 0;
        int rejected = 0;
        for (int i = 0; i < 600; i++) {
            byte[] b = g.clone();
            int flips = 1 + rnd.nextInt(6);
            for (int f = 0; f < flips; f++) {
                // Mostly the header, load commands, relocations and symbols, where a bad value matters.
                int at = switch (rnd.nextInt(4)) {
                    case 0 -> rnd.nextInt(b.length);
                    case 1 -> rnd.nextInt(Math.min(b.length, 32 + le(g).getInt(20)));
                    default -> Math.min(b.length - 1, rnd.nextInt(2) == 0 ? tables + rnd.nextInt(b.length - tables)
                            : le(g).getInt(lay.section(lay.relocated(g)) + 56) + rnd.nextInt(16));
                };
                b[at] = (byte) rnd.nextInt(256);
            }
            if (loads(b, t, p)) {
                loaded++;
            } else {
                rejected++;
            }
        }
        assertThat(rejected).isPositive();
        assertThat(loaded).as("some corruptions are harmless").isPositive();
    }
}
