package dev.rivet.linker.core.symbols;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.BitSet;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link Bits}: the growable bitmap. */
class BitsTest {
    @Test
    void setGetAndClear() {
        Bits b = new Bits(128);
        b.set(0);
        b.set(63);
        b.set(64);
        b.set(127);
        assertThat(b.get(0)).isTrue();
        assertThat(b.get(1)).isFalse();
        assertThat(b.get(63)).isTrue();
        assertThat(b.get(64)).isTrue();
        assertThat(b.get(127)).isTrue();
        b.clear(63);
        assertThat(b.get(63)).isFalse();
        assertThat(b.get(64)).isTrue();
        b.set(5, true);
        b.set(64, false);
        assertThat(b.get(5)).isTrue();
        assertThat(b.get(64)).isFalse();
        assertThat(b.cardinality()).isEqualTo(3);
    }

    @Test
    void bitsBeyondTheCapacityReadAsClearAndSettingThemGrows() {
        Bits b = new Bits(1);
        assertThat(b.get(1_000_000)).isFalse();
        b.clear(1_000_000); // no-op, no growth needed
        b.set(1_000_000);
        b.set(70);
        assertThat(b.get(1_000_000)).isTrue();
        assertThat(b.get(70)).isTrue();
        assertThat(b.get(999_999)).isFalse();
        assertThat(b.cardinality()).isEqualTo(2);
    }

    @Test
    void nextSetBitWalksTheSetBitsInOrder() {
        Bits b = new Bits(64);
        int[] set = {3, 64, 65, 200, 4095};
        for (int i : set) {
            b.set(i);
        }
        assertThat(b.nextSetBit(0)).isEqualTo(3);
        assertThat(b.nextSetBit(3)).isEqualTo(3);
        assertThat(b.nextSetBit(4)).isEqualTo(64);
        assertThat(b.nextSetBit(66)).isEqualTo(200);
        assertThat(b.nextSetBit(201)).isEqualTo(4095);
        assertThat(b.nextSetBit(4096)).isEqualTo(-1);
        assertThat(b.nextSetBit(1 << 20)).isEqualTo(-1);
        assertThat(new Bits(64).nextSetBit(0)).isEqualTo(-1);
    }

    @Test
    void clearAllEmptiesTheMap() {
        Bits b = new Bits(10);
        b.set(1);
        b.set(500);
        b.clearAll();
        assertThat(b.cardinality()).isZero();
        assertThat(b.nextSetBit(0)).isEqualTo(-1);
        assertThat(b.get(500)).isFalse();
    }

    @Test
    void agreesWithBitSetOnRandomOperations() {
        Random rnd = new Random(42);
        Bits b = new Bits(1);
        BitSet ref = new BitSet();
        for (int i = 0; i < 20_000; i++) {
            int k = rnd.nextInt(10_000);
            if (rnd.nextInt(3) == 0) {
                b.clear(k);
                ref.clear(k);
            } else {
                b.set(k);
                ref.set(k);
            }
        }
        assertThat(b.cardinality()).isEqualTo(ref.cardinality());
        int i = b.nextSetBit(0);
        int j = ref.nextSetBit(0);
        while (j >= 0) {
            assertThat(i).isEqualTo(j);
            i = b.nextSetBit(i + 1);
            j = ref.nextSetBit(j + 1);
        }
        assertThat(i).isEqualTo(-1);
    }
}
