package dev.rivet.linker.core.symbols;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@link GroupSignatures}: a set of byte strings looked up in place, checked against
 * {@link HashSet} through growth.
 */
class GroupSignaturesTest {
    /** The signature at an offset in a larger buffer, as in a mapped object's string table. */
    private record InPlace(ByteBuffer buf, int off, int len) {
        static InPlace of(String s, int padding) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            ByteBuffer buf = ByteBuffer.allocate(padding + b.length + 1).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < padding; i++) {
                buf.put(i, (byte) 'x');
            }
            buf.put(padding, b);
            return new InPlace(buf, padding, b.length);
        }

        int hash() {
            return ByteHash.of(buf, off, len);
        }
    }

    private static boolean add(GroupSignatures g, String s, int padding) {
        InPlace p = InPlace.of(s, padding);
        return g.add(p.buf(), p.off(), p.len(), p.hash());
    }

    private static boolean contains(GroupSignatures g, String s, int padding) {
        InPlace p = InPlace.of(s, padding);
        return g.contains(p.buf(), p.off(), p.len(), p.hash());
    }

    @Test
    void addsEachSignatureOnceAndFindsItAfterGrowth() {
        GroupSignatures g = new GroupSignatures();
        Set<String> reference = new HashSet<>();
        Random r = new Random(7);
        for (int i = 0; i < 20_000; i++) {
            String s = "_ZN4llvm" + r.nextInt(15_000) + "Ev";
            assertThat(add(g, s, r.nextInt(9))).isEqualTo(reference.add(s));
        }
        assertThat(g.size()).isEqualTo(reference.size());
        for (int i = 0; i < 16_000; i++) {
            String s = "_ZN4llvm" + i + "Ev";
            assertThat(contains(g, s, i % 11)).isEqualTo(reference.contains(s));
        }
        // A prefix, or the same bytes and more, is another signature.
        assertThat(contains(g, "_ZN4llvm1", 0)).isFalse();
        assertThat(contains(g, "_ZN4llvm1Ev_", 0)).isFalse();
        assertThat(contains(g, "", 0)).isFalse();
        assertThat(add(g, "", 3)).isTrue();
        assertThat(contains(g, "", 5)).isTrue();
    }

    @Test
    void anAddedSignatureIsCopiedNotKeptInPlace() {
        GroupSignatures g = new GroupSignatures();
        InPlace p = InPlace.of("_ZN4llvm5TwineEv", 4);
        int hash = p.hash();
        assertThat(g.add(p.buf(), p.off(), p.len(), hash)).isTrue();
        p.buf().put(p.off(), (byte) 'Q'); // the input's bytes change (or are unmapped)
        assertThat(contains(g, "_ZN4llvm5TwineEv", 0)).isTrue();
    }

    @Test
    void containsWhileAnotherThreadAddsNeverAnswersYesWronglyAndEnds() throws Exception {
        // Inputs are parsed (contains) while earlier ones are bound (add), through many growths.
        GroupSignatures g = new GroupSignatures();
        int n = 200_000;
        InPlace[] added = new InPlace[n];
        InPlace[] never = new InPlace[n];
        for (int i = 0; i < n; i++) {
            added[i] = InPlace.of("_ZN4llvm" + i + "Ev", i % 7);
            never[i] = InPlace.of("_ZN4llvm" + (n + i) + "Ev", i % 5);
        }
        java.util.concurrent.atomic.AtomicInteger addedSoFar = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger wrongYes = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger yes = new java.util.concurrent.atomic.AtomicInteger();
        Thread reader = new Thread(() -> {
            Random r = new Random(3);
            for (int round = 0; round < 1000 || addedSoFar.get() < n; round++) {
                int i = r.nextInt(n);
                InPlace a = added[i];
                if (g.contains(a.buf(), a.off(), a.len(), a.hash())) {
                    yes.incrementAndGet(); // a no here is allowed: a missed signature costs only decoding
                }
                InPlace x = never[i];
                if (g.contains(x.buf(), x.off(), x.len(), x.hash())) {
                    wrongYes.incrementAndGet(); // never added
                }
            }
        });
        java.util.concurrent.atomic.AtomicReference<Throwable> readerFailure = new java.util.concurrent.atomic.AtomicReference<>();
        reader.setUncaughtExceptionHandler((t, e) -> readerFailure.set(e));
        reader.start();
        for (int i = 0; i < n; i++) {
            InPlace a = added[i];
            assertThat(g.add(a.buf(), a.off(), a.len(), a.hash())).isTrue();
            addedSoFar.set(i + 1);
        }
        reader.join(60_000);
        assertThat(reader.isAlive()).isFalse();
        assertThat(readerFailure.get()).isNull();
        assertThat(wrongYes.get()).isZero();
        assertThat(yes.get()).as("the reader saw additions").isPositive();
        for (InPlace a : added) {
            assertThat(g.contains(a.buf(), a.off(), a.len(), a.hash())).isTrue();
        }
    }
}
