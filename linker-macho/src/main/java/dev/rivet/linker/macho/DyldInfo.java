package dev.rivet.linker.macho;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The opcode streams of {@code LC_DYLD_INFO_ONLY}: rebases, binds, weak binds and lazy binds, encoded
 * compactly as ld64 does (runs of pointers in one opcode, immediates where they fit). Places are
 * (segment index counting {@code __PAGEZERO}, offset in the segment); every stream ends on an
 * 8-byte boundary.
 */
final class DyldInfo {
    private static final int REBASE_TYPE_POINTER = 1;
    private static final int REBASE_OPCODE_SET_TYPE_IMM = 0x10;
    private static final int REBASE_OPCODE_SET_SEGMENT_AND_OFFSET_ULEB = 0x20;
    private static final int REBASE_OPCODE_ADD_ADDR_ULEB = 0x30;
    private static final int REBASE_OPCODE_ADD_ADDR_IMM_SCALED = 0x40;
    private static final int REBASE_OPCODE_DO_REBASE_IMM_TIMES = 0x50;
    private static final int REBASE_OPCODE_DO_REBASE_ULEB_TIMES = 0x60;
    private static final int REBASE_OPCODE_DO_REBASE_ULEB_TIMES_SKIPPING_ULEB = 0x80;

    static final int BIND_SYMBOL_FLAGS_WEAK_IMPORT = 0x1;
    static final int BIND_SYMBOL_FLAGS_NON_WEAK_DEFINITION = 0x8;
    private static final int BIND_TYPE_POINTER = 1;
    private static final int BIND_OPCODE_DONE = 0x00;
    private static final int BIND_OPCODE_SET_DYLIB_ORDINAL_IMM = 0x10;
    private static final int BIND_OPCODE_SET_DYLIB_ORDINAL_ULEB = 0x20;
    private static final int BIND_OPCODE_SET_DYLIB_SPECIAL_IMM = 0x30;
    private static final int BIND_OPCODE_SET_SYMBOL_TRAILING_FLAGS_IMM = 0x40;
    private static final int BIND_OPCODE_SET_TYPE_IMM = 0x50;
    private static final int BIND_OPCODE_SET_ADDEND_SLEB = 0x60;
    private static final int BIND_OPCODE_SET_SEGMENT_AND_OFFSET_ULEB = 0x70;
    private static final int BIND_OPCODE_ADD_ADDR_ULEB = 0x80;
    private static final int BIND_OPCODE_DO_BIND = 0x90;

    private DyldInfo() { }

    /** One bind: the pointer at (segment, offset) gets the symbol's address in the image of the ordinal, plus the addend. */
    record Bind(int segment, long offset, int ordinal, String name, int flags, long addend) { }

