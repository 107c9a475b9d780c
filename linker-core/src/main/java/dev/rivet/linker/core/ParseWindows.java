package dev.rivet.linker.core;

import java.util.function.IntToLongFunction;

/**
 * Cuts a run of inputs into windows that are parsed together on the link's threads, then bound
 * in order while the next window is parsed: at most two windows' parse results are held at once.
 *
 * <p>Why not parse the whole run first: a parsed input holds about as much heap as its share of
 * the loader's tables until it is bound (static-medium: 27 MB of parse results beside 15 MB of
 * tables). Kept for the whole run, the young collections during reading copied them into the
 * old generation, where a short link never collects them: time spent copying, and resident
 * memory that mold and lld do not have. A window of 512 KiB of input per thread keeps every
 * thread busy and its parse results short-lived (cold static-medium peak RSS: 135 MB with the
 * whole run parsed first, 120 MB with 2 MiB per thread, 117 MB with 1 MiB, bound before the
 * next window was parsed; with the next window parsed beside the binding, 114 MB with 1 MiB and
 * 111 MB with 512 KiB, static-large 295 and 284 MB; no change in time).
 */
final class ParseWindows {
    /** Input bytes a window holds per thread, at least. */
    static final long BYTES_PER_THREAD = 1L << 19;
    /** Inputs a window holds per thread, at least, so that small files still spread over the threads. */
    static final int INPUTS_PER_THREAD = 4;
    /** What an input of unknown or tiny size counts as. */
    private static final long MIN_SIZE = 4096;

    private ParseWindows() { }

    /**
     * {@return the end (exclusive) of the window that starts at {@code from}}: the inputs up to
     * the one whose size brings the window to {@code BYTES_PER_THREAD * threads} bytes, and at
     * least {@code INPUTS_PER_THREAD * threads} inputs while there are that many.
     *
     * @param from the window's first input
     * @param n the number of inputs in the run
     * @param threads the link's threads
     * @param size each input's size in bytes (0 if unknown)
     */
    static int end(int from, int n, int threads, IntToLongFunction size) {
        long budget = BYTES_PER_THREAD * threads;
        int minInputs = INPUTS_PER_THREAD * threads;
        long bytes = 0;
        int i = from;
        while (i < n && (bytes < budget || i - from < minInputs)) {
            bytes += Math.max(MIN_SIZE, size.applyAsLong(i));
            i++;
        }
        return i;
    }
}
