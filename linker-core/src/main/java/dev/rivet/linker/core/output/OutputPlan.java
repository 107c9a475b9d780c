package dev.rivet.linker.core.output;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * An output laid out by an {@link OutputFormat}: the engine copies the atoms of
 * {@link #sections()} and applies their relocations in parallel, then asks the format for its own
 * bytes. The two never overlap.
 */
public interface OutputPlan {
    /** {@return the size of the file in bytes} */
    long fileSize();

    /** {@return the sections whose atoms the engine writes, in address order} */
    List<OutputSection> sections();

    /** {@return the entry point address, or 0} */
    long entryAddress();

    /** {@return the start of the thread-local block, which TLS symbol addresses are reported against; 0 if there is none} */
    default long tlsBase() {
        return 0;
    }

    /**
     * {@return the thread pointer as a virtual address relative to the TLS image, for
     * thread-pointer-relative relocations; meaningless without TLS}
     */
    default long threadPointer() {
        return 0;
    }

    /** {@return whether the output is a program that should be executable (mode 0755)} */
    boolean executable();

    /**
     * Writes the format's own bytes: headers, symbol table, section headers. Called after layout
     * and after symbol addresses are known; may run in parallel with atom writing.
     *
     * @param ctx the link
     * @param out the whole output, little-endian
     */
    void writeFormatData(LinkContext ctx, ByteBuffer out);

    /**
     * Runs last, when every byte of the output is written: fills in what depends on the whole
     * output (ELF: a build ID hashed from it).
     *
     * @param ctx the link
     * @param out the whole output
     */
    default void finish(LinkContext ctx, ByteBuffer out) {
    }
}
