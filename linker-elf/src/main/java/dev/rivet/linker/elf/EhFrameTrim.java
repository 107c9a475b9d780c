package dev.rivet.linker.elf;

import dev.rivet.linker.core.output.LinkContext;
import dev.rivet.linker.core.symbols.AtomTable;
import dev.rivet.linker.core.symbols.Relocations;
import it.unimi.dsi.fastutil.ints.IntArrayList;

/**
 * Drops from each input's {@code .eh_frame} the FDEs of functions that are not in the output
 * (dead-stripped, or the discarded copy of a COMDAT group), as GNU ld and lld do: unwinders never
 * need them, and {@code .eh_frame_hdr} must not list them. The atom keeps its CIEs and live FDEs,
 * in order; its size and relocations shrink to match, and {@link ElfObjectFile#copyAtomBytes}
 * copies the kept records and rewrites each FDE's CIE pointer, which is a distance within the
 * section rather than a relocation.
 */
final class EhFrameTrim {
    private EhFrameTrim() { }

    /** What a trim changed in an atom, to copy it and to undo it before the next link of the same inputs. */
    record Trimmed(int[] plan, int dropped, long size, Relocations relocations) { }

    static void run(LinkContext ctx) {
        for (int fi = 1; fi < ctx.symbols.fileCount(); fi++) {
            if (ctx.symbols.file(fi) instanceof ElfObjectFile f) {
                restore(ctx.atoms, f);
                for (int k = 0; k < f.conditionalAtoms.length; k++) {
                    trim(ctx, f, k);
                }
            }
        }
    }

    /** Puts back what the previous link of these inputs trimmed: liveness may differ this time. */
    private static void restore(AtomTable at, ElfObjectFile f) {
        if (f.trimmedFrames.isEmpty()) {
            return;
        }
        for (var e : f.trimmedFrames.int2ObjectEntrySet()) {
            int a = e.getIntKey();
            Trimmed t = e.getValue();
            f.relocs.restore(at.relStart[a], t.relocations);
            at.setRelCount(a, t.relocations.count);
            at.setSize(a, t.size);
        }
        for (int k = 0; k < f.conditionalAtoms.length; k++) {
            Trimmed t = f.trimmedFrames.get(f.conditionalAtoms[k]);
            if (t != null) {
                f.frameDescriptions[k] += t.dropped;
            }
        }
        f.trimmedFrames.clear();
    }

    private static void trim(LinkContext ctx, ElfObjectFile f, int k) {
        AtomTable at = ctx.atoms;
        int a = f.conditionalAtoms[k];
        if (at.discarded.get(a) || !at.alive.get(a)) {
            return;
        }
        int size = (int) at.size(a);
        // The records as the reader split them; a terminator or padding after them is kept as it is.
        int[] recordStarts = f.frameRecordStarts[k];
        int[] recordCie = f.frameRecordCie[k];
        int records = recordStarts.length - 1;
        int tail = recordStarts[records];
        IntArrayList starts = IntArrayList.wrap(recordStarts, records);
        boolean[] keep = new boolean[records];
        java.util.Arrays.fill(keep, true);
        int[] anchor = f.anchors[k];
        int first = at.relStart[a];
        int dropped = 0;
        for (int i = 0; i < anchor.length; i++) {
            if (anchor[i] != i) {
                continue; // only an FDE's pc_begin decides
            }
            int target = f.relocationTarget(first + i);
            int ta = ctx.symbolAtom[target];
            if (ta == 0 || !at.alive.get(ta) || at.discarded.get(ta)) {
                int rec = recordAt(starts, f.relocs.offset[first + i]);
                if (rec >= 0 && keep[rec]) {
                    keep[rec] = false;
                    dropped++;
                }
            }
        }
        if (dropped == 0) {
            return;
        }
        // New places of the kept records; -1 for the dropped.
        int[] newStart = new int[records];
        int out = 0;
        for (int r = 0; r < records; r++) {
            int end = r + 1 < records ? starts.getInt(r + 1) : tail;
            newStart[r] = keep[r] ? out : -1;
            out += keep[r] ? end - starts.getInt(r) : 0;
        }
        // CIE pointers: an FDE's second word is the distance back from that word to its CIE.
        int[] ciePointer = new int[records];
        for (int r = 0; r < records; r++) {
            if (!keep[r] || recordCie[r] < 0) {
                continue;
            }
            int cie = java.util.Arrays.binarySearch(recordStarts, 0, records, recordCie[r]);
            if (cie < 0 || newStart[cie] < 0) {
                return; // not a CIE this section has: leave the section as the reader took it
            }
            ciePointer[r] = newStart[r] + 4 - newStart[cie];
        }
        int newSize = out + (size - tail);
        // Relocations of kept records move with them; those of dropped ones go.
        Relocations rel = f.relocs;
        int count = at.relCount(a);
        Relocations saved = rel.save(first, count);
        int w = first;
        for (int i = first, end = first + at.relCount(a); i < end; i++) {
            int off = rel.offset[i];
            int rec = recordAt(starts, off);
            int moved;
            if (rec >= 0 && off < (rec + 1 < records ? starts.getInt(rec + 1) : tail)) {
                if (!keep[rec]) {
                    continue;
                }
                moved = newStart[rec] + off - starts.getInt(rec);
            } else {
                moved = off - tail + out; // in the tail
            }
            rel.copy(i, w);
            rel.offset[w] = moved;
            w++;
        }
        at.setRelCount(a, w - first);
        at.setSize(a, newSize);
        f.frameDescriptions[k] -= dropped;
        // The copy plan: (source offset, length, output offset) per kept run, CIE pointers to write.
        IntArrayList plan = new IntArrayList();
        for (int r = 0; r < records; r++) {
            if (keep[r]) {
                int s = starts.getInt(r);
                int end = r + 1 < records ? starts.getInt(r + 1) : tail;
                plan.add(s);
                plan.add(end - s);
                plan.add(newStart[r]);
                plan.add(ciePointer[r]); // 0 for a CIE: its word is its id, 0, and is copied
            }
        }
        plan.add(tail);
        plan.add(size - tail);
        plan.add(out);
        plan.add(0);
        f.trimmedFrames.put(a, new Trimmed(plan.toIntArray(), dropped, size, saved));
    }

    /** {@return the record starting at or before off, or -1} */
    private static int recordAt(IntArrayList starts, int off) {
        int r = java.util.Arrays.binarySearch(starts.elements(), 0, starts.size(), off);
        return r >= 0 ? r : -r - 2;
    }

    /**
     * Copies a trimmed {@code .eh_frame} atom.
     *
     * @param plan the runs, 4 ints each: source offset, length, output offset, CIE pointer (0: keep)
     */
    static void copy(java.nio.ByteBuffer data, long source, int[] plan, java.nio.ByteBuffer out, int outPos) {
        for (int i = 0; i < plan.length; i += 4) {
            out.put(outPos + plan[i + 2], data, (int) (source + plan[i]), plan[i + 1]);
            if (plan[i + 3] != 0) {
                out.putInt(outPos + plan[i + 2] + 4, plan[i + 3]);
            }
        }
    }
}
