package dev.rivet.linker.core.input;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import dev.rivet.linker.LinkException;
import dev.rivet.linker.testing.ExternalTools;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ArchiveReader} on archives written by GNU ar and llvm-ar (GNU, 64-bit index, BSD,
 * Darwin, thin) from objects gcc compiles at test time, checked against {@code ar tvO} and
 * {@code nm}; then one test per kind of corruption, and a seeded sweep of random ones in which
 * nothing but {@link LinkException} may escape.
 */
class ArchiveReaderTest {
    @TempDir
    static Path dir;

    /** Member file name (as given to ar) to its path; objects and one odd-sized text file. */
    private static final Map<String, Path> FILES = new LinkedHashMap<>();
    /** Every defined global symbol of the objects, to the member that defines it. */
    private static final Map<String, String> DEFINED = new HashMap<>();

    private static final String ALPHA = """
            int a_func(void) { return 1; }
            int a_data = 3;
            static int a_local(void) { return 2; }
            int a_uses(void) { return a_local(); }
            __attribute__((weak)) int a_weak(void) { return 4; }
            """;
    private static final String LONG = """
            extern int a_func(void);
            int long_func(void) { return a_func() + 1; }
            int long_bss[16];
            const char long_ro[] = "hi";
            """;
    private static final String OTHER = """
            int other_func(void) { return 3; }
            int other_data = 5;
            """;

    @BeforeAll
    static void compile() throws Exception {
        String gcc = ExternalTools.require("gcc").toString();
        Files.createDirectories(dir.resolve("sub"));
        String[][] sources = {
            {"alpha.c", ALPHA}, {"a_member_with_a_long_name.c", LONG}, {"sub/another_long_named_member.c", OTHER}};
        for (String[] s : sources) {
            Path src = dir.resolve(s[0]);
            Files.writeString(src, s[1]);
            Path obj = dir.resolve(s[0].replace(".c", ".o"));
            ExternalTools.Result r = ExternalTools.run(List.of(gcc, "-c", "-O2", "-o", obj.toString(), src.toString()));
            assertThat(r.exitCode()).as("gcc: " + r.stderr()).isZero();
            FILES.put(obj.getFileName().toString(), obj);
            if (FILES.size() == 2) {
                Path odd = dir.resolve("odd.txt");
                Files.writeString(odd, "hello"); // 5 bytes: the next member needs a pad byte
                FILES.put("odd.txt", odd);
            }
        }
        String nm = ExternalTools.require("nm").toString();
        for (Map.Entry<String, Path> f : FILES.entrySet()) {
            if (!f.getKey().endsWith(".o")) {
                continue;
            }
            ExternalTools.Result r = ExternalTools.run(List.of(nm, "-g", "--defined-only", "-P", f.getValue().toString()));
            assertThat(r.exitCode()).as("nm: " + r.stderr()).isZero();
            for (String line : r.stdout().split("\n")) {
                if (!line.isBlank()) {
                    DEFINED.put(line.split(" ")[0], f.getKey());
                }
            }
        }
        assertThat(DEFINED).containsKeys("a_func", "a_data", "a_uses", "a_weak", "long_func", "long_bss", "long_ro", "other_func", "other_data")
                .doesNotContainKey("a_local");
    }

    // ---------------------------------------------------------------- archives from the tools

    private static List<String> memberArgs() {
        return FILES.values().stream().map(Path::toString).toList();
    }

    private static Path archive(String name, String... command) {
        Path out = dir.resolve(name);
        List<String> cmd = new ArrayList<>(Arrays.asList(command));
        cmd.add(out.toString());
        cmd.addAll(memberArgs());
        ExternalTools.Result r = ExternalTools.run(cmd);
        assertThat(r.exitCode()).as(cmd + ": " + r.stderr()).isZero();
        return out;
    }

    private static Path gnu() {
        return archive("gnu.a", ExternalTools.require("ar").toString(), "rcs");
    }

    private static Path llvmGnu() {
        return archive("llvm-gnu.a", ExternalTools.require("llvm-ar").toString(), "rcs", "--format=gnu");
    }

    private static Path sym64() {
        return archive("sym64.a", "env", "SYM64_THRESHOLD=0", ExternalTools.require("llvm-ar").toString(), "rcs", "--format=gnu");
    }

