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
            int payload = ctx.loader.payload.index;
            for (int a = 1; a < at.count; a++) {
                if (!at.discarded.get(a) && at.file(a) != payload) {
                    at.alive.set(a);
                }
            }
            keepDefiningPayloadAtoms(ctx);
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
            mark(ctx, stack);
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

    /** Below this many atoms, a level of the marking runs on this thread. */
    private static final int PARALLEL_LEVEL = 8192;

    /**
     * Marks everything reachable from the atoms on the stack, which is emptied. Level by level:
     * each level's atoms are split among the threads, which claim the atoms their relocations reach
     * with an atomic bit set, so each atom is claimed once and goes into the next level once. The
     * set marked does not depend on the order, so neither does the output. Each atom is claimed
     * once, so two arrays of one entry per atom, kept by the linker, hold any level.
     */
    private static void mark(LinkContext ctx, IntArrayList stack) {
        AtomTable at = ctx.atoms;
        at.alive.ensureCapacity(at.count);
        int[] level = ctx.atomScratch(false);
        int[] next = ctx.atomScratch(true);
        int n = stack.size();
        stack.getElements(0, level, 0, n);
        stack.clear();
        java.util.concurrent.atomic.AtomicInteger claimed = new java.util.concurrent.atomic.AtomicInteger();
        while (n > 0) {
            ctx.checkCancelled();
            claimed.set(0);
            if (n < PARALLEL_LEVEL || ctx.parallelism() == 1) {
                follow(ctx, level, 0, n, next, claimed);
            } else {
                int tasks = Math.min(ctx.parallelism() * 4, n / (PARALLEL_LEVEL / 4));
                int[] current = level;
                int[] out = next;
                int size = n;
                ctx.parallelFor(tasks, t -> follow(ctx, current, (int) ((long) size * t / tasks), (int) ((long) size * (t + 1) / tasks),
                        out, claimed));
            }
            int[] swap = level;
            level = next;
            next = swap;
            n = claimed.get();
        }
    }

    /** How many newly claimed atoms a thread collects before it takes room for them in the next level. */
    private static final int BATCH = 256;

    /** Claims the atoms that the relocations of level[from, to) reach, appending the newly claimed to next. */
    private static void follow(LinkContext ctx, int[] level, int from, int to, int[] next, java.util.concurrent.atomic.AtomicInteger claimed) {
        AtomTable at = ctx.atoms;
        SymbolTable st = ctx.symbols;
        int[] symbolAtom = ctx.symbolAtom;
        int[] batch = new int[BATCH];
        int b = 0;
        for (int i = from; i < to; i++) {
            int a = level[i];
            InputFile f = st.file(at.file(a));
            for (int r = at.relStart[a], end = r + at.relCount(a); r < end; r++) {
                int ta = symbolAtom[f.relocationTarget(r)];
                if (ta != 0 && !at.discarded.get(ta) && at.alive.setIfClear(ta)) {
                    if (b == BATCH) {
                        System.arraycopy(batch, 0, next, claimed.getAndAdd(b), b);
                        b = 0;
                    }
                    batch[b++] = ta;
                }
            }
        }
        System.arraycopy(batch, 0, next, claimed.getAndAdd(b), b);
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

    /** Keeps each payload atom whose slot is still its symbol's definition (one another file's won over is not output). */
    private static void keepDefiningPayloadAtoms(LinkContext ctx) {
        AtomTable at = ctx.atoms;
        var payload = ctx.loader.payload;
        SymbolTable st = ctx.symbols;
        for (int slot = 0; slot < payload.symCount; slot++) {
            int a = payload.symAtom[slot];
            int s = payload.localToGlobal[slot];
            if (a != 0 && s != 0 && !at.discarded.get(a) && st.file[s] == payload.index && st.local[s] == slot) {
                at.alive.set(a);
            }
        }
    }
}
