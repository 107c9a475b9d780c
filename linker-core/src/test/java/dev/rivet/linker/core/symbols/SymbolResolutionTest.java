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
import dev.rivet.linker.core.CoreLinker;
import dev.rivet.linker.core.arch.X86_64;
import dev.rivet.linker.testing.TestObject;
import org.junit.jupiter.api.Test;

/**
 * The file-facing rules of resolution ({@link SymbolTable#bind} through
 * {@link SymbolLoader#bindFileSymbols}): one global index per name, duplicates, dupok, weak,
 * BSS against data, statics, and updating a symbol that came from an object.
 */
class SymbolResolutionTest {
    private static final byte[] A = {1, 2, 3, 4, 5, 6, 7, 8};
    private static final byte[] B = {9, 10, 11, 12, 13, 14, 15, 16};

    private Linker linker = Linker.create(Target.X86_64_LINUX, LinkOptions.builder().threads(1).build());
    private Loader ld = linker.loader();

    private SymbolTable table() {
        return ((CoreLinker) linker).symbolLoader().symbols;
    }

    private static TestObject.Loaded defineData(Linker l, String file, String name, byte[] bytes, int flags) {
        TestObject o = TestObject.named(file);
        int sec = o.section(SymbolKind.DATA, 8, bytes);
        o.define(name, sec, 0, bytes.length, flags);
        return o.addTo(l);
    }

    /** Defines {@code _start} holding the address of {@code target}, so it is kept and its address visible. */
    private void startPointingAt(int target) {
        ld.define("_start", SymbolKind.TEXT, b -> b.addAddress(target, 0));
    }

    @Test
    void aNameMentionedByManyFilesHasOneGlobalIndex() {
        TestObject a = TestObject.named("a.o");
        int aRef = a.undefined("shared", 0);
        TestObject b = TestObject.named("b.o");
        int bSec = b.section(SymbolKind.DATA, 8, A);
        int bDef = b.define("shared", bSec, 0, 8, 0);
        TestObject c = TestObject.named("c.o");
        int cRef = c.undefined("shared", 0);
        int before = ld.symbolCount();

        TestObject.Loaded la = a.addTo(linker);
        TestObject.Loaded lb = b.addTo(linker);
        TestObject.Loaded lc = c.addTo(linker);

        int s = ld.lookup("shared");
        assertThat(s).isPositive();
        assertThat(la.global(aRef)).isEqualTo(s);
        assertThat(lb.global(bDef)).isEqualTo(s);
        assertThat(lc.global(cRef)).isEqualTo(s);
        assertThat(ld.symbolCount()).isEqualTo(before + 1);
        // The definition wins over the first reference, whatever the order.
        assertThat(table().owner(s)).isSameAs(lb.file());
        assertThat(ld.isDefined(s)).isTrue();
        assertThat(ld.kind(s)).isEqualTo(SymbolKind.DATA);
    }

    @Test
    void referenceFromObjectBindsToBuilderDefinitionWithTheSameIndex() {
        int s = ld.define("greeting", SymbolKind.RODATA, b -> b.bytes(A));
        TestObject o = TestObject.named("user.o");
        int ref = o.undefined("greeting", 0);
        TestObject.Loaded lo = o.addTo(linker);

        assertThat(lo.global(ref)).isEqualTo(s);
        assertThat(table().owner(s)).isInstanceOf(PayloadFile.class);
    }

    @Test
    void dupokFirstDefinitionWins() {
        TestObject.Loaded a = defineData(linker, "a.o", "dup", A, InputFile.DUPOK);
        TestObject.Loaded b = defineData(linker, "b.o", "dup", B, InputFile.DUPOK);
        int s = ld.lookup("dup");
        assertThat(a.global(0)).isEqualTo(s);
        assertThat(b.global(0)).isEqualTo(s);
        assertThat(table().owner(s)).isSameAs(a.file());

        startPointingAt(s);
        LinkResult r = linker.linkToMemory();
        assertThat(read(r.bytes(), ld.address(s), 8)).containsExactly(A);
    }

    @Test
    void strictDupokRejectsDifferentContentsNamingBothInputs() {
        linker = Linker.create(Target.X86_64_LINUX, LinkOptions.builder().strictDupok(true).build());
        defineData(linker, "first.o", "dup", A, InputFile.DUPOK);
        assertThatThrownBy(() -> defineData(linker, "second.o", "dup", B, InputFile.DUPOK))
                .isInstanceOf(LinkException.class)
                .hasMessageContaining("dup")
                .hasMessageContaining("first.o")
                .hasMessageContaining("second.o");
    }

