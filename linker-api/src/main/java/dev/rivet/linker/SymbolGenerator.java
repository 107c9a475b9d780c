package dev.rivet.linker;

/**
 * Writes a symbol's content straight into the output after layout, so large tables never sit on
 * the heap. A generator must fill exactly the symbol's size, must not depend on being called in
 * any order, and may be called on any thread, in parallel with other generators.
 */
@FunctionalInterface
public interface SymbolGenerator {
    /**
     * Writes the content.
     *
     * @param output where to write and what is known of the layout
     */
    void generate(GeneratorOutput output);
}
