package dev.rivet.linker.core.output;

import dev.rivet.linker.Diagnostic;
import dev.rivet.linker.LinkException;
import dev.rivet.linker.Target;
import dev.rivet.linker.core.CoreLinker;
import java.nio.ByteBuffer;

/**
 * A container format the engine can write (ELF, Mach-O). Found with {@link java.util.ServiceLoader};
 * each format module declares it in {@code module-info} and {@code META-INF/services}.
 */
public interface OutputFormat {
    /** {@return a short name, such as {@code elf}} */
    String name();

    /** {@return whether this format writes outputs for the target} @param target a target */
    boolean supports(Target target);

    /**
     * Lays out the output: groups live atoms into output sections, gives every section and atom
     * its address and file offset, and says how large the file is and how to write the format's
     * own bytes (headers, symbol tables).
     *
     * @param ctx the link
     * @return the plan the engine writes
     * @throws dev.rivet.linker.LinkException if the link cannot be laid out
     */
    OutputPlan plan(LinkContext ctx);

    /**
     * Runs after inputs are loaded and before dead-stripping: defines the symbols the format
     * provides when they are referenced (ELF's {@code __init_array_start} and kin), so that
     * references to them resolve.
     *
     * @param ctx the link
     */
    default void defineLinkerSymbols(LinkContext ctx) {
    }

    /**
     * Runs after dead-stripping and before the relocation scan: shrinks atoms whose contents
     * depend on what lives (ELF drops the FDEs of dead functions from {@code .eh_frame}), by
     * changing their sizes and relocation ranges.
     *
     * @param ctx the link
     */
    default void trimLiveAtoms(LinkContext ctx) {
    }

    /**
     * Runs after the relocation scan and the engine's own linker-made atoms: adds the format's
     * (ELF: the IRELATIVE records of IFUNCs in {@code .rela.iplt}).
     *
     * @param ctx the link
     */
    default void createSyntheticAtoms(LinkContext ctx) {
    }

    /**
     * Reads an input file of this format into the linker: creates its {@code InputFile}, atoms and
     * relocations, then binds its symbols with {@link CoreLinker#addInput}.
     *
     * @param linker the linker
     * @param path the file, whose name is used in messages
     * @param data the file's bytes (mapped), little-endian, position 0
     * @param options how to use the input
     * @throws LinkException if the file is malformed or not an input this format reads
     */
    default void readInput(CoreLinker linker, java.nio.file.Path path, ByteBuffer data, java.util.Set<dev.rivet.linker.InputOption> options) {
        throw new LinkException(Diagnostic.error("the " + name() + " format cannot read input files yet").withInput(path.toString()));
    }

    /**
     * Parses an input without changing the linker's tables, when the format can (relocatable
     * objects), so that several inputs can be parsed at once; thread-safe while nothing is bound.
     *
     * @param linker the linker
     * @param path the file
     * @param data its mapped bytes
     * @param options how to use it
     * @return what binds it, in input order (throwing what the parse found wrong); or null to
     *     read it with {@link #readInput} in its turn
     */
    default dev.rivet.linker.core.symbols.ParsedInput parseInput(CoreLinker linker, java.nio.file.Path path,
            ByteBuffer data, java.util.Set<dev.rivet.linker.InputOption> options) {
        return null;
    }
}
