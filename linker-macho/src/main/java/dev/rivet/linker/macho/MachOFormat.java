package dev.rivet.linker.macho;

import dev.rivet.linker.Diagnostic;
import dev.rivet.linker.LinkException;
import dev.rivet.linker.ObjectFormat;
import dev.rivet.linker.Target;
import dev.rivet.linker.core.output.LinkContext;
import dev.rivet.linker.core.output.OutputFormat;
import dev.rivet.linker.core.output.OutputPlan;

/**
 * The Mach-O output format. It is registered so that macOS targets are recognised, and refuses to
 * lay out an output until the Mach-O writer exists.
 */
public final class MachOFormat implements OutputFormat {
    /** Called by {@link java.util.ServiceLoader}. */
    public MachOFormat() { }

    @Override
    public String name() {
        return "macho";
    }

    @Override
    public boolean supports(Target target) {
        return target.format() == ObjectFormat.MACHO;
    }

    @Override
    public OutputPlan plan(LinkContext ctx) {
        throw new LinkException(Diagnostic.error("Mach-O output (" + ctx.target + ") is not supported yet")
                .withHint("Rivet links ELF for x86_64-linux and aarch64-linux today"));
    }
}
