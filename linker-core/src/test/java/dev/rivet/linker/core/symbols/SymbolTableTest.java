package dev.rivet.linker.core.symbols;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The name table of {@link SymbolTable}: interning, growth, statics and tombstones. */
class SymbolTableTest {
    private final SymbolTable t = new SymbolTable(16);

    @Test
    void internGivesOneIndexPerNameAndIndicesStartAtOne() {
        int a = t.lookupOrCreate("a");
        int b = t.lookupOrCreate("b");
        assertThat(a).isEqualTo(1);
        assertThat(b).isEqualTo(2);
        assertThat(t.lookupOrCreate("a")).isEqualTo(a);
        assertThat(t.lookup("b")).isEqualTo(b);
        assertThat(t.lookup("c")).isZero();
        assertThat(t.count).isEqualTo(3);
    }

    @Test
    void internFromBytesMatchesInternFromString() {
        byte[] buf = "xxhelloyy".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        int s = t.intern(buf, 2, 5);
        assertThat(t.lookup("hello")).isEqualTo(s);
        assertThat(t.name(s)).isEqualTo("hello");
        assertThat(t.nameLength(s)).isEqualTo(5);
        byte[] copy = new byte[7];
        t.copyName(s, copy, 1);
        assertThat(new String(copy, 1, 5, java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("hello");
        java.nio.ByteBuffer out = java.nio.ByteBuffer.allocateDirect(8);
        t.putName(s, out, 3);
        assertThat(out.get(2)).isZero();
        assertThat(java.nio.charset.StandardCharsets.UTF_8.decode(out.slice(3, 5)).toString()).isEqualTo("hello");
    }

    @Test
    void newSymbolsAreUndefinedAndOwnedByNoFile() {
        int s = t.lookupOrCreate("u");
        assertThat(t.isDefined(s)).isFalse();
        assertThat(t.owner(s)).isNull();
        assertThat(t.atom(s)).isZero();
        assertThat(t.size(s)).isZero();
    }

    @Test
    void manyInsertsAreAllFoundWithTheirOwnNames() {
        int n = 50_000;
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = t.lookupOrCreate("sym_" + i);
        }
        for (int i = 0; i < n; i++) {
            assertThat(t.lookup("sym_" + i)).isEqualTo(idx[i]);
            assertThat(t.name(idx[i])).isEqualTo("sym_" + i);
        }
        assertThat(t.count).isEqualTo(n + 1);
        assertThat(t.lookup("sym_" + n)).isZero();
    }

    @Test
    void longNamesSpanningArenaChunksRoundTrip() {
        String big = "n".repeat(400_000); // larger than a quarter arena chunk
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(t.lookupOrCreate(big + i));
        }
        for (int i = 0; i < 5; i++) {
            assertThat(t.lookup(big + i)).isEqualTo(ids.get(i));
            assertThat(t.name(ids.get(i))).isEqualTo(big + i);
        }
    }

    @Test
    void staticSymbolsHaveIndicesButAreNotInTheNameTable() {
        int g = t.lookupOrCreate("x");
        int s1 = t.createStatic("x");
        int s2 = t.createStatic("x");
        assertThat(new int[] {g, s1, s2}).doesNotHaveDuplicates();
        assertThat(t.lookup("x")).isEqualTo(g);
        assertThat(t.isStatic.get(s1)).isTrue();
        assertThat(t.isStatic.get(g)).isFalse();
        assertThat(t.name(s2)).isEqualTo("x");
    }

    @Test
    void makeStaticRemovesOnlyThatName() {
        int a = t.lookupOrCreate("a");
        int b = t.lookupOrCreate("b");
        t.makeStatic(a);
        assertThat(t.lookup("a")).isZero();
        assertThat(t.lookup("b")).isEqualTo(b);
        assertThat(t.name(a)).isEqualTo("a");
        assertThat(t.isStatic.get(a)).isTrue();
        t.makeStatic(a); // twice is harmless
        assertThat(t.lookup("b")).isEqualTo(b);
    }

    @Test
    void reinterningARemovedNameGivesANewIndex() {
        int a = t.lookupOrCreate("a");
        t.makeStatic(a);
        int again = t.lookupOrCreate("a");
        assertThat(again).isNotEqualTo(a);
        assertThat(t.lookup("a")).isEqualTo(again);
        assertThat(t.isStatic.get(again)).isFalse();
    }

