package dev.rivet.linker.core.output;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SHA-256 of each page of an output, as a code signature lists them, computed on the link's
 * threads a run of pages at a time. A large output's pages are hashed by OpenSSL 3's libcrypto
 * ({@link NativeSha256}) where the JVM lets Rivet make native calls and the system has it, with
 * the CPU's SHA instructions; other pages by the JDK's {@link MessageDigest}. The hashes are the
 * same either way, whatever the thread count.
 */
public final class PageHashes {
    private static final Logger LOG = LoggerFactory.getLogger(PageHashes.class);
    /** The hash's size in bytes. */
    public static final int SIZE = 32;
    /** Pages a task hashes. */
    private static final int PAGES_PER_TASK = 256;
    /**
     * From how many bytes libcrypto hashes. Opening it and making the downcall costs a cold CLI
     * some 60 ms of CPU and 10 MB, its classes spun at run time: the CLI's AOT cache does not hold
     * them, since a JVM loads every class of its cache at each start (they cost every link 1.9 MB
     * there). The JDK's digest, six times slower in C1's code, takes longer than that from about
     * 16 MiB on two threads (macho-large, 22 MB: 25 ms less than the JDK's digest).
     */
    static final int NATIVE_FROM = 16 << 20;

    private PageHashes() { }

    /**
     * Writes the SHA-256 of each {@code pageSize} bytes of {@code file}'s [0, limit) (the last
     * page may be short) into {@code out}, {@link #SIZE} bytes each from offset {@code at} on.
     *
     * @param ctx the link, whose threads hash
     * @param file the bytes to hash, from position 0
     * @param limit how many bytes to hash
     * @param pageSize the page size
     * @param out where the hashes go (may be {@code file}, past {@code limit}); a mapped file's
     *     pages there must have been written already (libcrypto's write to a page that a full
     *     disk cannot back would be a fatal SIGBUS, not an error)
     * @param at the offset in {@code out} of the first page's hash
     */
    public static void sha256(LinkContext ctx, ByteBuffer file, int limit, int pageSize, ByteBuffer out, int at) {
        sha256(ctx, file, limit, pageSize, out, at, limit >= NATIVE_FROM && nativeAvailable());
    }

    /** As {@link #sha256(LinkContext, ByteBuffer, int, int, ByteBuffer, int)}, by libcrypto or not (for tests). */
    static void sha256(LinkContext ctx, ByteBuffer file, int limit, int pageSize, ByteBuffer out, int at, boolean useNative) {
        if (useNative && !nativeAvailable()) {
            throw new IllegalStateException("native SHA-256 " + NativeSha256.description());
        }
        int pages = (int) ((limit + (long) pageSize - 1) / pageSize);
        int tasks = (pages + PAGES_PER_TASK - 1) / PAGES_PER_TASK;
        ctx.parallelFor(tasks, t -> {
            int first = t * PAGES_PER_TASK;
            int end = Math.min(pages, first + PAGES_PER_TASK);
            if (useNative) {
                NativeSha256.digestPages(file, limit, pageSize, first, end, out, at + first * SIZE);
            } else {
                jdkPages(file, limit, pageSize, first, end, out, at + first * SIZE);
            }
        });
    }

    /** {@return whether libcrypto can hash on this JVM} The first call opens it. */
    static boolean nativeAvailable() {
        return Native.AVAILABLE;
    }

    /** Opens libcrypto when first asked, not for a link whose pages the JDK hashes. */
    private static final class Native {
        static final boolean AVAILABLE = NativeSha256.available();

        static {
            LOG.debug("native SHA-256: {}", NativeSha256.description());
        }
    }

    private static void jdkPages(ByteBuffer file, int limit, int pageSize, int first, int end, ByteBuffer out, int at) {
        MessageDigest sha = ChunkedDigest.digest("SHA-256"); // one per run of pages: getInstance is not free
        ByteBuffer page = file.duplicate();
        ByteBuffer slot = out.duplicate();
        for (int p = first; p < end; p++) {
            int from = p * pageSize;
            page.limit(Math.min(from + pageSize, limit)).position(from);
            sha.update(page);
            slot.position(at + (p - first) * SIZE);
            slot.put(sha.digest());
        }
    }
}
