package dev.rivet.linker;

import java.nio.ByteBuffer;

/** What a {@link SymbolGenerator} writes into, and the addresses it may need. */
public interface GeneratorOutput {
    /**
     * {@return the symbol's bytes in the output, little-endian, position 0, limit = the symbol's
     * size; the buffer is valid only during the call}
     */
    ByteBuffer buffer();

    /** {@return the symbol being generated} */
    int symbol();

    /** {@return the address the symbol was given} */
    long address();

    /**
     * {@return the address of another symbol after layout} A generator has no relocations, so a
     * symbol it only reads here is not reachable through it: keep it alive with
     * {@link Loader#keep(int)} or a relocation from live code, or it may be dead-stripped.
     *
     * @param symbol a defined, live symbol
     * @throws IllegalArgumentException if the symbol has no address
     */
    long addressOf(int symbol);
}
