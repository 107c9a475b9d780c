package dev.rivet.linker.macho;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rivet.linker.LinkException;
import dev.rivet.linker.Target;
import dev.rivet.linker.macho.ExportTrie.Export;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The export trie: encode and decode agree, match what llvm-objdump reads from ld64.lld's dylibs, and corrupt tries are errors. */
class ExportTrieTest {
    @TempDir
    Path dir;

    private static List<Export> decode(byte[] trie) {
        return ExportTrie.decode("t", ByteBuffer.wrap(trie).order(ByteOrder.LITTLE_ENDIAN), 0, trie.length);
    }

    private static List<Export> sortedByName(List<Export> exports) {
        List<Export> out = new ArrayList<>(exports);
        out.sort(Comparator.comparing(Export::name));
        return out;
    }

    @Test
    void roundTripsPrefixesFlagsAndLargeValues() {
        List<Export> exports = List.of(
                new Export("_add", 0, 0x418),
                new Export("_addition_helper", 0, 0x444),
                new Export("_a", ExportTrie.EXPORT_SYMBOL_FLAGS_WEAK_DEFINITION, 0x1000),
                new Export("_tls", ExportTrie.EXPORT_SYMBOL_FLAGS_KIND_THREAD_LOCAL, 0x8008),
                new Export("_abs", ExportTrie.EXPORT_SYMBOL_FLAGS_KIND_ABSOLUTE, 0xffff_ffff_ffff_fff0L),
                new Export("_from_elsewhere", ExportTrie.EXPORT_SYMBOL_FLAGS_REEXPORT, 2),
                new Export("__mh_execute_header", 0, 0),
                new Export("_\u00e9t\u00e9", 0, 0x2000));
        byte[] trie = ExportTrie.encode(exports);
        assertThat(trie.length % 8).isZero();
        assertThat(decode(trie)).containsExactlyElementsOf(sortedByName(exports));
        List<Export> shuffled = new ArrayList<>(exports);
        Collections.shuffle(shuffled, new Random(1));
        assertThat(ExportTrie.encode(shuffled)).isEqualTo(trie);
    }

    @Test
    void noExportsIsAnEmptyRoot() {
        byte[] trie = ExportTrie.encode(List.of());
        assertThat(trie).hasSize(8).containsOnly(0);
        assertThat(decode(trie)).isEmpty();
    }

    @Test
    void offsetsReachAFixpointInLargeTries() {
        Random r = new Random(7);
        List<Export> exports = new ArrayList<>();
        java.util.Set<String> names = new java.util.HashSet<>();
        while (exports.size() < 20000) {
            StringBuilder sb = new StringBuilder("_");
            for (int k = 0, n = 1 + r.nextInt(24); k < n; k++) {
                sb.append((char) ('a' + r.nextInt(6)));
            }
            if (names.add(sb.toString())) {
                exports.add(new Export(sb.toString(), r.nextInt(8) == 0 ? ExportTrie.EXPORT_SYMBOL_FLAGS_WEAK_DEFINITION : 0,
                        r.nextLong() >>> r.nextInt(64)));
            }
        }
        byte[] trie = ExportTrie.encode(exports);
        assertThat(trie.length).isGreaterThan(1 << 16);
        assertThat(decode(trie)).containsExactlyElementsOf(sortedByName(exports));
    }

    /**
     * A linker builds the shape from the names while it lays the image out, and encodes it once
     * the addresses are known: it decodes to the exports, encodes the same again; flags and
     * addresses that do not match the names in number are refused.
     */
    @Test
    void aShapeBuiltFromTheNamesAloneEncodesTheSameTrie() {
        String[] names = {"_main", "_mainly", "_m", "_zeta", "_alpha", "_alphabet"};
        byte[][] bytes = new byte[names.length][];
        long[] flags = new long[names.length];
        long[] addresses = new long[names.length];
        List<Export> exports = new ArrayList<>();
        for (int i = 0; i < names.length; i++) {
            bytes[i] = names[i].getBytes(java.nio.charset.StandardCharsets.UTF_8);
            flags[i] = i == 2 ? ExportTrie.EXPORT_SYMBOL_FLAGS_WEAK_DEFINITION : 0;
            addresses[i] = 0x4000L + 0x100L * i * i * i; // some ULEB128s of two bytes, some of three
            exports.add(new Export(names[i], flags[i], addresses[i]));
        }
        ExportTrie.Shape shape = ExportTrie.shape(bytes);
        byte[] trie = ExportTrie.encode(shape, flags, addresses);
        assertThat(decode(trie)).containsExactlyElementsOf(sortedByName(exports));
        assertThat(ExportTrie.encode(shape, flags, addresses)).as("a shape encodes again the same").isEqualTo(trie);
        assertThatThrownBy(() -> ExportTrie.encode(ExportTrie.shape(bytes), new long[5], addresses))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("6 export names, 5 flags and 6 addresses");
    }

