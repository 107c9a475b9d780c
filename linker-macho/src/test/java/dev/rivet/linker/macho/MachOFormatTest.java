package dev.rivet.linker.macho;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rivet.linker.LinkException;
import dev.rivet.linker.Linker;
import dev.rivet.linker.SymbolKind;
import dev.rivet.linker.Target;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Until the Mach-O writer exists, macOS targets are recognised and refused with a clear error. */
class MachOFormatTest {
    @Test
    void supportsOnlyMachOTargets() {
        MachOFormat f = new MachOFormat();
        assertThat(f.supports(Target.ARM64_MACOS)).isTrue();
        assertThat(f.supports(Target.X86_64_MACOS)).isTrue();
        assertThat(f.supports(Target.X86_64_LINUX)).isFalse();
    }

    @Test
    void linkingForMacOsSaysNotSupportedYetAndWritesNothing(@TempDir Path dir) {
        Linker linker = Linker.create(Target.ARM64_MACOS);
        linker.loader().define("_main", SymbolKind.TEXT, b -> b.addUint32(0xd65f03c0));
        Path out = dir.resolve("a.out");
        assertThatThrownBy(() -> linker.link(out)).isInstanceOf(LinkException.class)
                .hasMessageContaining("Mach-O output (arm64-macos) is not supported yet");
        assertThat(Files.exists(out)).isFalse();
        assertThat(dir.toFile().list()).isEmpty();
    }
}
