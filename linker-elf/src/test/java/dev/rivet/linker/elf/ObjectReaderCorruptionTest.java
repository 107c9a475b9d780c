package dev.rivet.linker.elf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rivet.linker.LinkException;
import dev.rivet.linker.Linker;
import dev.rivet.linker.Target;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A malformed object is a {@link LinkException} naming the file, the offset and the reason; no
 * other exception escapes, whatever the bytes.
 */
class ObjectReaderCorruptionTest {
    @TempDir
    Path dir;

    private byte[] good;

    @BeforeEach
    void compile() throws Exception {
        Path obj = CompiledPrograms.compile(Target.X86_64_LINUX, dir, List.of(), "util.c", ObjectLinkTest.UTIL).get(0);
        good = Files.readAllBytes(obj);
    }

    private LinkException load(byte[] bytes, Target t) throws Exception {
        Path p = dir.resolve("bad.o");
        Files.write(p, bytes);
        Linker linker = Linker.create(t);
        try {
            linker.addInput(p);
        } catch (LinkException e) {
            assertThat(e.diagnostics().get(0).input()).isEqualTo(p.toString());
            return e;
        }
        throw new AssertionError("no LinkException");
    }

    private LinkException load(byte[] bytes) throws Exception {
        return load(bytes, Target.X86_64_LINUX);
    }

    private ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Offset of the section header of the first section of a type. */
    private long header(byte[] b, int type) {
        ByteBuffer x = le(b);
        long shoff = x.getLong(40);
        int shnum = Short.toUnsignedInt(x.getShort(60));
        for (int i = 0; i < shnum; i++) {
            long h = shoff + 64L * i;
            if (x.getInt((int) h + 4) == type) {
                return h;
            }
        }
        throw new AssertionError("no section of type " + type);
    }

    /** Offset of the first global symbol's entry in the symbol table. */
    private int firstGlobalSymbol(byte[] b) {
        ByteBuffer x = le(b);
        long h = header(b, 2);
        long off = x.getLong((int) h + 24);
        int firstGlobal = x.getInt((int) h + 44);
        return (int) (off + 24L * firstGlobal);
    }

    private int firstRela(byte[] b) {
        return (int) le(b).getLong((int) header(b, 4) + 24);
    }

    @Test
    void theUncorruptedObjectLoads() throws Exception {
        Path p = dir.resolve("ok.o");
        Files.write(p, good);
        Linker.create(Target.X86_64_LINUX).addInput(p);
    }

    @Test
    void truncatedObject() throws Exception {
        assertThat(load(Arrays.copyOf(good, 40))).hasMessageContaining("the ELF header")
                .hasMessageContaining("extends past the end of the file (40 bytes)");
        assertThat(load(Arrays.copyOf(good, good.length / 2))).hasMessageContaining("extends past the end of the file");
    }

    @Test
    void notAnElfFileOrEmpty() throws Exception {
        byte[] text = "this is not an object file at all, just text padding it out past 64 bytes....".getBytes();
        assertThat(load(text)).hasMessageContaining("not an ELF file").hasMessageContaining("offset 0x0");
        Path empty = dir.resolve("empty.o");
        Files.write(empty, new byte[0]);
        assertThatThrownBy(() -> Linker.create(Target.X86_64_LINUX).addInput(empty))
                .isInstanceOf(LinkException.class).hasMessageContaining("input file is empty");
        assertThatThrownBy(() -> Linker.create(Target.X86_64_LINUX).addInput(dir.resolve("missing.o")))
                .isInstanceOf(LinkException.class).hasMessageContaining("missing.o").hasMessageContaining("no such file");
    }

    @Test
    void objectForTheWrongArchitecture() throws Exception {
        assertThat(load(good, Target.AARCH64_LINUX)).hasMessageContaining("is for x86-64, but the link is for aarch64-linux")
                .hasMessageContaining("offset 0x12");
    }

    @Test
    void sectionHeaderTablePastTheEnd() throws Exception {
        byte[] b = good.clone();
        le(b).putLong(40, b.length - 64);
        assertThat(load(b)).hasMessageContaining("the section header table").hasMessageContaining("extends past the end");
    }

    @Test
    void sectionIndexOutOfRange() throws Exception {
        byte[] b = good.clone();
        int sym = firstGlobalSymbol(b);
        le(b).putShort(sym + 6, (short) 0x1234);
        assertThat(load(b)).hasMessageContaining("is in section 4660, but the file has only")
                .hasMessageContaining(String.format("offset 0x%x", sym + 6));
    }

