package dev.rivet.linker.core.symbols;

/**
 * An archive whose members are loaded only when they define a symbol that something refers to
 * and nothing defines. A format's reader registers one per archive; the engine asks it during
 * resolution, repeatedly, until no member is pulled in any more.
 */
public interface LazyArchive {
    /** {@return the archive's name for messages} */
    String name();

    /**
     * {@return the member whose index entry defines a symbol, or -1}
     *
     * @param name the symbol name as UTF-8
     * @param offset where it starts in the array
     * @param length its length
     */
    int memberDefining(byte[] name, int offset, int length);

    /**
     * {@return the member whose index entry defines a symbol, or -1}, for a caller that has the
     * name's {@link ByteHash} already (the symbol table keeps one per symbol), so that asking
     * many archives hashes the name once.
     *
     * @param name the symbol name as UTF-8
     * @param offset where it starts in the array
     * @param length its length
     * @param hash {@code ByteHash.of(name, offset, length)}
     */
    default int memberDefining(byte[] name, int offset, int length, int hash) {
        return memberDefining(name, offset, length);
    }

    /**
     * Reads what lookups need (the archive's symbol index), once; the link calls it for every
     * archive before the first lookup, for several archives at once on its threads.
     *
     * @throws dev.rivet.linker.LinkException if the archive is malformed
     */
    default void open() {
    }

    /** {@return whether a member has been loaded} @param member a member index */
    boolean isLoaded(int member);

    /**
     * Loads a member (reads it and binds its symbols) and remembers that it did.
     *
     * @param member a member index
     * @throws dev.rivet.linker.LinkException if the member is malformed; the message names
     *     {@code archive(member)}
     */
    void load(int member);

    /**
     * {@return a member's size in bytes, 0 if not known} The link parses the members a round wants
     * in windows of about 1 MiB of input per thread, so that their parse results do not all live at once.
     *
     * @param member a member index
     */
    default long memberSize(int member) {
        return 0;
    }

    /**
     * Parses a member without changing the link's tables, so that the members one round of
     * archive loading wants can be parsed in parallel; safe to call from several threads at once
     * while nothing is being loaded. Errors come when the member is loaded.
     *
     * @param member a member index
     * @return the parsed member for {@link #load(int, ParsedInput)}, or null if this archive parses
     *     when it loads
     */
    default ParsedInput parse(int member) {
        return null;
    }

    /**
     * Loads a member from what {@link #parse} returned for it.
     *
     * @param member a member index
     * @param parsed what {@link #parse} returned (null: parse now)
     * @throws dev.rivet.linker.LinkException if the member is malformed
     */
    default void load(int member, ParsedInput parsed) {
        load(member);
    }
}
