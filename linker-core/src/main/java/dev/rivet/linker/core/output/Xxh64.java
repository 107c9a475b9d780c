package dev.rivet.linker.core.output;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * XXH64, the 64-bit xxHash (its specification: github.com/Cyan4973/xxHash, doc/xxhash_spec.md),
 * over a range of a buffer. lld hashes its outputs with xxHash for the same reason Rivet does: a
 * cold JVM runs the JDK's SHA-1 and MD5 without the CPU's instructions for them, at a tenth of
 * this speed.
 */
final class Xxh64 {
    private static final long P1 = 0x9E3779B185EBCA87L;
    private static final long P2 = 0xC2B2AE3D27D4EB4FL;
    private static final long P3 = 0x165667B19E3779F9L;
    private static final long P4 = 0x85EBCA77C2B2AE63L;
    private static final long P5 = 0x27D4EB2F165667C5L;

    private Xxh64() { }

    /** {@return XXH64 (seed 0) of {@code buf}'s bytes [from, to); the buffer's position and order are left alone} */
    static long hash(ByteBuffer buf, int from, int to) {
        ByteBuffer b = buf.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int p = from;
        long h;
        if (to - from >= 32) {
            long v1 = P1 + P2;
            long v2 = P2;
            long v3 = 0;
            long v4 = -P1;
            for (int last = to - 32; p <= last; p += 32) {
                v1 = round(v1, b.getLong(p));
                v2 = round(v2, b.getLong(p + 8));
                v3 = round(v3, b.getLong(p + 16));
                v4 = round(v4, b.getLong(p + 24));
            }
            h = Long.rotateLeft(v1, 1) + Long.rotateLeft(v2, 7) + Long.rotateLeft(v3, 12) + Long.rotateLeft(v4, 18);
            h = merge(h, v1);
            h = merge(h, v2);
            h = merge(h, v3);
            h = merge(h, v4);
        } else {
            h = P5;
        }
        h += to - from;
        for (; p + 8 <= to; p += 8) {
            h ^= round(0, b.getLong(p));
            h = Long.rotateLeft(h, 27) * P1 + P4;
        }
        if (p + 4 <= to) {
            h ^= (b.getInt(p) & 0xFFFF_FFFFL) * P1;
            h = Long.rotateLeft(h, 23) * P2 + P3;
            p += 4;
        }
        for (; p < to; p++) {
            h ^= (b.get(p) & 0xFFL) * P5;
            h = Long.rotateLeft(h, 11) * P1;
        }
        h ^= h >>> 33;
        h *= P2;
        h ^= h >>> 29;
        h *= P3;
        h ^= h >>> 32;
        return h;
    }

    private static long round(long acc, long input) {
        return Long.rotateLeft(acc + input * P2, 31) * P1;
    }

    private static long merge(long acc, long v) {
        return (acc ^ round(0, v)) * P1 + P4;
    }
}
