package dev.rivet.linker.core.output;

import dev.rivet.linker.Diagnostic;
import dev.rivet.linker.GeneratorOutput;
import dev.rivet.linker.LinkException;
import dev.rivet.linker.SymbolGenerator;
import dev.rivet.linker.core.arch.Arch;
import dev.rivet.linker.core.symbols.AtomTable;
import dev.rivet.linker.core.symbols.InputFile;
import dev.rivet.linker.core.symbols.Relocations;
import dev.rivet.linker.core.symbols.SymbolLoader;
import dev.rivet.linker.core.symbols.SymbolTable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Copies every live atom into the output and applies its relocations, in parallel over disjoint
 * runs of atoms, and runs generators. Each task writes only its own atoms' bytes, so the output is
 * the same whatever the number of threads; errors are reported in atom order.
 */
public final class AtomWriter {
    private static final int MAX_ERRORS = 50;

    private AtomWriter() { }

    /**
     * Writes the atoms of the plan's sections and applies their relocations.
     *
     * @param ctx the link, with symbol addresses computed
     * @param plan the layout
     * @param out the whole output, little-endian
     * @throws LinkException listing relocations that cannot be applied
     */
    public static void write(LinkContext ctx, OutputPlan plan, ByteBuffer out) {
        AtomTable at = ctx.atoms;
        // The atoms with bytes, section by section, numbered 0 to total - 1 across sections:
        // first[k] is the number of section k's first atom (no per-atom arrays).
        List<OutputSection> secs = new ArrayList<>();
        for (OutputSection s : plan.sections()) {
            if (!s.noBits()) {
                secs.add(s);
            }
        }
        int[] first = new int[secs.size() + 1];
        long bytes = 0;
        for (int k = 0; k < secs.size(); k++) {
            first[k + 1] = first[k] + secs.get(k).atoms.length;
            for (int a : secs.get(k).atoms) {
                bytes += at.size(a);
            }
        }
        int total = first[secs.size()];
        // Split into runs of about equal bytes; a large atom is a run of its own.
        int tasks = Math.max(1, Math.min(total, ctx.parallelism() * 4));
        long perTask = Math.max(1, bytes / tasks);
        List<int[]> runs = new ArrayList<>();
        int start = 0;
        long acc = 0;
        for (int k = 0, i = 0; k < secs.size(); k++) {
            for (int a : secs.get(k).atoms) {
                acc += at.size(a) + 16;
                if (acc >= perTask || i == total - 1) {
                    runs.add(new int[] {start, i + 1});
                    start = i + 1;
                    acc = 0;
                }
                i++;
            }
        }
        @SuppressWarnings("unchecked")
        List<Diagnostic>[] errors = new List[runs.size()];
        long[] applied = new long[runs.size()];
        ctx.parallelFor(runs.size(), t -> {
            ByteBuffer buf = out.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            List<Diagnostic> errs = new ArrayList<>();
            int[] run = runs.get(t);
            int k = java.util.Arrays.binarySearch(first, run[0]);
            k = k >= 0 ? k : -k - 2;
            while (first[k + 1] <= run[0]) {
                k++; // past empty sections
            }
            for (int i = run[0]; i < run[1]; i++) {
                while (i >= first[k + 1]) {
                    k++;
                }
                OutputSection s = secs.get(k);
                applied[t] += writeAtom(ctx, s.atoms[i - first[k]], s.fileOffset - s.address, buf, errs);
                if ((i & 1023) == 0) {
                    ctx.checkCancelled();
                }
            }
            errors[t] = errs;
        });
        List<Diagnostic> all = new ArrayList<>();
        long count = 0;
        for (int t = 0; t < runs.size(); t++) {
            count += applied[t];
            for (Diagnostic d : errors[t]) {
                if (all.size() < MAX_ERRORS) {
                    all.add(d);
                }
            }
        }
        ctx.relocationsApplied = count;
        if (!all.isEmpty()) {
            throw new LinkException(all);
        }
    }

