package dev.rivet.linker.core.symbols;

import java.nio.ByteBuffer;

/**
 * The "external" file that holds symbols made in memory: each builder-made symbol is a payload
 * slot (its local index here) with its own atom, its bytes in an arena and its relocations, which
 * name global symbols directly.
 */
public final class PayloadFile extends InputFile {
    /** Contents of builder-made symbols. */
    public final ByteArena contents = new ByteArena();

    /** Creates the payload file. */
    public PayloadFile() {
        super("<in-memory>", 1024, 1024);
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
