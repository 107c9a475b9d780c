package dev.rivet.linker.core.output;

import dev.rivet.linker.SymbolKind;
import dev.rivet.linker.core.symbols.AtomTable;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.Function;

/**
 * One output section: its live atoms in a deterministic order (input order), their offsets, and
 * the address and file offset the format gives it.
 */
public final class OutputSection {
    /** The section's name, such as {@code .text}. */
    public final String name;
    /** The kind of every atom in it. */
    public final SymbolKind kind;
    /** The atoms, in layout order. */
    public final int[] atoms;
    /** Size in memory. */
    public long size;
    /** The largest alignment of its atoms. */
    public long alignment = 1;
    /** Virtual address. */
    public long address;
    /** Offset in the file; meaningless for sections without bytes. */
    public long fileOffset;
    /** The format's index for it (the ELF section header index, say). */
    public int index;

    OutputSection(String name, SymbolKind kind, int[] atoms) {
        this.name = name;
        this.kind = kind;
        this.atoms = atoms;
    }

    /** {@return whether the section takes no file space} */
    public boolean noBits() {
        return !kind.hasBytes();
    }

    /**
     * Groups the live atoms by kind, in atom order, and packs each group: every atom gets its
     * section-relative offset (in {@link AtomTable#address}) and each section its size and alignment.
     *
     * @param ctx the link
     * @param nameOf the output section name for a kind
     * @return a section for every kind that has live atoms
     */
    public static Map<SymbolKind, OutputSection> collect(LinkContext ctx, Function<SymbolKind, String> nameOf) {
        AtomTable at = ctx.atoms;
        int kinds = SymbolKind.values().length;
        int[] counts = new int[kinds];
        for (int a = at.alive.nextSetBit(1); a >= 0; a = at.alive.nextSetBit(a + 1)) {
            counts[at.kind[a]]++;
        }
        int[][] lists = new int[kinds][];
        for (int k = 0; k < kinds; k++) {
            lists[k] = new int[counts[k]];
        }
        Arrays.fill(counts, 0);
        for (int a = at.alive.nextSetBit(1); a >= 0; a = at.alive.nextSetBit(a + 1)) {
            int k = at.kind[a];
            lists[k][counts[k]++] = a;
        }
        Map<SymbolKind, OutputSection> out = new EnumMap<>(SymbolKind.class);
        for (SymbolKind k : SymbolKind.values()) {
            int[] list = lists[k.ordinal()];
            if (list.length == 0 || k == SymbolKind.ABSOLUTE || k == SymbolKind.UNDEFINED) {
                continue;
            }
            OutputSection sec = new OutputSection(nameOf.apply(k), k, list);
            long off = 0;
            for (int a : list) {
                long align = at.alignment(a);
                off = (off + align - 1) & -align;
                at.address[a] = off;
                off += at.size[a];
                sec.alignment = Math.max(sec.alignment, align);
            }
            sec.size = off;
            out.put(k, sec);
        }
        return out;
    }

    /**
     * Places the section: sets its address and file offset and turns its atoms' offsets into
     * addresses.
     *
     * @param ctx the link
     * @param addr the virtual address, aligned to {@link #alignment}
     * @param offset the file offset
     */
    public void place(LinkContext ctx, long addr, long offset) {
        address = addr;
        fileOffset = offset;
        long[] address = ctx.atoms.address;
        for (int a : atoms) {
            address[a] += addr;
        }
    }
}
