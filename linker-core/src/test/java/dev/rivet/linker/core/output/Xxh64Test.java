package dev.rivet.linker.core.output;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rivet.linker.testing.ExternalTools;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Xxh64} against the specification's value for no input and against xxhsum (the reference implementation's tool). */
class Xxh64Test {
    @TempDir
    Path dir;

    @Test
    void theHashOfNothingIsTheSpecifications() {
        assertThat(Xxh64.hash(ByteBuffer.allocate(0), 0, 0)).isEqualTo(0xEF46DB3751D8E999L);
    }

    /** Every length up to 100 covers each tail (8-, 4- and 1-byte steps) with and without 32-byte stripes. */
    @Test
    void matchesXxhsumForEveryTailAndStripeCountAtAnyOffset() throws Exception {
        Path xxhsum = ExternalTools.require("xxhsum");
        byte[] data = new byte[(1 << 20) + 77];
        new Random(42).nextBytes(data);
        ByteBuffer direct = ByteBuffer.allocateDirect(data.length).put(0, data);
        int[][] ranges = new int[103][];
        for (int n = 0; n <= 100; n++) {
            ranges[n] = new int[] {n % 8 == 0 ? 0 : 13, (n % 8 == 0 ? 0 : 13) + n}; // unaligned starts too
        }
        ranges[101] = new int[] {0, 1 << 20};
        ranges[102] = new int[] {5, data.length};
        for (int[] r : ranges) {
            Path f = dir.resolve("range");
            Files.write(f, java.util.Arrays.copyOfRange(data, r[0], r[1]));
            long expected = xxhsum(xxhsum, f);
            assertThat(Xxh64.hash(ByteBuffer.wrap(data), r[0], r[1])).as("heap [%d, %d)", r[0], r[1]).isEqualTo(expected);
            assertThat(Xxh64.hash(direct, r[0], r[1])).as("direct [%d, %d)", r[0], r[1]).isEqualTo(expected);
        }
    }

    /** {@return XXH64 of a file, by {@code xxhsum -H1}} */
    static long xxhsum(Path xxhsum, Path file) throws IOException {
        ExternalTools.Result r = ExternalTools.run(List.of(xxhsum.toString(), "-H1", file.toString()));
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        return HexFormat.fromHexDigitsToLong(r.stdout().substring(0, 16));
    }
}