    private static long writeAtom(LinkContext ctx, int a, long outBase, ByteBuffer buf, List<Diagnostic> errs) {
        AtomTable at = ctx.atoms;
        SymbolTable st = ctx.symbols;
        long addr = ctx.atomAddress[a];
        int pos = (int) (addr + outBase);
        int size = (int) at.size(a);
        InputFile file = st.file(at.file(a));
        SymbolGenerator gen = at.generators.get(a);
        if (gen != null) {
            ByteBuffer slice = buf.slice(pos, size).order(ByteOrder.LITTLE_ENDIAN);
            int sym = ctx.loader.payload == file ? ctx.loader.payload.symbolOf(a) : 0;
            try {
                gen.generate(new Generated(slice, sym, addr, ctx.reportedAddress));
            } catch (RuntimeException e) {
                String name = sym == 0 ? "atom " + a : "'" + st.name(sym) + "'";
                throw new LinkException(Diagnostic.error("the generator of " + name + " failed: " + e)
                        .withInput(file.name).withHint("a generator must write at most the symbol's size ("
                                + size + " bytes) and ask only for addresses of live symbols"), e);
            }
            return 0;
        }
        if (size == 0 || !at.kind(a).hasBytes()) {
            return 0; // zero-filled, also when a BSS input shares a section with bytes
        }
        file.copyAtomBytes(at, a, 0, buf, pos, size);
        Arch arch = ctx.arch;
        Relocations r = file.relocs;
        long[] addresses = ctx.symbolAddress;
        DynamicLink stubbed = ctx.dynamic != null && ctx.dynamic.active && ctx.dynamic.hasStubbedDefinitions() ? ctx.dynamic : null;
        int end = at.relStart[a] + at.relCount(a);
        for (int i = at.relStart[a]; i < end; i++) {
            if (ctx.isConsumed(file, at.relStart[a], i)) {
                continue; // the call this relocation patched was rewritten by the relaxation before it
            }
            int target = file.relocationTarget(i);
            long s = addresses[target];
            boolean undefinedWeak = s == SymbolLoader.NO_ADDRESS;
            if (undefinedWeak) {
                s = 0; // an undefined weak reference: strong ones were reported before layout
            }
            int off = r.offset[i];
            int op = ctx.operation(file, i);
            if (stubbed != null && stubbed.isStubbedDefinition(target) && arch.relocationClass(op) == Arch.CLASS_BRANCH) {
                s = stubbed.pltEntryAddress(stubbed.pltIndex(target));
            }
            if (ctx.thunks != null) {
                s = ctx.thunks.reach(ctx, op, target, addr + off, s);
            }
            long g = 0;
            int tlsEntry = arch.tlsGotEntry(op);
            if (tlsEntry != Arch.TLS_GOT_NONE) {
                g = ctx.got.tlsEntryAddress(ctx, tlsEntry, target);
            } else if (arch.needsGot(op)) {
                g = ctx.got.entryAddress(ctx, target);
                if (ctx.dynamic != null && ctx.dynamic.mustKeepGot(target)) {
                    op = arch.unrelaxedGotOp(op); // the address is not a fixed distance from the code
                }
            }
            if (arch.isThreadPointerRelative(op)) {
                // An undefined weak thread-local symbol has offset 0, as in other linkers.
                s = undefinedWeak ? 0 : s - ctx.threadPointer;
            } else if (arch.isModuleRelative(op)) {
                s = undefinedWeak ? 0 : s - ctx.tlsBase;
            } else if (arch.usesGotBase(op)) {
                s = ctx.got.baseAddress(ctx);
            }
            String problem = arch.apply(buf, pos + off, op, s, r.addend(i), addr + off, g);
            if (problem != null && errs.size() < MAX_ERRORS) {
                errs.add(Diagnostic.error("relocation " + arch.opName(r.type[i]) + " cannot be applied: " + problem
                        + "; references '" + st.name(target) + "'")
                        .withInput(file.name)
                        .withLocation(file.describe(at, st, a, off)));
            }
        }
        return at.relCount(a);
    }

    /** What a generator sees. */
    private record Generated(ByteBuffer buffer, int symbol, long address, long[] addresses) implements GeneratorOutput {
        @Override
        public long addressOf(int s) {
            if (s <= 0 || s >= addresses.length || addresses[s] == SymbolLoader.NO_ADDRESS) {
                throw new IllegalArgumentException("symbol " + s + " has no address");
            }
            return addresses[s];
        }
    }
}
