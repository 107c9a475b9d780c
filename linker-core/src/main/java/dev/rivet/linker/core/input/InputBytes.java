package dev.rivet.linker.core.input;

import dev.rivet.linker.Diagnostic;
import dev.rivet.linker.LinkException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The bytes of one input file, read with bounds checks: a field or table that does not fit in
 * the file, or a string without its terminator, is a {@link LinkException} naming the file, the
 * offset and what was being read, never an {@code IndexOutOfBoundsException}.
 */
public class InputBytes {
    /** The file's name for messages. */
    public final String name;
    /** Its bytes. */
    public final ByteBuffer buf;
    /** Its size. */
    public final long size;

    /**
     * @param name the file's name for messages
     * @param buf its bytes, little-endian, from index 0 to the limit
     */
    public InputBytes(String name, ByteBuffer buf) {
        this.name = name;
        this.buf = buf;
        this.size = buf.limit();
    }

    public LinkException error(long offset, String message) {
        return new LinkException(Diagnostic.error(message).withInput(name).withLocation(String.format("offset 0x%x", offset)));
    }

    /** {@return whether {@code [offset, offset + length)} lies in the file} (to build a message only when it does not) */
    public boolean fits(long offset, long length) {
        return offset >= 0 && length >= 0 && offset <= size && length <= size - offset;
    }

    /** Checks that {@code [offset, offset + length)} lies in the file. */
    public void require(long offset, long length, String what) {
        require(offset, length, what, -1);
    }

    /**
     * Checks that {@code [offset, offset + length)} lies in the file; the message, built only on
     * failure, names {@code what} and, when it is not negative, its index ("section 7").
     */
    public void require(long offset, long length, String what, long index) {
        if (offset < 0 || length < 0 || offset > size || length > size - offset) {
            throw error(offset, describe(what, index) + " (" + Long.toUnsignedString(length) + " bytes at offset 0x"
                    + Long.toHexString(offset) + ") extends past the end of the file (" + size + " bytes)");
        }
    }

    private static String describe(String what, long index) {
        return index < 0 ? what : what + " " + index;
    }

    /**
     * {@return the index of the first NUL byte in {@code buf[from, end)}, or -1} Eight bytes at a
     * time: names in string tables are the bulk of what a link reads byte by byte.
     *
     * @param buf the bytes
     * @param from where to start
     * @param end where to stop (within the buffer's limit)
     */
    public static long indexOfNul(ByteBuffer buf, long from, long end) {
        return indexOf(buf, from, end, 0);
    }

    /**
     * {@return the index of the first byte {@code value} in {@code buf[from, end)}, or -1} Eight
     * bytes at a time (a cold link runs C1's code, which calls the buffer's accessor for every
     * read rather than inlining it).
     *
     * @param buf the bytes
     * @param from where to start
     * @param end where to stop (within the buffer's limit)
     * @param value the byte, 0 to 255
     */
    public static long indexOf(ByteBuffer buf, long from, long end, int value) {
        long p = from;
        boolean little = buf.order() == java.nio.ByteOrder.LITTLE_ENDIAN;
        long pattern = (value & 0xffL) * 0x0101010101010101L;
        for (; p + 8 <= end; p += 8) {
            long zeros = zeroBytes(buf.getLong((int) p) ^ pattern);
            if (zeros != 0) {
                return p + ((little ? Long.numberOfTrailingZeros(zeros) : Long.numberOfLeadingZeros(zeros)) >>> 3);
            }
        }
        for (; p < end; p++) {
            if ((buf.get((int) p) & 0xff) == (value & 0xff)) {
                return p;
            }
        }
        return -1;
    }

    /** {@return v with the high bit of each zero byte set, and no other bit} Exact, unlike the cheaper (v - 0x01..) & ~v trick. */
    private static long zeroBytes(long v) {
        return ~(((v & 0x7f7f7f7f7f7f7f7fL) + 0x7f7f7f7f7f7f7f7fL) | v | 0x7f7f7f7f7f7f7f7fL);
    }

