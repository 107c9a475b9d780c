package dev.rivet.linker.macho;

import dev.rivet.linker.core.input.InputBytes;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;

/**
 * The export trie of a Mach-O image ({@code LC_DYLD_INFO} {@code export_off}, or
 * {@code LC_DYLD_EXPORTS_TRIE}): a prefix tree of exported names whose terminal nodes hold each
 * symbol's flags and address (an offset from the image's {@code __TEXT}).
 *
 * <p>A node is: the size of its terminal information as a ULEB128 (0 if no name ends there), that
 * information ({@code flags}, then the address; a re-export has the dylib ordinal and the imported
 * name instead, a stub-and-resolver one the stub and resolver offsets), a byte counting its
 * children, and per child the edge's label (NUL-terminated) and the child's offset from the trie's
 * start as a ULEB128.
 */
final class ExportTrie {
    static final int EXPORT_SYMBOL_FLAGS_KIND_MASK = 0x03;
    static final int EXPORT_SYMBOL_FLAGS_KIND_REGULAR = 0x00;
    static final int EXPORT_SYMBOL_FLAGS_KIND_THREAD_LOCAL = 0x01;
    static final int EXPORT_SYMBOL_FLAGS_KIND_ABSOLUTE = 0x02;
    static final int EXPORT_SYMBOL_FLAGS_WEAK_DEFINITION = 0x04;
    static final int EXPORT_SYMBOL_FLAGS_REEXPORT = 0x08;
    static final int EXPORT_SYMBOL_FLAGS_STUB_AND_RESOLVER = 0x10;

    /**
     * One exported symbol.
     *
     * @param name its name
     * @param flags {@code EXPORT_SYMBOL_FLAGS_*}
     * @param address its offset from the image's start; for a re-export ({@code REEXPORT}), the
     *     ordinal of the dylib it comes from (decode drops the imported name; encode writes the
     *     same name); for {@code STUB_AND_RESOLVER}, the stub's offset
     */
    record Export(String name, long flags, long address) { }

    private ExportTrie() { }

    // ------------------------------------------------------------------ encoding

    /** {@return a name's first eight bytes, big-endian, zero-padded: their order is the names' order, ties apart} */
    private static long prefix(byte[] name) {
        long p = 0;
        for (int k = 0; k < 8; k++) {
            p = p << 8 | (k < name.length ? name[k] & 0xff : 0);
        }
        return p;
    }

    /**
     * Encodes exports as ld64 and lld do: names sorted bytewise, nodes in depth-first order, each
     * node's offset found by iterating until no ULEB128 changes size.
     *
     * @param exports the exports, in any order; names distinct and non-empty
     * @return the trie, zero-padded to a multiple of 8 bytes
     */
    static byte[] encode(List<Export> exports) {
        int n = exports.size();
        byte[][] names = new byte[n][];
        long[] flags = new long[n];
        long[] addresses = new long[n];
        for (int i = 0; i < n; i++) {
            names[i] = exports.get(i).name().getBytes(StandardCharsets.UTF_8);
            flags[i] = exports.get(i).flags();
            addresses[i] = exports.get(i).address();
        }
        return encode(names, flags, addresses);
    }

    /**
     * Encodes exports given as parallel arrays, as {@link #encode(List)} does: a linker has the
     * names as UTF-8 bytes already, and decoding them into strings only to encode them again was
     * a quarter of the trie's time.
     *
     * @param names each export's name, UTF-8, distinct and non-empty
     * @param flags each export's flags
     * @param addresses each export's address (see {@link Export})
     * @return the trie, zero-padded to a multiple of 8 bytes
     */
    static byte[] encode(byte[][] names, long[] flags, long[] addresses) {
        return encode(shape(names), flags, addresses);
    }

    /**
     * The trie's nodes and edges, which depend on the names only: a linker builds them while it
     * lays the image out, and gives the flags and addresses to {@link #encode(Shape, long[], long[])}
     * once they are known. Flat arrays, not a node object per node: an executable exports every
     * global, and 130,000 nodes with their lists of children and labels were most of the trie's
     * time in a cold link. Nodes are numbered in depth-first order, the trie's order; a node's
     * edges are consecutive.
     */
    static final class Shape {
        private final byte[][] names;
        /** Per node: the export ending there, or -1; its first edge; its number of edges. */
        private final int[] export;
        private final int[] firstEdge;
        private final int[] edgeCount;
        /** Per edge: the node it leads to, and its label: bytes [labelFrom, labelFrom + labelLength) of name labelName. */
        private final int[] edgeNode;
        private final int[] labelName;
        private final int[] labelFrom;
        private final int[] labelLength;
        private int nodes;
        private int edges;

