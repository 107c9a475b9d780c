package dev.rivet.linker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TargetTest {
    @ParameterizedTest
    @CsvSource({
        "x86_64-linux, X86_64, LINUX, ELF, x86_64-linux",
        "aarch64-linux, AARCH64, LINUX, ELF, aarch64-linux",
        "arm64-macos, AARCH64, MACOS, MACHO, arm64-macos",
        "x86_64-macos, X86_64, MACOS, MACHO, x86_64-macos",
        "x86_64-pc-linux-gnu, X86_64, LINUX, ELF, x86_64-linux",
        "aarch64-linux-gnu, AARCH64, LINUX, ELF, aarch64-linux",
        "arm64-apple-macos11, AARCH64, MACOS, MACHO, arm64-macos",
        "x86_64-apple-darwin, X86_64, MACOS, MACHO, x86_64-macos",
        "AMD64-Linux, X86_64, LINUX, ELF, x86_64-linux",
    })
    void parsesTargetStringsAndTriples(String text, Architecture arch, OperatingSystem os, ObjectFormat format, String canonical) {
        Target t = Target.parse(text);
        assertThat(t.architecture()).isEqualTo(arch);
        assertThat(t.os()).isEqualTo(os);
        assertThat(t.format()).isEqualTo(format);
        assertThat(t).hasToString(canonical);
        assertThat(Target.parse(t.toString())).isEqualTo(t);
    }

    @Test
    void unknownTargetIsALinkExceptionListingTheKnownOnes() {
        assertThatThrownBy(() -> Target.parse("sparc-solaris"))
                .isInstanceOf(LinkException.class)
                .hasMessageContaining("unknown target 'sparc-solaris'")
                .hasMessageContaining("x86_64-linux, aarch64-linux, arm64-macos, x86_64-macos");
        assertThatThrownBy(() -> Target.parse("linux")).isInstanceOf(LinkException.class);
        assertThatThrownBy(() -> Target.parse("riscv64-linux")).isInstanceOf(LinkException.class);
    }

    @Test
    void formatMustMatchTheOperatingSystem() {
        assertThatThrownBy(() -> new Target(Architecture.X86_64, OperatingSystem.LINUX, ObjectFormat.MACHO))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void knownTargetsAndEntryDefaults() {
        assertThat(Target.known()).containsExactly(Target.X86_64_LINUX, Target.AARCH64_LINUX, Target.ARM64_MACOS, Target.X86_64_MACOS);
        assertThat(Target.X86_64_LINUX.defaultEntry()).isEqualTo("_start");
        assertThat(Target.ARM64_MACOS.defaultEntry()).isEqualTo("_main");
    }
}
