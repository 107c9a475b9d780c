package dev.rivet.linker.core.output;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The digest behind a build ID or a Mach-O UUID. An output up to {@link #CHUNK} bytes is
 * digested as it is; a larger one a chunk at a time in parallel, then the chunks' digests in
 * order, as lld and mold hash large outputs: one thread digesting 25 MB takes as long as loading
 * the inputs of a large link. The result depends on the bytes alone, not on the thread count.
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

    private static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no " + algorithm, e);
        }
    }
}
