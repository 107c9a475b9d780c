package dev.rivet.linker.core.symbols;

import static dev.rivet.linker.testing.FlatTestFormat.read;
import static dev.rivet.linker.testing.FlatTestFormat.readLong;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rivet.linker.LinkException;
import dev.rivet.linker.LinkOptions;
import dev.rivet.linker.LinkResult;
import dev.rivet.linker.Linker;
import dev.rivet.linker.Loader;
import dev.rivet.linker.SymbolKind;
import dev.rivet.linker.Target;
import dev.rivet.linker.testing.FlatTestFormat;
import org.junit.jupiter.api.Test;

/** Builder-made symbols through the {@link dev.rivet.linker.Loader} API of {@link SymbolLoader}. */
class SymbolLoaderTest {
    private static final byte[] A = {1, 2, 3, 4, 5, 6, 7, 8};
    private static final byte[] B = {9, 10, 11, 12};

    private Linker linker = Linker.create(Target.X86_64_LINUX, LinkOptions.builder().threads(1).build());
    private final Loader ld = linker.loader();

    private void startPointingAt(int... targets) {
        ld.define("_start", SymbolKind.TEXT, b -> {
            for (int t : targets) {
                b.addAddress(t, 0);
            }
        });
    }

    @Test
    void defineThenLookupGivesTheSameIndex() {
        int s = ld.define("table", SymbolKind.RODATA, b -> b.bytes(A));
        assertThat(s).isPositive();
        assertThat(ld.lookup("table")).isEqualTo(s);
        assertThat(ld.lookupOrCreate("table")).isEqualTo(s);
        assertThat(ld.lookup("no_such_symbol")).isZero();
    }

    @Test
    void lookupOrCreateMakesAnUndefinedSymbolThatALaterDefineFills() {
        int before = ld.symbolCount();
        int s = ld.lookupOrCreate("later");
        assertThat(ld.symbolCount()).isEqualTo(before + 1);
        assertThat(ld.isDefined(s)).isFalse();
        assertThat(ld.kind(s)).isEqualTo(SymbolKind.UNDEFINED);
        assertThat(ld.size(s)).isZero();
        assertThat(ld.lookupOrCreate("later")).isEqualTo(s);

        assertThat(ld.define("later", SymbolKind.DATA, b -> b.bytes(A))).isEqualTo(s);
        assertThat(ld.isDefined(s)).isTrue();
        assertThat(ld.symbolCount()).isEqualTo(before + 1);
    }