    /**
     * Encodes rebases.
     *
     * @param segment each place's segment index
     * @param offset each place's offset in its segment; places sorted by (segment, offset), no duplicates
     * @param n the number of places
     * @return the opcodes
     */
    static byte[] rebases(int[] segment, long[] offset, int n) {
        Out out = new Out();
        if (n == 0) {
            return out.bytes();
        }
        out.u8(REBASE_OPCODE_SET_TYPE_IMM | REBASE_TYPE_POINTER);
        int seg = -1;
        long cur = 0; // the address the next DO_REBASE would use
        int i = 0;
        while (i < n) {
            if (segment[i] != seg || offset[i] < cur) {
                seg = segment[i];
                out.u8(REBASE_OPCODE_SET_SEGMENT_AND_OFFSET_ULEB | seg);
                out.uleb(offset[i]);
            } else if (offset[i] != cur) {
                long delta = offset[i] - cur;
                if (delta % 8 == 0 && delta / 8 < 16) {
                    out.u8(REBASE_OPCODE_ADD_ADDR_IMM_SCALED | (int) (delta / 8));
                } else {
                    out.u8(REBASE_OPCODE_ADD_ADDR_ULEB);
                    out.uleb(delta);
                }
            }
            // A run of adjacent pointers...
            int run = 1;
            while (i + run < n && segment[i + run] == seg && offset[i + run] == offset[i] + 8L * run) {
                run++;
            }
            if (run > 1 || i + 1 >= n || segment[i + 1] != seg) {
                if (run < 16) {
                    out.u8(REBASE_OPCODE_DO_REBASE_IMM_TIMES | run);
                } else {
                    out.u8(REBASE_OPCODE_DO_REBASE_ULEB_TIMES);
                    out.uleb(run);
                }
                cur = offset[i] + 8L * run;
                i += run;
                continue;
            }
            // ...or of pointers at a fixed stride (a table of structures), which must not pass the next place.
            long stride = offset[i + 1] - offset[i];
            int count = 2;
            while (i + count < n && segment[i + count] == seg && offset[i + count] - offset[i + count - 1] == stride) {
                count++;
            }
            if (i + count < n && segment[i + count] == seg && offset[i + count] < offset[i + count - 1] + stride) {
                count--;
            }
            if (count >= 2) {
                out.u8(REBASE_OPCODE_DO_REBASE_ULEB_TIMES_SKIPPING_ULEB);
                out.uleb(count);
                out.uleb(stride - 8);
                cur = offset[i] + stride * count;
                i += count;
            } else {
                out.u8(REBASE_OPCODE_DO_REBASE_IMM_TIMES | 1);
                cur = offset[i] + 8;
                i++;
            }
        }
        out.u8(0);
        return out.aligned();
    }

    /**
     * Encodes non-lazy binds (or weak binds), grouped by symbol: the ordinal, name and addend are set
     * once for a run of places.
     *
     * @param binds the binds, in any order
     * @return the opcodes
     */
    static byte[] binds(List<Bind> binds) {
        return binds(binds, false);
    }

    /**
     * Binds by name, ordinal, addend, segment and offset, so that the opcodes set each once per
     * run. A class, not a chain of Comparator's combinators: each of those is a lambda that a
     * cold JVM makes at run time unless the AOT cache's training reached it (a few ms each).
     */
    private static final Comparator<Bind> BIND_ORDER = new Comparator<>() {
        @Override
        public int compare(Bind a, Bind b) {
            int c = a.name().compareTo(b.name());
            if (c == 0) {
                c = Integer.compare(a.ordinal(), b.ordinal());
            }
            if (c == 0) {
                c = Long.compare(a.addend(), b.addend());
            }
            if (c == 0) {
                c = Integer.compare(a.segment(), b.segment());
            }
            return c != 0 ? c : Long.compare(a.offset(), b.offset());
        }
    };

    private static byte[] binds(List<Bind> binds, boolean weak) {
        Out out = new Out();
        if (binds.isEmpty()) {
            return out.bytes();
        }
        List<Bind> sorted = new ArrayList<>(binds);
        sorted.sort(BIND_ORDER);
        out.u8(BIND_OPCODE_SET_TYPE_IMM | BIND_TYPE_POINTER);
        String name = null;
        int ordinal = Integer.MIN_VALUE;
        int flags = -1;
        long addend = 0;
        int seg = -1;
        long cur = 0;
        for (Bind b : sorted) {
            if (!weak && b.ordinal() != ordinal) { // weak binds go to whichever image defines the name first
                ordinal(out, b.ordinal());
                ordinal = b.ordinal();
            }
            if (!b.name().equals(name) || b.flags() != flags) {
                symbol(out, b.name(), b.flags());
                name = b.name();
                flags = b.flags();
            }
            if (b.addend() != addend) {
                out.u8(BIND_OPCODE_SET_ADDEND_SLEB);
                out.sleb(b.addend());
                addend = b.addend();
            }
            if (b.segment() != seg || b.offset() < cur) {
                out.u8(BIND_OPCODE_SET_SEGMENT_AND_OFFSET_ULEB | b.segment());
                out.uleb(b.offset());
                seg = b.segment();
            } else if (b.offset() != cur) {
                out.u8(BIND_OPCODE_ADD_ADDR_ULEB);
                out.uleb(b.offset() - cur);
            }
            out.u8(BIND_OPCODE_DO_BIND);
            cur = b.offset() + 8;
        }
        out.u8(BIND_OPCODE_DONE);
        return out.aligned();
    }