    @Test
    void strictDupokAcceptsEqualContents() {
        linker = Linker.create(Target.X86_64_LINUX, LinkOptions.builder().strictDupok(true).build());
        TestObject.Loaded a = defineData(linker, "first.o", "dup", A, InputFile.DUPOK);
        defineData(linker, "second.o", "dup", A.clone(), InputFile.DUPOK);
        assertThat(((CoreLinker) linker).symbolLoader().symbols.owner(linker.loader().lookup("dup")))
                .isSameAs(a.file());
    }

    @Test
    void strictDupokComparesAnObjectSymbolAtAnOffsetWithABuilderSymbol() {
        linker = Linker.create(Target.X86_64_LINUX, LinkOptions.builder().strictDupok(true).build());
        Loader l = linker.loader();
        TestObject o = TestObject.named("typeinfo.o");
        byte[] sec = new byte[16];
        System.arraycopy(B, 0, sec, 0, 8); // something else first
        System.arraycopy(A, 0, sec, 8, 8);
        int rodata = o.section(SymbolKind.RODATA, 8, sec);
        o.define("same", rodata, 8, 8, InputFile.DUPOK);
        o.define("differs", rodata, 8, 8, InputFile.DUPOK);
        o.addTo(linker);

        l.define("same", SymbolKind.RODATA, b -> b.dupok().bytes(A));
        assertThatThrownBy(() -> l.define("differs", SymbolKind.RODATA, b -> b.dupok().bytes(B)))
                .isInstanceOf(LinkException.class)
                .hasMessageContaining("differs")
                .hasMessageContaining("typeinfo.o")
                .hasMessageContaining("<in-memory>");
    }

    @Test
    void withoutStrictDupokDifferentContentsAreAccepted() {
        defineData(linker, "first.o", "dup", A, InputFile.DUPOK);
        defineData(linker, "second.o", "dup", B, InputFile.DUPOK);
        assertThat(ld.isDefined(ld.lookup("dup"))).isTrue();
    }

    @Test
    void definitionWithContentOverridesBssDefinedBefore() {
        TestObject bss = TestObject.named("common.o");
        int z = bss.zeroSection(SymbolKind.BSS, 8, 8);
        bss.define("counter", z, 0, 8, 0);
        bss.addTo(linker);
        TestObject.Loaded data = defineData(linker, "init.o", "counter", A, 0);

        int s = ld.lookup("counter");
        assertThat(table().owner(s)).isSameAs(data.file());
        assertThat(ld.kind(s)).isEqualTo(SymbolKind.DATA);
        startPointingAt(s);
        assertThat(read(linker.linkToMemory().bytes(), ld.address(s), 8)).containsExactly(A);
    }

    @Test
    void definitionWithContentOverridesBssDefinedAfter() {
        TestObject.Loaded data = defineData(linker, "init.o", "counter", A, 0);
        TestObject bss = TestObject.named("common.o");
        int z = bss.zeroSection(SymbolKind.BSS, 8, 8);
        bss.define("counter", z, 0, 8, 0);
        bss.addTo(linker);

        int s = ld.lookup("counter");
        assertThat(table().owner(s)).isSameAs(data.file());
        assertThat(ld.kind(s)).isEqualTo(SymbolKind.DATA);
    }

    @Test
    void largerOfTwoBssDefinitionsWins() {
        TestObject small = TestObject.named("small.o");
        small.define("buf", small.zeroSection(SymbolKind.BSS, 8, 4), 0, 4, 0);
        small.addTo(linker);
        TestObject big = TestObject.named("big.o");
        big.define("buf", big.zeroSection(SymbolKind.BSS, 8, 64), 0, 64, 0);
        TestObject.Loaded lbig = big.addTo(linker);

        int s = ld.lookup("buf");
        assertThat(table().owner(s)).isSameAs(lbig.file());
        assertThat(ld.size(s)).isEqualTo(64);
    }