    @Test
    void emptyNamesAreRejected() {
        assertThatThrownBy(() -> ld.lookupOrCreate("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ld.createStatic("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ld.define("", SymbolKind.DATA, b -> { })).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void definingAsUndefinedIsRejected() {
        assertThatThrownBy(() -> ld.define("x", SymbolKind.UNDEFINED, b -> { }))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("x");
        assertThatThrownBy(() -> ld.define("y", SymbolKind.DATA, b -> b.kind(SymbolKind.UNDEFINED)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void createStaticGivesANewLocalSymbolEveryTime() {
        int a = ld.createStatic("tmp");
        int b = ld.createStatic("tmp");
        assertThat(a).isNotEqualTo(b);
        assertThat(ld.isLocal(a)).isTrue();
        assertThat(ld.isLocal(b)).isTrue();
        assertThat(ld.isDefined(a)).isFalse();
        assertThat(ld.name(a)).isEqualTo("tmp");
        assertThat(ld.lookup("tmp")).isZero();

        ld.update(a, bb -> bb.kind(SymbolKind.RODATA).bytes(A));
        assertThat(ld.isDefined(a)).isTrue();
        assertThat(ld.isDefined(b)).isFalse();
        assertThat(ld.isLocal(a)).isTrue();
        assertThat(ld.lookup("tmp")).isZero();
    }

    @Test
    void localRemovesTheNameButKeepsTheIndexValid() {
        int helper = ld.define("helper", SymbolKind.RODATA, b -> b.local().bytes(A));
        assertThat(ld.lookup("helper")).isZero();
        assertThat(ld.isLocal(helper)).isTrue();
        assertThat(ld.name(helper)).isEqualTo("helper");
        assertThat(ld.isDefined(helper)).isTrue();
        assertThat(ld.size(helper)).isEqualTo(8);

        startPointingAt(helper);
        LinkResult r = linker.linkToMemory();
        long addr = ld.address(helper);
        assertThat(readLong(r.bytes(), ld.address(ld.lookup("_start")))).isEqualTo(addr);
        assertThat(read(r.bytes(), addr, 8)).containsExactly(A);
        assertThat(r.address("helper")).isEmpty();

        // The name is free again: a new definition is a different symbol.
        int again = ld.define("helper", SymbolKind.RODATA, b -> b.bytes(B));
        assertThat(again).isNotEqualTo(helper);
        assertThat(ld.lookup("helper")).isEqualTo(again);
        assertThat(ld.size(helper)).isEqualTo(8);
    }

    @Test
    void dupokDefinitionLosesToTheFirst() {
        int first = ld.define("once", SymbolKind.RODATA, b -> b.dupok().bytes(A));
        int second = ld.define("once", SymbolKind.RODATA, b -> b.dupok().bytes(B));
        assertThat(second).isEqualTo(first);
        assertThat(ld.size(first)).isEqualTo(A.length);

        startPointingAt(first);
        assertThat(read(linker.linkToMemory().bytes(), ld.address(first), 8)).containsExactly(A);
    }

    @Test
    void strictDupokRejectsDifferentBuilderContents() {
        linker = Linker.create(Target.X86_64_LINUX, LinkOptions.builder().strictDupok(true).build());
        Loader l = linker.loader();
        l.define("once", SymbolKind.RODATA, b -> b.dupok().bytes(A));
        assertThatThrownBy(() -> l.define("once", SymbolKind.RODATA, b -> b.dupok().bytes(B)))
                .isInstanceOf(LinkException.class).hasMessageContaining("once");
        l.define("twice", SymbolKind.RODATA, b -> b.dupok().bytes(A));
        l.define("twice", SymbolKind.RODATA, b -> b.dupok().bytes(A.clone()));
    }

    @Test
    void strictDupokAcceptsTwoEmptyDefinitions() {
        linker = Linker.create(Target.X86_64_LINUX, LinkOptions.builder().strictDupok(true).build());
        Loader l = linker.loader();
        int s = l.define("marker", SymbolKind.RODATA, b -> b.dupok());
        assertThat(l.define("marker", SymbolKind.RODATA, b -> b.dupok())).isEqualTo(s);
    }

    @Test
    void duplicateBuilderDefinitionsThrowAndKeepTheFirst() {
        int s = ld.define("main", SymbolKind.TEXT, b -> b.bytes(A));
        assertThatThrownBy(() -> ld.define("main", SymbolKind.TEXT, b -> b.bytes(B)))
                .isInstanceOf(LinkException.class)
                .hasMessageContaining("duplicate symbol: main");
        assertThat(ld.size(s)).isEqualTo(A.length);

        startPointingAt(s);
        LinkResult r = linker.linkToMemory();
        assertThat(read(r.bytes(), ld.address(s), 8)).containsExactly(A);
    }

    @Test
    void dataDefinitionOverridesAnEarlierBss() {
        int s = ld.define("buf", SymbolKind.BSS, b -> b.size(64));
        assertThat(ld.kind(s)).isEqualTo(SymbolKind.BSS);
        assertThat(ld.define("buf", SymbolKind.DATA, b -> b.bytes(A))).isEqualTo(s);
        assertThat(ld.kind(s)).isEqualTo(SymbolKind.DATA);
        assertThat(ld.size(s)).isEqualTo(8);

        startPointingAt(s);
        LinkResult r = linker.linkToMemory();
        assertThat(read(r.bytes(), ld.address(s), 8)).containsExactly(A);
        assertThat(r.statistics().liveAtoms()).as("the BSS atom is not output").isEqualTo(2);
    }

    @Test
    void bssDefinitionDoesNotOverrideEarlierData() {
        int s = ld.define("buf", SymbolKind.DATA, b -> b.bytes(A));
        assertThat(ld.define("buf", SymbolKind.BSS, b -> b.size(64))).isEqualTo(s);
        assertThat(ld.kind(s)).isEqualTo(SymbolKind.DATA);
        assertThat(ld.size(s)).isEqualTo(8);
    }

    @Test
    void updateKeepsTheIndexAndReplacesTheContent() {
        int s = ld.define("v", SymbolKind.DATA, b -> b.bytes(A));
        int user = ld.define("user", SymbolKind.DATA, b -> b.addAddress(s, 0));
        ld.update(s, b -> {
            assertThat(b.symbol()).isEqualTo(s);
            b.addBytes(B); // appended to the current content
        });
        assertThat(ld.lookup("v")).isEqualTo(s);
        assertThat(ld.size(s)).isEqualTo(12);

        startPointingAt(user);
        byte[] out = linker.linkToMemory().bytes();
        assertThat(readLong(out, ld.address(user))).isEqualTo(ld.address(s));
        assertThat(read(out, ld.address(s), 12)).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12);
    }

    @Test
    void updateOfUndefinedSymbolDefinesIt() {
        int s = ld.lookupOrCreate("filled_later");
        ld.update(s, b -> b.kind(SymbolKind.RODATA).bytes(B));
        assertThat(ld.isDefined(s)).isTrue();
        assertThat(ld.kind(s)).isEqualTo(SymbolKind.RODATA);
        assertThat(ld.size(s)).isEqualTo(4);
    }

    @Test
    void updateOfUnknownSymbolIsRejected() {
        assertThatThrownBy(() -> ld.update(ld.symbolCount() + 1, b -> { })).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ld.update(0, b -> { })).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void accessorsDescribeTheDefinition() {
        int d = ld.define("d", SymbolKind.RODATA, b -> b.bytes(A));
        int z = ld.define("z", SymbolKind.BSS, b -> b.size(100));
        int u = ld.lookupOrCreate("u");
        assertThat(ld.name(d)).isEqualTo("d");
        assertThat(ld.kind(d)).isEqualTo(SymbolKind.RODATA);
        assertThat(ld.size(d)).isEqualTo(8);
        assertThat(ld.isDefined(d)).isTrue();
        assertThat(ld.isLocal(d)).isFalse();
        assertThat(ld.kind(z)).isEqualTo(SymbolKind.BSS);
        assertThat(ld.size(z)).isEqualTo(100);
        assertThat(ld.name(u)).isEqualTo("u");
        assertThat(ld.isDefined(u)).isFalse();
        assertThat(ld.kind(u)).isEqualTo(SymbolKind.UNDEFINED);
        assertThatThrownBy(() -> ld.name(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ld.kind(ld.symbolCount() + 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ld.keep(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void nonAsciiNamesRoundTrip() {
        int s = ld.define("π_größe_名前", SymbolKind.RODATA, b -> b.bytes(A));
        assertThat(ld.name(s)).isEqualTo("π_größe_名前");
        assertThat(ld.lookup("π_größe_名前")).isEqualTo(s);
    }

    @Test
    void addressBeforeAnyLinkIsAnIllegalState() {
        int s = ld.define("v", SymbolKind.DATA, b -> b.bytes(A));
        assertThatThrownBy(() -> ld.address(s)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void addressAfterALinkIsTheLaidOutAddress() {
        int v = ld.define("v", SymbolKind.DATA, b -> b.alignment(16).bytes(A));
        int abs = ld.define("abs", SymbolKind.ABSOLUTE, b -> b.value(0x1234_5678L));
        startPointingAt(v, abs);
        LinkResult r = linker.linkToMemory();
        long addr = ld.address(v);
        assertThat(r.address("v")).hasValue(addr);
        assertThat(addr % 16).isZero();
        assertThat(addr).isGreaterThanOrEqualTo(FlatTestFormat.BASE).isLessThan(FlatTestFormat.BASE + r.size());
        assertThat(read(r.bytes(), addr, 8)).containsExactly(A);
        assertThat(ld.address(abs)).isEqualTo(0x1234_5678L);
        int start = ld.lookup("_start");
        assertThat(readLong(r.bytes(), ld.address(start) + 8)).isEqualTo(0x1234_5678L);
        assertThat(r.entryAddress()).isEqualTo(ld.address(start));
    }

    @Test
    void addressOfUndefinedOrNewSymbolAfterALinkIsAnIllegalState() {
        startPointingAt();
        linker.linkToMemory();
        int u = ld.lookupOrCreate("never_defined");
        assertThatThrownBy(() -> ld.address(u)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("never_defined");
    }

    @Test
    void handlesStayValidAcrossLinks() {
        int v = ld.define("v", SymbolKind.DATA, b -> b.bytes(A));
        startPointingAt(v);
        linker.linkToMemory();
        long first = ld.address(v);
        ld.define("more", SymbolKind.TEXT, b -> b.bytes(new byte[100]));
        ld.keep(ld.lookup("more"));
        linker.linkToMemory();
        assertThat(ld.lookup("v")).isEqualTo(v);
        assertThat(ld.address(v)).isNotEqualTo(first); // .text grew in front of .data
    }


    @Test
    void localDefinitionOfANameOthersReferToGetsItsOwnSymbol() {
        int ext = ld.lookupOrCreate("helper");                        // one unit refers to an extern helper
        int st = ld.define("helper", SymbolKind.TEXT, b -> {           // another has a static helper
            b.addUint8(0xc3);
            b.addAddress(b.symbol(), 0);                                // a reference to itself
            b.local();
        });
        assertThat(st).isNotEqualTo(ext);
        assertThat(ld.isLocal(st)).isTrue();
        assertThat(ld.isLocal(ext)).isFalse();
        assertThat(ld.isDefined(ext)).isFalse();
        assertThat(ld.lookup("helper")).isEqualTo(ext);
        int global = ld.define("helper", SymbolKind.TEXT, b -> b.addUint8(0x90)); // and a third the real one
        assertThat(global).isEqualTo(ext);
        startPointingAt(ext, st);
        byte[] image = linker.linkToMemory().bytes();
        long stAddr = ld.address(st);
        assertThat(ld.address(ext)).isNotEqualTo(stAddr);
        assertThat(readLong(image, stAddr + 1)).as("the static helper's self-reference").isEqualTo(stAddr);
    }

    @Test
    void codeIsAlignedForTheArchitectureUnlessTheBuilderChooses() {
        for (Target t : new Target[] {Target.X86_64_LINUX, Target.AARCH64_LINUX}) {
            Linker l = Linker.create(t, LinkOptions.builder().threads(1).build());
            Loader x = l.loader();
            x.define("odd", SymbolKind.TEXT, b -> b.addBytes(new byte[] {1, 2, 3}));
            int f = x.define("f", SymbolKind.TEXT, b -> b.addUint32(0));
            int g = x.define("g", SymbolKind.TEXT, b -> b.alignment(2).addUint32(0));
            x.define("_start", SymbolKind.TEXT, b -> {
                b.addAddress(f, 0);
                b.addAddress(g, 0);
            });
            x.keep(x.lookup("odd"));
            l.linkToMemory();
            int want = t == Target.X86_64_LINUX ? 16 : 4;
            assertThat(x.address(f) % want).as("%s default", t).isZero();
            assertThat(x.address(x.lookup("_start")) % want).isZero();
            assertThat(x.address(g) % 2).isZero();
        }
    }

    @Test
    void generatorsAndRelocationsNeedAKindWithBytes() {
        int t = ld.define("t", SymbolKind.DATA, b -> b.addUint8(1));
        assertThatThrownBy(() -> ld.define("g", SymbolKind.BSS, b -> b.generator(8, out -> { })))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'g' is BSS");
        assertThatThrownBy(() -> ld.define("a", SymbolKind.ABSOLUTE, b -> b.generator(8, out -> { })))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'a' is ABSOLUTE");
        assertThatThrownBy(() -> ld.define("r", SymbolKind.BSS, b -> b.size(8).relocation(0, dev.rivet.linker.RelocationKind.ABSOLUTE_64, t, 0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no bytes for relocations");
    }
}