    @Test
    void extendedSectionIndexOutOfRange() throws Exception {
        for (int index : new int[] {0x8000_0000, 0xffff_ffff, 0x1234_5678}) {
            // An SHT_SYMTAB_SHNDX table appended to the file (the .comment section's header
            // reused for it), giving the first global an extended index.
            ByteBuffer g = le(good);
            long symtab = header(good, 2);
            int symbols = (int) (g.getLong((int) symtab + 32) / 24);
            byte[] b = Arrays.copyOf(good, good.length + 4 * symbols);
            ByteBuffer x = le(b);
            long comment = header(b, 1);
            for (long h = comment; ; h += 64) {
                if ((x.getLong((int) h + 8) & 2) == 0 && x.getInt((int) h + 4) == 1) { // PROGBITS, not SHF_ALLOC
                    comment = h;
                    break;
                }
            }
            x.putInt((int) comment + 4, 18); // SHT_SYMTAB_SHNDX
            x.putLong((int) comment + 24, good.length);
            x.putLong((int) comment + 32, 4L * symbols);
            int sym = firstGlobalSymbol(b);
            x.putShort(sym + 6, (short) 0xffff); // SHN_XINDEX
            x.putInt(good.length + 4 * ((sym - (int) g.getLong((int) symtab + 24)) / 24), index);
            assertThat(load(b)).as("index 0x%x", index).hasMessageContaining("is in section " + Integer.toUnsignedString(index));
            // The section name table's index extended the same way, in section 0's sh_link.
            byte[] c = good.clone();
            ByteBuffer y = le(c);
            y.putShort(62, (short) 0xffff); // SHN_XINDEX
            y.putInt((int) y.getLong(40) + 40, index);
            assertThat(load(c)).as("index 0x%x", index).hasMessageContaining("section name table index " + Integer.toUnsignedString(index));
        }
    }

    @Test
    void withoutASectionNameTableNoSectionMayHaveAName() throws Exception {
        // e_shstrndx 0: section 0, never read otherwise, must not stand in for the table.
        byte[] b = good.clone();
        ByteBuffer x = le(b);
        x.putShort(62, (short) 0);
        long shoff = x.getLong(40);
        x.putLong((int) shoff + 24, 1L << 40); // sh_offset
        x.putLong((int) shoff + 32, 0xffff_ffffL); // sh_size
        x.putInt((int) shoff + 64, 0x7fff_ffff); // section 1's sh_name
        assertThat(load(b)).hasMessageContaining("section 1 has a name, but the file has no section name table")
                .hasMessageContaining(String.format("offset 0x%x", shoff + 64));
    }

    @Test
    void aSectionCountInSectionZeroOf2To63OrMoreIsAnError() throws Exception {
        byte[] b = good.clone();
        ByteBuffer x = le(b);
        x.putShort(60, (short) 0);
        x.putLong((int) x.getLong(40) + 32, 0x8000_0000_0000_0005L);
        assertThat(load(b)).hasMessageContaining("section count 9223372036854775813 is too large");
    }

    @Test
    void aCommonSymbolOrBssLargerThan2GiBIsAnError() throws Exception {
        Path obj = CompiledPrograms.compile(Target.X86_64_LINUX, dir, List.of("-fcommon"), "big.c",
                "int table;\nchar zeros[64] = {0};\nint main(void) { return table + zeros[1]; }\n").get(0);
        byte[] ok = Files.readAllBytes(obj);
        for (long size : new long[] {1L << 31, 1L << 62, -1L}) {
            // The common symbol's size: its st_value is the alignment, its shndx SHN_COMMON.
            byte[] b = ok.clone();
            ByteBuffer x = le(b);
            long symtab = header(b, 2);
            long off = x.getLong((int) symtab + 24);
            for (long e = off; e < off + x.getLong((int) symtab + 32); e += 24) {
                if (Short.toUnsignedInt(x.getShort((int) e + 6)) == 0xfff2) { // SHN_COMMON
                    x.putLong((int) e + 16, size);
                }
            }
            assertThat(linkError(b)).as("common of %d bytes", size).contains("common symbol 'table' of " + Long.toUnsignedString(size)
                    + " bytes is larger than 2 GiB");
            // A NOBITS section's size (.bss), which no bytes in the file bound either, is refused
            // when read.
            byte[] c = ok.clone();
            ByteBuffer y = le(c);
            y.putLong((int) header(c, 8) + 32, size); // SHT_NOBITS
            assertThat(linkError(c)).as(".bss of %d bytes", size).contains("larger than 2 GiB");
        }
    }