    @Test
    void twoStrongDefinitionsWithContentAreAnErrorNamingSymbolAndBothInputs() {
        defineData(linker, "one.o", "clash", A, 0);
        assertThatThrownBy(() -> defineData(linker, "two.o", "clash", B, 0))
                .isInstanceOf(LinkException.class)
                .hasMessageContaining("duplicate symbol: clash")
                .hasMessageContaining("one.o")
                .hasMessageContaining("two.o");
    }

    @Test
    void everyDuplicateOfOneFileIsReported() {
        TestObject one = TestObject.named("one.o");
        int s1 = one.section(SymbolKind.DATA, 8, new byte[16]);
        one.define("x", s1, 0, 8, 0);
        one.define("y", s1, 8, 8, 0);
        one.addTo(linker);
        TestObject two = TestObject.named("two.o");
        int s2 = two.section(SymbolKind.DATA, 8, new byte[16]);
        two.define("x", s2, 0, 8, 0);
        two.define("y", s2, 8, 8, 0);

        assertThatThrownBy(() -> two.addTo(linker))
                .isInstanceOfSatisfying(LinkException.class, e -> assertThat(e.diagnostics()).hasSize(2))
                .hasMessageContaining("duplicate symbol: x")
                .hasMessageContaining("duplicate symbol: y");
    }

    @Test
    void strongDefinitionBeatsWeakDefinedBefore() {
        defineData(linker, "weak.o", "hook", A, InputFile.WEAK);
        TestObject.Loaded strong = defineData(linker, "strong.o", "hook", B, 0);
        int s = ld.lookup("hook");
        assertThat(table().owner(s)).isSameAs(strong.file());
        startPointingAt(s);
        assertThat(read(linker.linkToMemory().bytes(), ld.address(s), 8)).containsExactly(B);
    }

    @Test
    void strongDefinitionBeatsWeakDefinedAfter() {
        TestObject.Loaded strong = defineData(linker, "strong.o", "hook", B, 0);
        defineData(linker, "weak.o", "hook", A, InputFile.WEAK);
        int s = ld.lookup("hook");
        assertThat(table().owner(s)).isSameAs(strong.file());
        startPointingAt(s);
        assertThat(read(linker.linkToMemory().bytes(), ld.address(s), 8)).containsExactly(B);
    }

    @Test
    void twoWeakDefinitionsKeepTheFirst() {
        TestObject.Loaded first = defineData(linker, "w1.o", "hook", A, InputFile.WEAK);
        defineData(linker, "w2.o", "hook", B, InputFile.WEAK);
        assertThat(table().owner(ld.lookup("hook"))).isSameAs(first.file());
    }

    @Test
    void weakUndefinedReferenceLinksAsZero() {
        TestObject o = TestObject.named("opt.o");
        int sec = o.section(SymbolKind.DATA, 8, new byte[] {-1, -1, -1, -1, -1, -1, -1, -1});
        o.define("ptr", sec, 0, 8, 0);
        int missing = o.undefined("maybe_there", InputFile.WEAK);
        o.relocation(sec, 0, X86_64.ABS64, missing, 0);
        o.addTo(linker);
        int ptr = ld.lookup("ptr");
        startPointingAt(ptr);

        byte[] out = linker.linkToMemory().bytes();
        assertThat(readLong(out, ld.address(ptr))).isZero();
    }

    @Test
    void staticSymbolsGetTheirOwnIndicesAndAreNotFoundByName() {
        TestObject a = TestObject.named("a.o");
        int la = a.define("helper", a.section(SymbolKind.TEXT, 1, new byte[] {(byte) 0xc3}), 0, 1, InputFile.LOCAL);
        TestObject b = TestObject.named("b.o");
        int lb = b.define("helper", b.section(SymbolKind.TEXT, 1, new byte[] {(byte) 0x90}), 0, 1, InputFile.LOCAL);
        TestObject.Loaded loadedA = a.addTo(linker);
        TestObject.Loaded loadedB = b.addTo(linker);

        int sa = loadedA.global(la);
        int sb = loadedB.global(lb);
        assertThat(sa).isPositive().isNotEqualTo(sb);
        assertThat(sb).isPositive();
        assertThat(ld.lookup("helper")).isZero();
        assertThat(ld.isLocal(sa)).isTrue();
        assertThat(ld.isLocal(sb)).isTrue();
        assertThat(ld.name(sa)).isEqualTo("helper");
        assertThat(ld.name(sb)).isEqualTo("helper");
        assertThat(table().owner(sa)).isSameAs(loadedA.file());
        assertThat(table().owner(sb)).isSameAs(loadedB.file());

        // A global of the same name is a third, distinct symbol.
        int g = ld.define("helper", SymbolKind.TEXT, bb -> bb.addUint8(0xcc));
        assertThat(g).isNotIn(sa, sb);
        assertThat(ld.lookup("helper")).isEqualTo(g);
    }

