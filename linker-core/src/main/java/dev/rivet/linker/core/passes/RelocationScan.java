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
        for (int a = at.alive.nextSetBit(1); a >= 0; a = at.alive.nextSetBit(a + 1)) {
            InputFile f = st.file(at.file(a));
            for (int r = at.relStart[a], end = r + at.relCount(a); r < end; r++) {
                if (ctx.isConsumed(f, at.relStart[a], r)) {
                    continue; // e.g. the call to __tls_get_addr that a TLS relaxation removed
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
                    IntArrayList list = sites.computeIfAbsent(t, k -> new IntArrayList());
                    list.add(a);
                    list.add(r);
                }
            }
        }
        List<Diagnostic> out = new ArrayList<>();
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
        out.addAll(tls);
        if (dyn) {
            out.addAll(ctx.dynamic.errors());
        }
        return out;
    }
}
