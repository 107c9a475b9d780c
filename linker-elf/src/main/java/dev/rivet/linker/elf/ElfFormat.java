package dev.rivet.linker.elf;

import dev.rivet.linker.ObjectFormat;
import dev.rivet.linker.Target;
import dev.rivet.linker.core.CoreLinker;
import dev.rivet.linker.core.output.LinkContext;
import java.nio.ByteBuffer;
import dev.rivet.linker.core.output.OutputFormat;
import dev.rivet.linker.core.output.OutputPlan;

/** The ELF format: reads relocatable objects and writes static executables, for Linux on x86-64 and AArch64. */
public final class ElfFormat implements OutputFormat {
    /** Called by {@link java.util.ServiceLoader}. */
    public ElfFormat() { }

    @Override
    public String name() {
        return "elf";
    }

    @Override
    public boolean supports(Target target) {
        return target.format() == ObjectFormat.ELF;
    }

    @Override
    public OutputPlan plan(LinkContext ctx) {
        return ExecutableLayout.plan(ctx);
    }

    @Override
    public void defineLinkerSymbols(LinkContext ctx) {
        LinkerSymbols.declare(ctx);
    }

    @Override
    public void readInput(CoreLinker linker, String name, ByteBuffer data) {
        ObjectReader.read(linker, name, data);
    }
}