    private static Path bsd() {
        return archive("bsd.a", ExternalTools.require("llvm-ar").toString(), "rcs", "--format=bsd");
    }

    private static Path darwin64() {
        return archive("darwin64.a", "env", "SYM64_THRESHOLD=0", ExternalTools.require("llvm-ar").toString(), "rcs", "--format=darwin");
    }

    /** A GNU thin archive in lib/, its members named relative to it (../alpha.o, ../sub/...). */
    private static Path thin() {
        Path lib = dir.resolve("lib");
        try {
            Files.createDirectories(lib);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        StringBuilder names = new StringBuilder();
        FILES.values().forEach(p -> names.append(' ').append(dir.relativize(p)));
        ExternalTools.Result r = ExternalTools.run(List.of("sh", "-c",
                "cd '" + dir + "' && rm -f lib/thin.a && '" + ExternalTools.require("ar") + "' rcsT lib/thin.a" + names));
        assertThat(r.exitCode()).as("ar rcsT: " + r.stderr()).isZero();
        return lib.resolve("thin.a");
    }

    private static Archive read(Path p) throws Exception {
        try (FileChannel ch = FileChannel.open(p)) {
            ByteBuffer b = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size()).order(ByteOrder.LITTLE_ENDIAN);
            return ArchiveReader.read(p, b);
        }
    }

    /** {@code tool tv[O] archive}: per member, {size, name, data offset or null}. */
    private static List<String[]> listing(String tool, Path archive, boolean offsets) {
        ExternalTools.Result r = ExternalTools.run(List.of(ExternalTools.require(tool).toString(), offsets ? "tvO" : "tv", archive.toString()));
        assertThat(r.exitCode()).as(tool + " tv: " + r.stderr()).isZero();
        List<String[]> out = new ArrayList<>();
        for (String line : r.stdout().split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            String[] t = line.trim().split("\\s+");
            // perms uid/gid size month day time year name [offset]
            out.add(new String[] {t[2], t[7], offsets ? t[8] : null});
        }
        return out;
    }

    private static void assertMembers(Archive a, String tool, Path archive, boolean paddedTo8) throws Exception {
        List<String[]> tv = listing(tool, archive, true);
        assertThat(a.thin()).isFalse();
        assertThat(a.memberCount()).isEqualTo(tv.size()).isEqualTo(FILES.size());
        List<String> expectedNames = new ArrayList<>(FILES.keySet());
        for (int m = 0; m < a.memberCount(); m++) {
            assertThat(a.memberName(m)).isEqualTo(tv.get(m)[1]).isEqualTo(expectedNames.get(m));
            assertThat(a.size(m)).isEqualTo(Long.parseLong(tv.get(m)[0]));
            assertThat(a.dataOffset(m)).isEqualTo(Long.decode(tv.get(m)[2]));
            assertThat(a.memberPath(m)).isNull();
            assertThat(a.memberAtHeader(a.headerOffset(m))).isEqualTo(m);
            byte[] original = Files.readAllBytes(FILES.get(a.memberName(m)));
            ByteBuffer data = a.memberData(m);
            byte[] got = new byte[data.remaining()];
            data.get(got);
            if (paddedTo8) { // Darwin pads each member to 8 bytes with newlines, inside its size
                assertThat(Arrays.copyOf(got, original.length)).isEqualTo(original);
                assertThat(got.length).isEqualTo((original.length + 7) & ~7);
            } else {
                assertThat(got).isEqualTo(original);
            }
        }
    }

    private static void assertIndex(Archive a) {
        Map<String, String> index = new HashMap<>();
        for (int k = 0; k < a.symbolCount(); k++) {
            String name = a.symbolNameString(k);
            assertThat(index.put(name, a.memberName(a.symbolMember(k)))).as("duplicate " + name).isNull();
            assertThat(a.symbolNameLength(k)).isEqualTo(name.length());
            byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
            assertThat(a.findSymbol(bytes)).isEqualTo(k);
            assertThat(a.memberDefining(bytes)).isEqualTo(a.symbolMember(k));
        }
        assertThat(index).isEqualTo(DEFINED);
        assertThat(a.findSymbol("a_local".getBytes(StandardCharsets.UTF_8))).isEqualTo(-1);
        assertThat(a.memberDefining("nope".getBytes(StandardCharsets.UTF_8))).isEqualTo(-1);
    }

