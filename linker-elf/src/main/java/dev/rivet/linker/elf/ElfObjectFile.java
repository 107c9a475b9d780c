package dev.rivet.linker.elf;

import dev.rivet.linker.core.symbols.AtomTable;
import dev.rivet.linker.core.symbols.ObjectFile;
import dev.rivet.linker.core.symbols.SymbolTable;
import java.nio.ByteBuffer;

/** An ELF relocatable object: an {@link ObjectFile} that knows its section names, for messages. */
final class ElfObjectFile extends ObjectFile {
    /** The section name of each of this file's atoms, in the order the atoms were added. */
    String[] atomSectionNames = new String[0];
    /** FDE records in each of {@code conditionalAtoms} (the .eh_frame atoms), for .eh_frame_hdr's size. */
    int[] frameDescriptions = new int[0];
    /**
     * Versions that {@code .symver} gave definitions, by local index: {@code foo@@V} (bound as
     * {@code foo}, the default version) and {@code foo@V} (a hidden one, which keeps its name).
     */
    final java.util.Map<Integer, String> symbolVersions = new java.util.HashMap<>();

    ElfObjectFile(String name, ByteBuffer data, AtomTable atoms) {
        super(name, data, atoms);
    }

    @Override
    public String version(int l) {
        return symbolVersions.isEmpty() ? null : symbolVersions.get(l);
    }

    @Override
    public String describe(AtomTable atoms, SymbolTable symbols, int atom, long offset) {
        int local = atoms.fileLocal[atom];
        String section = local < atomSectionNames.length ? atomSectionNames[local] : "section " + local;
        String where = "(" + section + "+0x" + Long.toHexString(offset) + ")";
        // Name the function or object that contains the place, as lld does.
        for (int l = 0; l < symCount; l++) {
            if (symAtom[l] == atom && value(l) <= offset && offset < value(l) + Math.max(1, size(l))
                    && (symFlags[l] & NOT_IN_SYMTAB) == 0) {
                return "'" + symbols.name(localToGlobal[l]) + "' " + where;
            }
        }
        return where;
    }
}