        private Shape(byte[][] names) {
            this.names = names;
            // A trie of n names has at most 2n nodes (each name adds a leaf and at most one branch) and one edge fewer.
            int cap = 2 * names.length + 1;
            export = new int[cap];
            firstEdge = new int[cap];
            edgeCount = new int[cap];
            edgeNode = new int[cap];
            labelName = new int[cap];
            labelFrom = new int[cap];
            labelLength = new int[cap];
        }
    }

    /**
     * {@return the shape of the trie of these names}
     *
     * @param names each export's name, UTF-8, distinct and non-empty
     * @throws IllegalArgumentException if a name is given twice
     */
    static Shape shape(byte[][] names) {
        int n = names.length;
        int[] sorted = new int[n];
        for (int i = 0; i < n; i++) {
            sorted[i] = i;
        }
        // Indices sorted without boxing: an executable exports every global (120,000 in the
        // large benchmark), and boxed indices with a TimSort were most of the trie's time. First
        // by a radix sort of each name's first eight bytes, then the runs that share them by
        // whole names: most order is settled without comparing names (half the trie's time
        // in a cold link before).
        long[] prefix = new long[n];
        for (int i = 0; i < n; i++) {
            prefix[i] = prefix(names[i]) ^ Long.MIN_VALUE; // signed order of this = unsigned order of the bytes
        }
        it.unimi.dsi.fastutil.longs.LongArrays.radixSortIndirect(sorted, prefix, false);
        for (int i = 0; i < n; ) {
            int j = i + 1;
            while (j < n && prefix[sorted[j]] == prefix[sorted[i]]) {
                j++;
            }
            if (j - i > 1) {
                it.unimi.dsi.fastutil.ints.IntArrays.quickSort(sorted, i, j, (x, y) -> Arrays.compareUnsigned(names[x], names[y]));
            }
            i = j;
        }
        for (int k = 1; k < n; k++) {
            if (Arrays.equals(names[sorted[k - 1]], names[sorted[k]])) {
                throw new IllegalArgumentException("export " + new String(names[sorted[k]], StandardCharsets.UTF_8) + " given twice");
            }
        }
        Shape shape = new Shape(names);
        shape.nodes = 1;
        build(shape, 0, sorted, 0, n, 0);
        return shape;
    }

    /** Builds node {@code node}: the subtree of the sorted names [from, to), which share their first {@code depth} bytes. */
    private static void build(Shape shape, int node, int[] sorted, int from, int to, int depth) {
        byte[][] names = shape.names;
        int i = from;
        shape.export[node] = -1;
        if (i < to && names[sorted[i]].length == depth) {
            shape.export[node] = sorted[i];
            i++;
        }
        // The node's edges first, one per group of names with the same next byte, so that they
        // are consecutive; then the subtrees, in order, so that nodes are numbered depth-first.
        int groups = 0;
        for (int g = i; g < to; groups++) {
            g = groupEnd(names, sorted, g, to, depth);
        }
        int first = shape.edges;
        shape.firstEdge[node] = first;
        shape.edgeCount[node] = groups;
        shape.edges += groups;
        for (int e = first; i < to; e++) {
            int j = groupEnd(names, sorted, i, to, depth);
            // The edge runs as far as all names of the group agree: the first and last, sorted.
            byte[] a = names[sorted[i]];
            byte[] z = names[sorted[j - 1]];
            int end = depth + 1;
            while (end < a.length && end < z.length && a[end] == z[end]) {
                end++;
            }
            int child = shape.nodes++;
            shape.edgeNode[e] = child;
            shape.labelName[e] = sorted[i];
            shape.labelFrom[e] = depth;
            shape.labelLength[e] = end - depth;
            build(shape, child, sorted, i, j, end);
            i = j;
        }
    }

    /** {@return the end of the group of sorted names from {@code i} with the same byte at {@code depth}} */
    private static int groupEnd(byte[][] names, int[] sorted, int i, int to, int depth) {
        byte first = names[sorted[i]][depth];
        int j = i + 1;
        while (j < to && names[sorted[j]][depth] == first) {
            j++;
        }
        return j;
    }

