package dev.rivet.linker.core.output;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rivet.linker.LinkOptions;
import dev.rivet.linker.Target;
import dev.rivet.linker.core.arch.Arch;
import dev.rivet.linker.core.symbols.SymbolLoader;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/** {@link ChunkedDigest}: a plain digest for small outputs, a digest of chunk digests for large ones. */
class ChunkedDigestTest {
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

    private static byte[] toArray(ByteBuffer b, int n) {
        byte[] a = new byte[n];
        b.get(0, a);
        return a;
    }
}