    private static String firstName(Path archive) throws Exception {
        byte[] b = Files.readAllBytes(archive);
        return new String(b, 8, 16, StandardCharsets.US_ASCII);
    }

    @Test
    void gnuArchive() throws Exception {
        Path p = gnu();
        assertThat(firstName(p)).startsWith("/ ");
        Archive a = read(p);
        assertThat(a.name()).isEqualTo(p.toString());
        assertMembers(a, "ar", p, false);
        assertIndex(a);
    }

    @Test
    void llvmGnuArchive() throws Exception {
        Path p = llvmGnu();
        Archive a = read(p);
        assertMembers(a, "llvm-ar", p, false);
        assertIndex(a);
    }

    @Test
    void gnuArchiveWith64BitIndex() throws Exception {
        Path p = sym64();
        assertThat(firstName(p)).startsWith("/SYM64/ ");
        Archive a = read(p);
        assertMembers(a, "llvm-ar", p, false);
        assertIndex(a);
    }

    @Test
    void bsdArchive() throws Exception {
        Path p = bsd();
        assertThat(firstName(p)).startsWith("#1/");
        Archive a = read(p);
        assertMembers(a, "llvm-ar", p, false);
        assertIndex(a);
    }

    @Test
    void darwinArchiveWith64BitIndex() throws Exception {
        Path p = darwin64();
        byte[] b = Files.readAllBytes(p);
        assertThat(new String(b, 68, 12, StandardCharsets.US_ASCII)).isEqualTo("__.SYMDEF_64");
        Archive a = read(p);
        assertMembers(a, "llvm-ar", p, true);
        assertIndex(a);
    }

    @Test
    void thinArchive() throws Exception {
        Path p = thin();
        Archive a = read(p);
        assertThat(a.thin()).isTrue();
        List<String[]> tv = listing("ar", p, false); // GNU ar shows the path resolved against the archive's directory
        assertThat(a.memberCount()).isEqualTo(tv.size()).isEqualTo(FILES.size());
        List<Path> files = new ArrayList<>(FILES.values());
        for (int m = 0; m < a.memberCount(); m++) {
            assertThat(a.memberName(m)).isEqualTo(dir.resolve("lib").relativize(files.get(m)).toString()).startsWith("../");
            assertThat(a.memberPath(m)).isEqualTo(p.getParent().resolve(a.memberName(m)));
            assertThat(a.memberPath(m).toString()).isEqualTo(tv.get(m)[1]);
            assertThat(a.size(m)).isEqualTo(Long.parseLong(tv.get(m)[0])).isEqualTo(Files.size(files.get(m)));
            assertThat(a.dataOffset(m)).isEqualTo(-1);
            assertThat(Files.readAllBytes(a.memberPath(m))).isEqualTo(Files.readAllBytes(files.get(m)));
            int member = m;
            assertThatThrownBy(() -> a.memberData(member)).isInstanceOf(IllegalStateException.class);
        }
        // Names are "../x": in the long-name table, whatever their length.
        assertThat(a.memberName(3)).isEqualTo("../sub/another_long_named_member.o");
        Map<String, String> index = new HashMap<>();
        for (int k = 0; k < a.symbolCount(); k++) {
            index.put(a.symbolNameString(k), a.memberPath(a.symbolMember(k)).getFileName().toString());
        }
        assertThat(index).isEqualTo(DEFINED);
    }

    @Test
    void llvmThinArchive() throws Exception {
        Path p = archive("llvm-thin.a", ExternalTools.require("llvm-ar").toString(), "rcs", "--thin");
        Archive a = read(p);
        assertThat(a.thin()).isTrue();
        List<Path> files = new ArrayList<>(FILES.values());
        for (int m = 0; m < a.memberCount(); m++) {
            assertThat(a.memberPath(m).normalize()).isEqualTo(files.get(m));
        }
        assertThat(a.memberCount()).isEqualTo(files.size());
        assertThat(a.symbolCount()).isEqualTo(DEFINED.size());
    }

    @Test
    void archiveWithoutIndex() throws Exception {
        Path p = archive("noindex.a", ExternalTools.require("ar").toString(), "rcS");
        Archive a = read(p);
        assertThat(a.symbolCount()).isZero();
        assertThat(a.findSymbol("a_func".getBytes(StandardCharsets.UTF_8))).isEqualTo(-1);
        assertMembers(a, "ar", p, false);
    }

