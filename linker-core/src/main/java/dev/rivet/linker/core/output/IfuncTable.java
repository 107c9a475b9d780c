package dev.rivet.linker.core.output;

import dev.rivet.linker.SymbolKind;

/**
 * Indirect functions (IFUNCs) of a static link, keyed by symbol index in the order the relocation
 * scan meets them. Each gets a stub in {@code .iplt} that jumps through its slot in {@code .igot};
 * the format adds the records that tell the C library's startup to call each resolver and store
 * the result in the slot (ELF: IRELATIVE in {@code .rela.iplt}). After layout the symbol's
 * address, as relocations see it, is its stub: calls, pointers and GOT entries all agree on it,
 * as with lld's canonical PLT entries.
 */
public final class IfuncTable {
    private final SymbolSlots symbols = new SymbolSlots();
    private int stubAtom;
    private int slotAtom;

    IfuncTable() { }

    /** Adds an IFUNC symbol if it is not there yet. @param symbol the symbol */
    public void add(int symbol) {
        symbols.add(symbol);
    }

    /** {@return how many IFUNCs the link has} */
    public int size() {
        return symbols.size();
    }

    /** {@return the i-th IFUNC symbol} @param i an index */
    public int symbol(int i) {
        return symbols.symbol(i);
    }

    /** {@return the address of the i-th IFUNC's slot, after layout} @param ctx the link @param i an index */
    public long slotAddress(LinkContext ctx, int i) {
        return ctx.atomAddress[slotAtom] + 8L * i;
    }

    /** {@return the address of the i-th IFUNC's stub, after layout} @param ctx the link @param i an index */
    public long stubAddress(LinkContext ctx, int i) {
        return ctx.atomAddress[stubAtom] + (long) ctx.arch.indirectStubSize() * i;
    }

    /**
     * {@return the address of the i-th IFUNC's resolver: its definition, not its stub}
     *
     * @param ctx the link
     * @param i an index
     */
    public long resolverAddress(LinkContext ctx, int i) {
        return ctx.addressOf(symbols.symbol(i));
    }

    /** Makes the {@code .iplt} and {@code .igot} atoms (when there are IFUNCs) and keeps them live. */
    void materialize(LinkContext ctx) {
        int n = symbols.size();
        if (n == 0) {
            SyntheticAtoms.retire(ctx, ".iplt");
            SyntheticAtoms.retire(ctx, ".igot");
            return;
        }
        int stubSize = ctx.arch.indirectStubSize();
        stubAtom = SyntheticAtoms.make(ctx, ".iplt", SymbolKind.TEXT, 1, 0x6 /* ALLOC|EXECINSTR */, 16, (long) stubSize * n, out -> {
            for (int i = 0; i < n; i++) {
                ctx.arch.writeIndirectStub(out.buffer(), stubSize * i, stubAddress(ctx, i), slotAddress(ctx, i));
            }
        });
        // Slots start with the resolver's address (as GNU ld leaves them); startup code replaces it.
        slotAtom = SyntheticAtoms.make(ctx, ".igot", SymbolKind.DATA, 1, 0x3 /* WRITE|ALLOC */, 8, 8L * n, out -> {
            for (int i = 0; i < n; i++) {
                out.buffer().putLong(8 * i, resolverAddress(ctx, i));
            }
        });
    }

    /**
     * After symbol addresses are known: relocations to an IFUNC reach its stub. The symbol table
     * and {@code Loader.address} keep reporting the resolver, as GNU ld's symbol table does.
     */
    void redirect(LinkContext ctx) {
        if (symbols.isEmpty()) {
            return;
        }
        if (ctx.reportedAddress == ctx.symbolAddress) {
            ctx.reportedAddress = ctx.symbolAddress.clone();
        }
        for (int i = 0; i < symbols.size(); i++) {
            ctx.symbolAddress[symbols.symbol(i)] = stubAddress(ctx, i);
        }
    }
}
