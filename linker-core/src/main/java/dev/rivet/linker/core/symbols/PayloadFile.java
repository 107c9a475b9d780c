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

    /**
     * Creates the payload file.
     *
     * @param atoms the atom table its atoms are in
     */
    public PayloadFile(AtomTable atoms) {
        super("<in-memory>", 1024, 1024);
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
        return a == 0 ? absoluteSizes.get(l) : atoms.size[a];
    }

    @Override
    public int relocationTarget(int r) {
        return relocs.target[r];
    }

    @Override
    public String describe(AtomTable atoms, SymbolTable symbols, int atom, long offset) {
        String n = "'" + symbols.name(localToGlobal[atoms.fileLocal[atom]]) + "'";
        return offset == 0 ? n : n + "+0x" + Long.toHexString(offset);
    }

    /** {@return the symbol whose content atom a is} @param atoms the atom table @param atom a payload atom */
    public int symbolOf(AtomTable atoms, int atom) {
        return localToGlobal[atoms.fileLocal[atom]];
    }

    @Override
    public void copyAtomBytes(AtomTable atoms, int atom, long from, ByteBuffer out, int outPos, int length) {
        if (length == 0) {
            return;
        }
        long h = atoms.source[atom];
        out.put(outPos, contents.chunk(h), ByteArena.offset(h) + (int) from, length);
    }
}
