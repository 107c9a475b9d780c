package dev.rivet.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rivet.linker.LinkException;
import dev.rivet.linker.Linker;
import dev.rivet.linker.Target;

import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ColdStart}: a small link in a fresh JVM runs on one thread, anything else as asked; its linker is left to the exit. */
class ColdStartTest {
    @TempDir
    Path dir;

    @AfterEach
    void warmAgain() {
        ColdStart.freshJvm = false;
    }

    private Path file(String name, long size) throws Exception {
        Path p = dir.resolve(name);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(size); // sparse: no disk used
        }
        return p;
    }

    @Test
    void aLinkerIsClosedAfterItsBlockUnlessTheJvmWasStartedForIt() {
        Path missing = dir.resolve("missing.o");
        Linker left;
        ColdStart.freshJvm = true;
        try (ColdStart.Owned owned = new ColdStart.Owned(Linker.create(Target.X86_64_LINUX))) {
            left = owned.linker();
        }
        // Still open: the input is looked for (and is missing).
        assertThatThrownBy(() -> left.addInput(missing)).isInstanceOf(LinkException.class).hasMessageContaining("missing.o");
        left.close();

        ColdStart.freshJvm = false;
        Linker closed;
        try (ColdStart.Owned owned = new ColdStart.Owned(Linker.create(Target.X86_64_LINUX))) {
            closed = owned.linker();
        }
        assertThatThrownBy(() -> closed.addInput(missing)).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void aSmallLinkInAFreshJvmRunsOnOneThread() throws Exception {
        ColdStart.freshJvm = true;
        List<Path> small = List.of(file("a.o", 1 << 20), file("b.o", 2 << 20), dir.resolve("missing.o"));
        assertThat(ColdStart.threads(OptionalInt.of(2), () -> small)).hasValue(1);
        assertThat(ColdStart.threads(OptionalInt.empty(), () -> small)).hasValue(1);
    }

    @Test
    void aLargeLinkInAFreshJvmRunsOnTheThreadsAskedFor() throws Exception {
        ColdStart.freshJvm = true;
        List<Path> large = List.of(file("a.o", 10 << 20), file("libbig.a", ColdStart.SMALL_INPUT - (10 << 20)));
        assertThat(ColdStart.threads(OptionalInt.of(2), () -> large)).hasValue(2);
        assertThat(ColdStart.threads(OptionalInt.empty(), () -> large)).isEmpty();
    }

    @Test
    void aJvmThatLinksAgainAndAgainRunsOnTheThreadsAskedForWithoutLookingAtTheInputs() {
        java.util.function.Supplier<List<Path>> unused = () -> {
            throw new AssertionError("the inputs are sized only in a fresh JVM");
        };
        assertThat(ColdStart.threads(OptionalInt.of(2), unused)).hasValue(2);
        assertThat(ColdStart.threads(OptionalInt.empty(), unused)).isEmpty();
    }
}