    /**
     * {@return the trie of a shape's names with these flags and addresses, zero-padded to a
     * multiple of 8 bytes}
     *
     * @param shape what {@link #shape} made of the names
     * @param flags each export's flags, in the order of the names given to {@link #shape}
     * @param addresses each export's address (see {@link Export}), in that order
     * @throws IllegalArgumentException if there are not as many flags and addresses as names
     */
    static byte[] encode(Shape shape, long[] flags, long[] addresses) {
        int exports = shape.names.length;
        if (flags.length != exports || addresses.length != exports) {
            throw new IllegalArgumentException(exports + " export names, " + flags.length + " flags and "
                    + addresses.length + " addresses");
        }
        int count = shape.nodes;
        int[] export = shape.export;
        int[] firstEdge = shape.firstEdge;
        int[] edgeCount = shape.edgeCount;
        int[] edgeNode = shape.edgeNode;
        int[] labelLength = shape.labelLength;
        // Offsets depend on the sizes of the ULEB128s of offsets: grow until stable (sizes only grow).
        // What does not depend on offsets (terminal info, labels) is sized once.
        int[] fixed = new int[count];
        for (int k = 0; k < count; k++) {
            int size;
            if (export[k] < 0) {
                size = 1;
            } else {
                int info = terminalSize(flags[export[k]], addresses[export[k]]);
                size = ulebSize(info) + info;
            }
            size++; // child count
            for (int e = firstEdge[k], end = e + edgeCount[k]; e < end; e++) {
                size += labelLength[e] + 1;
            }
            fixed[k] = size;
        }
        int[] offset = new int[count];
        int size;
        boolean changed;
        do {
            changed = false;
            size = 0;
            for (int k = 0; k < count; k++) {
                if (offset[k] != size) {
                    offset[k] = size;
                    changed = true;
                }
                size += fixed[k];
                for (int e = firstEdge[k], end = e + edgeCount[k]; e < end; e++) {
                    size += ulebSize(offset[edgeNode[e]]);
                }
            }
        } while (changed);

        // Written into an array of the size just found (not a ByteArrayOutputStream, whose
        // every one-byte write takes a lock: a third of the trie's time in a cold link).
        byte[] out = new byte[(size + 7) & ~7];
        int p = 0;
        for (int k = 0; k < count; k++) {
            int x = export[k];
            if (x < 0) {
                out[p++] = 0;
            } else {
                long f = flags[x];
                p = uleb(out, p, terminalSize(f, addresses[x]));
                p = uleb(out, p, f);
                p = uleb(out, p, addresses[x]);
                if ((f & EXPORT_SYMBOL_FLAGS_REEXPORT) != 0) {
                    out[p++] = 0; // the same name in the other dylib
                }
            }
            out[p++] = (byte) edgeCount[k];
            for (int e = firstEdge[k], end = e + edgeCount[k]; e < end; e++) {
                System.arraycopy(shape.names[shape.labelName[e]], shape.labelFrom[e], out, p, labelLength[e]);
                p += labelLength[e];
                out[p++] = 0;
                p = uleb(out, p, offset[edgeNode[e]]);
            }
        }
        if (p != size) {
            throw new IllegalStateException("export trie of " + p + " bytes, sized " + size);
        }
        return out; // zero-padded to a multiple of 8
    }

    private static int terminalSize(long flags, long address) {
        int size = ulebSize(flags) + ulebSize(address);
        return (flags & EXPORT_SYMBOL_FLAGS_REEXPORT) != 0 ? size + 1 : size;
    }

    static int ulebSize(long v) {
        int n = 1;
        while ((v >>>= 7) != 0) {
            n++;
        }
        return n;
    }

    /** Writes {@code v} as a ULEB128 at {@code out[p]}; {@return the index after it} */
    static int uleb(byte[] out, int p, long v) {
        do {
            int b = (int) (v & 0x7f);
            v >>>= 7;
            out[p++] = (byte) (v != 0 ? b | 0x80 : b);
        } while (v != 0);
        return p;
    }

    // ------------------------------------------------------------------ decoding

