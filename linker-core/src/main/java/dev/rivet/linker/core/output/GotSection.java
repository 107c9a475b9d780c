package dev.rivet.linker.core.output;

import dev.rivet.linker.SymbolKind;
import dev.rivet.linker.core.symbols.SymbolLoader;

/**
 * The global offset table of a static link: one 8-byte slot per symbol that a relocation reaches
 * through the GOT, keyed by symbol index (as Zig's linker tracks entries) and numbered in the
 * order the relocation scan meets them, so the table is the same whatever the thread count. Its
 * content is a generator atom ({@code .got}) that writes each symbol's final address into the
 * output; a static executable needs no dynamic relocations for it.
 */
public final class GotSection {
    private final SymbolSlots symbols = new SymbolSlots();
    private int atom;

    GotSection() { }

    /**
     * Gives a symbol a slot if it has none.
     *
     * @param symbol a symbol reached through the GOT
     */
    public void add(int symbol) {
        symbols.add(symbol);
    }

    /** {@return the number of slots} */
    public int size() {
        return symbols.size();
    }

    /** {@return the symbol of slot i} @param i a slot */
    public int symbol(int i) {
        return symbols.symbol(i);
    }

    /** {@return the GOT's address (its first slot), after layout; 0 without a GOT} @param ctx the link */
    public long baseAddress(LinkContext ctx) {
        return symbols.isEmpty() ? 0 : ctx.atoms.address[atom];
    }

    /**
     * {@return the address of a symbol's slot, after layout}
     *
     * @param symbol a symbol given a slot
     */
    public long entryAddress(LinkContext ctx, int symbol) {
        return ctx.atoms.address[atom] + 8L * symbols.slot(symbol);
    }

    /**
     * Makes the {@code .got} atom for this link (when there are slots) and keeps it live. Called
     * after the relocation scan, before layout.
     *
     * @param ctx the link
     */
    void materialize(LinkContext ctx) {
        if (symbols.isEmpty()) {
            SyntheticAtoms.retire(ctx, ".got");
            return;
        }
        int[] order = symbols.toArray();
        atom = SyntheticAtoms.make(ctx, ".got", SymbolKind.DATA, 1 /* PROGBITS */, 0x3 /* WRITE|ALLOC */, 8, 8L * order.length, out -> {
            long[] addresses = ctx.symbolAddress;
            for (int i = 0; i < order.length; i++) {
                long a = addresses[order[i]];
                if (a == SymbolLoader.NO_ADDRESS || (ctx.dynamic != null && ctx.dynamic.isPreemptible(order[i]))) {
                    a = 0; // undefined weak, or bound at load time
                }
                out.buffer().putLong(8 * i, a);
            }
        });
    }
}
