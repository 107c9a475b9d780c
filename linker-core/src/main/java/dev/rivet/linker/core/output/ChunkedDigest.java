package dev.rivet.linker.core.output;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The hash behind a build ID or a Mach-O UUID, in two kinds. {@link #of} is a {@link MessageDigest}
 * (SHA-1, MD5): an output up to {@link #CHUNK} bytes is digested as it is; a larger one a chunk
 * at a time in parallel, then the chunks' digests in order, as lld and mold hash large outputs:
 * one thread digesting 25 MB takes as long as loading the inputs of a large link. {@link #fast}
 * does the same with XXH64, as lld's default build ID: a cold JVM runs the JDK's digests without
 * the CPU's SHA instructions (those are C2's), at a fifth of XXH64's speed, and its first
 * {@code MessageDigest} costs some 15 ms of provider set-up. Either depends on the bytes alone,
 * not on the thread count.
 */
public final class ChunkedDigest {
    /** The chunk size. */
    public static final int CHUNK = 1 << 20;

    private ChunkedDigest() { }

    /**
     * {@return the digest of {@code out}'s bytes [0, limit)}
     *
     * @param ctx the link, whose threads digest the chunks
     * @param algorithm a {@link MessageDigest} algorithm every JDK has (SHA-1, MD5, SHA-256)
     * @param out the output
     * @param limit how many bytes from its start to digest
     */
    public static byte[] of(LinkContext ctx, String algorithm, ByteBuffer out, int limit) {
        if (limit <= CHUNK) {
            MessageDigest md = digest(algorithm);
            md.update(out.duplicate().position(0).limit(limit));
            return md.digest();
        }
        int chunks = (int) ((limit + (long) CHUNK - 1) / CHUNK);
        byte[][] parts = new byte[chunks][];
        ctx.parallelFor(chunks, c -> {
            MessageDigest md = digest(algorithm);
            int from = c * CHUNK;
            md.update(out.duplicate().position(from).limit(Math.min(limit, from + CHUNK)));
            parts[c] = md.digest();
        });
        MessageDigest md = digest(algorithm);
        for (byte[] p : parts) {
            md.update(p);
        }
        return md.digest();
    }

    /**
     * {@return a {@code length}-byte hash of {@code out}'s bytes [0, limit)}: the XXH64 of each
     * {@link #CHUNK} (at least one, maybe empty), computed in parallel, written big-endian one after
     * the other; then the XXH64 of those bytes followed by one byte 0, 1, 2... for each 8 bytes of
     * the result, big-endian (xxhsum's form), cut to {@code length}. As unlikely to collide as one
     * 64-bit hash, which is what lld's default build ID is.
     *
     * @param ctx the link, whose threads hash the chunks
     * @param out the output
     * @param limit how many bytes from its start to hash
     * @param length the hash's length in bytes, 1 to 2,048
     */
    public static byte[] fast(LinkContext ctx, ByteBuffer out, int limit, int length) {
        if (length < 1 || length > 2048) {
            throw new IllegalArgumentException("hash length " + length);
        }
        int chunks = Math.max(1, (int) ((limit + (long) CHUNK - 1) / CHUNK));
        int count = (length + 7) / 8;
        ByteBuffer hashes = ByteBuffer.allocate(chunks * 8 + 1);
        if (chunks == 1) {
            hashes.putLong(0, Xxh64.hash(out, 0, limit));
        } else {
            ctx.parallelFor(chunks, c -> {
                int from = c * CHUNK;
                hashes.putLong(c * 8, Xxh64.hash(out, from, Math.min(limit, from + CHUNK)));
            });
        }
        ByteBuffer result = ByteBuffer.allocate(count * 8);
        for (int i = 0; i < count; i++) {
            hashes.put(chunks * 8, (byte) i);
            result.putLong(i * 8, Xxh64.hash(hashes, 0, chunks * 8 + 1));
        }
        return java.util.Arrays.copyOf(result.array(), length);
    }

    /** {@return a new digest of an algorithm every JDK has} */
    static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no " + algorithm, e);
        }
    }
}
