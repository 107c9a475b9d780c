package dev.rivet.linker.core.passes;

import dev.rivet.linker.core.output.LinkContext;
import dev.rivet.linker.core.symbols.AtomTable;
import dev.rivet.linker.core.symbols.InputFile;
import dev.rivet.linker.core.symbols.SymbolTable;
import it.unimi.dsi.fastutil.ints.IntArrayList;

/**
 * Marks the atoms that are kept: with dead-stripping, those reachable through relocations from
 * the roots (the entry symbol, symbols marked kept, and atoms of sections registered as kept,
 * such as init arrays); without it, every atom not discarded.
 */
public final class DeadStrip {
    private DeadStrip() { }

    /**
     * Sets {@link AtomTable#alive}.
     *
     * @param ctx the link
     */
    public static void run(LinkContext ctx) {
        AtomTable at = ctx.atoms;
        SymbolTable st = ctx.symbols;
        at.alive.clearAll();
        if (!ctx.options.deadStrip()) {
            for (int a = 1; a < at.count; a++) {
                if (!at.discarded.get(a) && isDefiningAtom(ctx, a)) {
                    at.alive.set(a);
                }
            }
            return;
        }
        IntArrayList stack = new IntArrayList();
        if (ctx.entrySymbol != 0) {
            push(ctx, ctx.entrySymbol, stack);
        }
        for (int s = st.keep.nextSetBit(1); s >= 0; s = st.keep.nextSetBit(s + 1)) {
            push(ctx, s, stack);
        }
        for (int i = 0; i < ctx.extraRoots.size(); i++) {
            push(ctx, ctx.extraRoots.getInt(i), stack);
        }
        // Sections that must stay whatever refers to them: init/fini arrays, retained sections.
        var sections = ctx.loader.sections;
        boolean anyKept = false;
        for (int id = 1; id < sections.count() && !anyKept; id++) {
            anyKept = sections.keep(id);
        }
        if (anyKept) {
            for (int a = 1; a < at.count; a++) {
                if (at.section[a] != 0 && sections.keep(at.section[a]) && !at.alive.get(a) && !at.discarded.get(a)) {
                    at.alive.set(a);
                    stack.add(a);
                }
            }
        }
        // Atoms kept only for what lives (.eh_frame): always output, never roots themselves.
        for (int fi = 1; fi < st.fileCount(); fi++) {
            for (int a : st.file(fi).conditionalAtoms) {
                if (!at.discarded.get(a)) {
                    at.alive.set(a);
                }
            }
        }
        do {
            while (!stack.isEmpty()) {
                int a = stack.popInt();
                InputFile f = st.file(at.file[a]);
                for (int r = at.relStart[a], end = r + at.relCount[a]; r < end; r++) {
                    push(ctx, f.relocationTarget(r), stack);
                }
                if ((stack.size() & 0xFFFF) == 0) {
                    ctx.checkCancelled();
                }
            }
            // An FDE's other references (its LSDA) live when the function it describes lives;
            // what they keep may make more FDEs count, hence the loop.
            for (int fi = 1; fi < st.fileCount(); fi++) {
                InputFile f = st.file(fi);
                for (int k = 0; k < f.conditionalAtoms.length; k++) {
                    int a = f.conditionalAtoms[k];
                    if (at.discarded.get(a)) {
                        continue;
                    }
                    int[] anchor = f.anchors[k];
                    int first = at.relStart[a];
                    for (int i = 0; i < anchor.length; i++) {
                        int keyRel = anchor[i];
                        if (keyRel == i) {
                            continue;
                        }
                        if (keyRel < 0 || isLive(ctx, f.relocationTarget(first + keyRel))) {
                            push(ctx, f.relocationTarget(first + i), stack);
                        }
                    }
                }
            }
        } while (!stack.isEmpty());
    }

    private static boolean isLive(LinkContext ctx, int s) {
        int a = ctx.symbolAtom[s];
        return a != 0 && ctx.atoms.alive.get(a);
    }

    private static void push(LinkContext ctx, int s, IntArrayList stack) {
        int a = ctx.symbolAtom[s];
        if (a != 0 && !ctx.atoms.alive.get(a) && !ctx.atoms.discarded.get(a)) {
            ctx.atoms.alive.set(a);
            stack.add(a);
        }
    }

    /** A payload atom is only output while its slot is still its symbol's definition. */
    private static boolean isDefiningAtom(LinkContext ctx, int a) {
        AtomTable at = ctx.atoms;
        if (at.file[a] != ctx.loader.payload.index) {
            return true;
        }
        int slot = at.fileLocal[a];
        int s = ctx.loader.payload.localToGlobal[slot];
        return s != 0 && ctx.symbols.file[s] == ctx.loader.payload.index && ctx.symbols.local[s] == slot;
    }
}
