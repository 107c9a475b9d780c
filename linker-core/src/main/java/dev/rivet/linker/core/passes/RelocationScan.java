package dev.rivet.linker.core.passes;

import dev.rivet.linker.Diagnostic;
import dev.rivet.linker.core.arch.Arch;
import dev.rivet.linker.core.output.LinkContext;
import dev.rivet.linker.core.symbols.AtomTable;
import dev.rivet.linker.core.symbols.InputFile;
import dev.rivet.linker.core.symbols.SymbolTable;
import it.unimi.dsi.fastutil.ints.Int2ObjectLinkedOpenHashMap;
import it.unimi.dsi.fastutil.ints.IntArrayList;
import java.util.ArrayList;
import java.util.List;

/**
 * Scans the relocations of live atoms: references to symbols that nothing defines are reported
 * once per symbol with every place that refers to them, as lld does (weak references resolve to
 * 0 and are fine); references to thread-local symbols through relocations that cannot express a
 * thread-local offset are errors.
 */
public final class RelocationScan {
    private static final int MAX_SITES = 10;

    private RelocationScan() { }

    /**
     * {@return one error per undefined symbol, in order of first reference, then one per
     * relocation that addresses a thread-local symbol as if it were ordinary memory}
     *
     * @param ctx the link, after dead-stripping
     */
    public static List<Diagnostic> scan(LinkContext ctx) {
        AtomTable at = ctx.atoms;
        SymbolTable st = ctx.symbols;
        // symbol -> pairs (atom, relocation index) that refer to it
        Int2ObjectLinkedOpenHashMap<IntArrayList> sites = new Int2ObjectLinkedOpenHashMap<>();
        List<Diagnostic> tls = new ArrayList<>();
        boolean dyn = ctx.dynamic != null && ctx.dynamic.active;
        // A shared library may leave symbols for the loader to find, unless asked not to (-z defs).
        // Mach-O leaves them only when asked (-undefined dynamic_lookup), programs too.
        boolean undefinedAllowed = ctx.target.format() == dev.rivet.linker.ObjectFormat.MACHO ? ctx.options.dynamicLookup()
                : ctx.options.outputKind() == dev.rivet.linker.OutputKind.SHARED_LIBRARY && !ctx.options.noUndefined();
        // Most relocations (calls and PC-relative references within the output) need nothing
        // here: several threads pick out those that may, in atom order, and one thread then
        // handles them in that order, so GOT slots and dynamic relocations come out the same.
        int chunks = ctx.parallelism() == 1 ? 1 : ctx.parallelism() * 8;
        IntArrayList[] picked = new IntArrayList[chunks];
        ctx.parallelFor(chunks, c -> picked[c] = pick(ctx, dyn, (int) ((long) at.count * c / chunks),
                (int) ((long) at.count * (c + 1) / chunks)));
        for (IntArrayList pairs : picked) {
            for (int k = 0; k < pairs.size(); k += 2) {
                int a = pairs.getInt(k);
                if (a < 0) {
                    ctx.got.add(-1 - a); // a relocation that needs only a GOT slot (see pick)
                    continue;
                }
                int r = pairs.getInt(k + 1);
                InputFile f = st.file(at.file(a));
                if (r < 0) { // a relocation that needs only a relative word (see pick)
                    r = -1 - r;
                    ctx.dynamic.relative(f, a, r, f.relocationTarget(r));
                    continue;
                }
                int t = f.relocationTarget(r);
                if (ctx.arch.needsGot(f.relocs.type[r])) {
                    ctx.got.add(t);
                }
                int tlsEntry = ctx.arch.tlsGotEntry(ctx.operation(f, r));
                if (tlsEntry != Arch.TLS_GOT_NONE) {
                    ctx.got.addTls(tlsEntry, t);
                }
                if (st.hasFlag(t, InputFile.IFUNC) && st.isDefined(t)) {
                    ctx.ifuncs.add(t);
                }
                if (dyn) {
                    ctx.dynamic.scan(f, a, r, t);
                }
                int ta = ctx.symbolAtom[t];
                boolean tpRelative = ctx.arch.isThreadPointerRelative(f.relocs.type[r]);
                if (tpRelative && (ta == 0 || !at.kind(ta).isThreadLocal()) && st.isDefined(t) && !st.hasFlag(t, InputFile.SHARED) && tls.size() < MAX_SITES) {
                    tls.add(Diagnostic.error("thread-local relocation " + ctx.arch.opName(f.relocs.type[r])
                                    + " refers to '" + st.name(t) + "', which is not thread-local")
                            .withInput(f.name).withLocation(f.describe(at, st, a, f.relocs.offset[r])));
                } else if (ta != 0) {
                    if (ctx.arch.relocationClass(f.relocs.type[r]) != Arch.CLASS_TLS && at.kind(ta).isThreadLocal() && tls.size() < MAX_SITES) {
                        // Builder relocations cannot express a thread-pointer offset yet.
                        tls.add(Diagnostic.error("relocation " + ctx.arch.opName(f.relocs.type[r])
                                        + " cannot refer to thread-local symbol '" + st.name(t) + "'")
                                .withInput(f.name).withLocation(f.describe(at, st, a, f.relocs.offset[r]))
                                .withHint("thread-local symbols are laid out (PT_TLS) but cannot be addressed yet"));
                    }
                } else if (!st.isDefined(t) && !st.hasFlag(t, InputFile.WEAK) && !undefinedAllowed) {
                    IntArrayList list = sites.computeIfAbsent(t, x -> new IntArrayList());
                    list.add(a);
                    list.add(r);
                }
            }
        }
        List<Diagnostic> out = new ArrayList<>();
        reportUndefined(ctx, sites, out);
        out.addAll(tls);
        if (dyn) {
            out.addAll(ctx.dynamic.errors());
        }
        return out;
    }