    /**
     * The bytes of a small trie, worked out by hand from the format: nodes depth-first ("", "_",
     * "_a", "_ab", "_b"), each with its terminal information, child count, and per child the
     * label and the child's offset; padded to 8.
     */
    @Test
    void encodesASmallTrieByteForByte() {
        byte[][] names = {"_b".getBytes(java.nio.charset.StandardCharsets.UTF_8), "_ab".getBytes(java.nio.charset.StandardCharsets.UTF_8),
            "_a".getBytes(java.nio.charset.StandardCharsets.UTF_8)};
        byte[] trie = ExportTrie.encode(ExportTrie.shape(names), new long[] {0, 0, 0}, new long[] {0x30, 0x20, 0x10});
        int[] expected = {
            0x00, 0x01, '_', 0x00, 0x05,                  // root: no export, one child "_" at 5
            0x00, 0x02, 'a', 0x00, 0x0d, 'b', 0x00, 0x18, // "_": children "a" at 13, "b" at 24
            0x02, 0x00, 0x10, 0x01, 'b', 0x00, 0x14,      // "_a": flags 0, address 0x10; child "b" at 20
            0x02, 0x00, 0x20, 0x00,                       // "_ab": flags 0, address 0x20
            0x02, 0x00, 0x30, 0x00,                       // "_b": flags 0, address 0x30
            0x00, 0x00, 0x00, 0x00,                       // padding to 8
        };
        byte[] want = new byte[expected.length];
        for (int i = 0; i < expected.length; i++) {
            want[i] = (byte) expected[i];
        }
        assertThat(trie).isEqualTo(want);
    }

    @Test
    void rejectsDuplicateNames() {
        assertThatThrownBy(() -> ExportTrie.encode(List.of(new Export("_a", 0, 1), new Export("_a", 0, 2))))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static final Pattern OBJDUMP_LINE = Pattern.compile("^(?:0x([0-9A-F]+)  |\\[re-export\\] )(\\S+)(?: \\[([^]]*)\\])?.*$");

    /** {@return an export as llvm-objdump --exports-trie prints it (for an image based at 0)} */
    static String asObjdumpPrints(Export e) {
        long f = e.flags();
        List<String> flags = new ArrayList<>();
        if ((f & ExportTrie.EXPORT_SYMBOL_FLAGS_WEAK_DEFINITION) != 0) {
            flags.add("weak_def");
        }
        if ((f & ExportTrie.EXPORT_SYMBOL_FLAGS_KIND_MASK) == ExportTrie.EXPORT_SYMBOL_FLAGS_KIND_THREAD_LOCAL) {
            flags.add("per-thread");
        }
        if ((f & ExportTrie.EXPORT_SYMBOL_FLAGS_KIND_MASK) == ExportTrie.EXPORT_SYMBOL_FLAGS_KIND_ABSOLUTE) {
            flags.add("absolute");
        }
        return String.format("0x%08X %s [%s]", e.address(), e.name(), String.join(", ", flags));
    }

    static List<String> objdumpExports(Path dylib) {
        List<String> out = new ArrayList<>();
        for (String line : MachOInputs.objdump(dylib, "--exports-trie").split("\n")) {
            Matcher m = OBJDUMP_LINE.matcher(line);
            if (m.matches()) {
                out.add(String.format("0x%08X %s [%s]", Long.parseLong(m.group(1), 16), m.group(2), m.group(3) == null ? "" : m.group(3)));
            }
        }
        return out;
    }

    /** {@return export_off and export_size of a dylib's LC_DYLD_INFO_ONLY, as llvm-objdump reads them} */
    static int[] exportOffsetAndSize(Path dylib) {
        String headers = MachOInputs.objdump(dylib, "--private-headers");
        Matcher off = Pattern.compile("export_off (\\d+)").matcher(headers);
        Matcher size = Pattern.compile("export_size (\\d+)").matcher(headers);
        assertThat(off.find() && size.find()).as(headers).isTrue();
        return new int[] {Integer.parseInt(off.group(1)), Integer.parseInt(size.group(1))};
    }

    static final String LIBRARY = """
            int counter = 5;
            _Thread_local int tls = 3;
            __attribute__((weak)) int weakfn(void) { return 1; }
            int add(int a, int b) { return a + b + counter; }
            int addition_helper(void) { return 2; }
            int a_very_long_name_to_make_the_trie_deeper_than_usual_0123456789(void) { return 3; }
            const char message[] = "hi";
            """;

    @ParameterizedTest
    @MethodSource("dev.rivet.linker.macho.MachOInputs#targets")
    void decodesWhatLlvmObjdumpReadsFromALd64LldDylibAndEncodesWhatItReadsBack(Target t) throws Exception {
        Path obj = MachOInputs.compile(t, dir, "lib", LIBRARY);
        Path dylib = MachOInputs.linkWithLld(t, dir.resolve("liblib.dylib"), List.of("-dylib", "-install_name", "/usr/lib/liblib.dylib"), obj);
        int[] where = exportOffsetAndSize(dylib);
        byte[] bytes = Files.readAllBytes(dylib);
        List<Export> ours = ExportTrie.decode(dylib.toString(), ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN), where[0], where[1]);
        List<String> expected = objdumpExports(dylib);
        assertThat(expected).hasSize(7);
        assertThat(ours.stream().map(ExportTrieTest::asObjdumpPrints).toList()).containsExactlyInAnyOrderElementsOf(expected);

        // Our encoding of the same exports, put in place of lld's, reads back the same.
        byte[] trie = ExportTrie.encode(ours);
        assertThat(trie.length).isLessThanOrEqualTo(where[1]);
        System.arraycopy(trie, 0, bytes, where[0], trie.length);
        java.util.Arrays.fill(bytes, where[0] + trie.length, where[0] + where[1], (byte) 0);
        Path patched = dir.resolve("patched.dylib");
        Files.write(patched, bytes);
        assertThat(objdumpExports(patched)).containsExactlyInAnyOrderElementsOf(expected);
    }

