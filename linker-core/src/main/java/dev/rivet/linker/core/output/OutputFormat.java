package dev.rivet.linker.core.output;

import dev.rivet.linker.Target;

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
}
