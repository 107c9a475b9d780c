package dev.rivet.linker.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rivet.linker.Diagnostic;
import dev.rivet.linker.LinkException;
import dev.rivet.linker.LinkOptions;
import dev.rivet.linker.Target;
import dev.rivet.linker.core.output.LinkContext;
import dev.rivet.linker.core.output.OutputFormat;
import dev.rivet.linker.core.output.OutputPlan;
import dev.rivet.linker.core.symbols.ParsedInput;
import dev.rivet.linker.testing.FlatTestFormat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ParseWindows}, and {@link CoreLinker#addInputs} parsing a window at a time. */
class ParseWindowsTest {
    private static final long MIB = 1 << 20;

    @TempDir
    Path dir;

    private static final long BUDGET = ParseWindows.BYTES_PER_THREAD;

    @Test
    void aWindowHoldsTheInputsUpToTheBytesBudgetPerThread() {
        // Inputs of an eighth of the budget: 8 a thread.
        assertThat(ParseWindows.end(0, 1000, 1, i -> BUDGET / 8)).isEqualTo(8);
        assertThat(ParseWindows.end(0, 1000, 2, i -> BUDGET / 8)).isEqualTo(16);
        assertThat(ParseWindows.end(0, 1000, 4, i -> BUDGET / 8)).isEqualTo(32);
        assertThat(ParseWindows.end(8, 1000, 1, i -> BUDGET / 8)).isEqualTo(16);
        // One byte short of the budget: one more input.
        assertThat(ParseWindows.end(0, 1000, 1, i -> i == 0 ? BUDGET / 8 - 1 : BUDGET / 8)).isEqualTo(9);
        // The last window ends with the run.
        assertThat(ParseWindows.end(995, 1000, 1, i -> BUDGET / 8)).isEqualTo(1000);
    }

    @Test
    void aWindowHoldsAtLeastSomeInputsPerThread() {
        // Inputs the size of the budget: the input count rules, 4 a thread.
        assertThat(ParseWindows.end(0, 100, 1, i -> BUDGET)).isEqualTo(ParseWindows.INPUTS_PER_THREAD);
        assertThat(ParseWindows.end(0, 100, 2, i -> BUDGET)).isEqualTo(2 * ParseWindows.INPUTS_PER_THREAD);
    }

    @Test
    void aHugeInputEndsTheWindowOnceTheInputCountIsReached() {
        // Inputs 0-7 are small, 8 is huge: the window ends with it.
        assertThat(ParseWindows.end(0, 20, 2, i -> i == 8 ? 100 * MIB : 1)).isEqualTo(9);
        // A huge input first still gets the minimum count of inputs beside it.
        assertThat(ParseWindows.end(0, 20, 2, i -> i == 0 ? 100 * MIB : 1)).isEqualTo(8);
    }

    @Test
    void inputsOfUnknownSizeCountAsSmallOnes() {
        // 0 bytes counts as 4 KiB.
        assertThat(ParseWindows.end(0, 100_000, 2, i -> 0)).isEqualTo((int) (2 * BUDGET / 4096));
        assertThat(ParseWindows.end(0, 3, 2, i -> 0)).isEqualTo(3);
    }

    @Test
    void addInputsParsesTheNextWindowWhileBindingOneAndHoldsAtMostTwo() throws IOException {
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            Path f = dir.resolve("in" + i);
            Files.write(f, new byte[(int) (i % 3 == 0 ? MIB : 100_000)]);
            files.add(f);
        }
        int firstWindow = ParseWindows.end(0, files.size(), 2, i -> i % 3 == 0 ? MIB : 100_000);
        assertThat(firstWindow).isLessThan(files.size() / 2);
        RecordingFormat format = new RecordingFormat(-1);
        // The first input's binding waits for an input of the second window to be parsed: it
        // would wait in vain if the second window were parsed only after the first is bound.
        format.bindWaitsForParseOf = "in" + firstWindow;
        try (CoreLinker linker = new CoreLinker(Target.X86_64_LINUX, LinkOptions.builder().threads(2).build(), format)) {
            linker.addInputs(files);
        }
        assertThat(format.waitedInVain).as("second window parsed while the first was bound").isFalse();
        assertThat(format.bound).as("bound in input order").containsExactlyElementsOf(names(files));
        assertThat(format.parsed).containsExactlyInAnyOrderElementsOf(names(files));
        // Parsed but not yet bound, at any time: never more than two windows' inputs.
        assertThat(format.mostUnbound.get()).isGreaterThan(firstWindow).isLessThanOrEqualTo(maxTwoWindows(files.size(), 2));
    }

    @Test
    void aWindowWithAnInputReadInItsTurnIsBoundBeforeTheNextIsParsed() throws IOException {
        // Reading such an input (a library, a script) may change the symbol table a parse reads.
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            Path f = dir.resolve("in" + i);
            Files.write(f, new byte[(int) MIB]);
            files.add(f);
        }
        RecordingFormat format = new RecordingFormat(-1);
        format.readInTurn = "in5"; // in the first window: in0..in7 on 2 threads
        try (CoreLinker linker = new CoreLinker(Target.X86_64_LINUX, LinkOptions.builder().threads(2).build(), format)) {
            linker.addInputs(files);
        }
        assertThat(format.parsedWhenRead).as("the rest of the first window, no later one").isEqualTo(7);
        assertThat(format.bound).containsExactlyElementsOf(names(files));
    }

    @Test
    void aBadInputStopsTheRunAfterTheInputsBeforeItAndLaterWindowsAreNotParsed() throws IOException {
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            Path f = dir.resolve("in" + i);
            Files.write(f, new byte[(int) MIB]);
            files.add(f);
        }
        RecordingFormat format = new RecordingFormat(3);
        try (CoreLinker linker = new CoreLinker(Target.X86_64_LINUX, LinkOptions.builder().threads(2).build(), format)) {
            assertThatThrownBy(() -> linker.addInputs(files)).isInstanceOf(LinkException.class)
                    .hasMessageContaining("in3").hasMessageContaining("malformed");
        }
        assertThat(format.bound).containsExactlyElementsOf(names(files.subList(0, 3)));
        // Only the first window (8 inputs of 1 MiB on 2 threads) and the one parsed while it was bound.
        assertThat(format.parsed).containsExactlyInAnyOrderElementsOf(names(files.subList(0, 16)));
    }

    @Test
    void anArchiveMemberThatAnEarlierWindowMadeUnneededIsNotParsed() {
        // The program wants p0..p3 and then q. The index names x0..x3 (members 0-3, 1 MiB each)
        // for p0..p3 and y (member 4) for q, but x0 defines q too. One thread: windows of 4
        // members, so y is in the second window; once x0 is loaded it is not wanted.
        FakeArchive archive = new FakeArchive();
        try (CoreLinker l = new CoreLinker(Target.X86_64_LINUX, LinkOptions.builder().threads(1).build(), new FlatTestFormat())) {
            archive.loader = l.loader();
            int[] wanted = {l.loader().lookupOrCreate("p0"), l.loader().lookupOrCreate("p1"), l.loader().lookupOrCreate("p2"),
                l.loader().lookupOrCreate("p3"), l.loader().lookupOrCreate("q")};
            l.loader().define("_start", dev.rivet.linker.SymbolKind.TEXT, b -> {
                for (int s : wanted) {
                    b.addAddress(s, 0);
                }
            });
            l.addLazyArchive(archive);
            assertThat(l.linkToMemory().address("q")).isPresent();
        }
        assertThat(archive.loaded).containsExactly(0, 1, 2, 3);
        assertThat(archive.parsed).containsExactlyInAnyOrder(0, 1, 2, 3);
    }

    /** Members x0..x3 (0-3) define p0..p3, x0 also q; member 4 (y) defines q. Loading defines through the builder API. */
    private static final class FakeArchive implements dev.rivet.linker.core.symbols.LazyArchive {
        dev.rivet.linker.Loader loader;
        final List<Integer> parsed = Collections.synchronizedList(new ArrayList<>());
        final List<Integer> loaded = new ArrayList<>();

        @Override
        public String name() {
            return "fake.a";
        }

        @Override
        public int memberDefining(byte[] name, int offset, int length) {
            String s = new String(name, offset, length, java.nio.charset.StandardCharsets.UTF_8);
            return s.equals("q") ? 4 : s.matches("p[0-3]") ? s.charAt(1) - '0' : -1;
        }

        @Override
        public boolean isLoaded(int member) {
            return loaded.contains(member);
        }

        @Override
        public long memberSize(int member) {
            return MIB;
        }

        @Override
        public ParsedInput parse(int member) {
            parsed.add(member);
            return order -> { };
        }

        @Override
        public void load(int member) {
            loaded.add(member);
            if (member < 4) {
                loader.define("p" + member, dev.rivet.linker.SymbolKind.TEXT, b -> b.addUint8(0xc3));
            }
            if (member == 0 || member == 4) {
                loader.define("q", dev.rivet.linker.SymbolKind.TEXT, b -> b.addUint8(0xc3));
            }
        }

        @Override
        public void load(int member, ParsedInput parsed) {
            load(member);
        }
    }

    private static int maxTwoWindows(int n, int threads) {
        int max = 0;
        int previous = 0;
        for (int from = 0; from < n; ) {
            int to = ParseWindows.end(from, n, threads, i -> i % 3 == 0 ? MIB : 100_000);
            max = Math.max(max, previous + to - from);
            previous = to - from;
            from = to;
        }
        return max;
    }

    private static List<String> names(List<Path> files) {
        return files.stream().map(Path::toString).toList();
    }

    /** Parses any file into nothing, recording parses and binds; the bad-th input fails to bind. */
    private static final class RecordingFormat implements OutputFormat {
        private final FlatTestFormat flat = new FlatTestFormat();
        private final int bad;
        final List<String> parsed = Collections.synchronizedList(new ArrayList<>());
        final List<String> bound = new ArrayList<>();
        final AtomicInteger unbound = new AtomicInteger();
        final AtomicInteger mostUnbound = new AtomicInteger();
        /** An input whose parse the first binding waits for, or null. */
        String bindWaitsForParseOf;
        final java.util.concurrent.CountDownLatch awaitedParse = new java.util.concurrent.CountDownLatch(1);
        volatile boolean waitedInVain;
        /** An input parseInput leaves to readInput, or null; and how many inputs were parsed when it was read. */
        String readInTurn;
        int parsedWhenRead = -1;

        RecordingFormat(int bad) {
            this.bad = bad;
        }

        @Override
        public String name() {
            return "recording";
        }

        @Override
        public boolean supports(Target target) {
            return true;
        }

        @Override
        public OutputPlan plan(LinkContext ctx) {
            return flat.plan(ctx);
        }

        @Override
        public ParsedInput parseInput(CoreLinker linker, Path path, ByteBuffer data, Set<dev.rivet.linker.InputOption> options) {
            String name = path.getFileName().toString();
            if (name.equals(readInTurn)) {
                return null;
            }
            parsed.add(path.toString());
            mostUnbound.accumulateAndGet(unbound.incrementAndGet(), Math::max);
            if (name.equals(bindWaitsForParseOf)) {
                awaitedParse.countDown();
            }
            return order -> {
                if (bindWaitsForParseOf != null && name.equals("in0")) {
                    try {
                        waitedInVain = !awaitedParse.await(10, java.util.concurrent.TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }
                unbound.decrementAndGet();
                if (path.getFileName().toString().equals("in" + bad)) {
                    throw new LinkException(Diagnostic.error("malformed").withInput(path.toString()));
                }
                bound.add(path.toString());
            };
        }

        @Override
        public void readInput(CoreLinker linker, Path path, ByteBuffer data, Set<dev.rivet.linker.InputOption> options) {
            parsedWhenRead = parsed.size();
            bound.add(path.toString());
        }
    }
}
