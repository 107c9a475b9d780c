package dev.rivet.linker.elf;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rivet.linker.LinkException;
import dev.rivet.linker.Linker;
import dev.rivet.linker.RelocationKind;
import dev.rivet.linker.SymbolKind;
import dev.rivet.linker.Target;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A reference that cannot reach its target is an error naming the relocation, the site and the target. */
class RelocationOverflowTest {
    @TempDir
    Path dir;

    @Test
    void x86PcRelativeBeyond2GiBIsReported() {
        Linker linker = Linker.create(Target.X86_64_LINUX);
        var ld = linker.loader();
        ld.define("huge", SymbolKind.BSS, b -> b.size(3L << 30)); // 3 GiB of BSS: address space only
        int far = ld.define("far_away", SymbolKind.BSS, b -> b.size(4));
        ld.define("_start", SymbolKind.TEXT, b -> {
            long at = b.addBytes(SectionsProgram.bytes("488d05")) + 3; // lea rax, [rip + far_away]
            b.addUint32(0);
            b.relocation(at, RelocationKind.PC_RELATIVE_32, far, -4);
        });
        ld.keep(ld.lookup("huge"));
        Path out = dir.resolve("overflow");
        assertThatThrownBy(() -> linker.link(out)).isInstanceOf(LinkException.class)
                .hasMessageContaining("R_X86_64_PC32")
                .hasMessageContaining("'_start'+0x3")
                .hasMessageContaining("references 'far_away'")
                .hasMessageContaining("out of range");
        assertThat(Files.exists(out)).isFalse();
    }

    @Test
    void arm64AdrpBeyond4GiBIsReported() {
        Linker linker = Linker.create(Target.AARCH64_LINUX);
        var ld = linker.loader();
        ld.define("huge", SymbolKind.BSS, b -> b.size(5L << 30));
        int far = ld.define("far_away", SymbolKind.BSS, b -> b.size(4));
        ld.define("_start", SymbolKind.TEXT, b -> b.relocation(b.addUint32(0x90000000L), RelocationKind.PAGE, far, 0));
        ld.keep(ld.lookup("huge"));
        assertThatThrownBy(linker::linkToMemory).isInstanceOf(LinkException.class)
                .hasMessageContaining("R_AARCH64_ADR_PREL_PG_HI21")
                .hasMessageContaining("'_start'")
                .hasMessageContaining("references 'far_away'");
    }

    private static org.assertj.core.api.AbstractBooleanAssert<?> assertThat(boolean b) {
        return org.assertj.core.api.Assertions.assertThat(b);
    }
}
