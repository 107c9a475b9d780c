package dev.rivet.linker.core.symbols;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rivet.linker.SymbolKind;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** Values and sizes are stored in 32 bits when they fit, and come back whole when they do not. */
class StoredValuesInputFileTest {
    @Test
    void everyValueAndSizeComesBackAsStored() {
        ObjectFile f = new ObjectFile("t.o", ByteBuffer.allocate(16), new AtomTable(16));
        long[] values = {0, 1, 0x7fffffffL, 0x80000000L, 0xffffffffL, 0x1_0000_0000L, -1, Integer.MIN_VALUE, Long.MIN_VALUE, Long.MAX_VALUE, -16};
        int[] locals = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            locals[i] = f.addSymbol(SymbolKind.ABSOLUTE, 0, 0, values[i], values[values.length - 1 - i]);
        }
        for (int i = 0; i < values.length; i++) {
            assertThat(f.value(locals[i])).as("value %d", i).isEqualTo(values[i]);
            assertThat(f.size(locals[i])).as("size %d", i).isEqualTo(values[values.length - 1 - i]);
        }
        // A wide value replaced by a narrow one, and the other way round.
        f.setValueAndSize(locals[5], 12, 0x1_0000_0000L);
        assertThat(f.value(locals[5])).isEqualTo(12);
        assertThat(f.size(locals[5])).isEqualTo(0x1_0000_0000L);
        f.setValueAndSize(locals[1], Long.MIN_VALUE, 3);
        assertThat(f.value(locals[1])).isEqualTo(Long.MIN_VALUE);
        assertThat(f.size(locals[1])).isEqualTo(3);
    }

    @Test
    void manySymbolsGrowTheArrays() {
        ObjectFile f = new ObjectFile("t.o", ByteBuffer.allocate(16), new AtomTable(16));
        for (int i = 0; i < 10_000; i++) {
            f.addSymbol(SymbolKind.ABSOLUTE, 0, 0, (long) i << (i % 40), i);
        }
        for (int i = 0; i < 10_000; i++) {
            assertThat(f.value(i)).isEqualTo((long) i << (i % 40));
            assertThat(f.size(i)).isEqualTo(i);
        }
    }
}