    /** {@return the message of the LinkException that adding and linking an object gives} */
    private String linkError(byte[] bytes) throws Exception {
        Path p = dir.resolve("big.o");
        Files.write(p, bytes);
        try (Linker l = Linker.create(Target.X86_64_LINUX, dev.rivet.linker.LinkOptions.builder().entry("main").threads(1).build())) {
            l.addInput(p);
            l.link(dir.resolve("big"));
        } catch (LinkException e) {
            return e.getMessage();
        }
        throw new AssertionError("no LinkException");
    }

    @Test
    void symbolIndexOutOfRange() throws Exception {
        byte[] b = good.clone();
        int r = firstRela(b);
        ByteBuffer x = le(b);
        long info = x.getLong(r + 8);
        x.putLong(r + 8, (0xFFFFL << 32) | (info & 0xFFFFFFFFL));
        assertThat(load(b)).hasMessageContaining("refers to symbol 65535, but the symbol table has")
                .hasMessageContaining(String.format("offset 0x%x", r + 8));
    }

    @Test
    void unknownAndUnsupportedRelocationTypesAreNamed() throws Exception {
        byte[] b = good.clone();
        int r = firstRela(b);
        ByteBuffer x = le(b);
        long sym = x.getLong(r + 8) & ~0xFFFFFFFFL;
        x.putLong(r + 8, sym | 999);
        assertThat(load(b)).hasMessageContaining("unknown relocation type 999 in .rela.text");
        // Any type the table knows but the engine does not handle yet.
        RelocationTypes types = RelocationTypes.of(dev.rivet.linker.Architecture.X86_64);
        int unsupported = java.util.stream.IntStream.range(1, 64).filter(ty -> types.op(ty) == -1).findFirst().orElseThrow();
        x.putLong(r + 8, sym | unsupported);
        assertThat(load(b)).hasMessageContaining("relocation " + types.name(unsupported) + " in .rela.text is not supported yet");
    }

    @Test
    void relocationOutsideItsSection() throws Exception {
        byte[] b = good.clone();
        int r = firstRela(b);
        le(b).putLong(r, 0x7fff_0000L);
        assertThat(load(b)).hasMessageContaining("at offset 0x7fff0000 lies outside section .text");
    }

    @Test
    void anAlignmentThatIsNoPowerOfTwoUpTo2To30() throws Exception {
        byte[] b = good.clone();
        ByteBuffer x = le(b);
        long shoff = x.getLong(40);
        int shnum = Short.toUnsignedInt(x.getShort(60));
        int text = -1;
        for (int i = 1; i < shnum && text < 0; i++) {
            if ((x.getLong((int) (shoff + 64L * i + 8)) & 4) != 0) {
                text = i; // the first executable section
            }
        }
        int align = (int) (shoff + 64L * text + 48);
        for (long bad : new long[] {0x8000_0000_0000_0000L, 3, 1L << 31}) {
            x.putLong(align, bad);
            assertThat(load(b)).hasMessageContaining("which is not a power of two up to 2^30")
                    .hasMessageContaining(String.format("offset 0x%x", align));
        }
    }

