package dev.rivet.linker.core.symbols;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Deduplicated pieces of mergeable input sections (ELF {@code SHF_MERGE} strings and constants;
 * Mach-O {@code __cstring} and literal sections): each distinct piece is kept once, at an
 * offset aligned as its inputs were, in the order pieces were first seen. Pieces stay in their
 * mapped inputs; the table's atom is a generator that copies them into the output.
 */
public final class MergeTable {
    private final int alignment;
    private final List<ByteBuffer> sources = new ArrayList<>();
    private int[] pieceSource = new int[64];
    private int[] pieceOffset = new int[64];
    private int[] pieceLength = new int[64];
    private long[] pieceOut = new long[64];
    private int[] pieceHash = new int[64];
    private int count;
    private long size;
    private int[] slots = new int[128];
    /** The table's atom. */
    public int atom;
    /** The static symbol whose content the atom is. */
    public int symbol;

    /** @param alignment the alignment of every piece */
    public MergeTable(int alignment) {
        this.alignment = alignment;
    }

    /** {@return the index of a source buffer, to pass to {@link #intern}} @param buffer an input's bytes */
    public int addSource(ByteBuffer buffer) {
        sources.add(buffer);
        return sources.size() - 1;
    }

    /**
     * Returns the offset of a piece in the merged output, adding it if no equal piece is there.
     *
     * @param source a source index
     * @param offset where the piece starts in the source
     * @param length its length (strings include their terminator)
     * @return its offset in the merged content
     */
    public long intern(int source, int offset, int length) {
        return intern(source, offset, length, ByteHash.of(sources.get(source), offset, length));
    }

    /**
     * Returns the offset of a piece in the merged output as {@link #intern(int, int, int)} does,
     * given the piece's {@link ByteHash} (computed where its section was split, in parallel).
     *
     * @param source a source index
     * @param offset where the piece starts in the source
     * @param length its length
     * @param h {@code ByteHash.of} the piece's bytes
     * @return its offset in the merged content
     */
    public long intern(int source, int offset, int length, int h) {
        ByteBuffer b = sources.get(source);
        int mask = slots.length - 1;
        for (int i = h & mask; ; i = (i + 1) & mask) {
            int p = slots[i] - 1;
            if (p < 0) {
                p = add(source, offset, length, h);
                slots[i] = p + 1;
                if (count * 2 > slots.length) {
                    rehash();
                }
                return pieceOut[p];
            }
            if (pieceHash[p] == h && pieceLength[p] == length
                    && ByteHash.equal(b, offset, sources.get(pieceSource[p]), pieceOffset[p], length)) {
                return pieceOut[p];
            }
        }
    }

    /** {@return the size of the merged content} */
    public long size() {
        return size;
    }

    /** {@return the number of distinct pieces} */
    public int pieces() {
        return count;
    }

    /**
     * Writes the merged content.
     *
     * @param out the table's bytes in the output
     */
    public void write(ByteBuffer out) {
        for (int p = 0; p < count; p++) {
            out.put((int) pieceOut[p], sources.get(pieceSource[p]), pieceOffset[p], pieceLength[p]);
        }
    }

    private int add(int source, int offset, int length, int h) {
        if (count == pieceSource.length) {
            int n = count * 2;
            pieceSource = Arrays.copyOf(pieceSource, n);
            pieceOffset = Arrays.copyOf(pieceOffset, n);
            pieceLength = Arrays.copyOf(pieceLength, n);
            pieceOut = Arrays.copyOf(pieceOut, n);
            pieceHash = Arrays.copyOf(pieceHash, n);
        }
        int p = count++;
        pieceSource[p] = source;
        pieceOffset[p] = offset;
        pieceLength[p] = length;
        pieceHash[p] = h;
        size = (size + alignment - 1) & -alignment;
        pieceOut[p] = size;
        size += length;
        return p;
    }

    private void rehash() {
        int[] n = new int[slots.length * 2];
        int mask = n.length - 1;
        for (int p = 0; p < count; p++) {
            int i = pieceHash[p] & mask;
            while (n[i] != 0) {
                i = (i + 1) & mask;
            }
            n[i] = p + 1;
        }
        slots = n;
    }

}
