package dev.rivet.linker.elf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rivet.linker.LinkException;
import dev.rivet.linker.Linker;
import dev.rivet.linker.Target;
import dev.rivet.linker.testing.ExternalTools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GNU linker scripts that stand in for libraries: what they name is linked; bad ones are clear errors. */
class LinkerScriptReaderTest {
    @TempDir
    Path dir;

    @Test
    void aGroupScriptLinksTheArchivesItNames() throws Exception {
        List<Path> objs = CompiledPrograms.compile(Target.X86_64_LINUX, dir, List.of(), "main.c", ObjectLinkTest.MAIN,
                "util.c", ObjectLinkTest.UTIL);
        Path lib = dir.resolve("libutil-real.a");
        assertThat(ExternalTools.run(List.of(ExternalTools.require("ar").toString(), "rcs", lib.toString(), objs.get(1).toString()))
                .exitCode()).isZero();
        Path script = dir.resolve("libutil.a");
        Files.writeString(script, "/* GNU ld script */\nOUTPUT_FORMAT(elf64-x86-64)\nGROUP ( libutil-real.a AS_NEEDED ( " + lib + " ) )\n");
        Linker linker = Linker.create(Target.X86_64_LINUX);
        linker.addInput(objs.get(0)).addInput(script);
        Path exe = dir.resolve("prog");
        linker.link(exe);
        assertThat(ExternalTools.runProgram(Target.X86_64_LINUX, exe).exitCode()).isEqualTo(25);
    }

    @Test
    void deeplyNestedListsAreAnErrorNotAStackOverflow() throws Exception {
        Path script = dir.resolve("deep.ld");
        Files.writeString(script, "GROUP ( " + "AS_NEEDED ( ".repeat(200_000) + ")".repeat(200_001) + "\n");
        assertThatThrownBy(() -> Linker.create(Target.X86_64_LINUX).addInput(script)).isInstanceOf(LinkException.class)
                .hasMessageContaining("deep.ld").hasMessageContaining("AS_NEEDED lists nest more than 16 deep");
    }

    @Test
    void aScriptThatIncludesItselfIsAnError() throws Exception {
        Path script = dir.resolve("loop.a");
        Files.writeString(script, "INPUT ( " + script + " )\n");
        assertThatThrownBy(() -> Linker.create(Target.X86_64_LINUX).addInput(script)).isInstanceOf(LinkException.class)
                .hasMessageContaining("linker script includes itself").hasMessageContaining("loop.a");
    }

    @Test
    void badScriptsNameTheFileLineAndColumn() throws Exception {
        Path unknown = dir.resolve("sections.ld");
        Files.writeString(unknown, "/* x */\nGROUP ( a.o )\n  SECTIONS { }\n");
        Files.writeString(dir.resolve("a.o"), "not read");
        assertThatThrownBy(() -> Linker.create(Target.X86_64_LINUX).addInput(unknown)).isInstanceOf(LinkException.class)
                .hasMessageContaining("sections.ld: 3:3: error: linker script command SECTIONS is not supported");
        Path missing = dir.resolve("missing.ld");
        Files.writeString(missing, "GROUP ( nowhere.a )\n");
        assertThatThrownBy(() -> Linker.create(Target.X86_64_LINUX).addInput(missing)).isInstanceOf(LinkException.class)
                .hasMessageContaining("1:9").hasMessageContaining("cannot find 'nowhere.a'");
        Path nul = dir.resolve("nul.ld");
        Files.writeString(nul, "GROUP ( " + " ".repeat(600) + "a\0b )\n");
        assertThatThrownBy(() -> Linker.create(Target.X86_64_LINUX).addInput(nul)).isInstanceOf(LinkException.class)
                .hasMessageContaining("is not a valid file name");
        Path open = dir.resolve("open.ld");
        Files.writeString(open, "GROUP ( a.o\n");
        assertThatThrownBy(() -> Linker.create(Target.X86_64_LINUX).addInput(open)).isInstanceOf(LinkException.class)
                .hasMessageContaining("missing ')'");
    }
}
