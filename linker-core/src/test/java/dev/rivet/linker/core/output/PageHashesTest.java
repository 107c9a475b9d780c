package dev.rivet.linker.core.output;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rivet.linker.LinkOptions;
import dev.rivet.linker.Target;
import dev.rivet.linker.core.arch.Arch;
import dev.rivet.linker.core.symbols.SymbolLoader;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/**
 * {@link PageHashes}: each page's SHA-256 where it belongs, the short last page, the hashes
 * written into the hashed buffer past its limit, and the same bytes at any thread count. The
 * libcrypto path is compared with this one by {@code NewerJdkTest} in the CLI, on a JDK 22 or
 * later; this JVM's tests run the Java 17 classes, which never find it.
 */
class PageHashesTest {
    private static LinkContext context(ExecutorService executor, int threads) {
        SymbolLoader loader = new SymbolLoader(Arch.of(Target.ARM64_MACOS.architecture()), false);
        return new LinkContext(Target.ARM64_MACOS, LinkOptions.builder().threads(threads).build(), loader, executor, () -> false);
    }

    /** {@return the SHA-256 of each page of {@code data}[0, limit), one after the other} */
    private static byte[] expected(byte[] data, int limit, int pageSize) throws Exception {
        int pages = (limit + pageSize - 1) / pageSize;
        byte[] out = new byte[pages * PageHashes.SIZE];
        for (int p = 0; p < pages; p++) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(data, p * pageSize, Math.min(pageSize, limit - p * pageSize));
            System.arraycopy(md.digest(), 0, out, p * PageHashes.SIZE, PageHashes.SIZE);
        }
        return out;
    }

    @Test
    void eachPageHasItsDigestAndTheLastMayBeShort() throws Exception {
        int limit = 600 * 4096 + 123; // more than two tasks' runs of pages, and a short page
        byte[] data = new byte[limit];
        new Random(7).nextBytes(data);
        byte[] want = expected(data, limit, 4096);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            for (int threads : new int[] {1, 3}) {
                // The hashes go into the same buffer, after the hashed bytes, as a code signature's do.
                int at = limit + 40;
                ByteBuffer file = ByteBuffer.allocateDirect(at + want.length + 8);
                file.put(0, data);
                PageHashes.sha256(context(threads == 1 ? null : pool, threads), file, limit, 4096, file, at);
                byte[] got = new byte[want.length];
                file.get(at, got);
                assertThat(got).as("%d threads", threads).isEqualTo(want);
                byte[] hashed = new byte[limit];
                file.get(0, hashed);
                assertThat(hashed).as("the hashed bytes untouched").isEqualTo(data);
                assertThat(file.getLong(at + want.length)).as("nothing written past the last hash").isZero();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aHeapBufferAndAnotherOutputAndOtherPageSizesWork() throws Exception {
        byte[] data = new byte[3 * 16384 + 1];
        new Random(3).nextBytes(data);
        ByteBuffer out = ByteBuffer.allocate(4 * PageHashes.SIZE + 5);
        PageHashes.sha256(context(null, 1), ByteBuffer.wrap(data), data.length, 16384, out, 5);
        assertThat(Arrays.copyOfRange(out.array(), 5, out.capacity())).isEqualTo(expected(data, data.length, 16384));
    }

    @Test
    void nothingToHashWritesNothing() {
        ByteBuffer out = ByteBuffer.allocate(8);
        PageHashes.sha256(context(null, 1), ByteBuffer.allocate(0), 0, 4096, out, 0);
        assertThat(out.getLong(0)).isZero();
    }

    @Test
    void libcryptoIsNotUsedBeforeJava22AndAskingForItSaysWhy() {
        org.junit.jupiter.api.Assumptions.assumeTrue(Runtime.version().feature() < 22, "the Java 17 classes' behaviour");
        assertThat(PageHashes.nativeAvailable()).isFalse();
        ByteBuffer b = ByteBuffer.allocate(4096);
        assertThatThrownBy(() -> PageHashes.sha256(context(null, 1), b, 4096, 4096, ByteBuffer.allocate(32), 0, true))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("native SHA-256 not on this JVM");
        // A large output is still hashed, by the JDK.
        byte[] big = new byte[PageHashes.NATIVE_FROM + 1];
        ByteBuffer out = ByteBuffer.allocate((PageHashes.NATIVE_FROM / 4096 + 1) * PageHashes.SIZE);
        PageHashes.sha256(context(null, 1), ByteBuffer.wrap(big), big.length, 4096, out, 0);
        assertThat(out.getLong(out.capacity() - PageHashes.SIZE)).isNotZero();
    }
}
