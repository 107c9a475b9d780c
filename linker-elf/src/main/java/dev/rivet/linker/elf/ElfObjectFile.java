package dev.rivet.linker.elf;

import dev.rivet.linker.core.symbols.AtomTable;
import dev.rivet.linker.core.symbols.ObjectFile;
import dev.rivet.linker.core.symbols.SymbolTable;
import java.nio.ByteBuffer;

/** An ELF relocatable object: an {@link ObjectFile} that knows its section names, for messages. */
final class ElfObjectFile extends ObjectFile {
    /**
     * Where the section name of each of this file's atoms is in the file (its offset and length,
     * in the order the atoms were added; length -1 for a common symbol's), decoded only for
     * messages: a String per section would cost more than the rest of the atom.
     */
    int[] atomSectionNameOffset = new int[0];
    int[] atomSectionNameLength = new int[0];
    /** FDE records in each of {@code conditionalAtoms} (the .eh_frame atoms), for .eh_frame_hdr's size. */
    int[] frameDescriptions = new int[0];
    /**
     * For each of {@code conditionalAtoms}: where each .eh_frame record starts in the atom, and
     * where the last one ends; and per record, the offset of an FDE's CIE, -1 for a CIE. Kept
     * from the reader for {@link EhFrameTrim}, which would otherwise parse the records again.
     */
    int[][] frameRecordStarts = new int[0][];
    int[][] frameRecordCie = new int[0][];
    /** The FEATURE_1_AND property of its .note.gnu.property (IBT, SHSTK; BTI, PAC), if it has one. */
    int featureAnd;
    boolean hasFeatureAnd;
    /** The x86 ISA levels it needs (ISA_1_NEEDED), 0 for none said. */
    int isaNeeded;
    /** .eh_frame atoms that lost dead FDEs, and how to copy them (see {@link EhFrameTrim}). */
    final it.unimi.dsi.fastutil.ints.Int2ObjectOpenHashMap<EhFrameTrim.Trimmed> trimmedFrames = new it.unimi.dsi.fastutil.ints.Int2ObjectOpenHashMap<>();
    /**
     * Versions that {@code .symver} gave definitions, by local index: {@code foo@@V} (bound as
     * {@code foo}, the default version) and {@code foo@V} (a hidden one, which keeps its name).
     */
    final java.util.Map<Integer, String> symbolVersions = new java.util.HashMap<>();

    ElfObjectFile(String name, ByteBuffer data, AtomTable atoms) {
        super(name, data, atoms);
    }

    @Override
    public void copyAtomBytes(AtomTable atoms, int atom, long from, ByteBuffer out, int outPos, int length) {
        EhFrameTrim.Trimmed t = trimmedFrames.isEmpty() ? null : trimmedFrames.get(atom);
        int[] plan = t == null ? null : t.plan();
        if (plan == null) {
            super.copyAtomBytes(atoms, atom, from, out, outPos, length);
        } else if (from == 0 && length == atoms.size(atom)) {
            EhFrameTrim.copy(data, atoms.source[atom], plan, out, outPos);
        } else {
            // A part of the trimmed atom: build it whole, then take the part.
            ByteBuffer whole = ByteBuffer.allocate((int) atoms.size(atom)).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            EhFrameTrim.copy(data, atoms.source[atom], plan, whole, 0);
            out.put(outPos, whole, (int) from, length);
        }
    }

    /** Records that the next atom is a common symbol's, in the output's COMMON section. */
    void addCommonSectionName() {
        int n = atomSectionNameOffset.length;
        atomSectionNameOffset = java.util.Arrays.copyOf(atomSectionNameOffset, n + 1);
        atomSectionNameLength = java.util.Arrays.copyOf(atomSectionNameLength, n + 1);
        atomSectionNameLength[n] = -1;
    }

    /** {@return the input section name of the file's local-th atom} @param local the atom's index in the file */
    String sectionName(int local) {
        if (local >= atomSectionNameLength.length) {
            return "section " + local;
        }
        int len = atomSectionNameLength[local];
        if (len < 0) {
            return "COMMON";
        }
        byte[] b = new byte[len];
        data.get(atomSectionNameOffset[local], b);
        return new String(b, java.nio.charset.StandardCharsets.UTF_8);
    }

    @Override
    public String version(int l) {
        return symbolVersions.isEmpty() ? null : symbolVersions.get(l);
    }

    @Override
    public String describe(AtomTable atoms, SymbolTable symbols, int atom, long offset) {
        int local = sectionOf(atom);
        String section = sectionName(local);
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
