package dev.rivet.linker.core.output;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rivet.linker.LinkOptions;
import dev.rivet.linker.SymbolKind;
import dev.rivet.linker.Target;
import dev.rivet.linker.core.arch.Arch;
import dev.rivet.linker.core.symbols.SymbolLoader;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link OutputSection}: grouping live atoms by kind and packing them. */
class OutputSectionTest {
    private final SymbolLoader loader = new SymbolLoader(Arch.of(Target.X86_64_LINUX.architecture()), false);
    private final LinkContext ctx = new LinkContext(Target.X86_64_LINUX, LinkOptions.defaults(), loader, null, () -> false);

    private int atomOf(String name, SymbolKind kind, int size, int alignment, boolean alive) {
        int s = loader.define(name, kind, b -> b.alignment(alignment).size(size));
        int a = loader.symbols.atom(s);
        if (alive) {
            loader.atoms.alive.set(a);
        }
        return a;
    }

    @Test
    void liveAtomsAreGroupedBySectionInFirstAppearanceAndAtomOrderAndAligned() {
        int t1 = atomOf("t1", SymbolKind.TEXT, 3, 1, true);
        int d1 = atomOf("d1", SymbolKind.DATA, 5, 8, true);
        int t2 = atomOf("t2", SymbolKind.TEXT, 10, 16, true);
        atomOf("t3", SymbolKind.TEXT, 7, 1, false);
        int t4 = atomOf("t4", SymbolKind.TEXT, 1, 4, true);
        int z = atomOf("z", SymbolKind.BSS, 100, 32, true);

        List<OutputSection> secs = OutputSection.collect(ctx, k -> "." + k.name().toLowerCase());
        assertThat(secs).extracting(s -> s.name).containsExactly(".text", ".data", ".bss");

        OutputSection text = secs.get(0);
        assertThat(text.name).isEqualTo(".text");
        assertThat(text.atoms).containsExactly(t1, t2, t4);
        assertThat(ctx.atomAddress[t1]).isZero();
        assertThat(ctx.atomAddress[t2]).isEqualTo(16);
        assertThat(ctx.atomAddress[t4]).isEqualTo(28);
        assertThat(text.size).isEqualTo(29);
        assertThat(text.alignment).isEqualTo(16);
        assertThat(text.noBits()).isFalse();

        assertThat(secs.get(1).atoms).containsExactly(d1);
        OutputSection bss = secs.get(2);
        assertThat(bss.noBits()).isTrue();
        assertThat(bss.atoms).containsExactly(z);
        assertThat(bss.alignment).isEqualTo(32);
        assertThat(bss.size).isEqualTo(100);
    }

    @Test
    void placeTurnsOffsetsIntoAddresses() {
        int a = atomOf("a", SymbolKind.RODATA, 4, 4, true);
        int b = atomOf("b", SymbolKind.RODATA, 4, 8, true);
        OutputSection ro = OutputSection.collect(ctx, Enum::name).get(0);
        ro.place(ctx, 0x40_0000, 0x1000);
        assertThat(ro.address).isEqualTo(0x40_0000);
        assertThat(ro.fileOffset).isEqualTo(0x1000);
        assertThat(ctx.atomAddress[a]).isEqualTo(0x40_0000);
        assertThat(ctx.atomAddress[b]).isEqualTo(0x40_0008);
    }

    @Test
    void noLiveAtomsMeansNoSections() {
        atomOf("dead", SymbolKind.TEXT, 4, 4, false);
        loader.define("abs", SymbolKind.ABSOLUTE, b -> b.value(5));
        assertThat(OutputSection.collect(ctx, Enum::name)).isEmpty();
    }
}