    /**
     * Decodes a trie, without recursion: a node is visited at most once, so a cycle or a shared
     * node is an error, and every read is bounded by the trie.
     *
     * @param inputName the file's name for messages
     * @param data the whole file, little-endian, from index 0
     * @param offset where the trie starts in it
     * @param size its size
     * @return the exports, in the trie's depth-first order
     * @throws dev.rivet.linker.LinkException naming the file and the offset of what is wrong
     */
    static List<Export> decode(String inputName, ByteBuffer data, int offset, int size) {
        InputBytes in = new InputBytes(inputName, data);
        in.require(offset, size, "the export trie");
        List<Export> out = new ArrayList<>();
        if (size == 0) {
            return out;
        }
        Cursor c = new Cursor(in, offset, offset + size);
        BitSet visited = new BitSet(size);
        // Pending nodes: their offsets and the names that lead to them.
        int[] pendingNode = new int[16];
        byte[][] pendingName = new byte[16][];
        int top = 0;
        // A hostile trie could spell each name again on a long chain; real ones share prefixes
        // but stay within a small multiple of the trie's size.
        long nameBudget = 32L * size + (16 << 20);
        pendingNode[top] = 0;
        pendingName[top++] = new byte[0];
        while (top > 0) {
            int node = pendingNode[--top];
            byte[] name = pendingName[top];
            pendingName[top] = null;
            if (visited.get(node)) {
                throw in.error(offset + node, "the export trie reaches the node at trie offset 0x" + Integer.toHexString(node)
                        + " twice (a cycle or a shared node)");
            }
            visited.set(node);
            c.pos = offset + node;
            long info = c.uleb("a node's terminal size");
            int childrenAt;
            if (info != 0) {
                if (info < 0 || info > c.end - c.pos) { // a ULEB of 2^63 or more is negative here
                    throw in.error(c.pos, "terminal information of " + Long.toUnsignedString(info) + " bytes runs past the end of the export trie");
                }
                int infoEnd = c.pos + (int) info;
                Cursor t = new Cursor(in, c.pos, infoEnd);
                long flags = t.uleb("export flags");
                long address;
                if ((flags & EXPORT_SYMBOL_FLAGS_REEXPORT) != 0) {
                    address = t.uleb("a re-export's dylib ordinal");
                    t.string("a re-export's imported name");
                } else {
                    address = t.uleb("an export's address");
                    if ((flags & EXPORT_SYMBOL_FLAGS_STUB_AND_RESOLVER) != 0) {
                        t.uleb("a resolver's offset");
                    }
                }
                out.add(new Export(new String(name, StandardCharsets.UTF_8), flags, address));
                childrenAt = infoEnd;
            } else {
                childrenAt = c.pos;
            }
            c.pos = childrenAt;
            int count = c.u8("a node's child count");
            // Pushed in reverse so that children come out in order.
            int base = top;
            for (int k = 0; k < count; k++) {
                byte[] label = c.string("an edge's label");
                if (label.length == 0) {
                    throw in.error(c.pos - 1, "an edge of the export trie has an empty label");
                }
                long child = c.uleb("a child's offset");
                if (child < 0 || child >= size) { // a ULEB of 2^63 or more is negative here
                    throw in.error(c.pos - 1, "an edge of the export trie points to trie offset 0x" + Long.toHexString(child)
                            + ", past its end (0x" + Integer.toHexString(size) + ")");
                }
                if (top == pendingNode.length) {
                    pendingNode = Arrays.copyOf(pendingNode, top * 2);
                    pendingName = Arrays.copyOf(pendingName, top * 2);
                }
                nameBudget -= name.length + label.length;
                if (nameBudget < 0) {
                    throw in.error(c.pos - 1, "the export trie spells out more name bytes than a trie of "
                            + size + " bytes plausibly holds");
                }
                byte[] childName = Arrays.copyOf(name, name.length + label.length);
                System.arraycopy(label, 0, childName, name.length, label.length);
                pendingNode[top] = (int) child;
                pendingName[top++] = childName;
            }
            for (int lo = base, hi = top - 1; lo < hi; lo++, hi--) {
                int tn = pendingNode[lo];
                pendingNode[lo] = pendingNode[hi];
                pendingNode[hi] = tn;
                byte[] tb = pendingName[lo];
                pendingName[lo] = pendingName[hi];
                pendingName[hi] = tb;
            }
        }
        return out;
    }

    /** Bounded reads within [pos, end) of the file. */
    private static final class Cursor {
        final InputBytes in;
        int pos;
        final int end;

        Cursor(InputBytes in, int pos, int end) {
            this.in = in;
            this.pos = pos;
            this.end = end;
        }

        int u8(String what) {
            if (pos >= end) {
                throw in.error(pos, what + " runs past the end of the export trie");
            }
            return in.u8(pos++);
        }

        long uleb(String what) {
            int start = pos;
            long v = 0;
            for (int shift = 0; ; shift += 7) {
                int b = u8(what);
                if (shift == 63 && (b & 0x7e) != 0 || shift > 63) {
                    throw in.error(start, what + " does not fit in 64 bits");
                }
                v |= (long) (b & 0x7f) << shift;
                if ((b & 0x80) == 0) {
                    return v;
                }
            }
        }

        byte[] string(String what) {
            int start = pos;
            while (pos < end && in.buf.get(pos) != 0) {
                pos++;
            }
            if (pos >= end) {
                throw in.error(start, what + " runs past the end of the export trie");
            }
            byte[] s = new byte[pos - start];
            in.buf.get(start, s);
            pos++;
            return s;
        }
    }
}
