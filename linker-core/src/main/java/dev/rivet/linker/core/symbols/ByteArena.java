package dev.rivet.linker.core.symbols;

import java.util.Arrays;

/**
 * Append-only byte storage in 1 MiB chunks, addressed by {@code long} handles
 * ({@code chunk << 32 | offset}). Holds symbol names and builder-made contents without one array
 * per symbol; an item larger than a quarter chunk gets a chunk of its own.
 */
public final class ByteArena {
    private static final int CHUNK_SIZE = 1 << 20;

    private byte[][] chunks = new byte[8][];
    private int chunkCount;
    private int current = -1;
    private int position = CHUNK_SIZE;
    private long bytesUsed;

    /**
     * Reserves space.
     *
     * @param length the number of bytes
     * @return the handle of the first byte
     */
    public long allocate(int length) {
        bytesUsed += length;
        if (length > CHUNK_SIZE / 4) {
            return handle(addChunk(new byte[length]), 0);
        }
        if (current < 0 || position + length > CHUNK_SIZE) {
            current = addChunk(new byte[CHUNK_SIZE]);
            position = 0;
        }
        long h = handle(current, position);
        position += length;
        return h;
    }

    /**
     * Copies bytes in.
     *
     * @param src the source array
     * @param offset where in it to start
     * @param length how many bytes
     * @return the handle of the copy
     */
    public long add(byte[] src, int offset, int length) {
        long h = allocate(length);
        System.arraycopy(src, offset, chunk(h), offset(h), length);
        return h;
    }

    /** {@return the chunk that holds the handle's bytes} @param handle a handle from this arena */
    public byte[] chunk(long handle) {
        return chunks[(int) (handle >>> 32)];
    }

    /** {@return the offset of the handle's first byte in its chunk} @param handle a handle */
    public static int offset(long handle) {
        return (int) handle;
    }

    /**
     * Copies in a small item and returns a 32-bit handle for it ({@code chunk << 20 | offset}),
     * for tables that keep one handle per symbol. Holds up to 4 GiB of such items.
     *
     * @param src the source array
     * @param offset where in it to start
     * @param length how many bytes
     * @return the compact handle
     * @throws IllegalStateException if the arena has more chunks than a compact handle can name
     */
    public int addCompact(byte[] src, int offset, int length) {
        long h = add(src, offset, length);
        long chunk = h >>> 32;
        if (chunk >= (1 << 12)) {
            throw new IllegalStateException("more than 4 GiB of symbol names");
        }
        return (int) (chunk << 20) | offset(h);
    }

    /**
     * As {@link #addCompact(byte[], int, int)}, copying from a buffer (a mapped input).
     *
     * @param src the source buffer
     * @param offset the absolute index of the first byte
     * @param length how many bytes
     * @return the compact handle
     */
    public int addCompact(java.nio.ByteBuffer src, int offset, int length) {
        long h = allocate(length);
        src.get(offset, chunk(h), offset(h), length);
        long chunk = h >>> 32;
        if (chunk >= (1 << 12)) {
            throw new IllegalStateException("more than 4 GiB of symbol names");
        }
        return (int) (chunk << 20) | offset(h);
    }

    /** {@return the chunk holding a compact handle's bytes} @param handle a compact handle */
    public byte[] compactChunk(int handle) {
        return chunks[handle >>> 20];
    }

    /** {@return the offset of a compact handle's first byte in its chunk} @param handle a compact handle */
    public static int compactOffset(int handle) {
        return handle & ((1 << 20) - 1);
    }

    /** {@return the bytes handed out so far} */
    public long bytesUsed() {
        return bytesUsed;
    }

    private int addChunk(byte[] chunk) {
        if (chunkCount == chunks.length) {
            chunks = Arrays.copyOf(chunks, chunkCount * 2);
        }
        chunks[chunkCount] = chunk;
        return chunkCount++;
    }

    private static long handle(int chunk, int offset) {
        return ((long) chunk << 32) | offset;
    }
}
