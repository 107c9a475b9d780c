package dev.rivet.linker.core.passes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rivet.linker.LinkOptions;
import dev.rivet.linker.LinkResult;
import dev.rivet.linker.Linker;
import dev.rivet.linker.Loader;
import dev.rivet.linker.RelocationKind;
import dev.rivet.linker.SymbolKind;
import dev.rivet.linker.Target;
import dev.rivet.linker.core.CoreLinker;
import dev.rivet.linker.core.arch.X86_64;
import dev.rivet.linker.testing.TestObject;
import org.junit.jupiter.api.Test;

/** {@link DeadStrip}: what the roots reach is kept, the rest is dropped. */
class DeadStripTest {
    private static Linker linker(boolean deadStrip) {
        return Linker.create(Target.X86_64_LINUX, LinkOptions.builder().threads(1).deadStrip(deadStrip).build());
    }

    private static int data(Loader ld, String name, int... refs) {
        return ld.define(name, SymbolKind.DATA, b -> {
            b.addUint64(0x1111);
            for (int r : refs) {
                b.addAddress(r, 0);
            }
        });
    }

    @Test
    void unreferencedSymbolsAreDropped() {
        Linker l = linker(true);
        Loader ld = l.loader();
        int unused = data(ld, "unused");
        int start = ld.define("_start", SymbolKind.TEXT, b -> b.addUint8(0xc3));

        LinkResult r = l.linkToMemory();
        assertThat(r.statistics().liveAtoms()).isEqualTo(1);
        assertThat(r.statistics().deadAtoms()).isEqualTo(1);
        assertThat(r.address("unused")).isEmpty();
        assertThat(r.address("_start")).hasValue(ld.address(start));
        assertThatThrownBy(() -> ld.address(unused)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("unused");
        assertThat(r.size()).isEqualTo(1);
    }

    @Test
    void referencedChainsAreKept() {
        Linker l = linker(true);
        Loader ld = l.loader();
        int c = data(ld, "c");
        int b = data(ld, "b", c);
        int a = data(ld, "a", b);
        data(ld, "orphan", a); // refers into the chain but nothing refers to it
        ld.define("_start", SymbolKind.TEXT, bb -> bb.addAddress(a, 0));

        LinkResult r = l.linkToMemory();
        assertThat(r.statistics().liveAtoms()).isEqualTo(4);
        assertThat(r.statistics().deadAtoms()).isEqualTo(1);
        assertThat(r.address("a")).isPresent();
        assertThat(r.address("b")).isPresent();
        assertThat(r.address("c")).isPresent();
        assertThat(r.address("orphan")).isEmpty();
    }

    @Test
    void cyclesUnreachableFromTheRootsAreDropped() {
        Linker l = linker(true);
        Loader ld = l.loader();
        int x = ld.lookupOrCreate("x");
        int y = data(ld, "y", x);
        data(ld, "x", y);
        ld.define("_start", SymbolKind.TEXT, bb -> bb.addUint8(0xc3));

        LinkResult r = l.linkToMemory();
        assertThat(r.address("x")).isEmpty();
        assertThat(r.address("y")).isEmpty();
        assertThat(r.statistics().liveAtoms()).isEqualTo(1);
    }

    @Test
    void keptSymbolsAreRoots() {
        Linker l = linker(true);
        Loader ld = l.loader();
        int leaf = data(ld, "leaf");
        int root = data(ld, "exported", leaf);
        data(ld, "other");
        ld.define("_start", SymbolKind.TEXT, bb -> bb.addUint8(0xc3));
        ld.keep(root);

        LinkResult r = l.linkToMemory();
        assertThat(r.address("exported")).isPresent();
        assertThat(r.address("leaf")).isPresent();
        assertThat(r.address("other")).isEmpty();
        assertThat(ld.address(leaf)).isEqualTo(r.address("leaf").getAsLong());
    }

    @Test
    void withoutDeadStrippingEverythingIsKept() {
        Linker l = linker(false);
        Loader ld = l.loader();
        data(ld, "unused1");
        data(ld, "unused2");
        ld.define("zeros", SymbolKind.BSS, b -> b.size(32));
        ld.define("_start", SymbolKind.TEXT, bb -> bb.addUint8(0xc3));

        LinkResult r = l.linkToMemory();
        assertThat(r.statistics().liveAtoms()).isEqualTo(4);
        assertThat(r.statistics().deadAtoms()).isZero();
        assertThat(r.address("unused1")).isPresent();
        assertThat(r.address("unused2")).isPresent();
        assertThat(r.address("zeros")).isPresent();
    }

    @Test
    void withoutDeadStrippingReplacedDefinitionsAreStillDropped() {
        Linker l = linker(false);
        Loader ld = l.loader();
        ld.define("once", SymbolKind.RODATA, b -> b.dupok().addUint32(1));
        ld.define("once", SymbolKind.RODATA, b -> b.dupok().addUint32(2));   // loses: discarded
        ld.define("buf", SymbolKind.BSS, b -> b.size(16));
        ld.define("buf", SymbolKind.DATA, b -> b.addUint64(3));               // replaces the BSS one
        ld.define("_start", SymbolKind.TEXT, bb -> bb.addUint8(0xc3));

        LinkResult r = l.linkToMemory();
        assertThat(r.statistics().liveAtoms()).isEqualTo(3);
        assertThat(r.statistics().deadAtoms()).isEqualTo(2);
    }

    @Test
    void withoutDeadStrippingAnAtomReplacedByAnAbsoluteValueIsDropped() {
        Linker l = linker(false);
        Loader ld = l.loader();
        int v = ld.define("v", SymbolKind.DATA, b -> b.addUint64(0x5555));
        ld.update(v, b -> b.kind(SymbolKind.ABSOLUTE).size(0).value(0x1000));
        ld.define("_start", SymbolKind.TEXT, bb -> bb.addUint8(0xc3));

        LinkResult r = l.linkToMemory();
        assertThat(r.address("v")).hasValue(0x1000);
        assertThat(r.statistics().liveAtoms()).isEqualTo(1);
        assertThat(r.size()).isEqualTo(1);
    }

    @Test
    void unreferencedSectionsOfAnObjectAreDropped() {
        Linker l = linker(true);
        TestObject o = TestObject.named("lib.o");
        int used = o.section(SymbolKind.TEXT, 4, new byte[] {1, 2, 3, 4});
        int unused = o.section(SymbolKind.TEXT, 4, new byte[] {5, 6, 7, 8});
        int ptrs = o.section(SymbolKind.DATA, 8, new byte[8]);
        o.define("used_fn", used, 0, 4, 0);
        o.define("unused_fn", unused, 0, 4, 0);
        int table = o.define("table", ptrs, 0, 8, 0);
        o.relocation(ptrs, 0, X86_64.ABS64, 0, 0); // table -> used_fn
        TestObject.Loaded lo = o.addTo(l);
        l.loader().define("_start", SymbolKind.TEXT, bb -> bb.addAddress(lo.global(table), 0));

        LinkResult r = l.linkToMemory();
        var atoms = ((CoreLinker) l).symbolLoader().atoms;
        assertThat(atoms.alive.get(lo.atom(used))).isTrue();
        assertThat(atoms.alive.get(lo.atom(ptrs))).isTrue();
        assertThat(atoms.alive.get(lo.atom(unused))).isFalse();
        assertThat(r.address("unused_fn")).isEmpty();
        assertThat(r.address("used_fn")).isPresent();
    }

    @Test
    void aSecondLinkRecomputesLiveness() {
        Linker l = linker(true);
        Loader ld = l.loader();
        int extra = data(ld, "extra");
        ld.define("_start", SymbolKind.TEXT, bb -> bb.addUint8(0xc3));
        assertThat(l.linkToMemory().address("extra")).isEmpty();
        ld.keep(extra);
        assertThat(l.linkToMemory().address("extra")).isPresent();
    }

    @Test
    void deadCodeMayReferToUndefinedSymbols() {
        Linker l = linker(true);
        Loader ld = l.loader();
        int missing = ld.lookupOrCreate("missing");
        ld.define("dead", SymbolKind.TEXT, b -> {
            b.addUint8(0xe8);
            b.relocation(b.addUint32(0), RelocationKind.BRANCH, missing, 0);
        });
        ld.define("_start", SymbolKind.TEXT, bb -> bb.addUint8(0xc3));
        assertThat(l.linkToMemory().address("dead")).isEmpty();
    }
}