    @Test
    void emptyArchive() {
        Archive a = ArchiveReader.read("empty.a", buffer("!<arch>\n".getBytes(StandardCharsets.US_ASCII)), Path.of(""));
        assertThat(a.memberCount()).isZero();
        assertThat(a.symbolCount()).isZero();
    }

    /** Old BSD ar: short names padded with spaces (no '/'), a short {@code __.SYMDEF SORTED} index. */
    @Test
    void handWrittenBsdWithShortNames() {
        Ar ar = new Ar("!<arch>\n");
        byte[] one = "first member".getBytes(StandardCharsets.US_ASCII);
        byte[] two = "odd".getBytes(StandardCharsets.US_ASCII);
        long h1 = 8 + 60 + bsdIndexSize(2, 16);
        long h2 = h1 + 60 + one.length;
        ar.member("__.SYMDEF SORTED", bsdIndex(new String[] {"sym_one", "sym_two"}, new long[] {h1, h2}, 16));
        ar.member("one.o", one);
        ar.member("two.o", two);
        Archive a = ArchiveReader.read("bsd-short.a", buffer(ar.bytes()), Path.of(""));
        assertThat(a.memberCount()).isEqualTo(2);
        assertThat(a.memberName(0)).isEqualTo("one.o");
        assertThat(a.memberName(1)).isEqualTo("two.o");
        assertThat(a.headerOffset(1)).isEqualTo(h2);
        assertThat(a.size(1)).isEqualTo(3);
        assertThat(a.symbolNameString(0)).isEqualTo("sym_one");
        assertThat(a.symbolMember(0)).isZero();
        assertThat(a.symbolMember(1)).isEqualTo(1);
    }

    // ---------------------------------------------------------------- hand-written archives