    /**
     * {@return (atom, relocation) pairs of the live atoms in [from, to) that the scan may have to
     * act on} A superset: a relocation left out needs no GOT slot, no IFUNC stub, no dynamic
     * relocation, and is to a defined, ordinary symbol in the output. A relocation that needs
     * only a GOT slot for its target (a Mach-O program loads every global's address from the GOT:
     * two relocations per access, 240,000 in macho-large) is given as (-1 - target, 0), and
     * again only if the one before it in the range was not for the same target: the slots are
     * still added in this order, but by the scan's thread with nothing more to look up. One that
     * needs only a relative word is given as (atom, -1 - relocation).
     */
    private static IntArrayList pick(LinkContext ctx, boolean dyn, int from, int to) {
        AtomTable at = ctx.atoms;
        SymbolTable st = ctx.symbols;
        Arch arch = ctx.arch;
        IntArrayList pairs = new IntArrayList();
        int gotOnly = -1; // the target of the last pair if it needed only a GOT slot
        for (int a = at.alive.nextSetBit(Math.max(from, 1)); a >= 0 && a < to; a = at.alive.nextSetBit(a + 1)) {
            InputFile f = st.file(at.file(a));
            for (int r = at.relStart[a], end = r + at.relCount(a); r < end; r++) {
                if (ctx.isConsumed(f, at.relStart[a], r)) {
                    continue; // e.g. the call to __tls_get_addr that a TLS relaxation removed
                }
                int type = f.relocs.type[r];
                int t = f.relocationTarget(r);
                int ta = ctx.symbolAtom[t];
                int op = ctx.operation(f, r);
                // Plain: to a symbol in the output, in an ordinary section, nothing thread-local,
                // no IFUNC stub. The scan's thread has nothing to do for a plain relocation that
                // needs no GOT slot and nothing dynamic, and only one thing for some others.
                boolean plain = ta != 0 && arch.tlsGotEntry(op) == Arch.TLS_GOT_NONE && !st.hasFlag(t, InputFile.IFUNC)
                        && !arch.isThreadPointerRelative(type) && !at.kind(ta).isThreadLocal();
                boolean needsGot = arch.needsGot(type);
                int cls = dyn ? arch.relocationClass(op) : -1;
                if (plain && !needsGot && !(dyn && ctx.dynamic.mayScan(cls, t))) {
                    continue;
                }
                if (plain && needsGot && (!dyn || (cls == Arch.CLASS_GOT && !ctx.dynamic.isPreemptible(t)))) {
                    // Only the target's GOT slot (a preemptible target is also marked referenced: not here).
                    if (gotOnly != t) {
                        pairs.add(-1 - t);
                        pairs.add(0);
                        gotOnly = t;
                    }
                } else {
                    // A plain one without a GOT slot is here only when linking dynamically.
                    pairs.add(a);
                    pairs.add(plain && !needsGot && ctx.dynamic.onlyRelative(cls, a, t) ? -1 - r : r);
                    gotOnly = -1;
                }
            }
        }
        return pairs;
    }

    private static void reportUndefined(LinkContext ctx, Int2ObjectLinkedOpenHashMap<IntArrayList> sites, List<Diagnostic> out) {
        AtomTable at = ctx.atoms;
        SymbolTable st = ctx.symbols;
        sites.forEach((sym, list) -> {
            StringBuilder msg = new StringBuilder("undefined symbol: ").append(st.name(sym));
            int n = list.size() / 2;
            for (int i = 0; i < Math.min(n, MAX_SITES); i++) {
                int a = list.getInt(2 * i);
                int r = list.getInt(2 * i + 1);
                InputFile f = st.file(at.file(a));
                msg.append("\n>>> referenced by ").append(f.describe(at, st, a, f.relocs.offset[r]))
                        .append(" (").append(f.name).append(')');
            }
            if (n > MAX_SITES) {
                msg.append("\n>>> referenced ").append(n - MAX_SITES).append(" more times");
            }
            out.add(Diagnostic.error(msg.toString()));
        });
    }
}
