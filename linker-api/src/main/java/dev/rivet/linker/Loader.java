package dev.rivet.linker;

import java.util.function.Consumer;

/**
 * The symbol table of one {@link Linker}: symbols are {@code int} handles, {@code 0} is no symbol.
 * A global name has one handle however many inputs mention it; file-local (static) symbols get
 * handles of their own that no name lookup returns.
 *
 * <p>A loader is not thread-safe: a frontend that builds symbols on several threads must
 * serialise its calls. Handles stay valid for the life of the linker, across links.
 */
public interface Loader {
    /**
     * {@return the global symbol with this name, or 0 if there is none}
     *
     * @param name the symbol name
     */
    int lookup(String name);

    /**
     * Returns the global symbol with this name, creating an undefined one if there is none.
     *
     * @param name the symbol name, not empty
     * @return the symbol
     * @throws IllegalArgumentException if the name is empty
     */
    int lookupOrCreate(String name);

    /**
     * Creates a new file-local (static) symbol, undefined until {@link #update updated}. Each call
     * returns a new symbol, even for the same name.
     *
     * @param name the symbol name, for the symbol table and messages
     * @return the symbol
     */
    int createStatic(String name);

    /**
     * Defines a global symbol from a builder. When the name is already defined, the duplicate
     * rules apply: a dupok definition loses to the existing one; a definition with content
     * replaces one without (BSS); a second definition with content is an error.
     *
     * @param name the symbol name
     * @param kind what the content is
     * @param body describes the content; called once, before this method returns
     * @return the symbol: the same handle as {@link #lookupOrCreate(String)} gives for the name,
     *     unless the body calls {@link SymbolBuilder#local()} for a name that already existed, in
     *     which case the static definition gets a handle of its own
     * @throws LinkException if the name already has a definition with content and neither is dupok
     * @throws IllegalArgumentException if the body misuses the builder (negative size, a
     *     relocation outside the content)
     */
    int define(String name, SymbolKind kind, Consumer<? super SymbolBuilder> body);

    /**
     * Rewrites a symbol's definition in place: the builder starts from the current content (for
     * an undefined symbol: empty, kind {@link SymbolKind#DATA} unless the body sets one). A symbol that came from an input file is first copied into the
     * loader, at the same index, so relocations that refer to it stay valid.
     *
     * @param symbol the symbol to change
     * @param body changes the content; called once
     * @throws IllegalArgumentException if the symbol does not exist, or the body misuses the builder
     */
    void update(int symbol, Consumer<? super SymbolBuilder> body);

    /**
     * Marks a symbol as a root of dead-stripping: it and all it refers to are kept.
     *
     * @param symbol the symbol
     * @throws IllegalArgumentException if the symbol does not exist
     */
    void keep(int symbol);

    /** {@return the number of symbols; valid handles are 1 to this number} */
    int symbolCount();

    /**
     * {@return the symbol's name}
     *
     * @param symbol a valid symbol
     */
    String name(int symbol);

    /**
     * {@return the kind of the symbol's definition, {@link SymbolKind#UNDEFINED} if none}
     *
     * @param symbol a valid symbol
     */
    SymbolKind kind(int symbol);

    /**
     * {@return the size of the symbol's definition in bytes, 0 if undefined}
     *
     * @param symbol a valid symbol
     */
    long size(int symbol);

    /**
     * {@return whether the symbol has a definition}
     *
     * @param symbol a valid symbol
     */
    boolean isDefined(int symbol);

    /**
     * {@return whether the symbol is file-local (static)}
     *
     * @param symbol a valid symbol
     */
    boolean isLocal(int symbol);

    /**
     * Returns the address the last successful link gave the symbol. For thread-local symbols it
     * is the offset in the thread-local block.
     *
     * @param symbol a valid symbol
     * @return the address
     * @throws IllegalStateException if there was no successful link yet, or the symbol was
     *     dead-stripped or is undefined
     */
    long address(int symbol);
}
