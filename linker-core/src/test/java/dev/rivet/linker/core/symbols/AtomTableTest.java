package dev.rivet.linker.core.symbols;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rivet.linker.SymbolKind;
import org.junit.jupiter.api.Test;

/** {@link AtomTable}: the narrow fields keep every value, the rare large ones aside. */
class AtomTableTest {
    @Test
    void sizesUpTo4GiBAndBeyondAreKept() {
        AtomTable at = new AtomTable(4);
        int small = at.add(1, SymbolKind.TEXT, 16, 16, 0);
        int big = at.add(1, SymbolKind.BSS, 0xFFFF_FFF0L, 8, 0);
        int huge = at.add(1, SymbolKind.BSS, 5L << 30, 8, 0);
        int edge = at.add(1, SymbolKind.BSS, 0xFFFF_FFFFL, 8, 0);
        assertThat(at.size(small)).isEqualTo(16);
        assertThat(at.size(big)).isEqualTo(0xFFFF_FFF0L);
        assertThat(at.size(huge)).isEqualTo(5L << 30);
        assertThat(at.size(edge)).isEqualTo(0xFFFF_FFFFL);
        at.setSize(huge, 8);
        assertThat(at.size(huge)).isEqualTo(8);
        assertThat(at.size(edge)).isEqualTo(0xFFFF_FFFFL);
    }

    @Test
    void relocationCountsBeyond16BitsAreKept() {
        AtomTable at = new AtomTable(4);
        int a = at.add(1, SymbolKind.TEXT, 16, 16, 0);
        int b = at.add(1, SymbolKind.TEXT, 16, 16, 0);
        for (int i = 0; i < 70_000; i++) {
            at.countRelocation(a);
        }
        at.setRelCount(b, 3);
        assertThat(at.relCount(a)).isEqualTo(70_000);
        assertThat(at.relCount(b)).isEqualTo(3);
        at.setRelCount(a, 65_535);
        assertThat(at.relCount(a)).isEqualTo(65_535);
        at.setRelCount(a, 1);
        assertThat(at.relCount(a)).isEqualTo(1);
    }

    @Test
    void fieldsSurviveGrowth() {
        AtomTable at = new AtomTable(1);
        for (int i = 1; i <= 1000; i++) {
            int a = at.add(i, SymbolKind.DATA, i, 1 << (i % 8), i * 3);
            at.setSection(a, i % 300);
            at.setRelCount(a, i % 7);
            at.relStart[a] = i * 11;
        }
        for (int a = 1; a <= 1000; a++) {
            assertThat(at.file(a)).isEqualTo(a);
            assertThat(at.size(a)).isEqualTo(a);
            assertThat(at.alignment(a)).isEqualTo(1L << (a % 8));
            assertThat(at.source[a]).isEqualTo(a * 3);
            assertThat((int) at.section[a]).isEqualTo(a % 300);
            assertThat(at.relCount(a)).isEqualTo(a % 7);
            assertThat(at.relStart[a]).isEqualTo(a * 11);
            assertThat(at.kind(a)).isEqualTo(SymbolKind.DATA);
        }
    }

    @Test
    void fileIndicesBeyond16BitsAreKept() {
        AtomTable at = new AtomTable(4);
        int near = at.add(65_534, SymbolKind.TEXT, 1, 1, 0);
        int edge = at.add(65_535, SymbolKind.TEXT, 1, 1, 0);
        int far = at.add(1_000_000, SymbolKind.TEXT, 1, 1, 0);
        assertThat(at.file(near)).isEqualTo(65_534);
        assertThat(at.file(edge)).isEqualTo(65_535);
        assertThat(at.file(far)).isEqualTo(1_000_000);
    }
}
