package dev.rivet.linker.macho;

import dev.rivet.linker.SymbolKind;
import dev.rivet.linker.core.output.BranchThunks;
import dev.rivet.linker.core.output.LinkContext;
import dev.rivet.linker.core.output.OutputSection;
import dev.rivet.linker.core.symbols.AtomTable;
import dev.rivet.linker.core.symbols.InputFile;
import it.unimi.dsi.fastutil.ints.IntArrayList;
import it.unimi.dsi.fastutil.ints.IntLinkedOpenHashSet;
import java.util.ArrayList;
import java.util.List;

/**
 * Range-extension thunk islands for arm64 code larger than a branch reaches (±128 MiB), as ld64
 * makes them: every {@link #SPACING} bytes of {@code __text}, between two atoms, an island holds a
 * thunk for each target that a branch nearer to it than to any other island may not reach. Sizes
 * are estimated before layout, from the atoms' packed offsets, with a margin for the islands
 * themselves; the layout then opens a gap in {@code __text} for each island.
 */
final class MachOThunks {
    static final String TEXT = "__TEXT,__text";
    /** The islands' own output sections: inside {@code __text} in the file, never a section header. */
    static final String ISLAND = "__TEXT,__text#island";
    private static final long SPACING = 64L << 20;
    /** What estimates may be off by: alignment, other code, the islands. */
    private static final long MARGIN = 16L << 20;

    /** An island: its atom, and the __text atom it goes before. */
    record Island(int atom, int before) { }

    private MachOThunks() { }

    /** After the stubs exist: adds islands when the code is too large for every branch to reach. */
    static List<Island> create(LinkContext ctx) {
        List<Island> out = new ArrayList<>();
        AtomTable at = ctx.atoms;
        long reach = ctx.arch.thunkSize() == 0 ? 0 : ctx.arch.branchReach(dev.rivet.linker.core.arch.Arm64.CALL26);
        if (reach == 0) {
            return out;
        }
        long code = 0;
        for (int a = at.alive.nextSetBit(1); a >= 0; a = at.alive.nextSetBit(a + 1)) {
            if (at.kind(a) == SymbolKind.TEXT) {
                code += at.size(a) + at.alignment(a) - 1;
            }
        }
        if (code < reach - MARGIN) {
            return out;
        }
        // The order and offsets __text will have (the layout collects again, the same way).
        OutputSection text = null;
        for (OutputSection s : OutputSection.collect(ctx, MachOLayout::defaultName)) {
            if (s.name.equals(TEXT)) {
                text = s;
            }
        }
        if (text == null || text.size < SPACING) {
            return out;
        }
        int[] atoms = text.atoms;
        long[] offset = new long[atoms.length];
        for (int i = 0; i < atoms.length; i++) {
            offset[i] = ctx.atomAddress[atoms[i]];
        }
        // Island k goes before the atom that starts nearest to k * SPACING (an atom can be large).
        IntArrayList position = new IntArrayList();
        for (long k = 1; k * SPACING < text.size; k++) {
            int i = java.util.Arrays.binarySearch(offset, k * SPACING);
            i = i >= 0 ? i : -i - 1; // the first atom at or after it
            if (i == atoms.length || (i > 0 && k * SPACING - offset[i - 1] < offset[i] - k * SPACING)) {
                i--;
            }
            if (i > 0 && (position.isEmpty() || position.getInt(position.size() - 1) < i)) {
                position.add(i);
            }
        }
        if (position.isEmpty()) {
            return out;
        }
        List<IntLinkedOpenHashSet> targets = new ArrayList<>();
        for (int k = 0; k < position.size(); k++) {
            targets.add(new IntLinkedOpenHashSet());
        }
        int[] indexInText = new int[at.count];
        java.util.Arrays.fill(indexInText, -1);
        for (int i = 0; i < atoms.length; i++) {
            indexInText[atoms[i]] = i;
        }
        long end = code; // where targets outside __text (stubs, other code) are, at the latest
        var st = ctx.symbols;
        int island = 0;
        for (int i = 0; i < atoms.length; i++) {
            int a = atoms[i];
            while (island + 1 < position.size() && Math.abs(offset[position.getInt(island + 1)] - offset[i])
                    < Math.abs(offset[position.getInt(island)] - offset[i])) {
                island++;
            }
            InputFile f = st.file(at.file(a));
            for (int r = at.relStart[a], e = r + at.relCount(a); r < e; r++) {
                if (ctx.arch.branchReach(f.relocs.type[r]) == 0) {
                    continue;
                }
                int t = f.relocationTarget(r);
                int ta = ctx.symbolAtom[t];
                long estimate = ta != 0 && indexInText[ta] >= 0 ? offset[indexInText[ta]] + (st.isDefined(t) ? st.value(t) : 0) : end;
                long from = offset[i] + f.relocs.offset[r];
                if (Math.abs(estimate - from) >= reach - MARGIN) {
                    targets.get(island).add(t);
                }
            }
        }
        BranchThunks thunks = new BranchThunks();
        for (int k = 0; k < position.size(); k++) {
            int atom = thunks.addIsland(ctx, ISLAND, MachO.S_REGULAR, MachO.S_ATTR_PURE_INSTRUCTIONS | MachO.S_ATTR_SOME_INSTRUCTIONS,
                    targets.get(k).toIntArray());
            out.add(new Island(atom, atoms[position.getInt(k)]));
        }
        ctx.thunks = thunks;
        return out;
    }

    /**
     * After collecting, before placing: opens a gap in __text before each island's atom and puts
     * the island there (its offset from __text's start in its atom's address, as the layout's
     * packing would), so that placing the island's section at __text's address places it inside.
     *
     * @return the bytes added to __text
     */
    static long openGaps(LinkContext ctx, OutputSection text, List<Island> islands) {
        AtomTable at = ctx.atoms;
        long shift = 0;
        int next = 0;
        for (int a : text.atoms) {
            if (next < islands.size() && islands.get(next).before() == a) {
                Island is = islands.get(next++);
                long start = ctx.atomAddress[a] + shift;
                ctx.atomAddress[is.atom()] = start;
                shift += MachO.align(at.size(is.atom()), text.alignment);
            }
            ctx.atomAddress[a] += shift;
        }
        text.size += shift;
        return shift;
    }
}
