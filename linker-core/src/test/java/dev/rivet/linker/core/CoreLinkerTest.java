package dev.rivet.linker.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rivet.linker.LinkCancelledException;
import dev.rivet.linker.LinkException;
import dev.rivet.linker.LinkListener;
import dev.rivet.linker.LinkOptions;
import dev.rivet.linker.LinkPhase;
import dev.rivet.linker.LinkResult;
import dev.rivet.linker.Linker;
import dev.rivet.linker.Loader;
import dev.rivet.linker.SymbolKind;
import dev.rivet.linker.Target;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link CoreLinker}: the pipeline, its errors, progress and cancellation. */
class CoreLinkerTest {
    /** Records listener calls as "+PHASE" and "-PHASE". */
    private static final class Recorder implements LinkListener {
        final List<String> events = new ArrayList<>();
        Runnable onWrite = () -> { };

        @Override
        public void phaseStarted(LinkPhase phase) {
            events.add("+" + phase);
            if (phase == LinkPhase.LAYOUT) {
                onWrite.run();
            }
        }

        @Override
        public void phaseFinished(LinkPhase phase, long nanos) {
            assertThat(nanos).isNotNegative();
            events.add("-" + phase);
        }
    }

    private static Linker linker(LinkListener listener) {
        return Linker.create(Target.X86_64_LINUX, LinkOptions.builder().threads(1).listener(listener).build());
    }

    /** Defines f0 .. f3000, each calling the next, so that a relink outgrows the kept arrays. */
    private static void chain(Loader ld) {
        for (int i = 0; i < 3000; i++) {
            int target = ld.lookupOrCreate("f" + (i + 1));
            ld.keep(ld.define("f" + i, SymbolKind.TEXT, b -> b.bytes(new byte[] {(byte) 0xe8, 0, 0, 0, 0}).relocation(1,
                    dev.rivet.linker.RelocationKind.BRANCH, target, 0)));
        }
        ld.define("f3000", SymbolKind.TEXT, b -> b.bytes(new byte[] {(byte) 0xc3}));
    }

    private static void program(Loader ld) {
        int msg = ld.define("msg", SymbolKind.RODATA, b -> b.bytes(new byte[] {'h', 'i'}));
        ld.define("_start", SymbolKind.TEXT, b -> b.addAddress(msg, 0));
    }

    @Test
    void createdLinkersAreEngineLinkersForTheTarget() {
        LinkOptions options = LinkOptions.builder().entry("main").build();
        Linker l = Linker.create(Target.AARCH64_LINUX, options);
        assertThat(l).isInstanceOf(CoreLinker.class);
        assertThat(l.target()).isEqualTo(Target.AARCH64_LINUX);
        assertThat(l.options()).isSameAs(options);
        assertThat(l.loader()).isSameAs(((CoreLinker) l).symbolLoader());
    }

    @Test
    void anUndefinedEntrySymbolIsAnErrorNamingIt() {
        Linker l = linker(LinkListener.NONE);
        l.loader().define("main", SymbolKind.TEXT, b -> b.addUint8(0xc3));
        assertThatThrownBy(l::linkToMemory).isInstanceOf(LinkException.class)
                .hasMessageContaining("entry symbol '_start'");
    }

    @Test
    void anEntryThatIsOnlyReferencedIsNotDefined() {
        Linker l = Linker.create(Target.X86_64_LINUX, LinkOptions.builder().entry("my_entry").build());
        l.loader().lookupOrCreate("my_entry");
        assertThatThrownBy(l::linkToMemory).isInstanceOf(LinkException.class)
                .hasMessageContaining("my_entry");
    }

