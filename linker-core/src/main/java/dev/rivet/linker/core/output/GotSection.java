package dev.rivet.linker.core.output;

import dev.rivet.linker.SymbolKind;
import dev.rivet.linker.core.arch.Arch;
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
    // Thread-local entries follow the plain slots: initial-exec slots, general-dynamic pairs, TLS
    // descriptors, then this module's local-dynamic pair.
    private final SymbolSlots tlsIe = new SymbolSlots();
    private final SymbolSlots tlsGd = new SymbolSlots();
    private final SymbolSlots tlsDesc = new SymbolSlots();
    private boolean tlsLd;
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

    /** {@return whether a symbol has a slot} @param symbol a symbol */
    public boolean has(int symbol) {
        return symbols.slot(symbol) >= 0;
    }

    /** {@return the symbol of slot i} @param i a slot */
    public int symbol(int i) {
        return symbols.symbol(i);
    }

    /**
     * Gives a symbol a thread-local entry of a kind if it has none.
     *
     * @param entry one of {@link Arch}'s TLS_GOT_ constants other than none
     * @param symbol the thread-local symbol (ignored for the module's local-dynamic pair)
     */
    public void addTls(int entry, int symbol) {
        switch (entry) {
            case Arch.TLS_GOT_IE -> tlsIe.add(symbol);
            case Arch.TLS_GOT_GD -> tlsGd.add(symbol);
            case Arch.TLS_GOT_DESC -> tlsDesc.add(symbol);
            case Arch.TLS_GOT_LD -> tlsLd = true;
            default -> throw new IllegalArgumentException("TLS GOT entry " + entry);
        }
    }

    private SymbolSlots tlsSlots(int entry) {
        return switch (entry) {
            case Arch.TLS_GOT_IE -> tlsIe;
            case Arch.TLS_GOT_GD -> tlsGd;
            case Arch.TLS_GOT_DESC -> tlsDesc;
            default -> throw new IllegalArgumentException("TLS GOT entry " + entry);
        };
    }

    /** {@return how many entries of a thread-local kind there are (0 or 1 for the local-dynamic pair)} @param entry a TLS_GOT_ kind */
    public int tlsCount(int entry) {
        return entry == Arch.TLS_GOT_LD ? (tlsLd ? 1 : 0) : tlsSlots(entry).size();
    }

    /** {@return the symbol of the i-th entry of a thread-local kind} @param entry a TLS_GOT_ kind other than LD @param i an index */
    public int tlsSymbol(int entry, int i) {
        return tlsSlots(entry).symbol(i);
    }

    /** The index of an entry's first 8-byte slot in the table. */
    private int tlsSlotIndex(int entry, int symbol) {
        int ie = symbols.size();
        int gd = ie + tlsIe.size();
        int desc = gd + 2 * tlsGd.size();
        int ld = desc + 2 * tlsDesc.size();
        return switch (entry) {
            case Arch.TLS_GOT_IE -> ie + tlsIe.slot(symbol);
            case Arch.TLS_GOT_GD -> gd + 2 * tlsGd.slot(symbol);
            case Arch.TLS_GOT_DESC -> desc + 2 * tlsDesc.slot(symbol);
            case Arch.TLS_GOT_LD -> ld;
            default -> throw new IllegalArgumentException("TLS GOT entry " + entry);
        };
    }

    private int slotCount() {
        return symbols.size() + tlsIe.size() + 2 * (tlsGd.size() + tlsDesc.size() + (tlsLd ? 1 : 0));
    }

    /**
     * {@return the address of a symbol's thread-local entry (its first slot), after layout}
     *
     * @param ctx the link
     * @param entry a TLS_GOT_ kind
     * @param symbol a symbol given such an entry (any for the local-dynamic pair)
     */
    public long tlsEntryAddress(LinkContext ctx, int entry, int symbol) {
        return ctx.atomAddress[atom] + 8L * tlsSlotIndex(entry, symbol);
    }

    /** {@return the GOT's address (its first slot), after layout; 0 without a GOT} @param ctx the link */
    public long baseAddress(LinkContext ctx) {
        return slotCount() == 0 ? 0 : ctx.atomAddress[atom];
    }

    /**
     * {@return the address of a symbol's slot, after layout}
     *
     * @param symbol a symbol given a slot
     */
    public long entryAddress(LinkContext ctx, int symbol) {
        return ctx.atomAddress[atom] + 8L * symbols.slot(symbol);
    }

    /**
     * Makes the {@code .got} atom for this link (when there are slots) and keeps it live. Called
     * after the relocation scan, before layout.
     *
     * @param ctx the link
     */
    void materialize(LinkContext ctx) {
        if (slotCount() == 0) {
            SyntheticAtoms.retire(ctx, ".got");
            return;
        }
        int[] order = symbols.toArray();
        atom = SyntheticAtoms.make(ctx, ".got", SymbolKind.DATA, 1 /* PROGBITS */, 0x3 /* WRITE|ALLOC */, 8, 8L * slotCount(), out -> {
            long[] addresses = ctx.symbolAddress;
            for (int i = 0; i < order.length; i++) {
                long a = addresses[order[i]];
                if (a == SymbolLoader.NO_ADDRESS || (ctx.dynamic != null && ctx.dynamic.isPreemptible(order[i]))) {
                    a = 0; // undefined weak, or bound at load time
                }
                out.buffer().putLong(8 * i, a);
            }
            writeTls(ctx, out.buffer());
        });
    }

    /**
     * Thread-local entries hold what the loader does not fill: an executable's own offset from the
     * thread pointer, and a general-dynamic pair's offset in the block of a symbol bound here. The
     * rest (module ids, descriptors, imported offsets) are 0 for dynamic relocations to fill.
     */
    private void writeTls(LinkContext ctx, java.nio.ByteBuffer b) {
        DynamicLink dyn = ctx.dynamic;
        for (int i = 0; i < tlsIe.size(); i++) {
            int s = tlsIe.symbol(i);
            boolean fixed = dyn == null || dyn.tlsAccess(s) == Arch.TLS_LOCAL_EXEC;
            b.putLong(8 * tlsSlotIndex(Arch.TLS_GOT_IE, s), fixed ? moduleOffset(ctx, s) - (ctx.threadPointer - ctx.tlsBase) : 0);
        }
        for (int i = 0; i < tlsGd.size(); i++) {
            int s = tlsGd.symbol(i);
            boolean bound = dyn != null && dyn.isPreemptible(s);
            b.putLong(8 * tlsSlotIndex(Arch.TLS_GOT_GD, s) + 8, bound ? 0 : moduleOffset(ctx, s));
        }
    }

    /** {@return a thread-local symbol's offset in its module's block, 0 for an undefined weak one} */
    public static long moduleOffset(LinkContext ctx, int s) {
        long a = ctx.symbolAddress[s];
        return a == SymbolLoader.NO_ADDRESS ? 0 : a - ctx.tlsBase;
    }
}
