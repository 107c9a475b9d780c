package dev.rivet.linker;

/** How an input file given to {@link Linker#addInput(java.nio.file.Path, InputOption...)} is used. */
public enum InputOption {
    /**
     * Load every member of an archive, not only those that define a symbol something refers to
     * (GNU ld's {@code --whole-archive}). Ignored for other inputs.
     */
    WHOLE_ARCHIVE,
    /**
     * Record a shared library as needed ({@code DT_NEEDED}) only if the output uses a symbol it
     * defines (GNU ld's {@code --as-needed}). Ignored for other inputs.
     */
    AS_NEEDED
}
