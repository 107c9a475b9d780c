package dev.rivet.linker.elf;

import dev.rivet.linker.SymbolKind;
import dev.rivet.linker.core.output.LinkContext;
import dev.rivet.linker.core.output.OutputSection;
import dev.rivet.linker.core.output.SyntheticAtoms;
import dev.rivet.linker.core.symbols.InputFile;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * {@code .eh_frame_hdr} and its PT_GNU_EH_FRAME segment: a table of (function start, FDE) pairs
 * sorted by start, which unwinders search instead of walking {@code .eh_frame}. Its size is known
 * at layout from the inputs' FDE counts; the table is filled in last, from the written
 * {@code .eh_frame}, whose FDEs are decoded with their CIEs' pointer encodings.
 */
final class EhFrameHeader {
    static final String SECTION = ".eh_frame_hdr";
    private static final int HEADER = 12;

    // DWARF pointer encodings
    private static final int ABSPTR = 0x00;
    private static final int UDATA4 = 0x03;
    private static final int SDATA4 = 0x0b;
    private static final int SDATA8 = 0x0c;
    private static final int UDATA8 = 0x04;
    private static final int PCREL = 0x10;
    private static final int DATAREL = 0x30;

    private EhFrameHeader() { }

    /** Reserves the section when the link has FDEs: the version byte, encodings, pointer, count and table. */
    static void create(LinkContext ctx) {
        int fdes = 0;
        for (int fi = 1; fi < ctx.symbols.fileCount(); fi++) {
            InputFile f = ctx.symbols.file(fi);
            if (f instanceof ElfObjectFile e) {
                for (int k = 0; k < e.conditionalAtoms.length; k++) {
                    if (ctx.atoms.alive.get(e.conditionalAtoms[k])) {
                        fdes += e.frameDescriptions[k];
                    }
                }
            }
        }
        if (fdes == 0) {
            SyntheticAtoms.retire(ctx, SECTION);
            return;
        }
        SyntheticAtoms.make(ctx, SECTION, SymbolKind.RODATA, Elf.SHT_PROGBITS, Elf.SHF_ALLOC, 4, HEADER + 8L * fdes, out -> { });
    }

    /** After everything is written: fills in the header and the sorted table. */
    static void finish(List<OutputSection> sections, ByteBuffer out) {
        OutputSection hdr = find(sections, SECTION);
        OutputSection frames = find(sections, ".eh_frame");
        if (hdr == null || frames == null) {
            return;
        }
        int capacity = (int) ((hdr.size - HEADER) / 8);
        long[] start = new long[capacity];
        long[] fde = new long[capacity];
        int n = 0;
        int base = (int) frames.fileOffset;
        long pos = 0;
        long lastCie = -1; // an input's FDEs share its CIE: its encoding is read once
        int lastEnc = -1;
        while (pos + 8 <= frames.size && n < capacity) {
            long length = Integer.toUnsignedLong(out.getInt(base + (int) pos));
            if (length == 0 || length == 0xffffffffL || pos + 4 + length > frames.size) {
                break;
            }
            int id = out.getInt(base + (int) pos + 4);
            if (id != 0) {
                long ciePos = pos + 4 - Integer.toUnsignedLong(id);
                if (ciePos != lastCie) {
                    lastCie = ciePos;
                    lastEnc = ciePos >= 0 ? pointerEncoding(out, base + (int) ciePos) : -1;
                }
                int enc = lastEnc;
                if (enc >= 0) {
                    long field = frames.address + pos + 8;
                    long value = read(out, base + (int) pos + 8, enc, field);
                    // 0: the FDE of a function that was dropped (dead, or a discarded COMDAT copy).
                    if (value != Long.MIN_VALUE && value != 0) {
                        start[n] = value;
                        fde[n] = frames.address + pos;
                        n++;
                    }
                }
            }
            pos += 4 + length;
        }
        int[] order = orderByStart(start, n);
        int h = (int) hdr.fileOffset;
        out.put(h, (byte) 1);                                 // version
        out.put(h + 1, (byte) (PCREL | SDATA4));              // eh_frame_ptr
        out.put(h + 2, (byte) UDATA4);                        // fde_count
        out.put(h + 3, (byte) (DATAREL | SDATA4));            // table entries, relative to the header
        out.putInt(h + 4, (int) (frames.address - (hdr.address + 4)));
        out.putInt(h + 8, n);
        for (int i = 0; i < n; i++) {
            int k = order == null ? i : order[i];
            out.putInt(h + HEADER + 8 * i, (int) (start[k] - hdr.address));
            out.putInt(h + HEADER + 8 * i + 4, (int) (fde[k] - hdr.address));
        }
    }