    @Test
    void updateClonesObjectSymbolIntoPayloadAtTheSameIndex() {
        // val.o: .data = [8 bytes padding][val: 8 pattern bytes, 8-byte pointer to 'other']
        byte[] data = new byte[24];
        for (int i = 0; i < 16; i++) {
            data[i] = (byte) (0x40 + i);
        }
        TestObject vo = TestObject.named("val.o");
        int sec = vo.section(SymbolKind.DATA, 8, data);
        vo.define("pad", sec, 0, 8, 0);
        int lval = vo.define("val", sec, 8, 16, 0);
        int lother = vo.undefined("other", 0);
        vo.relocation(sec, 16, X86_64.ABS64, lother, 3);
        TestObject.Loaded val = vo.addTo(linker);
        // user.o: ptr = &val
        TestObject uo = TestObject.named("user.o");
        int usec = uo.section(SymbolKind.DATA, 8, new byte[8]);
        uo.define("ptr", usec, 0, 8, 0);
        int lref = uo.undefined("val", 0);
        uo.relocation(usec, 0, X86_64.ABS64, lref, 0);
        uo.addTo(linker);
        int other = ld.define("other", SymbolKind.RODATA, b -> b.bytes(B));

        int s = ld.lookup("val");
        SymbolLoader sl = ((CoreLinker) linker).symbolLoader();
        int originalAtom = sl.symbols.atom(s);
        assertThat(sl.symbols.owner(s)).isSameAs(val.file());

        long[] seen = new long[1];
        ld.update(s, b -> {
            seen[0] = b.addUint32(0xCAFEBABEL); // appended after the copied 16 bytes
        });

        assertThat(ld.lookup("val")).isEqualTo(s);
        assertThat(val.global(lval)).isEqualTo(s);
        assertThat(sl.symbols.owner(s)).isSameAs(sl.payload);
        assertThat(sl.symbols.atom(s)).isNotEqualTo(originalAtom).isPositive();
        assertThat(seen[0]).isEqualTo(16);
        assertThat(ld.size(s)).isEqualTo(20);
        assertThat(ld.kind(s)).isEqualTo(SymbolKind.DATA);

        int ptr = ld.lookup("ptr");
        startPointingAt(ptr);
        byte[] out = linker.linkToMemory().bytes();
        long valAddr = ld.address(s);
        assertThat(readLong(out, ld.address(ptr))).as("relocation from user.o still targets val").isEqualTo(valAddr);
        byte[] expectedHead = new byte[8];
        System.arraycopy(data, 8, expectedHead, 0, 8);
        assertThat(read(out, valAddr, 8)).as("content copied from val.o").containsExactly(expectedHead);
        assertThat(readLong(out, valAddr + 8)).as("cloned relocation, offset rebased").isEqualTo(ld.address(other) + 3);
        assertThat(read(out, valAddr + 16, 4)).containsExactly(0xBE, 0xBA, 0xFE, 0xCA);
    }


    @Test
    void aStrongDefinitionBeatsAWeakDupokOneInEitherOrder() {
        for (boolean objectFirst : new boolean[] {true, false}) {
            Linker linker = Linker.create(Target.X86_64_LINUX, LinkOptions.builder().threads(1).build());
            TestObject obj = TestObject.named("inline.o");
            int sec = obj.section(SymbolKind.TEXT, 1, new byte[] {(byte) 0xc3});
            obj.define("inl", sec, 0, 1, InputFile.WEAK | InputFile.DUPOK);
            if (objectFirst) {
                obj.addTo(linker);
            }
            int strong = linker.loader().define("inl", SymbolKind.TEXT, b -> b.addUint8(0x90));
            if (!objectFirst) {
                obj.addTo(linker);
            }
            CoreLinker core = (CoreLinker) linker;
            assertThat(core.symbolLoader().symbols.owner(strong)).as("object first: " + objectFirst)
                    .isSameAs(core.symbolLoader().payload);
        }
    }
}
