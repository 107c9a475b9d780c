package dev.rivet.linker.core.symbols;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The one hash for byte strings (symbol names, archive index names, merged pieces), read eight
 * bytes at a time: a link hashes every name in every archive index it reads (hundreds of
 * thousands of long C++ names for LLVM's libraries), so a byte-at-a-time loop through a
 * {@link ByteBuffer}'s checked accessors showed at the top of the profile. Each little-endian
 * word is multiplied in, and a final mix spreads the low bits, which open-addressing tables use.
 * The array and buffer forms give the same value for the same bytes, whatever the buffer's byte
 * order.
 */
public final class ByteHash {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long K = 0x9E3779B97F4A7C15L;

    private ByteHash() { }

    /** {@return the hash of {@code len} bytes of {@code b} from {@code off}} */
    public static int of(byte[] b, int off, int len) {
        long h = len * K;
        int i = off;
        int end = off + len;
        for (; i + 8 <= end; i += 8) {
            h = step(h, (long) LONGS.get(b, i));
        }
        long tail = 0;
        if (i < end && i + 8 <= b.length) {
            tail = (long) LONGS.get(b, i) & low(end - i);
        } else {
            for (int s = 0; i < end; i++, s += 8) {
                tail |= (b[i] & 0xffL) << s;
            }
        }
        return finish(h, tail);
    }

    /** {@return the hash of {@code len} bytes of {@code b} from absolute index {@code off}} */
    public static int of(ByteBuffer b, int off, int len) {
        long h = len * K;
        int i = off;
        int end = off + len;
        boolean swap = b.order() != ByteOrder.LITTLE_ENDIAN;
        for (; i + 8 <= end; i += 8) {
            long w = b.getLong(i);
            h = step(h, swap ? Long.reverseBytes(w) : w);
        }
        long tail = 0;
        if (i < end && i + 8 <= b.limit()) {
            long w = b.getLong(i);
            tail = (swap ? Long.reverseBytes(w) : w) & low(end - i);
        } else {
            for (int s = 0; i < end; i++, s += 8) {
                tail |= (b.get(i) & 0xffL) << s;
            }
        }
        return finish(h, tail);
    }

    /**
     * {@return whether {@code len} bytes of {@code a} from {@code ao} equal those of buffer
     * {@code b} from absolute index {@code bo}} Eight bytes at a time, as names are hashed: a hit
     * in a symbol table compares a whole (often long, mangled) name.
     */
    public static boolean equal(byte[] a, int ao, ByteBuffer b, int bo, int len) {
        int k = 0;
        boolean swap = b.order() != ByteOrder.LITTLE_ENDIAN;
        for (; k + 8 <= len; k += 8) {
            long w = b.getLong(bo + k);
            if ((long) LONGS.get(a, ao + k) != (swap ? Long.reverseBytes(w) : w)) {
                return false;
            }
        }
        if (k < len && ao + k + 8 <= a.length && bo + k + 8 <= b.limit()) {
            long w = b.getLong(bo + k);
            return (((long) LONGS.get(a, ao + k) ^ (swap ? Long.reverseBytes(w) : w)) & low(len - k)) == 0;
        }
        for (; k < len; k++) {
            if (a[ao + k] != b.get(bo + k)) {
                return false;
            }
        }
        return true;
    }

    /**
     * {@return whether {@code len} bytes of {@code a} from {@code ao} equal those of {@code b}
     * from {@code bo}} Eight bytes at a time through the arrays' view accessors, which C1
     * compiles inline.
     */
    public static boolean equal(byte[] a, int ao, byte[] b, int bo, int len) {
        int k = 0;
        for (; k + 8 <= len; k += 8) {
            if ((long) LONGS.get(a, ao + k) != (long) LONGS.get(b, bo + k)) {
                return false;
            }
        }
        if (k < len && ao + k + 8 <= a.length && bo + k + 8 <= b.length) {
            return (((long) LONGS.get(a, ao + k) ^ (long) LONGS.get(b, bo + k)) & low(len - k)) == 0;
        }
        for (; k < len; k++) {
            if (a[ao + k] != b[bo + k]) {
                return false;
            }
        }
        return true;
    }

    /**
     * {@return whether {@code len} bytes of buffer {@code a} from absolute index {@code ao} equal
     * those of buffer {@code b} from {@code bo}} Eight bytes at a time, without the slices that
     * {@code ByteBuffer.equals} needs.
     */
    public static boolean equal(ByteBuffer a, int ao, ByteBuffer b, int bo, int len) {
        int k = 0;
        boolean swap = a.order() != b.order();
        for (; k + 8 <= len; k += 8) {
            long w = b.getLong(bo + k);
            if (a.getLong(ao + k) != (swap ? Long.reverseBytes(w) : w)) {
                return false;
            }
        }
        if (k < len && ao + k + 8 <= a.limit() && bo + k + 8 <= b.limit()) {
            long w = b.getLong(bo + k);
            long diff = a.getLong(ao + k) ^ (swap ? Long.reverseBytes(w) : w);
            // The first bytes are the low ones of a little-endian word, the high ones of a big-endian one.
            return (a.order() == ByteOrder.LITTLE_ENDIAN ? diff & low(len - k) : diff & ~(-1L >>> (8 * (len - k)))) == 0;
        }
        for (; k < len; k++) {
            if (a.get(ao + k) != b.get(bo + k)) {
                return false;
            }
        }
        return true;
    }

    /**
     * {@return a mask of the low {@code n} bytes of a word}, 0 &lt; n &lt; 8: the rest of a string
     * shorter than a word, read as one word when the bytes after it can be read too (names are
     * short: a C link's are mostly 5 to 10 bytes, so the rest was most of a comparison).
     */
    private static long low(int n) {
        return -1L >>> (64 - 8 * n);
    }

    private static long step(long h, long w) {
        h = (h ^ w) * K;
        return h ^ (h >>> 29);
    }

    private static int finish(long h, long tail) {
        h = step(h, tail);
        h *= 0xBF58476D1CE4E5B9L;
        h ^= h >>> 32;
        return (int) h;
    }
}
