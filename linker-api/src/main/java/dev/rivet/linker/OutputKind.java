package dev.rivet.linker;

/** What a link produces. */
public enum OutputKind {
    /**
     * A program loaded at a fixed address (ELF {@code ET_EXEC}). It is static unless shared
     * libraries are among the inputs; then it is dynamically linked, with copy relocations and
     * canonical PLT entries for what its code addresses directly.
     */
    EXECUTABLE,
    /**
     * A position-independent program (ELF {@code ET_DYN} with an interpreter, as gcc builds by
     * default): the dynamic linker relocates it where it loads it.
     */
    PIE,
    /** A shared library (ELF {@code ET_DYN}, {@code -shared}): exports its default-visibility symbols. */
    SHARED_LIBRARY;

    /** {@return whether the output is position-independent and relocated at load time} */
    public boolean isPositionIndependent() {
        return this != EXECUTABLE;
    }
}