    private static ByteBuffer buffer(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Writes archives member by member. */
    private static final class Ar {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Ar(String magic) {
            out.writeBytes(magic.getBytes(StandardCharsets.US_ASCII));
        }

        Ar member(String name, byte[] data) {
            return member(name, data.length, data);
        }

        Ar member(String name, long size, byte[] data) {
            out.writeBytes(String.format("%-16s%-12s%-6s%-6s%-8s%-10s`\n", name, "0", "0", "0", "644", size).getBytes(StandardCharsets.US_ASCII));
            out.writeBytes(data);
            if ((out.size() & 1) != 0) {
                out.write('\n');
            }
            return this;
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }

    private static int bsdIndexSize(int n, int strSize) {
        return 4 + 8 * n + 4 + strSize;
    }

    /** A 32-bit BSD index: names packed into a string table of {@code strSize} bytes. */
    private static byte[] bsdIndex(String[] names, long[] offsets, int strSize) {
        ByteBuffer b = ByteBuffer.allocate(bsdIndexSize(names.length, strSize)).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(8 * names.length);
        int strx = 0;
        for (int i = 0; i < names.length; i++) {
            b.putInt(strx).putInt((int) offsets[i]);
            strx += names[i].length() + 1;
        }
        b.putInt(strSize);
        for (String n : names) {
            b.put(n.getBytes(StandardCharsets.US_ASCII)).put((byte) 0);
        }
        return b.array();
    }

    // ---------------------------------------------------------------- corruption

    /** Reads bytes that must be refused; returns the exception, checked to name the file and the offset. */
    private static LinkException refused(byte[] bytes, long offset) {
        String name = "/some/dir/corrupt.a";
        try {
            ArchiveReader.read(name, buffer(bytes), Path.of("/some/dir"));
        } catch (LinkException e) {
            assertThat(e.diagnostics()).hasSize(1);
            assertThat(e.diagnostics().get(0).input()).isEqualTo(name);
            assertThat(e.diagnostics().get(0).location()).isEqualTo(String.format("offset 0x%x", offset));
            assertThat(e).hasMessageStartingWith(name + ": " + String.format("offset 0x%x", offset) + ": error: ");
            return e;
        }
        throw new AssertionError("no LinkException");
    }

    /** The header offsets of an archive's members, found independently of the reader; name field per header. */
    private static Map<Long, String> headers(byte[] b) {
        Map<Long, String> out = new LinkedHashMap<>();
        boolean thin = b[2] == 't';
        long off = 8;
        while (off + 60 <= b.length) {
            String name = new String(b, (int) off, 16, StandardCharsets.US_ASCII).trim();
            long size = Long.parseLong(new String(b, (int) off + 48, 10, StandardCharsets.US_ASCII).trim());
            out.put(off, name);
            boolean external = thin && !name.equals("/") && !name.equals("//");
            long next = off + 60 + (external ? 0 : size);
            off = next + (next & 1);
        }
        return out;
    }

    private static long header(byte[] b, String name) {
        return headers(b).entrySet().stream().filter(e -> e.getValue().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no member " + name)).getKey();
    }

    private static void put(byte[] b, long off, String s) {
        byte[] x = s.getBytes(StandardCharsets.ISO_8859_1);
        System.arraycopy(x, 0, b, (int) off, x.length);
    }

    private static ByteBuffer be(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.BIG_ENDIAN);
    }

    private static byte[] bytes(Path p) throws Exception {
        return Files.readAllBytes(p);
    }

    @Test
    void badMagic() throws Exception {
        byte[] b = bytes(gnu());
        put(b, 0, "!<arhc>\n");
        assertThat(refused(b, 0)).hasMessageContaining("not an archive: bad magic '!<arhc>\\n'");
        assertThat(refused(Arrays.copyOf(b, 5), 0)).hasMessageContaining("too short");
        assertThat(refused(bytes(FILES.get("alpha.o")), 0)).hasMessageContaining("bad magic");
    }

    @Test
    void truncatedHeader() throws Exception {
        byte[] b = bytes(gnu());
        long h = header(b, "alpha.o/");
        assertThat(refused(Arrays.copyOf(b, (int) h + 30), h)).hasMessageContaining("truncated member header: 30 bytes left");
    }

    @Test
    void badFmag() throws Exception {
        byte[] b = bytes(gnu());
        long h = header(b, "alpha.o/");
        put(b, h + 58, "\n`");
        assertThat(refused(b, h + 58)).hasMessageContaining("bad member header: ends with '\\n`' instead of '`\\n'");
    }

    @Test
    void nonNumericSize() throws Exception {
        byte[] b = bytes(gnu());
        long h = header(b, "alpha.o/");
        put(b, h + 48, "12a4      ");
        assertThat(refused(b, h + 48)).hasMessageContaining("member size '12a4      ' is not a decimal number");
        put(b, h + 48, "          ");
        assertThat(refused(b, h + 48)).hasMessageContaining("member size '          ' is empty");
        put(b, h + 48, "-1        ");
        assertThat(refused(b, h + 48)).hasMessageContaining("is not a decimal number");
    }

    @Test
    void oversizedSize() throws Exception {
        byte[] b = bytes(gnu());
        long h = header(b, "alpha.o/");
        put(b, h + 48, "9999999999");
        assertThat(refused(b, h + 48)).hasMessageContaining("member size 9999999999 extends past the end of the file")
                .hasMessageContaining("the file has " + b.length + " bytes");
        // The symbol index and the long-name table must fit, in thin archives too.
        byte[] t = bytes(thin());
        long lt = header(t, "//");
        put(t, lt + 48, String.format("%-10d", t.length));
        assertThat(refused(t, lt + 48)).hasMessageContaining("extends past the end of the file");
    }

    @Test
    void bsdNameLongerThanMember() throws Exception {
        byte[] b = bytes(bsd());
        long h = headers(b).keySet().stream().skip(1).findFirst().orElseThrow();
        put(b, h, "#1/99999       ");
        assertThat(refused(b, h)).hasMessageContaining("BSD name length 99999 is larger than the member");
        put(b, h, "#1/x            ");
        assertThat(refused(b, h + 3)).hasMessageContaining("BSD name length 'x" + " ".repeat(12) + "' is not a decimal number");
    }

    @Test
    void longNameReferenceOutOfRange() throws Exception {
        byte[] b = bytes(gnu());
        long h = header(b, "/0");
        long table = header(b, "//") + 60;
        put(b, h, "/9999");
        assertThat(refused(b, h)).hasMessageContaining("long-name reference /9999 is out of range")
                .hasMessageContaining(String.format("long-name table at offset 0x%x", table));
        put(b, h, "/99999999999999 ");
        assertThat(refused(b, h)).hasMessageContaining("is out of range");
        put(b, h, "/1x              ".substring(0, 16));
        assertThat(refused(b, h)).hasMessageContaining("is neither a long-name reference");
    }

    @Test
    void longNameUnterminated() throws Exception {
        byte[] b = bytes(gnu());
        long th = header(b, "//");
        int size = Integer.parseInt(new String(b, (int) th + 48, 10, StandardCharsets.US_ASCII).trim());
        for (int i = 0; i < size; i++) {
            if (b[(int) th + 60 + i] == '\n') {
                b[(int) th + 60 + i] = 'x';
            }
        }
        long firstName = th + 60; // "/0" is the first long name
        assertThat(refused(b, firstName)).hasMessageContaining("long name /0 is not terminated by '/\\n' before the end of the long-name table");
    }

    @Test
    void longNameReferenceWithoutTable() throws Exception {
        byte[] b = bytes(gnu());
        long th = header(b, "//");
        put(b, th, "tbl/");
        assertThat(refused(b, header(b, "/0"))).hasMessageContaining("refers to the long-name table, but there is no '//' member before it");
    }

    @Test
    void gnuIndexCountTooLarge() throws Exception {
        byte[] b = bytes(gnu());
        be(b).putInt(68, 0x7fffffff);
        assertThat(refused(b, 68)).hasMessageContaining("symbol index / has count 2147483647, larger than its member can hold");
        byte[] s = bytes(sym64());
        be(s).putLong(68, -1L);
        assertThat(refused(s, 68)).hasMessageContaining("symbol index /SYM64/ has count 18446744073709551615, larger than its member can hold");
        be(s).putLong(68, 1L << 40);
        assertThat(refused(s, 68)).hasMessageContaining("larger than its member can hold");
    }

    @Test
    void gnuIndexOffsetToNoMember() throws Exception {
        byte[] b = bytes(gnu());
        be(b).putInt(72, 0x10);
        assertThat(refused(b, 72)).hasMessageContaining("symbol index /: symbol 0 ('a_func') points to offset 0x10, which is not a member header");
        // The long-name table's header is not a member either.
        be(b).putInt(72, (int) header(b, "//"));
        assertThat(refused(b, 72)).hasMessageContaining("which is not a member header");
        byte[] s = bytes(sym64());
        be(s).putLong(76 + 8, Long.MIN_VALUE);
        assertThat(refused(s, 84)).hasMessageContaining("symbol index /SYM64/: symbol 1").hasMessageContaining("points to offset 0x8000000000000000");
    }

    @Test
    void gnuIndexNamesPastStringTable() throws Exception {
        byte[] b = bytes(gnu());
        int n = be(b).getInt(68);
        int size = Integer.parseInt(new String(b, 8 + 48, 10, StandardCharsets.US_ASCII).trim());
        int strings = 68 + 4 + 4 * n;
        for (int i = strings; i < 68 + size; i++) {
            if (b[i] == 0) {
                b[i] = 'x';
            }
        }
        assertThat(refused(b, strings)).hasMessageContaining("symbol index /: the name of symbol 0 runs past the end of the string table");
    }

    @Test
    void gnuIndexTooSmallForItsCount() {
        byte[] b = new Ar("!<arch>\n").member("/", new byte[2]).bytes();
        assertThat(refused(b, 8 + 48)).hasMessageContaining("symbol index / has 2 bytes, too few for its 4-byte count");
    }

    @Test
    void indexNotFirst() {
        byte[] b = new Ar("!<arch>\n").member("x.o/", new byte[4]).member("/", new byte[4]).bytes();
        assertThat(refused(b, 8 + 64)).hasMessageContaining("symbol index member '/' is not the first member");
    }

    /** The length of a {@code #1/len} name. */
    private static int bsdNameLength(byte[] b, int header) {
        String field = new String(b, header, 16, StandardCharsets.US_ASCII);
        assertThat(field).startsWith("#1/");
        return Integer.parseInt(field.substring(3).trim());
    }

    /** In llvm-ar's BSD index the ranlib array size follows "#1/len" and the name "__.SYMDEF", then the entries. */
    @Test
    void bsdIndexCorruptions() throws Exception {
        byte[] good = bytes(bsd());
        int base = 68 + bsdNameLength(good, 8);
        ByteBuffer g = ByteBuffer.wrap(good).order(ByteOrder.LITTLE_ENDIAN);
        int bytes = g.getInt(base);
        int strSizeAt = base + 4 + bytes;

        byte[] b = good.clone();
        ByteBuffer x = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        x.putInt(base, 0x7ffffff8);
        assertThat(refused(b, base)).hasMessageContaining("symbol index __.SYMDEF has 2147483640 bytes of entries (268435455 symbols), larger than its member can hold");
        x.putInt(base, 12);
        assertThat(refused(b, base)).hasMessageContaining("not a multiple of the entry size 8");

        b = good.clone();
        x = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        x.putInt(base + 4 + 8, 0x40000);
        assertThat(refused(b, base + 4 + 8)).hasMessageContaining("symbol index __.SYMDEF: the name of symbol 1 starts at 262144, past the end of the string table");

        b = good.clone();
        x = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        x.putInt(base + 4 + 4, 0x12);
        assertThat(refused(b, base + 4 + 4)).hasMessageContaining("symbol index __.SYMDEF: symbol 0 ('a_func') points to offset 0x12, which is not a member header");

        b = good.clone();
        x = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        x.putInt(strSizeAt, 100000);
        assertThat(refused(b, strSizeAt)).hasMessageContaining("string table size 100000 extends past the end of the member");

        b = good.clone();
        x = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int strSize = x.getInt(strSizeAt);
        int lastStrx = x.getInt(base + 4 + bytes - 8);
        Arrays.fill(b, strSizeAt + 4 + lastStrx, strSizeAt + 4 + strSize, (byte) 'x');
        assertThat(refused(b, strSizeAt + 4 + lastStrx)).hasMessageContaining("runs past the end of the string table");
    }

    @Test
    void bsd64IndexCorruptions() throws Exception {
        byte[] good = bytes(darwin64());
        int base = 68 + bsdNameLength(good, 8); // after "__.SYMDEF_64" and its padding
        byte[] b = good.clone();
        ByteBuffer x = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        x.putLong(base, -16L);
        assertThat(refused(b, base)).hasMessageContaining("symbol index __.SYMDEF_64 has 18446744073709551600 bytes of entries")
                .hasMessageContaining("larger than its member can hold");
        b = good.clone();
        x = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        x.putLong(base + 8 + 8, 0x8);
        assertThat(refused(b, base + 16)).hasMessageContaining("symbol 0 ('a_func') points to offset 0x8, which is not a member header");
    }

    @Test
    void thinArchiveMemberNotAPath() throws Exception {
        byte[] b = bytes(thin());
        long table = header(b, "//") + 60;
        b[(int) table + 3] = 0; // "../alpha.o" -> "../\0lpha.o"
        long member = header(b, "/0");
        assertThat(refused(b, member)).hasMessageContaining("thin archive member '../\\x00lpha.o' is not a valid path");
    }

    @Test
    void bsdNameInThinArchive() {
        byte[] b = new Ar("!<thin>\n").member("#1/8", 100, new byte[0]).bytes();
        assertThat(refused(b, 8)).hasMessageContaining("BSD-style name '#1/8' in a thin archive");
    }

    @Test
    void emptyMemberName() {
        byte[] b = new Ar("!<arch>\n").member("", new byte[2]).bytes();
        assertThat(refused(b, 8)).hasMessageContaining("member has an empty name");
    }

    // ---------------------------------------------------------------- random corruption

    private static final byte[] INTERESTING = " 0123456789/`\n#\0\377".getBytes(StandardCharsets.ISO_8859_1);

    @Test
    void randomCorruptionOnlyEverThrowsLinkException() throws Exception {
        List<byte[]> bases = List.of(bytes(gnu()), bytes(sym64()), bytes(bsd()), bytes(darwin64()), bytes(thin()));
        Random random = new Random(0x5eed_a2c4L);
        int refused = 0;
        int variants = 600;
        for (int v = 0; v < variants; v++) {
            byte[] base = bases.get(v % bases.size());
            byte[] b = mutate(base, random);
            try {
                Archive a = ArchiveReader.read("fuzz.a", buffer(b), Path.of("/fuzz"));
                exercise(a, b.length);
            } catch (LinkException e) {
                assertThat(e.getMessage()).startsWith("fuzz.a: offset 0x");
                refused++;
            } catch (Throwable t) {
                fail("variant " + v + " of base " + (v % bases.size()) + " threw " + t, t);
            }
        }
        assertThat(refused).as("most variants are refused").isGreaterThan(variants / 4);
    }

    private static byte[] mutate(byte[] base, Random r) {
        byte[] b = base.clone();
        int kind = r.nextInt(6);
        int hot = Math.min(b.length, 0x240); // the index, the long-name table and the first headers
        switch (kind) {
            case 0 -> { // random bytes, mostly near the start
                int n = 1 + r.nextInt(8);
                for (int i = 0; i < n; i++) {
                    int at = r.nextBoolean() ? r.nextInt(hot) : r.nextInt(b.length);
                    b[at] = (byte) r.nextInt(256);
                }
            }
            case 1 -> { // characters the parser looks for
                int n = 1 + r.nextInt(8);
                for (int i = 0; i < n; i++) {
                    b[r.nextInt(hot)] = INTERESTING[r.nextInt(INTERESTING.length)];
                }
            }
            case 2 -> { // truncation
                b = Arrays.copyOf(b, r.nextInt(b.length));
            }
            case 3 -> { // a header field rewritten with a random number
                List<Long> hs = new ArrayList<>(headers(base).keySet());
                long h = hs.get(r.nextInt(hs.size()));
                String[] forms = {"%d", "/%d", "#1/%d", "%d/"};
                long value = switch (r.nextInt(3)) {
                    case 0 -> r.nextInt(b.length + 100);
                    case 1 -> Math.abs(r.nextLong()) % 10_000_000_000L;
                    default -> r.nextInt(64);
                };
                if (r.nextBoolean()) {
                    put(b, h + 48, String.format("%-10s", value).substring(0, 10));
                } else {
                    put(b, h, String.format("%-16s", String.format(forms[r.nextInt(forms.length)], value)).substring(0, 16));
                }
            }
            case 4 -> { // an index word (count, offset, string index) replaced, either byte order
                int at = 60 + 8 + 4 * r.nextInt(Math.max(1, (hot - 68) / 4));
                if (at + 8 <= b.length) {
                    ByteBuffer x = ByteBuffer.wrap(b).order(r.nextBoolean() ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
                    int[] values = {0, 1, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, r.nextInt(b.length + 1), r.nextInt()};
                    if (r.nextBoolean()) {
                        x.putInt(at, values[r.nextInt(values.length)]);
                    } else {
                        x.putLong(at, r.nextBoolean() ? r.nextLong() : values[r.nextInt(values.length)]);
                    }
                }
            }
            default -> { // bytes inserted or removed, shifting everything after
                int at = r.nextInt(hot);
                int len = 1 + r.nextInt(7);
                byte[] out;
                if (r.nextBoolean()) {
                    out = new byte[b.length + len];
                    System.arraycopy(b, 0, out, 0, at);
                    for (int i = 0; i < len; i++) {
                        out[at + i] = INTERESTING[r.nextInt(INTERESTING.length)];
                    }
                    System.arraycopy(b, at, out, at + len, b.length - at);
                } else {
                    len = Math.min(len, b.length - at);
                    out = new byte[b.length - len];
                    System.arraycopy(b, 0, out, 0, at);
                    System.arraycopy(b, at + len, out, at, b.length - at - len);
                }
                b = out;
            }
        }
        return b;
    }

    /** Everything a caller may do with an archive that was accepted stays inside the bytes. */
    private static void exercise(Archive a, int length) {
        for (int m = 0; m < a.memberCount(); m++) {
            a.memberName(m);
            assertThat(a.memberAtHeader(a.headerOffset(m))).isEqualTo(m);
            if (a.thin()) {
                assertThat(a.memberPath(m)).isNotNull();
            } else {
                assertThat(a.dataOffset(m) + a.size(m)).isLessThanOrEqualTo(length);
                assertThat(a.memberData(m).remaining()).isEqualTo((int) a.size(m));
            }
        }
        for (int k = 0; k < a.symbolCount(); k++) {
            assertThat(a.symbolMember(k)).isBetween(0, a.memberCount() - 1);
            assertThat((long) a.symbolNameOffset(k) + a.symbolNameLength(k)).isLessThanOrEqualTo(length);
            byte[] name = a.symbolName(k);
            int found = a.findSymbol(name);
            assertThat(found).isBetween(0, k);
            assertThat(a.symbolName(found)).isEqualTo(name);
        }
    }
}
