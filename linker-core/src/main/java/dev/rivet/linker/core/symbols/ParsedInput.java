package dev.rivet.linker.core.symbols;

import dev.rivet.linker.LinkException;

/**
 * An input file parsed without touching anything the linker shares (so that several can be
 * parsed at once), waiting to be bound to the linker's tables in input order.
 */
@FunctionalInterface
public interface ParsedInput {
    /**
     * Binds the input: its atoms, symbols and relocations join the linker's tables.
     *
     * @param order its layout position among the inputs ({@link InputFile#order}), or -1 for the next one
     * @throws LinkException if the input is malformed (found while parsing) or clashes with the inputs
     */
    void bind(long order);

    /**
     * {@return what binds an input once {@code parse} has run} An error the parse finds is thrown
     * when the input is bound, not now: an archive member that turns out not to be needed is never
     * bound, and a list of inputs reports its first bad file in order.
     *
     * @param parse the parse, which throws a {@link LinkException} for a malformed input
     * @param bind what binds the parsed input
     */
    static ParsedInput deferringErrors(Runnable parse, ParsedInput bind) {
        try {
            parse.run();
        } catch (LinkException e) {
            return order -> {
                throw e;
            };
        }
        return bind;
    }
}
