package dev.rivet.linker.elf;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rivet.linker.LinkException;
import dev.rivet.linker.LinkOptions;
import dev.rivet.linker.Linker;
import dev.rivet.linker.OutputKind;
import dev.rivet.linker.RelocationKind;
import dev.rivet.linker.SymbolKind;
import dev.rivet.linker.Target;
import dev.rivet.linker.testing.ExternalTools;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A malformed shared library is a {@link LinkException} naming the file; no other exception
 * escapes, whatever its headers, dynamic symbols, version tables or dynamic section hold. The
 * library is GNU ld's, with a soname and versioned exports.
 */
class SharedObjectReaderCorruptionTest {
    @TempDir
    Path dir;

    private byte[] good;
    /** Of the corrupted libraries so far: how many reading refused, and how many linked. */
    private int refused;
    private int linked;

    @BeforeEach
    void build() throws Exception {
        Path obj = CompiledPrograms.compile(Target.X86_64_LINUX, dir, List.of("-fPIC"), "lib.c", """
                int lib_data = 7;
                int lib_call(int x) { return x + lib_data; }
                int lib_old(int x) { return x; }
                __asm__(".symver lib_old, lib_sym@V1");
                __asm__(".symver lib_call, lib_sym@@V2");
                """).get(0);
        Path map = dir.resolve("lib.map");
        Files.writeString(map, "V1 { global: lib_data; local: *; };\nV2 { global: lib_call; } V1;\n");
        Path so = dir.resolve("libp.so");
        ExternalTools.Result r = ExternalTools.run(List.of(ExternalTools.require(CompiledPrograms.ld(Target.X86_64_LINUX)).toString(),
                "-shared", "-soname", "libp.so.1", "--version-script=" + map, "-o", so.toString(), obj.toString()));
        assertThat(r.exitCode()).as("GNU ld: " + r.stderr()).isZero();
        good = Files.readAllBytes(so);
    }

    private static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Reads the bytes as a library and links a PIE whose one function calls its {@code lib_sym},
     * counting the libraries {@link #refused} when read (the error names the file) and those
     * {@link #linked}; a LinkException from linking (say, lib_sym no longer defined) counts as
     * neither.
     *
     * @throws AssertionError naming the change, if anything but a LinkException escaped
     */
    private void readAndLink(String change, byte[] bytes) throws Exception {
        Path p = dir.resolve("libbad.so");
        Files.write(p, bytes);
        try (Linker l = Linker.create(Target.X86_64_LINUX, LinkOptions.builder().outputKind(OutputKind.PIE)
                .entry("probe_entry").threads(1).build())) {
            callLibSym(l);
            try {
                l.addInput(p);
            } catch (LinkException e) {
                assertThat(e.getMessage()).as(change).contains(p.toString());
                refused++;
                return;
            }
            l.linkToMemory();
            linked++;
        } catch (LinkException e) {
            // found while linking
        } catch (RuntimeException e) {
            throw new AssertionError(change + ": " + e, e);
        }
    }

    /** Defines the entry: a call to the library's {@code lib_sym}, then a return. */
    private static void callLibSym(Linker l) {
        int target = l.loader().lookupOrCreate("lib_sym");
        l.loader().define("probe_entry", SymbolKind.TEXT, b -> {
            b.addUint8(0xe8);
            b.relocation(b.addUint32(0), RelocationKind.BRANCH, target, 0);
            b.addUint8(0xc3);
        });
    }

    @Test
    void theUncorruptedLibraryLinks() throws Exception {
        readAndLink("none", good);
        assertThat(linked).as("lib_sym@@V2 resolved from the library").isEqualTo(1);
    }

    @Test
    void truncationAtEveryOffsetIsRefusedWhenRead() throws Exception {
        // GNU ld writes the section headers last: every truncation loses some of them.
        int tries = 0;
        for (int n = 0; n < good.length; n += 7, tries++) {
            readAndLink("truncated to " + n, java.util.Arrays.copyOf(good, n));
        }
        assertThat(refused).isEqualTo(tries);
    }

    @Test
    void edgeValuesInEveryHeaderAndTableFieldAreAnErrorOrLink() throws Exception {
        ByteBuffer o = le(good);
        List<int[]> fields = new ArrayList<>(); // offset, width
        // ELF header: phoff, shoff, phentsize, phnum, shentsize, shnum, shstrndx.
        for (int[] f : new int[][] {{32, 8}, {40, 8}, {54, 2}, {56, 2}, {58, 2}, {60, 2}, {62, 2}}) {
            fields.add(f);
        }
        long shoff = o.getLong(40);
        for (int i = 0; i < Short.toUnsignedInt(o.getShort(60)); i++) {
            int h = (int) (shoff + 64L * i);
            for (int[] f : new int[][] {{4, 4}, {24, 8}, {32, 8}, {40, 4}, {44, 4}, {56, 8}}) { // type, offset, size, link, info, entsize
                fields.add(new int[] {h + f[0], f[1]});
            }
            int type = o.getInt(h + 4);
            int off = (int) o.getLong(h + 24);
            int size = (int) o.getLong(h + 32);
            if (type == 11) { // .dynsym: name, info, other, shndx, value, size
                for (int e = 0; e < size / 24; e++) {
                    for (int[] f : new int[][] {{0, 4}, {4, 1}, {5, 1}, {6, 2}, {8, 8}, {16, 8}}) {
                        fields.add(new int[] {off + 24 * e + f[0], f[1]});
                    }
                }
            } else if (type == 0x6fffffff) { // .gnu.version: one half-word a symbol
                for (int e = 0; e < size / 2; e++) {
                    fields.add(new int[] {off + 2 * e, 2});
                }
            } else if (type == 6 || type == 0x6ffffffd) { // .dynamic's entries; .gnu.version_d's words
                for (int e = 0; e + 4 <= size; e += type == 6 ? 8 : 2) {
                    fields.add(new int[] {off + e, type == 6 ? 8 : 2});
                }
            }
        }
        long[] values = {0, 1, 2, 3, 6, 11, 14, 0x12, 0x22, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fff_ffffL, 0xffff_ffffL, -1L, 1L << 40};
        for (int[] f : fields) {
            for (long v : values) {
                byte[] b = good.clone();
                dev.rivet.linker.testing.FieldWrites.put(le(b), f[0], f[1], v);
                readAndLink("0x" + Integer.toHexString(f[0]) + " (" + f[1] + " bytes) = 0x" + Long.toHexString(v), b);
            }
        }
        assertThat(refused).as("libraries refused when read").isPositive();
        assertThat(linked).as("corruptions that are harmless and still link").isPositive();
    }

    @Test
    void randomCorruptionNeverEscapesAsAnotherException() throws Exception {
        Random rnd = new Random(20261122);
        for (int i = 0; i < 300; i++) {
            byte[] b = good.clone();
            for (int f = 1 + rnd.nextInt(8); f > 0; f--) {
                b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
            }
            readAndLink("random change " + i, b);
        }
        assertThat(refused).as("libraries refused when read").isPositive();
        assertThat(linked).as("corruptions that are harmless and still link").isPositive();
    }
}