    @Test
    void aMalformedComdatGroupIsNamedWithItsSignature() throws Exception {
        byte[] grouped = Files.readAllBytes(CompiledPrograms.compile(Target.X86_64_LINUX, dir, List.of(), "grouped.c", """
                __asm__(".section .text.comdat_fn,\\"axG\\",@progbits,comdat_fn,comdat\\n"
                        ".globl comdat_fn\\n.type comdat_fn,@function\\ncomdat_fn: ret\\n.text\\n");
                int use(void) { return 1; }
                """).get(0));
        int group = (int) header(grouped, 17); // SHT_GROUP
        Path ok = dir.resolve("grouped-ok.o");
        Files.write(ok, grouped);
        Linker.create(Target.X86_64_LINUX).addInput(ok);

        int content = (int) le(grouped).getLong(group + 24);
        assertThat(loadChanged(grouped, x -> x.putInt(content + 4, 9999))).hasMessageContaining("group comdat_fn names section 9999");
        assertThat(loadChanged(grouped, x -> x.putInt(group + 44, 0x7fff_ffff))).hasMessageContaining("past the end of the symbol table");
        assertThat(loadChanged(grouped, x -> x.putInt(group + 40, 0))).hasMessageContaining("does not link to the symbol table");
        assertThat(loadChanged(grouped, x -> x.putLong(group + 32, 6))).hasMessageContaining("it must hold 4-byte words");
        long symtab = le(grouped).getLong((int) header(grouped, 2) + 24);
        int signatureSymbol = (int) (symtab + 24L * le(grouped).getInt(group + 44));
        assertThat(loadChanged(grouped, x -> x.putInt(signatureSymbol, 0x00FF_FFFF))) // the signature's name
                .hasMessageContaining("the signature of group").hasMessageContaining("outside its string table");
        // The symbol table's names in a section that is no string table, and whose bytes are not
        // in the file (.bss, moved past the end).
        int bss = (int) header(grouped, 8); // SHT_NOBITS
        ByteBuffer g = le(grouped);
        int bssIndex = (int) ((bss - g.getLong(40)) / 64);
        int symtabHeader = (int) header(grouped, 2);
        assertThat(loadChanged(grouped, x -> {
            x.putInt(symtabHeader + 40, bssIndex);
            x.putLong(bss + 24, 0x7fff_0000L);
            x.putLong(bss + 32, 0x1000);
        })).hasMessageContaining("is not a string table");
    }

    /** {@return what loading a copy of {@code original}, changed by {@code change}, throws} */
    private LinkException loadChanged(byte[] original, java.util.function.Consumer<ByteBuffer> change) throws Exception {
        byte[] b = original.clone();
        change.accept(le(b));
        return load(b);
    }

    @Test
    void aSectionNameTableThatIsNoStringTable() throws Exception {
        // The names' table index pointed at .bss, moved past the end of the file.
        int bss = (int) header(good, 8); // SHT_NOBITS
        int bssIndex = (int) ((bss - le(good).getLong(40)) / 64);
        assertThat(loadChanged(good, x -> {
            x.putShort(62, (short) bssIndex);
            x.putLong(bss + 24, 0x7fff_0000L);
            x.putLong(bss + 32, 0x1000);
        })).hasMessageContaining("section name table " + bssIndex + " is not a string table");
    }

    @Test
    void anySectionMadeNobitsPastTheEndIsAnErrorOrLinks() throws Exception {
        // Bytes of a NOBITS section are not in the file: whatever reads a section's bytes must
        // first know it has them (its type), or the read runs past the mapping.
        for (byte[] original : List.of(good, withComdatGroupAndFrames())) {
            ByteBuffer o = le(original);
            for (int i = 1; i < Short.toUnsignedInt(o.getShort(60)); i++) {
                int h = (int) (o.getLong(40) + 64L * i);
                byte[] b = original.clone();
                le(b).putInt(h + 4, 8).putLong(h + 24, 0x7fff_0000L); // SHT_NOBITS, past the end
                linksOrIsRefused("section " + i + " made NOBITS", b);
            }
        }
    }

    @Test
    void edgeValuesInEveryHeaderSymbolAndRelocationFieldAreAnErrorOrLink() throws Exception {
        long[] values = {0, 1, 2, 3, 4, 8, 9, 0x10, 0x12, 0x1a, 0x22, 0xa2, 0xff, 0xfff1, 0xfff2, 0xffff,
            0x7000_0001L, 0x7fff_ffffL, 0xffff_ffffL, -1L, 1L << 40};
        for (byte[] original : List.of(good, withComdatGroupAndFrames())) {
            ByteBuffer o = le(original);
            long shoff = o.getLong(40);
            for (int i = 0; i < Short.toUnsignedInt(o.getShort(60)); i++) {
                int h = (int) (shoff + 64L * i);
                // Section header: type, flags, link, info, addralign, entsize.
                probeFields(original, "section " + i, h, new int[] {4, 8, 40, 44, 48, 56}, new int[] {4, 8, 4, 4, 8, 8}, values);
                int type = o.getInt(h + 4);
                long off = o.getLong(h + 24);
                long entries = type == 2 || type == 4 ? o.getLong(h + 32) / 24 : 0; // SHT_SYMTAB, SHT_RELA
                for (int e = 0; e < entries; e++) {
                    if (type == 2) { // a symbol: name, info, other, shndx, value, size
                        probeFields(original, "symbol " + e, (int) (off + 24L * e), new int[] {0, 4, 5, 6, 8, 16}, new int[] {4, 1, 1, 2, 8, 8}, values);
                    } else { // a RELA entry: offset, type, symbol, addend
                        probeFields(original, "relocation " + e + " of section " + i, (int) (off + 24L * e), new int[] {0, 8, 12, 16}, new int[] {8, 4, 4, 8}, values);
                    }
                }
            }
        }
    }

