package dev.rivet.linker.core.symbols;

import it.unimi.dsi.fastutil.ints.Int2LongOpenHashMap;
import java.nio.ByteBuffer;

/**
 * The "external" file that holds symbols made in memory: each builder-made symbol is a payload
 * slot (its local index here) with its own atom, its bytes in an arena and its relocations, which
 * name global symbols directly.
 */
public final class PayloadFile extends InputFile {
    /** Contents of builder-made symbols. */
    public final ByteArena contents = new ByteArena();
    private final AtomTable atoms;
    // A payload symbol's value is 0 in its own atom and its size is the atom's, so neither is
    // stored per symbol; only the rare symbols without an atom (ABSOLUTE) keep them, here.
    private final Int2LongOpenHashMap absoluteValues = new Int2LongOpenHashMap();
    private final Int2LongOpenHashMap absoluteSizes = new Int2LongOpenHashMap();
    // Atoms keep no back reference to their slot (4 bytes an atom saved); the writer asks for the
    // symbol of generated atoms only, which are few and kept here. Messages use slotOfAtom, made
    // from symAtom when one is needed.
    private final it.unimi.dsi.fastutil.ints.Int2IntOpenHashMap generatedSlot = new it.unimi.dsi.fastutil.ints.Int2IntOpenHashMap();
    private int[] slotOfAtom;

    /**
     * Creates the payload file.
     *
     * @param atoms the atom table its atoms are in
     */
    public PayloadFile(AtomTable atoms) {
        super("<in-memory>", 1024, 1024, true);
        this.atoms = atoms;
    }

    @Override
    protected void growValuesAndSizes(int n) {
        // nothing stored per symbol
    }

    @Override
    public void setValueAndSize(int l, long value, long size) {
        if (symAtom[l] == 0) {
            absoluteValues.put(l, value);
            absoluteSizes.put(l, size);
        } else {
            absoluteValues.remove(l);
            absoluteSizes.remove(l);
        }
    }

    @Override
    public long value(int l) {
        return symAtom[l] == 0 ? absoluteValues.get(l) : 0;
    }

    @Override
    public long size(int l) {
        int a = symAtom[l];
        return a == 0 ? absoluteSizes.get(l) : atoms.size(a);
    }

    /**
     * Records whether a payload atom is generated, and its slot if so.
     *
     * @param atom the atom
     * @param generated whether its content comes from a generator
     * @param slot its symbol slot
     */
    void noteGenerated(int atom, boolean generated, int slot) {
        if (generated) {
            generatedSlot.put(atom, slot);
        } else if (!generatedSlot.isEmpty()) {
            generatedSlot.remove(atom);
        }
    }

    @Override
    public String describe(AtomTable atoms, SymbolTable symbols, int atom, long offset) {
        int s = symbolOf(atom);
        String n = s == 0 ? "atom " + atom : "'" + symbols.name(s) + "'";
        return offset == 0 ? n : n + "+0x" + Long.toHexString(offset);
    }

    /**
     * {@return the symbol whose content atom a is, 0 if none}: at once for a generated atom, by a
     * search otherwise (for messages)
     *
     * @param atom a payload atom
     */
    public int symbolOf(int atom) {
        int slot = generatedSlot.getOrDefault(atom, -1);
        if (slot < 0) {
            slot = slotForMessages(atom);
        }
        return slot < 0 ? 0 : localToGlobal[slot];
    }

    private synchronized int slotForMessages(int atom) {
        int[] index = slotOfAtom;
        if (index == null || atom >= index.length || index[atom] < 0 || index[atom] >= symCount || symAtom[index[atom]] != atom) {
            // Each payload atom has at most one slot; made again only when it is out of date.
            int max = atom;
            for (int l = 0; l < symCount; l++) {
                max = Math.max(max, symAtom[l]);
            }
            index = new int[max + 1];
            java.util.Arrays.fill(index, -1);
            for (int l = 0; l < symCount; l++) {
                if (symAtom[l] != 0) {
                    index[symAtom[l]] = l;
                }
            }
            slotOfAtom = index;
        }
        return index[atom];
    }

    @Override
    public void copyAtomBytes(AtomTable atoms, int atom, long from, ByteBuffer out, int outPos, int length) {
        if (length == 0) {
            return;
        }
        int h = atoms.source[atom];
        out.put(outPos, contents.chunk(h), ByteArena.offset(h) + (int) from, length);
    }
}
