package dev.rivet.linker;

/**
 * Describes the content of one symbol. Handed to the {@code Consumer} given to
 * {@link Loader#define} or {@link Loader#update}; valid only during that call. Methods return
 * {@code this} for chaining, except those that append data, which return the offset they wrote at.
 *
 * <p>Content grows as bytes are appended; {@link #size(long)} can also set it, padding with zeros
 * or, for {@link SymbolKind#BSS} and {@link SymbolKind#TLS_BSS}, reserving space with no bytes.
 */
public interface SymbolBuilder {
    /** {@return the index of the symbol being built} */
    int symbol();

    /**
     * Sets the kind.
     *
     * @param kind any kind except {@link SymbolKind#UNDEFINED}
     * @return this builder
     * @throws IllegalArgumentException for {@code UNDEFINED}
     */
    SymbolBuilder kind(SymbolKind kind);

    /**
     * Sets the alignment of the symbol's address. Without a call, {@link SymbolKind#TEXT} is
     * aligned as the architecture's code needs (16 on x86-64, 4 on AArch64) and other kinds to 1.
     *
     * @param alignment a power of two from 1 to 2^30
     * @return this builder
     * @throws IllegalArgumentException if not a power of two in range
     */
    SymbolBuilder alignment(int alignment);

    /**
     * Sets the size, padding the content with zeros or truncating it.
     *
     * @param size zero or more
     * @return this builder
     * @throws IllegalArgumentException if negative, or if truncation would cut a relocation
     */
    SymbolBuilder size(long size);

    /**
     * Sets the value of an {@link SymbolKind#ABSOLUTE} symbol.
     *
     * @param value the address the symbol stands for
     * @return this builder
     * @throws IllegalStateException if the kind is not {@code ABSOLUTE}
     */
    SymbolBuilder value(long value);

    /**
     * Replaces the content with a copy of the given bytes.
     *
     * @param bytes the content
     * @return this builder
     * @throws IllegalArgumentException if existing relocations would fall outside the new content
     */
    SymbolBuilder bytes(byte[] bytes);

    /**
     * Appends a copy of bytes.
     *
     * @param bytes what to append
     * @return the offset of the first appended byte
     */
    long addBytes(byte[] bytes);

    /**
     * Appends one byte.
     *
     * @param value the low 8 bits are written
     * @return the offset written at
     */
    long addUint8(int value);

    /**
     * Appends two bytes, little-endian.
     *
     * @param value the low 16 bits are written
     * @return the offset written at
     */
    long addUint16(int value);

    /**
     * Appends four bytes, little-endian.
     *
     * @param value the low 32 bits are written
     * @return the offset written at
     */
    long addUint32(long value);

    /**
     * Appends eight bytes, little-endian.
     *
     * @param value the value
     * @return the offset written at
     */
    long addUint64(long value);

    /**
     * Appends eight bytes holding the address of {@code target + addend} after layout
     * (an {@link RelocationKind#ABSOLUTE_64} relocation).
     *
     * @param target the symbol whose address is stored
     * @param addend added to the address
     * @return the offset written at
     */
    long addAddress(int target, long addend);

    /**
     * Adds a relocation: after layout, the field at {@code offset} is patched to refer to
     * {@code target + addend} as {@code kind} says.
     *
     * @param offset where in this symbol's content
     * @param kind how the field is patched
     * @param target the symbol referred to; it must be defined when linking unless dead-stripped
     * @param addend the constant added to the target's address
     * @return this builder
     * @throws IllegalArgumentException if the field lies outside the content, the target is not a
     *     valid symbol, or the target's architecture has no such relocation
     */
    SymbolBuilder relocation(long offset, RelocationKind kind, int target, long addend);

    /**
     * Makes the content come from a generator run after layout instead of from bytes; the
     * content so far is dropped. Only kinds with bytes can be generated, and a generated symbol
     * has no relocations.
     *
     * @param size the exact number of bytes the generator writes
     * @param generator writes the content into the output
     * @return this builder
     * @throws IllegalArgumentException if the size is negative
     */
    SymbolBuilder generator(long size, SymbolGenerator generator);

    /**
     * Makes the symbol file-local (static): it leaves the name table, so {@link Loader#lookup}
     * no longer finds it and a later definition of the same name is a different symbol. Its index
     * and the relocations that refer to it stay valid. In the output symbol table it is LOCAL.
     * In {@link Loader#define}, a name that other code already refers to keeps its global
     * symbol, and the static definition gets a new one.
     *
     * @return this builder
     */
    SymbolBuilder local();

    /**
     * Gives the symbol hidden visibility: linked normally, but never exported from a shared
     * library or executable.
     *
     * @return this builder
     */
    SymbolBuilder hidden();

    /**
     * Allows duplicate definitions: the first definition wins and later ones are dropped (when
     * {@link LinkOptions#strictDupok()} is set, their contents must be equal).
     *
     * @return this builder
     */
    SymbolBuilder dupok();
}
