package dev.rivet.linker;

/** What a symbol's content is, which decides the output section it is placed in. */
public enum SymbolKind {
    /** Not defined (yet): a reference to be bound to a definition. */
    UNDEFINED(false),
    /** Machine code: read-only, executable. */
    TEXT(true),
    /** Read-only data. */
    RODATA(true),
    /** Writable initialised data. */
    DATA(true),
    /** Writable zero-initialised data; takes no file space. */
    BSS(false),
    /** Thread-local initialised data ({@code .tdata}). */
    TLS_DATA(true),
    /** Thread-local zero-initialised data ({@code .tbss}). */
    TLS_BSS(false),
    /** An absolute value that no section contains. */
    ABSOLUTE(false);

    private final boolean hasBytes;

    SymbolKind(boolean hasBytes) {
        this.hasBytes = hasBytes;
    }

    /** {@return whether definitions of this kind carry bytes in the output file} */
    public boolean hasBytes() {
        return hasBytes;
    }

    /** {@return whether this kind lives in thread-local storage} */
    public boolean isThreadLocal() {
        return this == TLS_DATA || this == TLS_BSS;
    }
}
