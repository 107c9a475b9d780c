package dev.rivet.linker.elf;

import dev.rivet.linker.Architecture;
import dev.rivet.linker.SymbolKind;
import dev.rivet.linker.core.output.IfuncTable;
import dev.rivet.linker.core.output.LinkContext;
import dev.rivet.linker.core.output.SyntheticAtoms;

/**
 * {@code .rela.iplt}: one {@code R_*_IRELATIVE} record per IFUNC of a static executable, between
 * {@code __rela_iplt_start} and {@code __rela_iplt_end}. The C library's startup calls each
 * record's resolver (the addend) and stores the result at its offset: the IFUNC's slot, through
 * which its stub jumps.
 */
final class IrelativeTable {
    static final String SECTION = ".rela.iplt";

    private IrelativeTable() { }

    static void create(LinkContext ctx) {
        IfuncTable ifuncs = ctx.ifuncs;
        int n = ifuncs.size();
        if (n == 0) {
            SyntheticAtoms.retire(ctx, SECTION);
            return;
        }
        long type = ctx.target.architecture() == Architecture.X86_64 ? Elf.R_X86_64_IRELATIVE : Elf.R_AARCH64_IRELATIVE;
        SyntheticAtoms.make(ctx, SECTION, SymbolKind.RODATA, Elf.SHT_RELA, Elf.SHF_ALLOC, 8, 24L * n, out -> {
            for (int i = 0; i < n; i++) {
                out.buffer().putLong(24 * i, ifuncs.slotAddress(ctx, i));
                out.buffer().putLong(24 * i + 8, type);
                out.buffer().putLong(24 * i + 16, ifuncs.resolverAddress(ctx, i));
            }
        });
    }
}
