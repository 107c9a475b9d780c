package dev.rivet.linker.core.symbols;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@link GroupSignatures}: a set of strings, checked against {@link HashSet} through growth. */
class GroupSignaturesTest {
    @Test
    void addsEachSignatureOnceAndFindsItAfterGrowth() {
        GroupSignatures g = new GroupSignatures();
        Set<String> reference = new HashSet<>();
        Random r = new Random(7);
        for (int i = 0; i < 20_000; i++) {
            String s = "_ZN4llvm" + r.nextInt(15_000) + "Ev";
            assertThat(g.add(s)).isEqualTo(reference.add(s));
        }
        assertThat(g.size()).isEqualTo(reference.size());
        for (int i = 0; i < 16_000; i++) {
            String s = "_ZN4llvm" + i + "Ev";
            assertThat(g.contains(s)).isEqualTo(reference.contains(s));
        }
        assertThat(g.contains("")).isFalse();
        assertThat(g.add("")).isTrue();
        assertThat(g.contains("")).isTrue();
    }
}
