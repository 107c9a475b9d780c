package dev.rivet.linker.core.symbols;

import java.nio.ByteBuffer;

/**
 * The one hash for byte strings (symbol names, archive index names, merged pieces): FNV-1a with
 * a final mix so that the low bits, which open-addressing tables use, are well spread. The array
 * and buffer forms give the same value for the same bytes.
 */
public final class ByteHash {
    private ByteHash() { }

    /** {@return the hash of {@code len} bytes of {@code b} from {@code off}} */
    public static int of(byte[] b, int off, int len) {
        int h = 0x811c9dc5;
        for (int i = off, end = off + len; i < end; i++) {
            h = (h ^ (b[i] & 0xff)) * 0x01000193;
        }
        return mix(h);
    }

    /** {@return the hash of {@code len} bytes of {@code b} from absolute index {@code off}} */
    public static int of(ByteBuffer b, int off, int len) {
        int h = 0x811c9dc5;
        for (int i = off, end = off + len; i < end; i++) {
            h = (h ^ (b.get(i) & 0xff)) * 0x01000193;
        }
        return mix(h);
    }

    private static int mix(int h) {
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        return h;
    }
}
