package dev.rivet.linker.core.output;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rivet.linker.LinkCancelledException;
import dev.rivet.linker.LinkException;
import dev.rivet.linker.LinkListener;
import dev.rivet.linker.LinkOptions;
import dev.rivet.linker.LinkPhase;
import dev.rivet.linker.LinkResult;
import dev.rivet.linker.Linker;
import dev.rivet.linker.Loader;
import dev.rivet.linker.RelocationKind;
import dev.rivet.linker.SymbolKind;
import dev.rivet.linker.Target;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link OutputFile}: outputs appear whole or not at all, and a failed link keeps the old one. */
class OutputFileTest {
    private static final byte[] OLD = "previous output".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;

    private Path existingOutput() throws IOException {
        Path out = dir.resolve("prog");
        Files.write(out, OLD);
        return out;
    }

    private List<String> dirListing() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static Linker linker(LinkListener listener) {
        return Linker.create(Target.X86_64_LINUX, LinkOptions.builder().threads(1).listener(listener).build());
    }

    private static void defineProgram(Loader ld) {
        int msg = ld.define("msg", SymbolKind.RODATA, b -> b.bytes("hello".getBytes(StandardCharsets.US_ASCII)));
        ld.define("_start", SymbolKind.TEXT, b -> b.addAddress(msg, 0));
    }

    private void assertOldOutputIntactAndNoTemporaries(Path out) throws IOException {
        assertThat(Files.readAllBytes(out)).containsExactly(OLD);
        assertThat(dirListing()).containsExactly("prog");
    }

    @Test
    void aLinkFailingBeforeWritingKeepsThePreviousFile() throws IOException {
        Path out = existingOutput();
        Linker l = linker(LinkListener.NONE);
        int missing = l.loader().lookupOrCreate("missing");
        l.loader().define("_start", SymbolKind.TEXT, b -> b.addAddress(missing, 0));

        assertThatThrownBy(() -> l.link(out)).isInstanceOf(LinkException.class).hasMessageContaining("missing");
        assertOldOutputIntactAndNoTemporaries(out);
    }

    @Test
    void aLinkFailingWhileWritingKeepsThePreviousFileAndRemovesTheTemporary() throws IOException {
        Path out = existingOutput();
        List<LinkPhase> started = new ArrayList<>();
        Linker l = linker(new LinkListener() {
            @Override
            public void phaseStarted(LinkPhase phase) {
                started.add(phase);
            }
        });
        Loader ld = l.loader();
        int far = ld.define("far", SymbolKind.ABSOLUTE, b -> b.value(0x7000_0000_0000L));
        ld.define("_start", SymbolKind.TEXT, b -> {
            b.addBytes(new byte[] {0x48, (byte) 0x8d, 0x05});
            b.relocation(b.addUint32(0), RelocationKind.PC_RELATIVE_32, far, -4); // cannot reach
        });

        assertThatThrownBy(() -> l.link(out)).isInstanceOf(LinkException.class)
                .hasMessageContaining("R_X86_64_PC32")
                .hasMessageContaining("'_start'+0x3")
                .hasMessageContaining("far");
        assertThat(started).as("the failure happened while writing").contains(LinkPhase.WRITE);
        assertOldOutputIntactAndNoTemporaries(out);
    }

    @Test
    void aGeneratorThrowingWhileWritingKeepsThePreviousFile() throws IOException {
        Path out = existingOutput();
        Linker l = linker(LinkListener.NONE);
        int g = l.loader().define("gen", SymbolKind.DATA, b -> b.generator(4096, o -> {
            throw new IllegalStateException("generator failed on purpose");
        }));
        l.loader().define("_start", SymbolKind.TEXT, b -> b.addAddress(g, 0));

        assertThatThrownBy(() -> l.link(out)).hasMessageContaining("generator failed on purpose");
        assertOldOutputIntactAndNoTemporaries(out);
    }

    @Test
    void aLinkCancelledWhileWritingKeepsThePreviousFile() throws IOException {
        Path out = existingOutput();
        Linker[] self = new Linker[1];
        self[0] = linker(new LinkListener() {
            @Override
            public void phaseStarted(LinkPhase phase) {
                if (phase == LinkPhase.WRITE) {
                    self[0].cancel();
                }
            }
        });
        defineProgram(self[0].loader());

        assertThatThrownBy(() -> self[0].link(out)).isInstanceOf(LinkCancelledException.class)
                .hasMessageContaining("write");
        assertOldOutputIntactAndNoTemporaries(out);
    }

