package dev.rivet.linker.macho;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rivet.linker.Target;
import org.junit.jupiter.api.Test;

/** The Mach-O format is the one for macOS targets. */
class MachOFormatTest {
    @Test
    void supportsOnlyMachOTargets() {
        MachOFormat f = new MachOFormat();
        assertThat(f.supports(Target.ARM64_MACOS)).isTrue();
        assertThat(f.supports(Target.X86_64_MACOS)).isTrue();
        assertThat(f.supports(Target.X86_64_LINUX)).isFalse();
    }
}
