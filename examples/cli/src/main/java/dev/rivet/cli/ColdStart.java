package dev.rivet.cli;

import dev.rivet.linker.Linker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import java.util.function.Supplier;

/**
 * The thread count of a link run by a JVM that has just started ({@code rivet ld} or
 * {@code rivet ld64} from the launcher, not {@link Main#run} in a JVM that links again and again).
 * A small link in a cold JVM runs mostly in the interpreter while the JIT compiler works on the
 * other core: a second link thread then costs more than it saves (measured on 2 cores: pie-small
 * 203 ms on one thread against 254 ms on two, static-small 179 against 193 ms, static-medium's
 * 23 MB level). So links with less than {@link #SMALL_INPUT} bytes of input run on one thread,
 * whatever the thread count asked for, which is taken as a cap. The output is the same with any
 * thread count.
 */
final class ColdStart {
    private ColdStart() { }

    /** Inputs smaller than this, in all, are linked on one thread in a fresh JVM. */
    static final long SMALL_INPUT = 16L << 20;

    /** Set by {@link Main#main} only: this JVM was started for this one command. */
    static volatile boolean freshJvm;

    /**
     * A linker that its try-with-resources block closes, unless this JVM was started for this one
     * command: the process's exit then unmaps the inputs with the rest of its memory, for less
     * than closing costs (static-large's 601 inputs: the close took 40-55 ms when each input had
     * an arena of its own, of which the exit took back 15-25; 5-15 ms with one arena for all).
     * The output is complete and in place when {@link Linker#link} returns, closed or not.
     *
     * @param linker the linker
     */
    record Owned(Linker linker) implements AutoCloseable {
        @Override
        public void close() {
            if (!freshJvm) {
                linker.close();
            }
        }
    }

    /**
     * {@return the thread count to link with}
     *
     * @param requested the count asked for ({@code --threads}), or empty for the default
     * @param inputs the input files (a missing one counts as empty), found only in a fresh JVM
     */
    static OptionalInt threads(OptionalInt requested, Supplier<List<Path>> inputs) {
        if (!freshJvm || (requested.isPresent() && requested.getAsInt() == 1)) {
            return requested;
        }
        long total = 0;
        for (Path p : inputs.get()) {
            try {
                total += Files.size(p);
            } catch (IOException | SecurityException e) {
                // Reported when it is read; its size does not matter here.
            }
            if (total >= SMALL_INPUT) {
                return requested;
            }
        }
        return OptionalInt.of(1);
    }
}
