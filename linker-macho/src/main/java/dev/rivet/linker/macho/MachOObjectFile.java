package dev.rivet.linker.macho;

import dev.rivet.linker.core.symbols.AtomTable;
import dev.rivet.linker.core.symbols.ObjectFile;
import dev.rivet.linker.core.symbols.SymbolTable;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A Mach-O relocatable object: an {@link ObjectFile} whose atoms remember the section they were
 * cut from ({@code __TEXT,__text}) and where in it they start, for messages.
 */
final class MachOObjectFile extends ObjectFile {
    /** Per atom of this file (by its index in the file): its input section's name. */
    String[] atomSection = new String[8];
    /** Per atom of this file: its offset in that section. */
    long[] atomStart = new long[8];

    MachOObjectFile(String name, ByteBuffer data, AtomTable atoms) {
        super(name, data, atoms);
    }

    /** Records where the atom with this index in the file came from. */
    void noteAtom(int local, String section, long start) {
        if (local >= atomSection.length) {
            int n = Math.max(local + 1, atomSection.length * 2);
            atomSection = Arrays.copyOf(atomSection, n);
            atomStart = Arrays.copyOf(atomStart, n);
        }
        atomSection[local] = section;
        atomStart[local] = start;
    }

    /** Names the closest symbol at or before the place in its atom, and the place in the section: {@code '_f'+0x8 (__TEXT,__text+0x28)}. */
    @Override
    public String describe(AtomTable atoms, SymbolTable symbols, int atom, long offset) {
        int local = sectionOf(atom);
        String section = local < atomSection.length && atomSection[local] != null ? atomSection[local] : "section " + local;
        long start = local < atomStart.length ? atomStart[local] : 0;
        String where = "(" + section + "+0x" + Long.toHexString(start + offset) + ")";
        int best = -1;
        for (int l = 0; l < symCount; l++) {
            if (symAtom[l] == atom && value(l) <= offset && (symFlags[l] & NOT_IN_SYMTAB) == 0
                    && (best < 0 || value(l) > value(best))) {
                best = l;
            }
        }
        if (best < 0) {
            return where;
        }
        long delta = offset - value(best);
        return "'" + symbols.name(localToGlobal[best]) + "'" + (delta == 0 ? "" : "+0x" + Long.toHexString(delta)) + " " + where;
    }
}
