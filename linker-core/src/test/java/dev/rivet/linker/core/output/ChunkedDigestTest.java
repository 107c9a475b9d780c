package dev.rivet.linker.core.output;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rivet.linker.LinkOptions;
import dev.rivet.linker.Target;
import dev.rivet.linker.core.arch.Arch;
import dev.rivet.linker.core.symbols.SymbolLoader;
import dev.rivet.linker.testing.ExternalTools;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ChunkedDigest}: a plain digest for small outputs, a digest of chunk digests for large ones;
 * the fast hash against one built from xxhsum's hashes of the chunks.
 */
class ChunkedDigestTest {
    @TempDir
    Path dir;

    private static LinkContext context(ExecutorService executor, int threads) {
        SymbolLoader loader = new SymbolLoader(Arch.of(Target.X86_64_LINUX.architecture()), false);
        return new LinkContext(Target.X86_64_LINUX, LinkOptions.builder().threads(threads).build(), loader, executor, () -> false);
    }

    private static ByteBuffer bytes(int n) {
        ByteBuffer b = ByteBuffer.allocateDirect(n);
        for (int i = 0; i < n; i++) {
            b.put(i, (byte) (i * 7 + (i >>> 9)));
        }
        return b;
    }

    @Test
    void anOutputOfOneChunkHasItsPlainDigest() throws Exception {
        ByteBuffer b = bytes(ChunkedDigest.CHUNK);
        byte[] plain = MessageDigest.getInstance("SHA-1").digest(toArray(b, ChunkedDigest.CHUNK));
        assertThat(ChunkedDigest.of(context(null, 1), "SHA-1", b, ChunkedDigest.CHUNK)).isEqualTo(plain);
        // Only the bytes up to the limit count.
        byte[] half = MessageDigest.getInstance("MD5").digest(toArray(b, 1000));
        assertThat(ChunkedDigest.of(context(null, 1), "MD5", b, 1000)).isEqualTo(half);
    }

    @Test
    void aLargerOutputHasTheDigestOfItsChunksDigestsWhateverTheThreadCount() throws Exception {
        int n = 3 * ChunkedDigest.CHUNK + 17;
        ByteBuffer b = bytes(n);
        byte[] all = toArray(b, n);
        MessageDigest outer = MessageDigest.getInstance("SHA-1");
        for (int from = 0; from < n; from += ChunkedDigest.CHUNK) {
            MessageDigest md = MessageDigest.getInstance("SHA-1");
            md.update(all, from, Math.min(ChunkedDigest.CHUNK, n - from));
            outer.update(md.digest());
        }
        byte[] expected = outer.digest();
        assertThat(expected).isNotEqualTo(MessageDigest.getInstance("SHA-1").digest(all));
        assertThat(ChunkedDigest.of(context(null, 1), "SHA-1", b, n)).isEqualTo(expected);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            assertThat(ChunkedDigest.of(context(pool, 3), "SHA-1", b, n)).isEqualTo(expected);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void theFastHashIsXxh64OfTheChunksXxh64sWhateverTheThreadCount() throws Exception {
        Path xxhsum = ExternalTools.require("xxhsum");
        int n = 3 * ChunkedDigest.CHUNK + 17;
        ByteBuffer b = bytes(n);
        for (int limit : new int[] {0, 1000, ChunkedDigest.CHUNK, n}) {
            byte[] expected = fastByXxhsum(xxhsum, toArray(b, limit), 20);
            assertThat(ChunkedDigest.fast(context(null, 1), b, limit, 20)).as("limit %d", limit).isEqualTo(expected);
            ExecutorService pool = Executors.newFixedThreadPool(3);
            try {
                assertThat(ChunkedDigest.fast(context(pool, 3), b, limit, 20)).as("limit %d, 3 threads", limit).isEqualTo(expected);
            } finally {
                pool.shutdownNow();
            }
        }
        byte[] twenty = ChunkedDigest.fast(context(null, 1), b, n, 20);
        assertThat(ChunkedDigest.fast(context(null, 1), b, n, 8)).containsExactly(java.util.Arrays.copyOf(twenty, 8));
        assertThat(ChunkedDigest.fast(context(null, 1), b, n, 16)).containsExactly(java.util.Arrays.copyOf(twenty, 16));
        b.put(n - 1, (byte) (b.get(n - 1) + 1));
        assertThat(ChunkedDigest.fast(context(null, 1), b, n, 20)).as("a changed last byte").isNotEqualTo(twenty);
        assertThatThrownBy(() -> ChunkedDigest.fast(context(null, 1), b, n, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    /** The fast hash as its documentation describes it, from xxhsum's hashes of files. */
    private byte[] fastByXxhsum(Path xxhsum, byte[] data, int length) throws Exception {
        ByteArrayOutputStream hashes = new ByteArrayOutputStream();
        int from = 0;
        do {
            Path chunk = dir.resolve("chunk");
            Files.write(chunk, java.util.Arrays.copyOfRange(data, from, Math.min(data.length, from + ChunkedDigest.CHUNK)));
            hashes.writeBytes(ByteBuffer.allocate(8).putLong(0, Xxh64Test.xxhsum(xxhsum, chunk)).array());
            from += ChunkedDigest.CHUNK;
        } while (from < data.length);
        ByteBuffer result = ByteBuffer.allocate((length + 7) / 8 * 8);
        for (int i = 0; i * 8 < length; i++) {
            Path h = dir.resolve("hashes");
            ByteArrayOutputStream withCounter = new ByteArrayOutputStream();
            withCounter.writeBytes(hashes.toByteArray());
            withCounter.write(i);
            Files.write(h, withCounter.toByteArray());
            result.putLong(i * 8, Xxh64Test.xxhsum(xxhsum, h));
        }
        return java.util.Arrays.copyOf(result.array(), length);
    }

    private static byte[] toArray(ByteBuffer b, int n) {
        byte[] a = new byte[n];
        b.get(0, a);
        return a;
    }
}