    private static final java.lang.invoke.VarHandle LONGS_LE =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

    /**
     * {@return the index of the first NUL byte in {@code b[from, end)}, or -1} Eight bytes at a
     * time, as {@link #indexOf(ByteBuffer, long, long, int)}; an array's view accessor is compiled
     * inline even by C1, where a buffer's is a call.
     */
    public static int indexOfNul(byte[] b, int from, int end) {
        int p = from;
        for (; p + 8 <= end; p += 8) {
            long zeros = zeroBytes((long) LONGS_LE.get(b, p));
            if (zeros != 0) {
                return p + (Long.numberOfTrailingZeros(zeros) >>> 3);
            }
        }
        for (; p < end; p++) {
            if (b[p] == 0) {
                return p;
            }
        }
        return -1;
    }

    public int u8(long off) {
        return Byte.toUnsignedInt(buf.get((int) off));
    }

    public int u16(long off) {
        return Short.toUnsignedInt(buf.getShort((int) off));
    }

    public long u32(long off) {
        return Integer.toUnsignedLong(buf.getInt((int) off));
    }

    public long u64(long off) {
        return buf.getLong((int) off);
    }

    /**
     * Reads a NUL-terminated name from a string table.
     *
     * @param tableOffset where the table starts in the file (already checked to lie in it)
     * @param tableSize its size
     * @param index the name's offset in the table
     * @param what what the name is of, for the message
     * @return the name's UTF-8 bytes, without the NUL
     */
    public byte[] name(long tableOffset, long tableSize, long index, String what) {
        return name(tableOffset, tableSize, index, what, -1);
    }

    /** As {@link #name(long, long, long, String)}, naming {@code what} and its index only on failure. */
    public byte[] name(long tableOffset, long tableSize, long index, String what, long which) {
        byte[] out = new byte[nameLength(tableOffset, tableSize, index, what, which)];
        buf.get((int) (tableOffset + index), out);
        return out;
    }

    /**
     * Checks that a NUL-terminated name lies in its string table and returns its length, without
     * copying it.
     */
    public int nameLength(long tableOffset, long tableSize, long index, String what, long which) {
        if (index < 0 || index >= tableSize) {
            throw error(tableOffset, "the name of " + describe(what, which) + " starts at " + index
                    + ", outside its string table of " + tableSize + " bytes");
        }
        long start = tableOffset + index;
        long end = tableOffset + tableSize;
        long nul = indexOfNul(buf, start, end);
        if (nul >= 0) {
            return (int) (nul - start);
        }
        throw error(start, "the name of " + describe(what, which) + " runs past the end of its string table");
    }

    /**
     * {@return the length of the NUL-terminated name at {@code index} in a string table, found in
     * a copy of the table} As {@link #nameLength(long, long, long, String, long)}, whose error a
     * name outside the table or unterminated gets; readers copy a symbol string table once to
     * measure and hash its names through array accessors, which C1 compiles inline.
     *
     * @param table the copy of the table
     * @param tableOffset where the table is in the file
     * @param index the name's offset in the table
     * @param what what the name is of, for the message
     * @param which its index, for the message
     */
    public int nameLength(byte[] table, long tableOffset, long index, String what, long which) {
        int nul = index >= 0 && index < table.length ? indexOfNul(table, (int) index, table.length) : -1;
        return nul >= 0 ? nul - (int) index : nameLength(tableOffset, table.length, index, what, which);
    }

    public String string(long tableOffset, long tableSize, long index, String what) {
        return string(tableOffset, tableSize, index, what, -1);
    }

    public String string(long tableOffset, long tableSize, long index, String what, long which) {
        return new String(name(tableOffset, tableSize, index, what, which), StandardCharsets.UTF_8);
    }
}
