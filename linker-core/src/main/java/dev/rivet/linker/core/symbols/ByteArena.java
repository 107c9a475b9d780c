package dev.rivet.linker.core.symbols;

import java.util.Arrays;

/**
 * Append-only byte storage in 1 MiB chunks, addressed by 32-bit handles
 * ({@code entry << 20 | offset}), so that tables keep one {@code int} per item. Holds symbol
 * names and builder-made contents without one array per item. An item larger than a quarter
 * chunk gets an array of its own, entered in the chunk table once per MiB it spans, so that the
 * 4,096 entries a handle can name always hold up to 4 GiB, however the sizes are mixed.
 */
public final class ByteArena {
    private static final int CHUNK_BITS = 20;
    private static final int CHUNK_SIZE = 1 << CHUNK_BITS;
    private static final int MAX_ENTRIES = 1 << (32 - CHUNK_BITS);

    private byte[][] chunks = new byte[8][];
    private int chunkCount;
    private int current = -1;
    private int position = CHUNK_SIZE;
    private long bytesUsed;

    /**
     * Reserves space, zero-filled.
     *
     * @param length the number of bytes
     * @return the handle of the first byte
     * @throws IllegalStateException if the arena would hold more than 4 GiB
     */
    public int allocate(int length) {
        if (length > CHUNK_SIZE / 4) {
            int spans = (int) (((long) length + CHUNK_SIZE - 1) >>> CHUNK_BITS);
            requireEntries(spans);
            byte[] item = new byte[length];
            int first = chunkCount;
            for (int i = 0; i < spans; i++) {
                addChunk(item);
            }
            bytesUsed += length;
            return first << CHUNK_BITS;
        }
        if (current < 0 || position + length > CHUNK_SIZE) {
            requireEntries(1);
            current = addChunk(new byte[CHUNK_SIZE]);
            position = 0;
        }
        int h = current << CHUNK_BITS | position;
        position += length;
        bytesUsed += length;
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
    public int add(byte[] src, int offset, int length) {
        int h = allocate(length);
        System.arraycopy(src, offset, chunk(h), offset(h), length);
        return h;
    }

    /**
     * Copies bytes in from a buffer (a mapped input).
     *
     * @param src the source buffer
     * @param offset the absolute index of the first byte
     * @param length how many bytes
     * @return the handle of the copy
     */
    public int add(java.nio.ByteBuffer src, int offset, int length) {
        int h = allocate(length);
        src.get(offset, chunk(h), offset(h), length);
        return h;
    }

    /** {@return the array that holds the handle's bytes} @param handle a handle from this arena */
    public byte[] chunk(int handle) {
        return chunks[handle >>> CHUNK_BITS];
    }

    /** {@return the index of the handle's first byte in its {@link #chunk}} @param handle a handle */
    public static int offset(int handle) {
        return handle & (CHUNK_SIZE - 1);
    }

    /** As {@link #add(byte[], int, int)}, under the name the symbol table uses. */
    public int addCompact(byte[] src, int offset, int length) {
        return add(src, offset, length);
    }

    /** As {@link #add(java.nio.ByteBuffer, int, int)}, under the name the symbol table uses. */
    public int addCompact(java.nio.ByteBuffer src, int offset, int length) {
        return add(src, offset, length);
    }

    /** As {@link #chunk}, under the name the symbol table uses. @param handle a handle */
    public byte[] compactChunk(int handle) {
        return chunk(handle);
    }

    /** As {@link #offset}, under the name the symbol table uses. @param handle a handle */
    public static int compactOffset(int handle) {
        return offset(handle);
    }

    /** {@return the bytes handed out so far} */
    public long bytesUsed() {
        return bytesUsed;
    }

    private void requireEntries(int n) {
        if (chunkCount + n > MAX_ENTRIES) {
            throw new IllegalStateException("more than 4 GiB in one arena (names or builder-made contents)");
        }
    }

    private int addChunk(byte[] chunk) {
        if (chunkCount == chunks.length) {
            chunks = Arrays.copyOf(chunks, chunkCount * 2);
        }
        chunks[chunkCount] = chunk;
        return chunkCount++;
    }
}
