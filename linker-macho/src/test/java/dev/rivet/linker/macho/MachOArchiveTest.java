package dev.rivet.linker.macho;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rivet.linker.InputOption;
import dev.rivet.linker.LinkException;
import dev.rivet.linker.Linker;
import dev.rivet.linker.SymbolKind;
import dev.rivet.linker.Target;
import dev.rivet.linker.macho.testing.MachORunner;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Static archives of Mach-O objects (Darwin and GNU formats, made by llvm-ar): members are
 * loaded only when they define a symbol that is still undefined, to a fixpoint.
 */
class MachOArchiveTest {
    @TempDir
    Path dir;

    static List<Object[]> cases() {
        return List.of(new Object[] {Target.ARM64_MACOS, "darwin"}, new Object[] {Target.X86_64_MACOS, "darwin"},
                new Object[] {Target.ARM64_MACOS, "gnu"}, new Object[] {Target.X86_64_MACOS, "bsd"});
    }

    private Path library(Target t, String format) throws Exception {
        Path needed = MachOInputs.compile(t, dir, "needed", "int deeper(void); int needed(void) { return deeper() + 1; }");
        Path deeper = MachOInputs.compile(t, dir, "deeper", "int deeper(void) { return 2; }");
        Path unneeded = MachOInputs.compile(t, dir, "unneeded", "int unneeded(void) { return 3; }\nint other_data = 4;");
        Path weakly = MachOInputs.compile(t, dir, "weakly", "int only_weakly(void) { return 5; }");
        return MachOInputs.archive(dir, "lib-" + format + ".a", format, needed, unneeded, deeper, weakly);
    }

    private Path program(Target t) throws Exception {
        return MachOInputs.compile(t, dir, "main", """
                int needed(void);
                extern int only_weakly(void) __attribute__((weak_import));
                int main(void) { return needed() + (only_weakly ? 10 : 0); }
                """);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void onlyMembersThatDefineAnUndefinedSymbolAreLoaded(Target t, String format) throws Exception {
        Path lib = library(t, format);
        Linker l = MachOInputs.linker(t);
        l.addInput(lib); // before the object that needs it: archives are resolved when the link starts
        l.addInput(program(t));
        MachOInputs.Loaded x = new MachOInputs.Loaded(l);
        assertThat(x.symbols().isDefined(x.sym("_needed"))).as("nothing is loaded before the link").isFalse();
        assertThat(x.files()).hasSize(1);
        Path exe = dir.resolve("program");
        l.link(exe);
        assertThat(MachORunner.run(List.of(), exe).exitCode()).as("needed() + 0 for the missing weak function").isEqualTo(3);
        int needed = x.sym("_needed");
        assertThat(x.kind(needed)).isEqualTo(SymbolKind.TEXT);
        assertThat(x.symbols().owner(needed).name).isEqualTo(lib + "(needed.o)");
        assertThat(x.symbols().owner(x.sym("_deeper")).name).as("what a loaded member needs").isEqualTo(lib + "(deeper.o)");
        assertThat(x.symbols().lookup("_unneeded")).isZero();
        assertThat(x.symbols().lookup("_other_data")).isZero();
        assertThat(x.kind(x.sym("_only_weakly"))).as("a weak reference pulls nothing").isEqualTo(SymbolKind.UNDEFINED);
        assertThat(x.files()).hasSize(3);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void wholeArchiveLoadsEveryMember(Target t, String format) throws Exception {
        Path lib = library(t, format);
        Linker l = MachOInputs.linker(t);
        l.addInput(lib, InputOption.WHOLE_ARCHIVE);
        MachOInputs.Loaded x = new MachOInputs.Loaded(l);
        assertThat(x.kind(x.sym("_unneeded"))).isEqualTo(SymbolKind.TEXT);
        assertThat(x.kind(x.sym("_other_data"))).isEqualTo(SymbolKind.DATA);
        assertThat(x.files()).hasSize(4);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void aMemberForTheOtherArchitectureIsAnErrorNamingTheMember(Target t, String format) throws Exception {
        Target other = t == Target.ARM64_MACOS ? Target.X86_64_MACOS : Target.ARM64_MACOS;
        Path lib = library(other, format);
        Linker l = MachOInputs.linker(t);
        l.addInput(lib);
        l.addInput(program(t));
        assertThatThrownBy(l::linkToMemory).isInstanceOf(LinkException.class)
                .hasMessageContaining(lib + "(needed.o)").hasMessageContaining("but the link is for " + t);
    }
}