    /**
     * Encodes weak-bind entries that only say a symbol has a strong definition here (no place), so
     * dyld lets it win over weak ones elsewhere, followed by the binds of weak references.
     *
     * @param strong the names of strong definitions that override weak ones, sorted
     * @param binds weak binds of places
     * @return the opcodes
     */
    static byte[] weakBinds(List<String> strong, List<Bind> binds) {
        if (strong.isEmpty()) {
            return binds(binds, true);
        }
        Out out = new Out();
        for (String n : strong) {
            symbol(out, n, BIND_SYMBOL_FLAGS_NON_WEAK_DEFINITION);
        }
        byte[] rest = binds(binds, true);
        out.write(rest, 0, rest.length == 0 ? 0 : rest.length);
        if (rest.length == 0) {
            out.u8(BIND_OPCODE_DONE);
        }
        return out.aligned();
    }

    /**
     * Encodes lazy binds, one record per lazy pointer, each ending in {@code DONE} so that
     * {@code dyld_stub_binder} runs exactly one.
     *
     * @param binds the lazy pointers, in stub order
     * @param recordOffset receives each record's offset in the stream, which its stub helper passes
     * @return the opcodes
     */
    static byte[] lazyBinds(List<Bind> binds, int[] recordOffset) {
        Out out = new Out();
        for (int i = 0; i < binds.size(); i++) {
            Bind b = binds.get(i);
            recordOffset[i] = out.size();
            out.u8(BIND_OPCODE_SET_SEGMENT_AND_OFFSET_ULEB | b.segment());
            out.uleb(b.offset());
            ordinal(out, b.ordinal());
            symbol(out, b.name(), b.flags());
            out.u8(BIND_OPCODE_DO_BIND);
            out.u8(BIND_OPCODE_DONE);
        }
        return out.aligned();
    }

    private static void ordinal(Out out, int ordinal) {
        if (ordinal <= 0) {
            out.u8(BIND_OPCODE_SET_DYLIB_SPECIAL_IMM | (ordinal & 0xf));
        } else if (ordinal < 16) {
            out.u8(BIND_OPCODE_SET_DYLIB_ORDINAL_IMM | ordinal);
        } else {
            out.u8(BIND_OPCODE_SET_DYLIB_ORDINAL_ULEB);
            out.uleb(ordinal);
        }
    }

    private static void symbol(Out out, String name, int flags) {
        out.u8(BIND_OPCODE_SET_SYMBOL_TRAILING_FLAGS_IMM | flags);
        byte[] b = name.getBytes(StandardCharsets.UTF_8);
        out.write(b, 0, b.length);
        out.u8(0);
    }

    /** A growing byte stream with the LEB128 and little-endian fixed-size encodings. */
    static final class Out extends ByteArrayOutputStream {
        void u8(int b) {
            write(b);
        }

        void uleb(long v) {
            do {
                int b = (int) (v & 0x7f);
                v >>>= 7;
                write(v != 0 ? b | 0x80 : b);
            } while (v != 0);
        }

        void sleb(long v) {
            boolean more = true;
            while (more) {
                int b = (int) (v & 0x7f);
                v >>= 7;
                more = !((v == 0 && (b & 0x40) == 0) || (v == -1 && (b & 0x40) != 0));
                write(more ? b | 0x80 : b);
            }
        }

        void u16(int v) {
            write(v);
            write(v >>> 8);
        }

        void u32(int v) {
            u16(v);
            u16(v >>> 16);
        }

        void u64(long v) {
            u32((int) v);
            u32((int) (v >>> 32));
        }

        void zeros(int n) {
            for (int i = 0; i < n; i++) {
                write(0);
            }
        }

        void align(int a) {
            while (size() % a != 0) {
                write(0);
            }
        }

        byte[] bytes() {
            return toByteArray();
        }

        /** {@return the bytes, zero-padded to a multiple of 8} */
        byte[] aligned() {
            align(8);
            return toByteArray();
        }
    }
}