    @Test
    void aChosenEntryIsUsed() {
        Linker l = Linker.create(Target.X86_64_LINUX, LinkOptions.builder().entry("main").threads(1).build());
        Loader ld = l.loader();
        ld.define("first", SymbolKind.TEXT, b -> b.addUint32(0));
        ld.keep(ld.lookup("first"));
        int main = ld.define("main", SymbolKind.TEXT, b -> b.addUint8(0xc3));
        LinkResult r = l.linkToMemory();
        assertThat(r.entryAddress()).isEqualTo(ld.address(main)).isEqualTo(r.address("main").getAsLong());
        assertThat(r.address("first").getAsLong()).isNotEqualTo(r.entryAddress());
    }

    @Test
    void entryAndUndefinedSymbolErrorsAreReportedTogether() {
        Linker l = Linker.create(Target.X86_64_LINUX, LinkOptions.builder().entry("absent_entry").build());
        Loader ld = l.loader();
        int missing = ld.lookupOrCreate("absent_data");
        ld.define("root", SymbolKind.DATA, b -> b.addAddress(missing, 0));
        ld.keep(ld.lookup("root"));
        assertThatThrownBy(l::linkToMemory).isInstanceOfSatisfying(LinkException.class,
                e -> assertThat(e.diagnostics()).hasSize(2))
                .hasMessageContaining("absent_entry")
                .hasMessageContaining("undefined symbol: absent_data");
    }

    @Test
    void theListenerSeesEveryPhaseStartAndFinishInOrder() {
        Recorder rec = new Recorder();
        Linker l = linker(rec);
        program(l.loader());
        LinkResult r = l.linkToMemory();

        List<String> expected = new ArrayList<>();
        for (LinkPhase p : LinkPhase.values()) {
            expected.add("+" + p);
            expected.add("-" + p);
        }
        assertThat(rec.events).containsExactlyElementsOf(expected);
        assertThat(r.phaseNanos().keySet()).containsExactly(LinkPhase.values());
        assertThat(r.phaseNanos().values()).allSatisfy(n -> assertThat(n).isNotNegative());
    }

    @Test
    void aFailingPhaseIsStartedButNotFinishedAndLaterPhasesDoNotRun() {
        Recorder rec = new Recorder();
        Linker l = linker(rec);
        int missing = l.loader().lookupOrCreate("missing");
        l.loader().define("_start", SymbolKind.TEXT, b -> b.addAddress(missing, 0));
        assertThatThrownBy(l::linkToMemory).isInstanceOf(LinkException.class);
        assertThat(rec.events).endsWith("+SCAN_RELOCATIONS").doesNotContain("+LAYOUT", "+WRITE");
    }

    @Test
    void cancelBeforeLinkCancelsThatLinkOnly() {
        Recorder rec = new Recorder();
        Linker l = linker(rec);
        program(l.loader());
        l.cancel();
        assertThatThrownBy(l::linkToMemory).isInstanceOf(LinkCancelledException.class)
                .hasMessageContaining("cancelled");
        assertThat(rec.events).isEmpty();

        LinkResult r = l.linkToMemory();
        assertThat(r.size()).isPositive();
        assertThat(rec.events).endsWith("-WRITE");
    }

    @Test
    void cancelDuringALinkStopsItAndTheNextLinkSucceeds() {
        Recorder rec = new Recorder();
        Linker l = linker(rec);
        rec.onWrite = l::cancel;
        program(l.loader());
        assertThatThrownBy(l::linkToMemory).isInstanceOf(LinkCancelledException.class)
                .hasMessageContaining("layout");

        rec.onWrite = () -> { };
        assertThat(l.linkToMemory().address("msg")).isPresent();
    }

    @Test
    void aFailedLinkClearsACancelRequestToo() {
        Linker l = linker(LinkListener.NONE);
        l.loader().define("_start", SymbolKind.TEXT, b -> b.addUint8(0xc3));
        l.cancel();
        assertThatThrownBy(l::linkToMemory).isInstanceOf(LinkCancelledException.class);
        assertThat(l.linkToMemory().entryAddress()).isPositive();
    }