    @Test
    void aSuccessfulLinkReplacesTheFileWithAnExecutable() throws IOException {
        Path out = existingOutput();
        Linker l = linker(LinkListener.NONE);
        defineProgram(l.loader());

        LinkResult r = l.link(out);
        byte[] expected = l.linkToMemory().bytes();
        assertThat(r.output()).hasValue(out);
        assertThat(Files.readAllBytes(out)).containsExactly(expected);
        assertThat(Files.size(out)).isEqualTo(r.size());
        assertThat(Files.isExecutable(out)).isTrue();
        assertThat(Files.getPosixFilePermissions(out)).contains(
                PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_EXECUTE);
        assertThat(dirListing()).containsExactly("prog");
        assertThatThrownBy(r::bytes).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aNewFileIsCreated() throws IOException {
        Linker l = linker(LinkListener.NONE);
        defineProgram(l.loader());
        Path out = dir.resolve("fresh");
        l.link(out);
        assertThat(Files.readAllBytes(out)).containsExactly(l.linkToMemory().bytes());
    }

    @Test
    void anUnwritableDestinationIsALinkExceptionNamingIt() {
        Linker l = linker(LinkListener.NONE);
        defineProgram(l.loader());
        Path out = dir.resolve("no_such_dir").resolve("prog");
        assertThatThrownBy(() -> l.link(out)).isInstanceOf(LinkException.class)
                .hasMessageContaining("cannot write output")
                .hasMessageContaining("no_such_dir");
    }

    @Test
    void anOutputOver2GiBIsRefusedBeforeAnythingIsWritten() throws IOException {
        Path out = existingOutput();
        Linker l = linker(LinkListener.NONE);
        int huge = l.loader().define("huge", SymbolKind.RODATA, b -> b.generator(3L << 30, o -> {
            throw new AssertionError("must not run");
        }));
        l.loader().define("_start", SymbolKind.TEXT, b -> b.addAddress(huge, 0));

        assertThatThrownBy(() -> l.link(out)).isInstanceOf(LinkException.class)
                .hasMessageContaining("2 GiB")
                .hasMessageContaining("prog");
        assertOldOutputIntactAndNoTemporaries(out);
        assertThatThrownBy(l::linkToMemory).isInstanceOf(LinkException.class)
                .hasMessageContaining("too large to link into memory");
    }

    @Test
    void writeFillsTheMappedBytesAndHonoursTheExecutableFlag() throws IOException {
        Path out = dir.resolve("data.bin");
        OutputFile.write(out, 16, false, buf -> buf.putLong(8, 0x0102030405060708L));
        byte[] bytes = Files.readAllBytes(out);
        assertThat(bytes).hasSize(16);
        assertThat(bytes[8]).isEqualTo((byte) 8);
        assertThat(bytes[15]).isEqualTo((byte) 1);
        assertThat(bytes[0]).isZero();
        assertThat(Files.getPosixFilePermissions(out)).doesNotContain(PosixFilePermission.OWNER_EXECUTE);
    }

    @Test
    void aFailingWriterLeavesNothingBehind() throws IOException {
        Path out = existingOutput();
        assertThatThrownBy(() -> OutputFile.write(out, 64, true, buf -> {
            buf.put(0, (byte) 1);
            throw new IllegalStateException("boom");
        })).isInstanceOf(IllegalStateException.class).hasMessage("boom");
        assertOldOutputIntactAndNoTemporaries(out);
    }

    @Test
    void anEmptyOutputIsWritten() throws IOException {
        Path out = existingOutput();
        OutputFile.write(out, 0, false, buf -> { });
        assertThat(Files.size(out)).isZero();
        assertThat(dirListing()).containsExactly("prog");
    }

    @Test
    void aLargePreviousOutputIsReplacedAndItsFileReleased() throws Exception {
        // Large enough to be held open past the rename and closed in the background.
        Path out = dir.resolve("big");
        Files.write(out, new byte[3 << 20]);
        OutputFile.write(out, 4 << 20, false, buf -> buf.put(0, (byte) 7));
        assertThat(Files.size(out)).isEqualTo(4 << 20);
        assertThat(Files.readAllBytes(out)[0]).isEqualTo((byte) 7);
        assertThat(dirListing()).containsExactly("big");
        // The replaced file is closed soon after: no descriptor of this process still points at it.
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (openDeletedFilesIn(dir) > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(openDeletedFilesIn(dir)).isZero();
    }

    private static long openDeletedFilesIn(Path dir) throws IOException {
        Path fds = Path.of("/proc/self/fd");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(fds), "needs /proc");
        long n = 0;
        try (Stream<Path> s = Files.list(fds)) {
            for (Path fd : s.toList()) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith(dir.toString()) && target.endsWith(" (deleted)")) {
                        n++;
                    }
                } catch (IOException gone) {
                    // closed while listing
                }
            }
        }
        return n;
    }
}
