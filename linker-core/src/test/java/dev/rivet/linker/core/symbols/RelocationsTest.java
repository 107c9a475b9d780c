package dev.rivet.linker.core.symbols;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Relocations keep addends in 32 bits when they fit and whole when they do not, through every move. */
class RelocationsTest {
    private static final long[] ADDENDS = {0, -4, 8, Integer.MAX_VALUE, Integer.MIN_VALUE, Integer.MIN_VALUE + 1L,
        0x1_0000_0000L, -0x1_0000_0000L, Long.MIN_VALUE, Long.MAX_VALUE, 0xffffffffL};

    @Test
    void addendsComeBackAsAdded() {
        Relocations r = new Relocations(2);
        for (int i = 0; i < ADDENDS.length; i++) {
            assertThat(r.add(i * 4, i, 100 + i, ADDENDS[i])).isEqualTo(i);
        }
        for (int i = 0; i < ADDENDS.length; i++) {
            assertThat(r.addend(i)).as("addend %d", i).isEqualTo(ADDENDS[i]);
            assertThat(r.offset[i]).isEqualTo(i * 4);
            assertThat(r.target[i]).isEqualTo(100 + i);
        }
        r.setAddend(6, 5);
        r.setAddend(0, Long.MIN_VALUE + 7);
        assertThat(r.addend(6)).isEqualTo(5);
        assertThat(r.addend(0)).isEqualTo(Long.MIN_VALUE + 7);
    }

    @Test
    void copySaveAndRestoreCarryWideAddends() {
        Relocations r = new Relocations(4);
        r.ensureCapacity(64);
        for (long a : ADDENDS) {
            r.add(1, 2, 3, a);
        }
        Relocations saved = r.save(0, ADDENDS.length);
        // Compact the wide ones to the front, as a trim would, then put everything back.
        int w = 0;
        for (int i = 0; i < ADDENDS.length; i++) {
            if ((int) ADDENDS[i] != ADDENDS[i] || ADDENDS[i] == Integer.MIN_VALUE) {
                r.copy(i, w++);
            }
        }
        assertThat(r.addend(0)).isEqualTo(Integer.MIN_VALUE);
        assertThat(r.addend(1)).isEqualTo(0x1_0000_0000L);
        r.restore(0, saved);
        for (int i = 0; i < ADDENDS.length; i++) {
            assertThat(r.addend(i)).isEqualTo(ADDENDS[i]);
        }
    }
}
