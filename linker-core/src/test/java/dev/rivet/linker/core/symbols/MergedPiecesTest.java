package dev.rivet.linker.core.symbols;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MergedPiecesTest {
    /** A buffer with {@code prefix} bytes of padding, then the section, then padding again. */
    private static ByteBuffer section(int prefix, byte[] section) {
        ByteBuffer b = ByteBuffer.allocateDirect(prefix + section.length + 16).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < b.capacity(); i++) {
            b.put(i, (byte) 'x');
        }
        b.put(prefix, section);
        return b;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void stringsAreCutAfterEachNul() {
        byte[] bytes = ascii("hello\0\0a longer string than a word\0");
        ByteBuffer buf = section(5, bytes);
        MergedPieces pieces = MergedPieces.split(buf, 5, bytes.length, 1, true);

        assertThat(pieces.starts()).containsExactly(0, 6, 7);
        MergeTable table = new MergeTable(1);
        pieces.internInto(table, buf, 5);
        // Each piece went in whole: the table holds the three strings, terminators included.
        assertThat(table.size()).isEqualTo(bytes.length);
        assertThat(pieces.offsetOf(8)).isEqualTo(pieces.outs()[2] + 1);
        assertThat(pieces.offsetOf(5)).isEqualTo(pieces.outs()[0] + 5);
    }

    @Test
    void equalStringsInTwoSectionsGoToOnePlace() {
        ByteBuffer a = section(3, ascii("one\0two\0"));
        ByteBuffer b = section(0, ascii("two\0three\0one\0"));
        MergeTable table = new MergeTable(1);
        MergedPieces pa = MergedPieces.split(a, 3, 8, 1, true).internInto(table, a, 3);
        MergedPieces pb = MergedPieces.split(b, 0, 14, 1, true).internInto(table, b, 0);

        assertThat(pb.outs()[0]).as("two").isEqualTo(pa.outs()[1]);
        assertThat(pb.outs()[2]).as("one").isEqualTo(pa.outs()[0]);
        assertThat(pb.outs()[1]).as("three, new").isNotIn(pa.outs()[0], pa.outs()[1]);
        assertThat(table.pieces()).isEqualTo(3);
        assertThat(table.size()).isEqualTo(14);
    }

    @Test
    void anUnterminatedStringKeepsTheSectionWhole() {
        ByteBuffer buf = section(0, ascii("done\0not done"));

        assertThat(MergedPieces.split(buf, 0, 13, 1, true)).isNull();
        assertThat(MergedPieces.split(buf, 0, 5, 1, true).starts()).containsExactly(0);
    }

    @Test
    void anEmptySectionHasNoPieces() {
        ByteBuffer buf = section(4, new byte[0]);

        assertThat(MergedPieces.split(buf, 4, 0, 1, true).starts()).isEmpty();
        assertThat(MergedPieces.split(buf, 4, 0, 8, false).starts()).isEmpty();
    }

    @Test
    void constantsAreCutEveryEntrySize() {
        byte[] bytes = new byte[24];
        bytes[0] = 1;
        bytes[8] = 2;
        bytes[16] = 1;
        ByteBuffer buf = section(8, bytes);
        MergeTable table = new MergeTable(8);
        MergedPieces pieces = MergedPieces.split(buf, 8, 24, 8, false).internInto(table, buf, 8);

        assertThat(pieces.starts()).containsExactly(0, 8, 16);
        assertThat(pieces.outs()[2]).isEqualTo(pieces.outs()[0]);
        assertThat(pieces.outs()[1]).isNotEqualTo(pieces.outs()[0]);
        assertThat(table.size()).isEqualTo(16);
        assertThat(pieces.offsetOf(20)).isEqualTo(pieces.outs()[0] + 4);
    }

    @Test
    void constantsThatDoNotFillTheSectionKeepItWhole() {
        ByteBuffer buf = section(0, new byte[20]);

        assertThat(MergedPieces.split(buf, 0, 20, 8, false)).isNull();
        assertThat(MergedPieces.split(buf, 0, 20, 0, false)).isNull();
        assertThat(MergedPieces.split(buf, 0, 20, -4, false)).isNull();
    }
}
