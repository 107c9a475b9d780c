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

    @Test
    void containsWhileAnotherThreadAddsNeverAnswersYesWronglyAndEnds() throws Exception {
        // Inputs are parsed (contains) while earlier ones are bound (add), through many growths.
        GroupSignatures g = new GroupSignatures();
        int n = 200_000;
        String[] added = new String[n];
        for (int i = 0; i < n; i++) {
            added[i] = "_ZN4llvm" + i + "Ev";
        }
        java.util.concurrent.atomic.AtomicInteger addedSoFar = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger wrongYes = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger yes = new java.util.concurrent.atomic.AtomicInteger();
        Thread reader = new Thread(() -> {
            Random r = new Random(3);
            for (int round = 0; round < 1000 || addedSoFar.get() < n; round++) {
                int i = r.nextInt(n);
                if (g.contains(added[i])) {
                    yes.incrementAndGet(); // a no here is allowed: a missed signature costs only decoding
                }
                if (g.contains("never" + i) || g.contains("_ZN4llvm" + (n + i) + "Ev")) {
                    wrongYes.incrementAndGet(); // never added
                }
            }
        });
        java.util.concurrent.atomic.AtomicReference<Throwable> readerFailure = new java.util.concurrent.atomic.AtomicReference<>();
        reader.setUncaughtExceptionHandler((t, e) -> readerFailure.set(e));
        reader.start();
        for (int i = 0; i < n; i++) {
            assertThat(g.add(added[i])).isTrue();
            addedSoFar.set(i + 1);
        }
        reader.join(60_000);
        assertThat(reader.isAlive()).isFalse();
        assertThat(readerFailure.get()).isNull();
        assertThat(wrongYes.get()).isZero();
        assertThat(yes.get()).as("the reader saw additions").isPositive();
        for (String s : added) {
            assertThat(g.contains(s)).isTrue();
        }
    }
}
