package dev.rivet.linker.core.symbols;

import dev.rivet.linker.Diagnostic;
import dev.rivet.linker.LinkException;
import dev.rivet.linker.SymbolKind;
import java.nio.ByteBuffer;

/**
 * A relocatable input whose section contents are read from a buffer (a mapped file, or bytes in
 * memory). Readers fill it in order: sections (each becomes an atom), symbols, then each atom's
 * relocations contiguously. Relocation targets are local symbol indices.
 */
public class ObjectFile extends StoredValuesInputFile {
    /** The file's bytes; section contents are read from here. */
    protected final ByteBuffer data;
    private final AtomTable atoms;
    private int[] sectionAtom = new int[8];
    private int sectionCount;
    private int relocatingAtom;

    /**
     * @param name the file's name for messages
     * @param data the file's bytes
     * @param atoms the atom table its sections are added to
     */
    public ObjectFile(String name, ByteBuffer data, AtomTable atoms) {
        super(name, 16, 16);
        this.data = data;
        this.atoms = atoms;
    }

    /**
     * Adds a section; must be called after the file is registered in the {@link SymbolTable}.
     *
     * @param kind what the section holds
     * @param alignment its alignment, a power of two
     * @param offset where its bytes start in {@link #data} (ignored for BSS)
     * @param size its size
     * @return the section's atom
     */
    public int addSection(SymbolKind kind, int alignment, long offset, long size) {
        return addSection(kind, 0, alignment, offset, size);
    }

    /**
     * Adds a section that goes to a given output section.
     *
     * @param kind what the section holds
     * @param outputSection its output section id in the {@link SectionTable}, 0 for the kind's default
     * @param alignment its alignment, a power of two
     * @param offset where its bytes start in {@link #data} (ignored for BSS)
     * @param size its size
     * @return the section's atom
     */
    public int addSection(SymbolKind kind, int outputSection, int alignment, long offset, long size) {
        if (index == 0) {
            throw new IllegalStateException("register the file before adding sections");
        }
        if (sectionCount == sectionAtom.length) {
            sectionAtom = java.util.Arrays.copyOf(sectionAtom, sectionCount * 2);
        }
        // Atoms keep offsets as ints: inputs are at most 2 GiB, and readers check sections against the file.
        if (kind.hasBytes() && (offset < 0 || offset > Integer.MAX_VALUE)) {
            throw new LinkException(Diagnostic.error("section " + sectionCount + " starts at offset " + offset
                    + ", outside the file").withInput(name));
        }
        int a = atoms.add(index, kind, size, alignment, kind.hasBytes() ? (int) offset : 0);
        atoms.setSection(a, outputSection);
        sectionAtom[sectionCount++] = a;
        return a;
    }

    /**
     * Adds a symbol defined at an offset in an atom, or undefined (atom 0, kind UNDEFINED), or
     * absolute (atom 0, kind ABSOLUTE).
     *
     * @return its local index
     */
    public int addSymbol(SymbolKind kind, int flags, int atom, long value, long size) {
        return addSymbolSlot(kind, flags, atom, value, size);
    }

    /**
     * Adds a relocation to an atom; all relocations of one atom must be added together.
     *
     * @param atom the atom patched
     * @param offset the offset in it
     * @param op an architecture operation
     * @param localTarget the local index of the target symbol
     * @param addend the addend
     */
    public void addRelocation(int atom, int offset, int op, int localTarget, long addend) {
        int r = relocs.add(offset, op, localTarget, addend);
        if (relocatingAtom != atom) {
            if (atoms.relCount(atom) != 0) {
                throw new IllegalStateException("relocations of atom " + atom + " are not contiguous");
            }
            relocatingAtom = atom;
            atoms.relStart[atom] = r;
        }
        atoms.countRelocation(atom);
    }

    /**
     * {@return the index of the section whose atom a is, or -1}: atoms keep no back reference, and
     * a file's atoms were added in increasing order
     *
     * @param atom an atom
     */
    public int sectionOf(int atom) {
        int i = java.util.Arrays.binarySearch(sectionAtom, 0, sectionCount, atom);
        return i >= 0 ? i : -1;
    }

    /**
     * Gives an atom a run of relocations added to {@link #relocs} directly, before the file was
     * registered (by a reader that decodes them in parallel with other files).
     *
     * @param atom the atom patched
     * @param first its first relocation
     * @param count how many
     */
    public void attachRelocations(int atom, int first, int count) {
        if (atoms.relCount(atom) != 0) {
            throw new IllegalStateException("atom " + atom + " already has relocations");
        }
        atoms.relStart[atom] = first;
        atoms.setRelCount(atom, count);
    }

    @Override
    public ByteBuffer nameBytes() {
        return data;
    }

    @Override
    public void copyAtomBytes(AtomTable atoms, int atom, long from, ByteBuffer out, int outPos, int length) {
        out.put(outPos, data, atoms.source[atom] + (int) from, length);
    }
}
