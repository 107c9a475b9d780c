package dev.rivet.linker.core.output;

import dev.rivet.linker.core.arch.Arch;
import it.unimi.dsi.fastutil.ints.Int2IntOpenHashMap;
import java.util.ArrayList;
import java.util.List;

/**
 * Range-extension thunks: islands of small jumps placed at intervals inside large code, so that a
 * branch whose target is beyond its reach (arm64 B/BL: ±128 MiB) goes to a thunk in the island
 * nearest it, which jumps anywhere. The format decides where islands go and which targets each
 * serves (all those its neighbourhood may not reach); {@link AtomWriter} sends an out-of-reach
 * branch to the nearest island that serves its target, and each island's generator writes its
 * thunks with {@link Arch#writeThunk}.
 */
public final class BranchThunks {
    private final List<Island> islands = new ArrayList<>();

    /** One island: its atom and the targets it has a thunk for, in thunk order. */
    private static final class Island {
        final int atom;
        final int[] targets;
        final Int2IntOpenHashMap index = new Int2IntOpenHashMap();

        Island(int atom, int[] targets) {
            this.atom = atom;
            this.targets = targets;
            index.defaultReturnValue(-1);
            for (int i = 0; i < targets.length; i++) {
                index.put(targets[i], i);
            }
        }
    }

    /**
     * Makes an island's atom (a generator in the given section) with a thunk per target; islands
     * must be added in address order.
     *
     * @param ctx the link
     * @param section the name of the output section the island's atom is collected in
     * @param type the format's section type
     * @param flags the format's section flags
     * @param targets the symbols it jumps to
     * @return the island's atom
     */
    public int addIsland(LinkContext ctx, String section, int type, long flags, int[] targets) {
        Arch arch = ctx.arch;
        int n = islands.size();
        // One linker-made symbol per island; all in the one output section.
        int atom = SyntheticAtoms.make(ctx, section + "#" + n, dev.rivet.linker.SymbolKind.TEXT, type, flags, 4,
                (long) arch.thunkSize() * targets.length, out -> {
                    long base = ctx.atomAddress[islands.get(n).atom];
                    for (int i = 0; i < targets.length; i++) {
                        arch.writeThunk(out.buffer(), i * arch.thunkSize(), base + (long) i * arch.thunkSize(), destination(ctx, targets[i]));
                    }
                });
        ctx.atoms.setSection(atom, ctx.loader.sections.intern(section, dev.rivet.linker.SymbolKind.TEXT, type, flags, false));
        islands.add(new Island(atom, targets));
        return atom;
    }

    /** {@return whether there are islands} */
    public boolean isEmpty() {
        return islands.isEmpty();
    }

    /** {@return where a branch to a symbol really goes: its stub for a stubbed definition, else its address} */
    static long destination(LinkContext ctx, int target) {
        DynamicLink d = ctx.dynamic;
        if (d != null && d.active && d.isStubbedDefinition(target)) {
            return d.pltEntryAddress(d.pltIndex(target));
        }
        long s = ctx.symbolAddress[target];
        return s == dev.rivet.linker.core.symbols.SymbolLoader.NO_ADDRESS ? 0 : s;
    }

    /**
     * {@return where a branch at {@code p} to {@code target} (at {@code s}) should go: {@code s}
     * when within reach, else the thunk for it in the nearest island that has one, if that is within
     * reach (else {@code s}, and the branch reports the overflow)}
     */
    long reach(LinkContext ctx, int op, int target, long p, long s) {
        long reach = ctx.arch.branchReach(op);
        if (reach == 0 || (s - p >= -reach && s - p < reach)) {
            return s;
        }
        long best = s;
        long bestDistance = Long.MAX_VALUE;
        for (Island island : islands) {
            int i = island.index.get(target);
            if (i < 0) {
                continue;
            }
            long thunk = ctx.atomAddress[island.atom] + (long) i * ctx.arch.thunkSize();
            long d = Math.abs(thunk - p);
            if (d < bestDistance && thunk - p >= -reach && thunk - p < reach) {
                best = thunk;
                bestDistance = d;
            }
        }
        return best;
    }
}
