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
 * the file, a released file can be replaced and executed at once, releasing twice is harmless,
 * and a group of mappings is released at once.
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
    void aGroupKeepsItsFilesMappedUntilItIsReleasedThenUnmapsThemAll() throws Exception {
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        Files.writeString(a, "first file");
        Files.writeString(b, "second file");
        MappedFiles.Group group = new MappedFiles.Group();
        ByteBuffer ba;
        ByteBuffer bb;
        try (FileChannel ca = FileChannel.open(a, StandardOpenOption.READ); FileChannel cb = FileChannel.open(b, StandardOpenOption.READ)) {
            ba = group.map(ca, Files.size(a));
            bb = group.map(cb, Files.size(b));
        }
        byte[] got = new byte[11];
        bb.get(0, got);
        assertThat(new String(got, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("second file");
        assertThat(ba.get(0)).isEqualTo((byte) 'f');
        assertThat(ProcessMaps.mappingsOf(a)).as("mapped after the channel is closed").isPositive();
        assertThat(ProcessMaps.mappingsOf(b)).isPositive();
        group.release();
        group.release();
        assertThat(ProcessMaps.mappingsOf(a)).as("mapped after release").isZero();
        assertThat(ProcessMaps.mappingsOf(b)).isZero();
        try (FileChannel ca = FileChannel.open(a, StandardOpenOption.READ)) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> group.map(ca, 1)).isInstanceOf(IllegalStateException.class);
        }
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