    @Test
    void lookupsSurviveManyRemovalsAndReinsertions() {
        // Remove every other name, then keep inserting, so that probe sequences run over
        // tombstones, tombstones are reused, and the table is rehashed several times.
        Map<String, Integer> live = new HashMap<>();
        List<Integer> removed = new ArrayList<>();
        for (int round = 0; round < 20; round++) {
            for (int i = 0; i < 2_000; i++) {
                String name = "r" + round + "_" + i;
                live.put(name, t.lookupOrCreate(name));
            }
            for (int i = 0; i < 2_000; i += 2) {
                String name = "r" + round + "_" + i;
                int s = live.remove(name);
                t.makeStatic(s);
                removed.add(s);
            }
        }
        for (Map.Entry<String, Integer> e : live.entrySet()) {
            assertThat(t.lookup(e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
        }
        for (int s : removed) {
            assertThat(t.lookup(t.name(s))).isZero();
            assertThat(t.isStatic.get(s)).isTrue();
        }
        // Re-interning removed names makes new symbols; the survivors are still found.
        int n = t.count;
        for (int s : removed.subList(0, 500)) {
            int again = t.lookupOrCreate(t.name(s));
            assertThat(again).isGreaterThanOrEqualTo(n);
        }
        for (Map.Entry<String, Integer> e : live.entrySet()) {
            assertThat(t.lookup(e.getKey())).isEqualTo(e.getValue());
        }
    }

    @Test
    void removingAndReaddingForeverDoesNotFillTheTable() {
        // Each round leaves one tombstone; without rehashing in place, lookups of absent names
        // would eventually find no empty slot and never end.
        for (int i = 0; i < 100_000; i++) {
            t.makeStatic(t.lookupOrCreate("churn" + i));
        }
        assertThat(t.lookup("absent")).isZero();
        int s = t.lookupOrCreate("present");
        assertThat(t.lookup("present")).isEqualTo(s);
    }

    @Test
    void filesAreNumberedFromOne() {
        PayloadFile p = new PayloadFile(new AtomTable(16));
        PayloadFile q = new PayloadFile(new AtomTable(16));
        assertThat(t.addFile(p)).isEqualTo(1);
        assertThat(t.addFile(q)).isEqualTo(2);
        assertThat(p.index).isEqualTo(1);
        assertThat(t.file(2)).isSameAs(q);
        assertThat(t.fileCount()).isEqualTo(3);
        assertThat(t.files()).containsExactly(p, q);
        for (int i = 0; i < 20; i++) {
            t.addFile(new PayloadFile(new AtomTable(16)));
        }
        assertThat(t.fileCount()).isEqualTo(23);
        assertThat(t.file(1)).isSameAs(p);
    }

    @Test
    void aStaticNamedInItsFileReadsItsNameThereAndKeepsItWhenMovedToAnotherFile() {
        java.nio.ByteBuffer data = java.nio.ByteBuffer.wrap(".text.mainXX".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        AtomTable atoms = new AtomTable(16);
        ObjectFile obj = new ObjectFile("a.o", data, atoms);
        ObjectFile other = new ObjectFile("b.o", java.nio.ByteBuffer.allocate(4), atoms);
        t.addFile(obj);
        t.addFile(other);
        obj.addSymbol(dev.rivet.linker.SymbolKind.TEXT, InputFile.LOCAL, 0, 0, 0);
        other.addSymbol(dev.rivet.linker.SymbolKind.TEXT, InputFile.LOCAL, 0, 0, 0);
        int s = t.createStaticInFile(0, 10, ByteHash.of(data, 0, 10));
        t.take(s, obj, 0);
        assertThat(t.name(s)).isEqualTo(".text.main");
        assertThat(t.nameLength(s)).isEqualTo(10);
        byte[] copy = new byte[12];
        t.copyName(s, copy, 2);
        assertThat(new String(copy, 2, 10, java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(".text.main");
        java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(12);
        t.putName(s, out, 1);
        assertThat(java.nio.charset.StandardCharsets.UTF_8.decode(out.slice(1, 10)).toString()).isEqualTo(".text.main");
        assertThat(out.position()).as("an absolute copy").isZero();
        assertThat(t.lookup(".text.main")).as("statics are not in the name table").isZero();
        // Moved to a file whose bytes do not hold the name: the name is copied first.
        t.take(s, other, 0);
        data.put(0, (byte) 'X');
        assertThat(t.name(s)).isEqualTo(".text.main");
    }

    @Test
    void namesOf64KiBAndMoreAreInternedAndReadBack() {
        String edge = "e".repeat(65_535);
        String longer = "x".repeat(70_000);
        String longerToo = "x".repeat(69_999) + "y";
        int e = t.lookupOrCreate(edge);
        int l = t.lookupOrCreate(longer);
        int l2 = t.lookupOrCreate(longerToo);
        assertThat(l).isNotEqualTo(l2);
        assertThat(t.lookupOrCreate(longer)).isEqualTo(l);
        assertThat(t.lookup(edge)).isEqualTo(e);
        assertThat(t.nameLength(e)).isEqualTo(65_535);
        assertThat(t.nameLength(l)).isEqualTo(70_000);
        assertThat(t.name(l2)).isEqualTo(longerToo);
        byte[] copy = new byte[70_002];
        t.copyName(l, copy, 2);
        assertThat(new String(copy, 2, 70_000, java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(longer);
        java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(70_001);
        t.putName(l2, out, 1);
        assertThat(java.nio.charset.StandardCharsets.UTF_8.decode(out.slice(1, 70_000)).toString()).isEqualTo(longerToo);
    }
}
