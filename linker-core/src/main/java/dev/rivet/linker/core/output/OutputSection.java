package dev.rivet.linker.core.output;

import dev.rivet.linker.SymbolKind;
import dev.rivet.linker.core.symbols.AtomTable;
import dev.rivet.linker.core.symbols.SectionTable;
import it.unimi.dsi.fastutil.ints.IntArrayList;
import it.unimi.dsi.fastutil.objects.Object2IntOpenHashMap;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * One output section: its live atoms in a deterministic order (input order), their offsets, and
 * the address and file offset the format gives it. Input sections with the same output name
 * (registered in the {@link SectionTable}, or the format's default name for a builder atom's
 * kind) are merged into one.
 */
public final class OutputSection {
    /** The section's name, such as {@code .text}. */
    public final String name;
    /** The kind of content: that of its first atom with bytes, else of its first atom. */
    public final SymbolKind kind;
    /** The format's section type as registered by readers (ELF {@code sh_type}), 0 if none was. */
    public final int type;
    /** The format's flags as registered by readers (ELF {@code sh_flags}), 0 if none were. */
    public final long flags;
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

    OutputSection(String name, SymbolKind kind, int type, long flags, int[] atoms) {
        this.name = name;
        this.kind = kind;
        this.type = type;
        this.flags = flags;
        this.atoms = atoms;
    }

    /** {@return whether the section takes no file space: none of its atoms has bytes} */
    public boolean noBits() {
        return !kind.hasBytes();
    }

    /**
     * Groups the live atoms into output sections by name, in the order each name first appears
     * among the atoms, keeps atom order within each, and packs them: every atom gets its
     * section-relative offset (in {@link LinkContext#atomAddress}) and each section its size and
     * alignment. Also sets {@link LinkContext#atomOutput}.
     *
     * @param ctx the link
     * @param defaultName the format's section name for builder atoms of a kind
     * @return the output sections
     */
    public static List<OutputSection> collect(LinkContext ctx, Function<SymbolKind, String> defaultName) {
        AtomTable at = ctx.atoms;
        SectionTable table = ctx.loader.sections;
        int[] outOfId = new int[table.count()];
        int[] outOfKind = new int[SymbolKind.values().length];
        Object2IntOpenHashMap<String> outOfName = new Object2IntOpenHashMap<>();
        outOfName.defaultReturnValue(-1);
        List<String> names = new ArrayList<>();
        IntArrayList sizes = new IntArrayList();
        int[] atomOutput = ctx.atomOutputArray(at.count);
        java.util.Arrays.fill(atomOutput, 0, at.count, -1);
        for (int a = at.alive.nextSetBit(1); a >= 0; a = at.alive.nextSetBit(a + 1)) {
            int id = at.section[a];
            int k = at.kind[a];
            // Cached as index + 1, so that 0 means "not seen yet".
            int out = id != 0 ? outOfId[id] - 1 : outOfKind[k] - 1;
            if (out < 0) {
                String name = id != 0 ? table.name(id) : defaultName.apply(at.kind(a));
                out = outOfName.getInt(name);
                if (out < 0) {
                    out = names.size();
                    names.add(name);
                    sizes.add(0);
                    outOfName.put(name, out);
                }
                if (id != 0) {
                    outOfId[id] = out + 1;
                } else {
                    outOfKind[k] = out + 1;
                }
            }
            sizes.set(out, sizes.getInt(out) + 1);
            atomOutput[a] = out;
        }
        // Each section's atoms in one array of the exact size, filled in a second pass.
        int[][] members = new int[names.size()][];
        for (int i = 0; i < members.length; i++) {
            members[i] = new int[sizes.getInt(i)];
        }
        int[] filled = new int[members.length];
        for (int a = at.alive.nextSetBit(1); a >= 0; a = at.alive.nextSetBit(a + 1)) {
            int out = atomOutput[a];
            members[out][filled[out]++] = a;
        }
        ctx.atomOutput = atomOutput;
        ctx.startAtomAddresses();
        long[] address = ctx.atomAddress;
        List<OutputSection> result = new ArrayList<>(names.size());
        for (int i = 0; i < names.size(); i++) {
            int[] list = members[i];
            inputOrder(ctx, list);
            SymbolKind kind = at.kind(list[0]);
            int type = 0;
            long flags = 0;
            for (int a : list) {
                if (!kind.hasBytes() && at.kind(a).hasBytes()) {
                    kind = at.kind(a);
                }
                int id = at.section[a];
                if (id != 0) {
                    type = type == 0 ? table.type(id) : type;
                    flags |= table.flags(id);
                }
            }
            OutputSection sec = new OutputSection(names.get(i), kind, type, flags, list);
            long off = 0;
            for (int a : list) {
                long align = at.alignment(a);
                off = (off + align - 1) & -align;
                address[a] = off;
                off += at.size(a);
                sec.alignment = Math.max(sec.alignment, align);
            }
            sec.size = off;
            result.add(sec);
        }
        return result;
    }

    /**
     * Orders a section's atoms by rank (init/fini array priorities), then their file's input
     * position, then atom index (stable): atoms of archive members loaded during resolution go
     * where their archive was given. Usually already in order, which is checked first.
     */
    private static void inputOrder(LinkContext ctx, int[] list) {
        AtomTable at = ctx.atoms;
        var st = ctx.symbols;
        boolean ranked = !at.rank.isEmpty();
        int lastRank = Integer.MIN_VALUE;
        long last = Long.MIN_VALUE;
        boolean sorted = true;
        for (int a : list) {
            int r = ranked ? at.rank.get(a) : AtomTable.DEFAULT_RANK;
            long o = st.file(at.file(a)).order;
            if (r < lastRank || (r == lastRank && o < last)) {
                sorted = false;
                break;
            }
            lastRank = r;
            last = o;
        }
        if (!sorted) {
            it.unimi.dsi.fastutil.ints.IntArrays.mergeSort(list, (x, y) -> {
                int c = Integer.compare(at.rank.get(x), at.rank.get(y));
                return c != 0 ? c : Long.compare(st.file(at.file(x)).order, st.file(at.file(y)).order);
            });
        }
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
        long[] address = ctx.atomAddress;
        for (int a : atoms) {
            address[a] += addr;
        }
    }
}
