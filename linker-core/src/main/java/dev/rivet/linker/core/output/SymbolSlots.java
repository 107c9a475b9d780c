package dev.rivet.linker.core.output;

import it.unimi.dsi.fastutil.ints.Int2IntOpenHashMap;
import it.unimi.dsi.fastutil.ints.IntArrayList;

/**
 * Symbols numbered 0, 1, 2... in the order they are added, as linker-made tables key their
 * entries (GOT slots, IFUNC stubs): by symbol index, in scan order, so the same whatever the
 * thread count.
 */
final class SymbolSlots {
    private final Int2IntOpenHashMap slotOf = new Int2IntOpenHashMap();
    private final IntArrayList symbols = new IntArrayList();

    SymbolSlots() {
        slotOf.defaultReturnValue(-1);
    }

    /** Gives a symbol the next slot if it has none. */
    void add(int symbol) {
        if (slotOf.get(symbol) < 0) {
            slotOf.put(symbol, symbols.size());
            symbols.add(symbol);
        }
    }

    /** {@return a symbol's slot, or -1} */
    int slot(int symbol) {
        return slotOf.get(symbol);
    }

    /** {@return the symbol in a slot} */
    int symbol(int slot) {
        return symbols.getInt(slot);
    }

    int size() {
        return symbols.size();
    }

    boolean isEmpty() {
        return symbols.isEmpty();
    }

    int[] toArray() {
        return symbols.toIntArray();
    }
}
