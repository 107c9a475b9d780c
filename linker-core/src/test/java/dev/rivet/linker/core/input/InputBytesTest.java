package dev.rivet.linker.core.input;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rivet.linker.LinkException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link InputBytes}: the NUL scan that string tables are read with (in buffers and arrays), and its bounds. */
class InputBytesTest {
    private static long naive(ByteBuffer b, long from, long end) {
        for (long p = from; p < end; p++) {
            if (b.get((int) p) == 0) {
                return p;
            }
        }
        return -1;
    }

    @Test
    void indexOfNulFindsTheFirstNulInRangeInEitherByteOrder() {
        Random r = new Random(42);
        for (ByteOrder order : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN}) {
            for (int round = 0; round < 300; round++) {
                byte[] bytes = new byte[1 + r.nextInt(64)];
                for (int i = 0; i < bytes.length; i++) {
                    // Mostly non-zero, with bytes such as 0x01 and 0x80 that fool inexact tricks.
                    int k = r.nextInt(10);
                    bytes[i] = (byte) (k == 0 ? 0 : k == 1 ? 1 : k == 2 ? 0x80 : k == 3 ? 0xff : 1 + r.nextInt(255));
                }
                ByteBuffer b = ByteBuffer.wrap(bytes).order(order);
                int from = r.nextInt(bytes.length);
                int end = from + r.nextInt(bytes.length - from + 1);
                assertThat(InputBytes.indexOfNul(b, from, end)).as("%s from %d to %d", java.util.Arrays.toString(bytes), from, end)
                        .isEqualTo(naive(b, from, end));
                assertThat((long) InputBytes.indexOfNul(bytes, from, end)).as("array: %s from %d to %d", java.util.Arrays.toString(bytes), from, end)
                        .isEqualTo(naive(b, from, end));
            }
        }
    }

    @Test
    void indexOfFindsTheFirstByteOfAValueInRangeInEitherByteOrder() {
        Random r = new Random(7);
        for (ByteOrder order : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN}) {
            for (int value : new int[] {'@', 0x80, 0xff, 0x01}) {
                for (int round = 0; round < 300; round++) {
                    byte[] bytes = new byte[1 + r.nextInt(64)];
                    for (int i = 0; i < bytes.length; i++) {
                        // The value now and then, among neighbours that differ from it in one bit.
                        int k = r.nextInt(12);
                        bytes[i] = (byte) (k == 0 ? value : k == 1 ? value ^ 1 : k == 2 ? value ^ 0x80 : k == 3 ? 0 : r.nextInt(256));
                    }
                    ByteBuffer b = ByteBuffer.wrap(bytes).order(order);
                    int from = r.nextInt(bytes.length);
                    int end = from + r.nextInt(bytes.length - from + 1);
                    long want = -1;
                    for (int p = from; p < end && want < 0; p++) {
                        if ((bytes[p] & 0xff) == value) {
                            want = p;
                        }
                    }
                    assertThat(InputBytes.indexOf(b, from, end, value)).as("%s: %d from %d to %d", java.util.Arrays.toString(bytes), value, from, end)
                            .isEqualTo(want);
                }
            }
        }
    }

    @Test
    void aNulJustPastTheEndIsNotFound() {
        ByteBuffer b = ByteBuffer.wrap(new byte[] {'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 0}).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(InputBytes.indexOfNul(b, 0, 9)).isEqualTo(-1);
        assertThat(InputBytes.indexOfNul(b, 0, 10)).isEqualTo(9);
        assertThat(InputBytes.indexOfNul(b, 2, 10)).isEqualTo(9);
        byte[] a = b.array();
        assertThat(InputBytes.indexOfNul(a, 0, 9)).isEqualTo(-1);
        assertThat(InputBytes.indexOfNul(a, 0, 10)).isEqualTo(9);
        assertThat(InputBytes.indexOfNul(a, 2, 10)).isEqualTo(9);
    }

    @Test
    void anUnterminatedNameIsAnErrorNamingTheFileAndOffset() {
        InputBytes in = new InputBytes("lib.o", ByteBuffer.wrap(new byte[] {0, 'x', 'y', 'z', 'w', 'v', 'u', 't', 's', 'r'}));
        assertThat(in.nameLength(0, 10, 0, "symbol", 0)).isZero();
        assertThatThrownBy(() -> in.nameLength(0, 10, 1, "symbol", 3)).isInstanceOf(LinkException.class)
                .hasMessageContaining("lib.o").hasMessageContaining("symbol 3").hasMessageContaining("runs past the end");
    }

    @Test
    void aNameMeasuredInACopyOfItsTableGetsTheSameLengthOrError() {
        // A table of 6 bytes at offset 4 of the file: "ab\0cde", its last name unterminated.
        byte[] file = {9, 9, 9, 9, 'a', 'b', 0, 'c', 'd', 'e', 0};
        InputBytes in = new InputBytes("lib.o", ByteBuffer.wrap(file));
        byte[] table = java.util.Arrays.copyOfRange(file, 4, 10);
        assertThat(in.nameLength(table, 4, 0, "symbol", 0)).isEqualTo(2).isEqualTo(in.nameLength(4, 6, 0, "symbol", 0));
        assertThat(in.nameLength(table, 4, 2, "symbol", 1)).isZero();
        // The NUL just past the table does not end its last name.
        assertThatThrownBy(() -> in.nameLength(table, 4, 3, "symbol", 2)).isInstanceOf(LinkException.class)
                .hasMessageContaining("lib.o").hasMessageContaining("symbol 2").hasMessageContaining("runs past the end");
        for (long index : new long[] {6, 7, -1, 1L << 32}) {
            assertThatThrownBy(() -> in.nameLength(table, 4, index, "symbol", 5)).as("index %d", index)
                    .isInstanceOf(LinkException.class).hasMessageContaining("lib.o").hasMessageContaining("symbol 5")
                    .hasMessageContaining("outside its string table");
        }
    }
}