    // ------------------------------------------------------------------ corrupt tries

    private static void assertCorrupt(byte[] trie, String message, int offset) {
        assertThatThrownBy(() -> ExportTrie.decode("lib.dylib", ByteBuffer.wrap(trie).order(ByteOrder.LITTLE_ENDIAN), 0, trie.length))
                .isInstanceOfSatisfying(LinkException.class, e -> {
                    assertThat(e.diagnostics().get(0).input()).isEqualTo("lib.dylib");
                    assertThat(e.diagnostics().get(0).location()).isEqualTo(String.format("offset 0x%x", offset));
                    assertThat(e.diagnostics().get(0).message()).contains(message);
                });
    }

    @Test
    void corruptTriesAreErrorsNamingTheOffset() {
        // root: no terminal, 1 child "_a" -> offset 0 (itself): a cycle.
        assertCorrupt(new byte[] {0, 1, '_', 'a', 0, 0}, "twice (a cycle or a shared node)", 0);
        // a child past the end
        assertCorrupt(new byte[] {0, 1, '_', 0, 0x40}, "past its end", 4);
        // the child count is missing
        assertCorrupt(new byte[] {0}, "a node's child count runs past the end", 1);
        // a terminal size larger than the trie
        assertCorrupt(new byte[] {0, 1, '_', 0, 5, 9, 0}, "terminal information of 9 bytes", 6);
        // an unterminated label
        assertCorrupt(new byte[] {0, 1, '_', 'a'}, "an edge's label runs past the end", 2);
        // a ULEB128 that does not end
        assertCorrupt(new byte[] {0, 1, '_', 0, (byte) 0x85, (byte) 0x80}, "a child's offset runs past the end", 6);
        // a ULEB128 too large for 64 bits
        byte[] big = new byte[16];
        big[0] = 0x0b;
        for (int i = 1; i < 12; i++) {
            big[i] = (byte) 0xff;
        }
        assertCorrupt(big, "export flags does not fit in 64 bits", 1);
        // two edges to one node
        assertCorrupt(new byte[] {0, 2, 'a', 0, 8, 'b', 0, 8, 0, 0}, "twice", 8);
        // an empty label
        assertCorrupt(new byte[] {0, 1, 0, 3, 0, 0}, "empty label", 2);
        // a child's offset of 2^64 - 1 (negative as a long)
        byte[] ff = {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 1};
        byte[] negativeChild = new byte[4 + ff.length];
        System.arraycopy(new byte[] {0, 1, '_', 0}, 0, negativeChild, 0, 4);
        System.arraycopy(ff, 0, negativeChild, 4, ff.length);
        assertCorrupt(negativeChild, "past its end", negativeChild.length - 1);
        // a terminal size of 2^63 + 16 (negative as a long), the trie at the end of the file
        byte[] negativeInfo = {(byte) 0x90, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80,
            (byte) 0x80, (byte) 0x80, 1, 0, 0};
        assertCorrupt(negativeInfo, "terminal information of 9223372036854775824 bytes", 10);
    }

    @Test
    void aTrieOutsideTheFileIsAnError() {
        ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        assertThatThrownBy(() -> ExportTrie.decode("lib.dylib", b, 60, 16)).isInstanceOf(LinkException.class)
                .hasMessageContaining("the export trie").hasMessageContaining("extends past the end of the file");
    }

    @Test
    void randomlyCorruptedTriesDecodeOrFailWithALinkException() {
        List<Export> exports = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            exports.add(new Export("_sym" + Integer.toString(i * 7919, 36), i % 5 == 0 ? 4 : 0, i * 16L));
        }
        byte[] good = ExportTrie.encode(exports);
        Random r = new Random(3);
        for (int round = 0; round < 5000; round++) {
            byte[] b = good.clone();
            for (int k = 0, n = 1 + r.nextInt(4); k < n; k++) {
                b[r.nextInt(b.length)] = (byte) r.nextInt(256);
            }
            int size = r.nextInt(4) == 0 ? r.nextInt(b.length + 1) : b.length;
            try {
                ExportTrie.decode("x", ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN), 0, size);
            } catch (LinkException e) {
                assertThat(e.diagnostics().get(0).location()).startsWith("offset 0x");
            }
        }
    }
}