    @Test
    void theResultDescribesTheOutput() {
        Linker l = linker(LinkListener.NONE);
        program(l.loader());
        LinkResult r = l.linkToMemory();
        assertThat(r.target()).isEqualTo(Target.X86_64_LINUX);
        assertThat(r.output()).isEmpty();
        byte[] bytes = r.bytes();
        assertThat(bytes).hasSize((int) r.size());
        bytes[0] ^= 0x55;
        assertThat(r.bytes()[0]).as("bytes() returns a copy").isNotEqualTo(bytes[0]);
        assertThat(r.statistics().symbols()).isEqualTo(l.loader().symbolCount());
        assertThat(r.statistics().liveAtoms()).isEqualTo(2);
        assertThat(r.statistics().relocations()).isEqualTo(1);
        assertThat(r.address("no_such_symbol")).isEmpty();
    }

    @Test
    void aResultKeepsItsAddressesAfterLaterLinks() {
        Linker l = linker(LinkListener.NONE);
        Loader ld = l.loader();
        program(ld);
        LinkResult first = l.linkToMemory();
        long msg = first.address("msg").getAsLong();
        int pad = ld.define("pad", SymbolKind.TEXT, b -> b.bytes(new byte[64]));
        ld.keep(pad);
        LinkResult second = l.linkToMemory();
        assertThat(second.address("msg").getAsLong()).isNotEqualTo(msg);
        assertThat(first.address("msg")).hasValue(msg);
        assertThat(first.address("pad")).as("defined after the first link").isEmpty();
    }

    @Test
    void aFailedLinkKeepsTheAddressesOfTheLastSuccessfulOne() {
        Linker l = linker(LinkListener.NONE);
        Loader ld = l.loader();
        program(ld);
        l.linkToMemory();
        int msg = ld.lookup("msg");
        long before = ld.address(msg);
        int missing = ld.lookupOrCreate("missing");
        ld.define("broken", SymbolKind.TEXT, b -> b.addAddress(missing, 0));
        ld.keep(ld.lookup("broken"));
        assertThatThrownBy(l::linkToMemory).isInstanceOf(LinkException.class);
        assertThat(ld.address(msg)).isEqualTo(before);
    }

    /**
     * A linker keeps its per-link arrays for its next link: a link with more symbols and atoms
     * than the one before, or after a failed one, must give what a fresh linker gives.
     */
    @Test
    void relinkingWithKeptArraysGivesWhatAFreshLinkerGives() {
        for (int threads : new int[] {1, 2}) {
            Linker reused = Linker.create(Target.X86_64_LINUX, LinkOptions.builder().threads(threads).build());
            Loader ld = reused.loader();
            program(ld);
            byte[] first = reused.linkToMemory().bytes();
            int missing = ld.lookupOrCreate("missing");
            int broken = ld.define("broken", SymbolKind.DATA, b -> b.addAddress(missing, 0));
            ld.keep(broken);
            assertThatThrownBy(reused::linkToMemory).isInstanceOf(LinkException.class);
            ld.define("missing", SymbolKind.DATA, b -> b.addUint64(7));
            chain(ld);
            byte[] grown = reused.linkToMemory().bytes();
            byte[] again = reused.linkToMemory().bytes();

            Linker fresh = Linker.create(Target.X86_64_LINUX, LinkOptions.builder().threads(threads).build());
            Loader fl = fresh.loader();
            program(fl);
            assertThat(fresh.linkToMemory().bytes()).isEqualTo(first);
            int fm = fl.lookupOrCreate("missing");
            fl.keep(fl.define("broken", SymbolKind.DATA, b -> b.addAddress(fm, 0)));
            fl.define("missing", SymbolKind.DATA, b -> b.addUint64(7));
            chain(fl);
            assertThat(grown).isEqualTo(fresh.linkToMemory().bytes()).isEqualTo(again);
            reused.close();
            fresh.close();
        }
    }
}
