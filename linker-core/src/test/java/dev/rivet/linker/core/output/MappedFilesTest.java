package dev.rivet.linker.core.output;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rivet.linker.testing.ProcessMaps;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mapping and releasing on the JDK the tests run on (17 in CI: the Unsafe cleaner; NewerJdkTest
 * covers the java.lang.foreign path on 22 and later): what is written through a mapping reaches
 * the file, a released file can be replaced and executed at once, and releasing twice is harmless.
 */
class MappedFilesTest {
    @TempDir
    Path dir;


    @Test
    void writesReachTheFileAndReleaseUnmapsAtOnce() throws Exception {
        Path f = dir.resolve("out");
        Files.write(f, new byte[8192]);
        MappedFiles.Mapping m;
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            m = MappedFiles.map(ch, FileChannel.MapMode.READ_WRITE, 8192);
        }
        ByteBuffer b = m.buffer();
        assertThat(b.capacity()).isEqualTo(8192);
        b.putInt(4096, 0x12345678);
        assertThat(ProcessMaps.mappingsOf(f)).as("mapped after the channel is closed").isPositive();
        m.release();
        m.release();
        assertThat(ProcessMaps.mappingsOf(f)).as("mapped after release").isZero();
        assertThat(ByteBuffer.wrap(Files.readAllBytes(f)).getInt(4096)).isEqualTo(0x12345678);
    }

    @Test
    void aReadOnlyMappingSeesTheFile() throws Exception {
        Path f = dir.resolve("in");
        Files.write(f, "mapped bytes".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        MappedFiles.Mapping m;
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            m = MappedFiles.map(ch, FileChannel.MapMode.READ_ONLY, Files.size(f));
        }
        byte[] got = new byte[12];
        m.buffer().get(0, got);
        assertThat(new String(got, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("mapped bytes");
        m.release();
        assertThat(ProcessMaps.mappingsOf(f)).isZero();
    }
}
