package dev.rivet.linker.macho;

import dev.rivet.linker.InputOption;
import dev.rivet.linker.ObjectFormat;
import dev.rivet.linker.Target;
import dev.rivet.linker.core.CoreLinker;
import dev.rivet.linker.core.input.ArchiveInput;
import dev.rivet.linker.core.output.LinkContext;
import dev.rivet.linker.core.output.OutputFormat;
import dev.rivet.linker.core.output.OutputPlan;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Set;

/**
 * The Mach-O format: reads relocatable objects ({@code MH_OBJECT}), static archives, dynamic
 * libraries ({@code MH_DYLIB}) and text-based dylib stubs ({@code .tbd}) for arm64 and x86_64
 * macOS, and writes executables ({@code MH_EXECUTE}) and dylibs ({@code MH_DYLIB}).
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
        return MachOLayout.plan(ctx);
    }

    @Override
    public void defineLinkerSymbols(LinkContext ctx) {
        MachOLayout.declareHeaderSymbols(ctx);
        MachOStubs.reserveBinderSlot(ctx);
    }

    @Override
    public void createSyntheticAtoms(LinkContext ctx) {
        MachOState state = MachOState.of(ctx);
        state.stubs = MachOStubs.create(ctx);
        ctx.thunks = null;
        state.islands = MachOThunks.create(ctx);
    }

    @Override
    public dev.rivet.linker.core.symbols.ParsedInput parseInput(CoreLinker linker, Path path, ByteBuffer data, Set<InputOption> options) {
        if (ArchiveInput.isArchive(data) || MachODylibReader.isDylib(data) || TbdReader.isTbd(data)) {
            return null;
        }
        return MachOObjectReader.parse(linker, path.toString(), data);
    }

    @Override
    public void readInput(CoreLinker linker, Path path, ByteBuffer data, Set<InputOption> options) {
        if (ArchiveInput.isArchive(data)) {
            ArchiveInput.add(linker, path, data, options, MachOObjectReader::parse);
        } else if (MachODylibReader.isDylib(data)) {
            MachODylibReader.read(linker, path.toString(), data, options.contains(InputOption.AS_NEEDED));
        } else if (TbdReader.isTbd(data)) {
            TbdReader.read(linker, path.toString(), data, options.contains(InputOption.AS_NEEDED));
        } else {
            MachOObjectReader.read(linker, path.toString(), data, -1);
        }
    }
}
