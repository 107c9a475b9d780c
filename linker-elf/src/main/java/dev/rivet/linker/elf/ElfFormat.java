package dev.rivet.linker.elf;

import dev.rivet.linker.ObjectFormat;
import dev.rivet.linker.Target;
import dev.rivet.linker.core.CoreLinker;
import dev.rivet.linker.core.input.ArchiveInput;
import dev.rivet.linker.core.output.LinkContext;
import dev.rivet.linker.core.output.SyntheticAtoms;
import dev.rivet.linker.InputOption;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Set;
import dev.rivet.linker.core.output.OutputFormat;
import dev.rivet.linker.core.output.OutputPlan;

/** The ELF format: reads relocatable objects and archives, writes static executables, for Linux on x86-64 and AArch64. */
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
    public void trimLiveAtoms(LinkContext ctx) {
        EhFrameTrim.run(ctx);
    }

    @Override
    public void createSyntheticAtoms(LinkContext ctx) {
        if (ctx.dynamic != null && ctx.dynamic.active) {
            SyntheticAtoms.retire(ctx, IrelativeTable.SECTION); // IRELATIVE records go to .rela.dyn
        } else {
            IrelativeTable.create(ctx);
        }
        DynamicSections.create(ctx);
        GnuPropertyNote.create(ctx);
        BuildIdNote.create(ctx);
        if (ctx.options.ehFrameHeader()) {
            EhFrameHeader.create(ctx);
        } else {
            SyntheticAtoms.retire(ctx, EhFrameHeader.SECTION);
        }
    }

    @Override
    public void readInput(CoreLinker linker, Path path, ByteBuffer data, Set<InputOption> options) {
        if (ArchiveInput.isArchive(data)) {
            ArchiveInput.add(linker, path, data, options, ObjectReader::parse);
        } else if (LinkerScriptReader.looksLikeScript(data)) {
            readScript(linker, path, data, options);
        } else if (isSharedObject(data)) {
            SharedObjectReader.read(linker, path.toString(), data, options.contains(InputOption.AS_NEEDED));
        } else {
            ObjectReader.read(linker, path.toString(), data);
        }
    }

    @Override
    public dev.rivet.linker.core.symbols.ParsedInput parseInput(CoreLinker linker, Path path, ByteBuffer data, Set<InputOption> options) {
        if (ArchiveInput.isArchive(data) || LinkerScriptReader.looksLikeScript(data) || isSharedObject(data)) {
            return null;
        }
        return ObjectReader.parse(linker, path.toString(), data);
    }

    /** Scripts being expanded on this thread, to catch one that names itself, directly or not. */
    private static final ThreadLocal<java.util.Set<Path>> EXPANDING = ThreadLocal.withInitial(java.util.HashSet::new);

    private static void readScript(CoreLinker linker, Path path, ByteBuffer data, Set<InputOption> options) {
        Path key;
        try {
            key = path.toRealPath();
        } catch (java.io.IOException e) {
            key = path.toAbsolutePath().normalize();
        }
        java.util.Set<Path> expanding = EXPANDING.get();
        if (!expanding.add(key)) {
            throw new dev.rivet.linker.LinkException(dev.rivet.linker.Diagnostic.error(
                    "linker script includes itself (through GROUP or INPUT)").withInput(path.toString()));
        }
        try {
            for (LinkerScriptReader.Entry e : LinkerScriptReader.read(path, data, linker.options().librarySearchPaths())) {
                // The script's options apply to what it names; AS_NEEDED ( ... ) adds its own.
                java.util.Set<InputOption> opts = java.util.EnumSet.noneOf(InputOption.class);
                opts.addAll(options);
                if (e.asNeeded()) {
                    opts.add(InputOption.AS_NEEDED);
                }
                linker.addInput(e.path(), opts.toArray(new InputOption[0]));
            }
        } finally {
            expanding.remove(key);
        }
    }

    private static boolean isSharedObject(ByteBuffer data) {
        return data.limit() >= 64 && data.getInt(0) == 0x464c457f && data.get(4) == 2 && data.get(5) == 1
                && Short.toUnsignedInt(data.getShort(16)) == 3; // ET_DYN
    }
}
