package dev.rivet.linker.testing;

import java.nio.ByteBuffer;

/** Writes of one header or table field, by width, for the readers' corruption tests. */
public final class FieldWrites {
    private FieldWrites() { }

    /**
     * Writes the low {@code width} bytes of {@code value} at {@code offset}, in the buffer's order.
     *
     * @param b the bytes
     * @param offset where the field is
     * @param width 1, 2, 4 or 8
     * @param value the value
     */
    public static void put(ByteBuffer b, int offset, int width, long value) {
        switch (width) {
            case 1 -> b.put(offset, (byte) value);
            case 2 -> b.putShort(offset, (short) value);
            case 4 -> b.putInt(offset, (int) value);
            case 8 -> b.putLong(offset, value);
            default -> throw new IllegalArgumentException("a field of " + width + " bytes");
        }
    }
}
