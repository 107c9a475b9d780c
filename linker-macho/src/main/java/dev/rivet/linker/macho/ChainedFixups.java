package dev.rivet.linker.macho;

import it.unimi.dsi.fastutil.ints.IntArrayList;
import it.unimi.dsi.fastutil.longs.LongArrayList;
import it.unimi.dsi.fastutil.objects.Object2IntLinkedOpenHashMap;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * {@code LC_DYLD_CHAINED_FIXUPS} (macOS 12 and later): instead of opcode streams, every pointer
 * dyld fixes holds its fixup, {@code DYLD_CHAINED_PTR_64}: a rebase's unslid target, or a bind's
 * import index and small addend, and the distance to the next fixup in its page; a blob in
 * {@code __LINKEDIT} lists the imports and, per segment, where each page's chain starts. Nothing is
 * bound lazily. Fixups are collected during layout; {@link #write} replaces the pointers' values
 * (rebase targets read from what the atoms wrote) once the image is written.
 */
final class ChainedFixups {
    private static final int DYLD_CHAINED_PTR_64 = 2;
    private static final int DYLD_CHAINED_IMPORT = 1;
    private static final int DYLD_CHAINED_IMPORT_ADDEND = 2;
    private static final int DYLD_CHAINED_IMPORT_ADDEND64 = 3;
    private static final int DYLD_CHAINED_PTR_START_NONE = 0xffff;
    private static final int HEADER_SIZE = 28;
    /** Ordinal of a weak bind: whichever image defines the symbol first. */
    static final int BIND_SPECIAL_DYLIB_WEAK_LOOKUP = -3;

    private record Import(int ordinal, String name, boolean weak, long addend) { }

    // Fixups in the order given; a later one at the same address replaces an earlier one.
    private final LongArrayList address = new LongArrayList();
    private final IntArrayList importIndex = new IntArrayList(); // -1 for a rebase
    private final LongArrayList inlineAddend = new LongArrayList();
    private final List<Import> pending = new java.util.ArrayList<>();
    private final Object2IntLinkedOpenHashMap<Import> imports = new Object2IntLinkedOpenHashMap<>();
    private int format;
    private long[] sortedAddress;
    private long[] sortedValue; // the fixup without its target (rebases) and its next field
    private boolean[] sortedRebase;

    void rebase(long at) {
        address.add(at);
        importIndex.add(-1);
        inlineAddend.add(0);
        pending.add(null);
    }

    void bind(long at, int ordinal, String name, boolean weakImport, long addend) {
        address.add(at);
        importIndex.add(0); // numbered in encode, once the imports format is known
        inlineAddend.add(addend);
        pending.add(new Import(ordinal, name, weakImport, addend));
    }

    /**
     * Encodes the blob and prepares each pointer's value.
     *
     * @param segments the segments, in load-command order (their index is the blob's segment index)
     * @param base the image's address (__TEXT's)
     * @param page the page size chains are cut at
     * @return the blob for LC_DYLD_CHAINED_FIXUPS, padded to 8
     */
    byte[] encode(List<MachOLayout.Segment> segments, long base, long page) {
        long maxAddend = 0;
        long minAddend = 0;
        long nameBytes = 1;
        for (Import i : pending) {
            if (i != null) {
                maxAddend = Math.max(maxAddend, i.addend());
                minAddend = Math.min(minAddend, i.addend());
                nameBytes += i.name().getBytes(StandardCharsets.UTF_8).length + 1;
            }
        }
        // The smallest format that holds every addend and name offset.
        format = minAddend >= 0 && maxAddend < 256 && nameBytes < (1 << 23) ? DYLD_CHAINED_IMPORT
                : minAddend >= Integer.MIN_VALUE && maxAddend <= Integer.MAX_VALUE && nameBytes < (1 << 23)
                        ? DYLD_CHAINED_IMPORT_ADDEND : DYLD_CHAINED_IMPORT_ADDEND64;
        for (int k = 0; k < pending.size(); k++) {
            Import i = pending.get(k);
            if (i != null) {
                Import key = format == DYLD_CHAINED_IMPORT ? new Import(i.ordinal(), i.name(), i.weak(), 0) : i;
                int index = imports.getOrDefault(key, -1);
                if (index < 0) {
                    index = imports.size();
                    imports.put(key, index);
                }
                importIndex.set(k, index);
            }
        }
        // The last fixup at each address, in address order.
        int n = address.size();
        int[] order = new int[n];
        for (int k = 0; k < n; k++) {
            order[k] = k;
        }
        it.unimi.dsi.fastutil.ints.IntArrays.mergeSort(order, (x, y) -> Long.compare(address.getLong(x), address.getLong(y))); // stable
        LongArrayList at = new LongArrayList();
        IntArrayList which = new IntArrayList();
        for (int k = 0; k < n; k++) {
            int f = order[k];
            if (k + 1 < n && address.getLong(order[k + 1]) == address.getLong(f)) {
                continue; // replaced by a later one
            }
            at.add(address.getLong(f));
            which.add(f);
        }
        int m = at.size();
        sortedAddress = at.toLongArray();
        sortedValue = new long[m];
        sortedRebase = new boolean[m];

        DyldInfo.Out starts = new DyldInfo.Out();
        starts.u32(segments.size());
        int[] segInfoAt = new int[segments.size()];
        starts.zeros(4 * segments.size());
        int k = 0;
        for (int s = 0; s < segments.size(); s++) {
            MachOLayout.Segment seg = segments.get(s);
            long end = seg.vmaddr + seg.vmsize;
            if (k >= m || sortedAddress[k] >= end || seg.vmsize == 0) {
                continue;
            }
            int pages = (int) ((seg.vmsize + page - 1) / page);
            int[] pageStart = new int[pages];
            java.util.Arrays.fill(pageStart, DYLD_CHAINED_PTR_START_NONE);
            while (k < m && sortedAddress[k] < end) {
                long a = sortedAddress[k];
                int p = (int) ((a - seg.vmaddr) / page);
                if (pageStart[p] == DYLD_CHAINED_PTR_START_NONE) {
                    pageStart[p] = (int) (a - seg.vmaddr - (long) p * page);
                }
                boolean samePageNext = k + 1 < m && sortedAddress[k + 1] < end && (sortedAddress[k + 1] - seg.vmaddr) / page == p;
                long next = samePageNext ? (sortedAddress[k + 1] - a) / 4 : 0;
                int f = which.getInt(k);
                long v = next << 51;
                if (importIndex.getInt(f) < 0) {
                    sortedRebase[k] = true;
                } else {
                    long addend = format == DYLD_CHAINED_IMPORT ? inlineAddend.getLong(f) & 0xff : 0;
                    v |= 1L << 63 | addend << 24 | importIndex.getInt(f);
                }
                sortedValue[k] = v;
                k++;
            }
            starts.align(8);
            segInfoAt[s] = starts.size();
            starts.u32(22 + 2 * pages);
            starts.u16((int) page);
            starts.u16(DYLD_CHAINED_PTR_64);
            starts.u64(seg.vmaddr - base);
            starts.u32(0);
            starts.u16(pages);
            for (int ps : pageStart) {
                starts.u16(ps);
            }
        }
        byte[] startsBytes = starts.toByteArray();
        ByteBuffer sb = ByteBuffer.wrap(startsBytes).order(ByteOrder.LITTLE_ENDIAN);
        for (int s = 0; s < segments.size(); s++) {
            sb.putInt(4 + 4 * s, segInfoAt[s]);
        }

        DyldInfo.Out table = new DyldInfo.Out();
        DyldInfo.Out names = new DyldInfo.Out();
        names.write(0);
        for (Import i : imports.keySet()) {
            int nameOffset = names.size();
            byte[] nb = i.name().getBytes(StandardCharsets.UTF_8);
            names.write(nb, 0, nb.length);
            names.write(0);
            int ordinal = i.ordinal();
            switch (format) {
                case DYLD_CHAINED_IMPORT -> table.u32((ordinal & 0xff) | (i.weak() ? 1 << 8 : 0) | nameOffset << 9);
                case DYLD_CHAINED_IMPORT_ADDEND -> {
                    table.u32((ordinal & 0xff) | (i.weak() ? 1 << 8 : 0) | nameOffset << 9);
                    table.u32((int) i.addend());
                }
                default -> {
                    table.u64((ordinal & 0xffffL) | (i.weak() ? 1L << 16 : 0) | (long) nameOffset << 32);
                    table.u64(i.addend());
                }
            }
        }
        int startsOffset = 32;
        int importsOffset = (int) MachO.align(startsOffset + startsBytes.length, 8);
        int symbolsOffset = importsOffset + table.size();
        DyldInfo.Out blob = new DyldInfo.Out();
        blob.u32(0);
        blob.u32(startsOffset);
        blob.u32(importsOffset);
        blob.u32(symbolsOffset);
        blob.u32(imports.size());
        blob.u32(format);
        blob.u32(0); // uncompressed names
        blob.zeros(startsOffset - HEADER_SIZE);
        blob.write(startsBytes, 0, startsBytes.length);
        blob.align(8);
        byte[] t = table.toByteArray();
        blob.write(t, 0, t.length);
        byte[] nm = names.toByteArray();
        blob.write(nm, 0, nm.length);
        blob.align(8);
        return blob.toByteArray();
    }

    /**
     * Writes every fixup over its pointer; a rebase keeps the target the pointer held.
     *
     * @param out the whole output
     * @param fileOffset turns an address into its file offset
     */
    void write(ByteBuffer out, java.util.function.LongUnaryOperator fileOffset) {
        for (int k = 0; k < sortedAddress.length; k++) {
            int pos = (int) fileOffset.applyAsLong(sortedAddress[k]);
            long v = sortedValue[k];
            if (sortedRebase[k]) {
                long target = out.getLong(pos);
                v |= (target & 0xf_ffff_ffffL) | ((target >>> 56) << 36); // target (36 bits), high8
            }
            out.putLong(pos, v);
        }
    }
}
