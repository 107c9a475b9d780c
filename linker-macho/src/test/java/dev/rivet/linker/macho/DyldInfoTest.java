package dev.rivet.linker.macho;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The rebase and bind encoders: what dyld's interpretation of the opcodes gives back is exactly
 * what was encoded, for runs, strides, gaps, segment changes and random places; and the encoding is
 * compact.
 */
class DyldInfoTest {
    /** Runs rebase opcodes as dyld does: {@code segment << 48 | offset} of every pointer rebased. */
    private static List<Long> decodeRebases(byte[] op) {
        List<Long> out = new ArrayList<>();
        int seg = -1;
        long off = 0;
        int[] p = {0};
        while (p[0] < op.length) {
            int b = op[p[0]++] & 0xff;
            int imm = b & 0x0f;
            switch (b & 0xf0) {
                case 0x00 -> {
                    return out;
                }
                case 0x10 -> assertThat(imm).isEqualTo(1);
                case 0x20 -> {
                    seg = imm;
                    off = uleb(op, p);
                }
                case 0x30 -> off += uleb(op, p);
                case 0x40 -> off += 8L * imm;
                case 0x50 -> {
                    for (int i = 0; i < imm; i++, off += 8) {
                        out.add((long) seg << 48 | off);
                    }
                }
                case 0x60 -> {
                    long n = uleb(op, p);
                    for (long i = 0; i < n; i++, off += 8) {
                        out.add((long) seg << 48 | off);
                    }
                }
                case 0x70 -> {
                    out.add((long) seg << 48 | off);
                    off += 8 + uleb(op, p);
                }
                case 0x80 -> {
                    long n = uleb(op, p);
                    long skip = uleb(op, p);
                    for (long i = 0; i < n; i++) {
                        out.add((long) seg << 48 | off);
                        off += 8 + skip;
                    }
                }
                default -> throw new AssertionError("opcode 0x" + Integer.toHexString(b));
            }
        }
        return out;
    }

    private static long uleb(byte[] b, int[] p) {
        long v = 0;
        int shift = 0;
        int x;
        do {
            x = b[p[0]++] & 0xff;
            v |= (long) (x & 0x7f) << shift;
            shift += 7;
        } while ((x & 0x80) != 0);
        return v;
    }

    private static byte[] encode(TreeSet<Long> places) {
        int[] seg = new int[places.size()];
        long[] off = new long[places.size()];
        int i = 0;
        for (long p : places) {
            seg[i] = (int) (p >>> 48);
            off[i++] = p & 0xffff_ffff_ffffL;
        }
        return DyldInfo.rebases(seg, off, i);
    }

    @Test
    void runsStridesGapsAndSegmentChangesDecodeToThePlaces() {
        TreeSet<Long> places = new TreeSet<>();
        for (int i = 0; i < 40; i++) {
            places.add(1L << 48 | 0x100 + 8L * i); // a run longer than an immediate count
        }
        for (int i = 0; i < 10; i++) {
            places.add(1L << 48 | 0x1000 + 24L * i); // a table of structures
        }
        places.add(1L << 48 | 0x1000 + 24L * 10 - 8); // nearer than the stride: must not be passed over
        places.add(1L << 48 | 0x9000);
        places.add(2L << 48 | 0x8);
        places.add(2L << 48 | 0x10);
        places.add(3L << 48);
        byte[] op = encode(places);
        assertThat(decodeRebases(op)).containsExactlyElementsOf(places);
        assertThat(op.length % 8).isZero();
        assertThat(op.length).as("compact").isLessThan(48);
    }

    @Test
    void randomPlacesDecodeToThemselves() {
        Random r = new Random(7);
        for (int round = 0; round < 200; round++) {
            TreeSet<Long> places = new TreeSet<>();
            int n = 1 + r.nextInt(60);
            for (int i = 0; i < n; i++) {
                long seg = 1 + r.nextInt(3);
                long off = 8L * (r.nextInt(4) == 0 ? r.nextInt(100_000) : r.nextInt(64));
                places.add(seg << 48 | off);
            }
            assertThat(decodeRebases(encode(places))).as("round %d", round).containsExactlyElementsOf(places);
        }
    }

    @Test
    void bindsAreGroupedBySymbolAndLazyRecordsStandAlone() {
        List<DyldInfo.Bind> binds = List.of(
                new DyldInfo.Bind(2, 0x10, 1, "_b", 0, 0),
                new DyldInfo.Bind(2, 0x00, 1, "_a", 0, 0),
                new DyldInfo.Bind(2, 0x08, 1, "_a", 0, 0),
                new DyldInfo.Bind(3, 0x20, 2, "_c", DyldInfo.BIND_SYMBOL_FLAGS_WEAK_IMPORT, -4));
        byte[] op = DyldInfo.binds(binds);
        String text = new String(op, java.nio.charset.StandardCharsets.ISO_8859_1);
        assertThat(text.indexOf("_a")).isEqualTo(text.lastIndexOf("_a")).as("one name per symbol");
        assertThat(op.length % 8).isZero();
        int[] offsets = new int[2];
        byte[] lazy = DyldInfo.lazyBinds(List.of(new DyldInfo.Bind(3, 0, 1, "_puts", 0, 0), new DyldInfo.Bind(3, 8, 1, "_printf", 0, 0)), offsets);
        // SET_SEGMENT_AND_OFFSET_ULEB(1+1), SET_DYLIB_ORDINAL_IMM, SET_SYMBOL "_puts\0" (1+6), DO_BIND, DONE: 12 bytes, as ld64's.
        assertThat(offsets).containsExactly(0, 12);
        assertThat(lazy[0] & 0xff).isEqualTo(0x73);
        assertThat(lazy[11]).isZero();
    }
}
