package dev.rivet.linker.core.symbols;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The array and buffer forms agree at every length, offset and byte order, and the low bits spread. */
class ByteHashTest {
    @Test
    void arrayAndBufferFormsAgree() {
        Random r = new Random(7);
        byte[] data = new byte[300];
        r.nextBytes(data);
        ByteBuffer big = ByteBuffer.wrap(data).order(ByteOrder.BIG_ENDIAN);
        ByteBuffer little = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer direct = ByteBuffer.allocateDirect(data.length).put(data);
        for (int off = 0; off < 9; off++) {
            for (int len = 0; len <= 40; len++) {
                int h = ByteHash.of(data, off, len);
                assertThat(ByteHash.of(big, off, len)).isEqualTo(h);
                assertThat(ByteHash.of(little, off, len)).isEqualTo(h);
                assertThat(ByteHash.of(direct, off, len)).isEqualTo(h);
            }
        }
    }

    @Test
    void similarNamesSpreadOverTheLowBits() {
        Set<Integer> buckets = new HashSet<>();
        int n = 4096;
        for (int i = 0; i < n; i++) {
            byte[] name = ("_ZN4llvm12function" + i + "Ev").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            buckets.add(ByteHash.of(name, 0, name.length) & (n - 1));
        }
        // Random placement fills about 1 - 1/e of the buckets.
        assertThat(buckets.size()).isGreaterThan(n * 55 / 100);
        // Lengths are part of the hash: a string and the same string with a NUL appended differ.
        assertThat(ByteHash.of(new byte[] {1, 0}, 0, 2)).isNotEqualTo(ByteHash.of(new byte[] {1}, 0, 1));
    }

    @Test
    void equalComparesEveryByteInEitherByteOrder() {
        byte[] data = new byte[48];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 37 + 5);
        }
        for (ByteBuffer b : new ByteBuffer[] {ByteBuffer.wrap(data.clone()).order(java.nio.ByteOrder.BIG_ENDIAN),
                ByteBuffer.wrap(data.clone()).order(java.nio.ByteOrder.LITTLE_ENDIAN)}) {
            for (int len = 0; len <= 40; len++) {
                assertThat(ByteHash.equal(data, 3, b, 3, len)).isTrue();
                assertThat(ByteHash.equal(data, 3, data.clone(), 3, len)).isTrue();
                for (int at = 0; at < len; at++) {
                    byte[] other = data.clone();
                    other[3 + at] ^= 0x40; // one byte differs, in the word part or in the tail
                    assertThat(ByteHash.equal(other, 3, b, 3, len)).as("len %d, byte %d", len, at).isFalse();
                    assertThat(ByteHash.equal(other, 3, data, 3, len)).as("arrays: len %d, byte %d", len, at).isFalse();
                }
            }
        }
    }

    @Test
    void twoBuffersCompareEveryByteWhateverTheirOrders() {
        byte[] data = new byte[48];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 37 + 5);
        }
        java.nio.ByteOrder[] orders = {java.nio.ByteOrder.BIG_ENDIAN, java.nio.ByteOrder.LITTLE_ENDIAN};
        for (java.nio.ByteOrder oa : orders) {
            for (java.nio.ByteOrder ob : orders) {
                ByteBuffer a = ByteBuffer.wrap(data.clone()).order(oa);
                for (int len = 0; len <= 40; len++) {
                    // the same bytes at another offset of b
                    byte[] shifted = new byte[data.length + 5];
                    System.arraycopy(data, 0, shifted, 5, data.length);
                    assertThat(ByteHash.equal(a, 3, ByteBuffer.wrap(shifted).order(ob), 8, len)).isTrue();
                    for (int at = 0; at < len; at++) {
                        byte[] other = shifted.clone();
                        other[8 + at] ^= 0x40; // one byte differs, in the word part or in the tail
                        assertThat(ByteHash.equal(a, 3, ByteBuffer.wrap(other).order(ob), 8, len))
                                .as("%s/%s len %d, byte %d", oa, ob, len, at).isFalse();
                    }
                }
            }
        }
    }

    @Test
    void bytesPastTheLengthDoNotCount() {
        // A rest shorter than a word is read as a word when there is room: what follows must be masked off.
        byte[] data = new byte[64];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 29 + 11);
        }
        java.nio.ByteOrder[] orders = {java.nio.ByteOrder.BIG_ENDIAN, java.nio.ByteOrder.LITTLE_ENDIAN};
        for (int len = 0; len <= 24; len++) {
            byte[] other = data.clone();
            for (int i = 2 + len; i < other.length; i++) {
                other[i] ^= (byte) 0xA5;
            }
            assertThat(ByteHash.of(other, 2, len)).as("len %d", len).isEqualTo(ByteHash.of(data, 2, len));
            for (java.nio.ByteOrder o : orders) {
                ByteBuffer b = ByteBuffer.wrap(other).order(o);
                ByteBuffer d = ByteBuffer.allocateDirect(other.length).order(o).put(0, other);
                assertThat(ByteHash.of(b, 2, len)).isEqualTo(ByteHash.of(data, 2, len));
                assertThat(ByteHash.of(d, 2, len)).isEqualTo(ByteHash.of(data, 2, len));
                assertThat(ByteHash.equal(data, 2, b, 2, len)).as("%s len %d", o, len).isTrue();
                for (java.nio.ByteOrder oa : orders) {
                    assertThat(ByteHash.equal(ByteBuffer.wrap(data).order(oa), 2, b, 2, len)).as("%s/%s len %d", oa, o, len).isTrue();
                }
            }
        }
    }

    @Test
    void stringsThatEndAtTheEndOfTheirBytesAreReadWhole() {
        // No word can be read past the end: the rest is read a byte at a time.
        byte[] data = "abcdefghijklmnopqrs".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        for (int len = 0; len <= data.length; len++) {
            int off = data.length - len;
            byte[] copy = java.util.Arrays.copyOfRange(data, off, data.length);
            ByteBuffer b = ByteBuffer.wrap(data);
            assertThat(ByteHash.of(data, off, len)).isEqualTo(ByteHash.of(copy, 0, len));
            assertThat(ByteHash.of(b, off, len)).isEqualTo(ByteHash.of(copy, 0, len));
            assertThat(ByteHash.equal(copy, 0, b, off, len)).isTrue();
            assertThat(ByteHash.equal(b, off, ByteBuffer.wrap(copy), 0, len)).isTrue();
            assertThat(ByteHash.equal(copy, 0, data, off, len)).isTrue();
            assertThat(ByteHash.equal(data, off, copy, 0, len)).isTrue();
            if (len > 0) {
                copy[len - 1] ^= 1;
                assertThat(ByteHash.equal(copy, 0, data, off, len)).isFalse();
                assertThat(ByteHash.equal(data, off, copy, 0, len)).isFalse();
                assertThat(ByteHash.equal(copy, 0, b, off, len)).isFalse();
                assertThat(ByteHash.equal(b, off, ByteBuffer.wrap(copy), 0, len)).isFalse();
            }
        }
    }
}