    /** Sets each field at {@code at + fields[k]} ({@code widths[k]} bytes) to each value in turn, loading and linking each. */
    private void probeFields(byte[] original, String what, int at, int[] fields, int[] widths, long[] values) throws Exception {
        for (int k = 0; k < fields.length; k++) {
            for (long v : values) {
                byte[] b = original.clone();
                ByteBuffer x = le(b);
                int p = at + fields[k];
                dev.rivet.linker.testing.FieldWrites.put(x, p, widths[k], v);
                linksOrIsRefused(what + " field +" + fields[k] + " = 0x" + Long.toHexString(v), b);
            }
        }
    }

    /**
     * Reads the bytes as an object and links what loads (bad values must not surface later as
     * other exceptions); {@return true if it linked, false if a LinkException refused it}
     *
     * @throws AssertionError naming the change, if anything else escaped
     */
    private boolean linksOrIsRefused(String change, byte[] b) throws Exception {
        Path p = dir.resolve("probe.o");
        Files.write(p, b);
        try (Linker l = Linker.create(Target.X86_64_LINUX, dev.rivet.linker.LinkOptions.builder()
                .entry("probe_entry").deadStrip(false).threads(1).build())) {
            l.loader().define("sys_write", dev.rivet.linker.SymbolKind.TEXT, z -> z.addUint8(0xc3));
            l.loader().define("probe_entry", dev.rivet.linker.SymbolKind.TEXT, z -> z.addUint8(0xc3));
            l.addInput(p);
            l.linkToMemory();
            return true;
        } catch (LinkException e) {
            assertThat(e.diagnostics()).as(change).isNotEmpty();
            return false;
        } catch (RuntimeException e) {
            throw new AssertionError(change + ": " + e, e);
        }
    }

    private byte[] withComdatGroupAndFrames() throws Exception {
        return Files.readAllBytes(CompiledPrograms.compile(Target.X86_64_LINUX, dir, List.of(), "framed.c", """
                __asm__(".section .text.comdat_fn,\\"axG\\",@progbits,comdat_fn,comdat\\n"
                        ".globl comdat_fn\\n.type comdat_fn,@function\\ncomdat_fn: ret\\n.text\\n");
                static const char *s = "merged string";
                int use(int x) { return x ? (int) s[x] : 1; }
                """).get(0));
    }

    @Test
    void symbolNameOutsideTheStringTable() throws Exception {
        byte[] b = good.clone();
        int sym = firstGlobalSymbol(b);
        le(b).putInt(sym, 0x00FF_FFFF);
        assertThat(load(b)).hasMessageContaining("outside its string table");
    }

    @Test
    void randomCorruptionNeverEscapesAsAnotherException() throws Exception {
        Random rnd = new Random(20261121);
        int loaded = 0;
        int rejected = 0;
        for (int i = 0; i < 400; i++) {
            byte[] b = good.clone();
            int flips = 1 + rnd.nextInt(8);
            for (int f = 0; f < flips; f++) {
                // Mostly headers and tables, where a bad value matters; sometimes anywhere.
                int at = rnd.nextInt(4) == 0 ? rnd.nextInt(b.length) : (int) (le(b).getLong(40) + rnd.nextInt(b.length - (int) le(b).getLong(40)));
                if (rnd.nextBoolean() && at < 64) {
                    at = rnd.nextInt(64);
                }
                b[Math.min(at, b.length - 1)] = (byte) rnd.nextInt(256);
            }
            if (linksOrIsRefused("random change " + i, b)) {
                loaded++;
            } else {
                rejected++;
            }
        }
        assertThat(rejected).isPositive();
        assertThat(loaded + rejected).isEqualTo(400);
        assertThat(loaded).as("some corruptions are harmless and still link").isPositive();
    }
}
