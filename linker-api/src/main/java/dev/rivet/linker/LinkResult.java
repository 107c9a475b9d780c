package dev.rivet.linker;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/** What a successful link produced. */
public interface LinkResult {
    /** {@return the target linked for} */
    Target target();

    /** {@return the output file, or empty for a link into memory} */
    Optional<Path> output();

    /**
     * {@return a copy of the output's bytes, for a link into memory}
     *
     * @throws IllegalStateException if the output went to a file
     */
    byte[] bytes();

    /** {@return the size of the output in bytes} */
    long size();

    /** {@return the entry point address} */
    long entryAddress();

    /**
     * {@return the address of a global symbol, if it was defined and kept}
     *
     * @param name the symbol name
     */
    OptionalLong address(String name);

    /** {@return wall-clock nanoseconds spent in each phase that ran, in phase order} */
    Map<LinkPhase, Long> phaseNanos();

    /** {@return how many symbols and atoms went into the output} */
    Statistics statistics();

    /**
     * Counts of one link.
     *
     * @param symbols symbols in the loader
     * @param liveAtoms atoms kept after dead-stripping
     * @param deadAtoms atoms dropped by dead-stripping
     * @param relocations relocations applied
     */
    record Statistics(int symbols, int liveAtoms, int deadAtoms, long relocations) { }
}