    /**
     * {@return the entries' order by function start, or null if they are in that order already}
     * (as usual: code and frames are laid out in input order alike). A stable radix sort: equal
     * starts keep their order, as before with a stable sort of boxed indices, a tenth as fast.
     */
    private static int[] orderByStart(long[] start, int n) {
        int i = 1;
        while (i < n && start[i - 1] <= start[i]) {
            i++;
        }
        if (i >= n) {
            return null;
        }
        int[] order = new int[n];
        for (int k = 0; k < n; k++) {
            order[k] = k;
        }
        it.unimi.dsi.fastutil.longs.LongArrays.radixSortIndirect(order, start, 0, n, true);
        return order;
    }

    /** The FDE pointer encoding of a CIE (its 'R' augmentation), or -1 if it cannot be read. */
    private static int pointerEncoding(ByteBuffer out, int cie) {
        int p = cie + 8;
        if (out.get(p++) == 0) {                       // version read; augmentation string follows
            return -1;
        }
        int augStart = p;
        StringBuilder aug = new StringBuilder();
        while (out.get(p) != 0) {
            aug.append((char) out.get(p++));
            if (p - augStart > 16) {
                return -1;
            }
        }
        p++;
        if (aug.length() == 0 || aug.charAt(0) != 'z') {
            return ABSPTR;
        }
        p = skipLeb(out, p);                            // code alignment
        p = skipLeb(out, p);                            // data alignment
        p = skipLeb(out, p);                            // return address register (uleb in version 3; a byte in 1 is also < 0x80)
        p = skipLeb(out, p);                            // augmentation length
        for (int i = 1; i < aug.length(); i++) {
            switch (aug.charAt(i)) {
                case 'R' -> {
                    return Byte.toUnsignedInt(out.get(p));
                }
                case 'L' -> p++;
                case 'P' -> {
                    int penc = Byte.toUnsignedInt(out.get(p++));
                    p += size(penc);
                }
                case 'S', 'B' -> { }
                default -> {
                    return -1;
                }
            }
        }
        return ABSPTR;
    }

    private static int skipLeb(ByteBuffer out, int p) {
        while ((out.get(p++) & 0x80) != 0) {
            // continuation
        }
        return p;
    }

    private static int size(int enc) {
        return switch (enc & 0x0f) {
            case ABSPTR, UDATA8, SDATA8 -> 8;
            case UDATA4, SDATA4 -> 4;
            case 0x02, 0x0a -> 2;
            default -> 8;
        };
    }

    /** Decodes a pointer; Long.MIN_VALUE for an encoding not handled here. */
    private static long read(ByteBuffer out, int at, int enc, long fieldAddress) {
        long v = switch (enc & 0x0f) {
            case SDATA4 -> out.getInt(at);
            case UDATA4 -> Integer.toUnsignedLong(out.getInt(at));
            case ABSPTR, UDATA8, SDATA8 -> out.getLong(at);
            default -> Long.MIN_VALUE;
        };
        if (v == Long.MIN_VALUE) {
            return v;
        }
        return switch (enc & 0x70) {
            case 0 -> v;
            case PCREL -> v + fieldAddress;
            default -> Long.MIN_VALUE;
        };
    }

    private static OutputSection find(List<OutputSection> sections, String name) {
        for (OutputSection s : sections) {
            if (s.name.equals(name)) {
                return s;
            }
        }
        return null;
    }
}
