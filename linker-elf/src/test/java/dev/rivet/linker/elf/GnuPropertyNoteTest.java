package dev.rivet.linker.elf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rivet.linker.Architecture;
import dev.rivet.linker.LinkException;
import dev.rivet.linker.Linker;
import dev.rivet.linker.Target;
import dev.rivet.linker.testing.ExternalTools;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code .note.gnu.property}: the output declares a control-flow protection (x86 IBT/SHSTK, AArch64
 * BTI/PAC) only when every object does, in a note that PT_GNU_PROPERTY and its own PT_NOTE cover,
 * as GNU ld's outputs do.
 */
class GnuPropertyNoteTest {
    @TempDir
    Path dir;

    static List<Target> targets() {
        return List.of(Target.X86_64_LINUX, Target.AARCH64_LINUX);
    }

    static final String MAIN = CompiledPrograms.SYSCALLS + """
            int helper(int x);
            void _start(void) { syscall3(SYS_EXIT, helper(20), 0, 0); for (;;) { } }
            """;
    static final String HELPER = "int helper(int x) { return x + 22; }\n";

    private static String protection(Target t) {
        return t.architecture() == Architecture.X86_64 ? "-fcf-protection=full" : "-mbranch-protection=standard";
    }

    private static String features(Target t) {
        return t.architecture() == Architecture.X86_64 ? "x86 feature: IBT, SHSTK" : "AArch64 feature: BTI, PAC";
    }

    private Path link(Target t, String name, List<Path> objects) {
        Path exe = linkOnly(t, name, objects);
        ExternalTools.Result run = ExternalTools.runProgram(t, exe);
        assertThat(run.exitCode()).isEqualTo(42);
        return exe;
    }

    private Path linkOnly(Target t, String name, List<Path> objects) {
        Linker linker = Linker.create(t);
        objects.forEach(linker::addInput);
        Path exe = dir.resolve(name);
        linker.link(exe);
        return exe;
    }

    @ParameterizedTest
    @MethodSource("targets")
    void aFeatureEveryObjectHasIsDeclared(Target t) {
        List<Path> objects = CompiledPrograms.compile(t, dir, List.of(protection(t)), "main.c", MAIN, "helper.c", HELPER);
        Path exe = link(t, "all", objects);
        Path ref = CompiledPrograms.linkWithGnuLd(t, dir.resolve("ref"), objects);
        String notes = ExternalTools.run(List.of("readelf", "-n", "-W", exe.toString())).stdout();
        assertThat(notes).contains(features(t));
        assertThat(notes).isEqualTo(ExternalTools.run(List.of("readelf", "-n", "-W", ref.toString())).stdout()
                .replace(ref.toString(), exe.toString()));
        ExternalTools.Result headers = ExternalTools.run(List.of("readelf", "-l", "-W", exe.toString()));
        assertThat(headers.stdout()).contains("GNU_PROPERTY").contains("NOTE");
        ExternalTools.Result all = ExternalTools.run(List.of("readelf", "-a", "-W", exe.toString()));
        assertThat(all.stderr()).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("targets")
    void oneObjectWithoutTheFeatureTurnsItOff(Target t) {
        List<Path> objects = new ArrayList<>(CompiledPrograms.compile(t, dir, List.of(protection(t)), "main.c", MAIN));
        String none = t.architecture() == Architecture.X86_64 ? "-fcf-protection=none" : "-mbranch-protection=none";
        objects.addAll(CompiledPrograms.compile(t, dir, List.of(none), "helper.c", HELPER));
        Path exe = link(t, "mixed", objects);
        String notes = ExternalTools.run(List.of("readelf", "-n", "-W", exe.toString())).stdout();
        assertThat(notes).doesNotContain("feature:");
        assertThat(ExternalTools.run(List.of("readelf", "-l", "-W", exe.toString())).stdout()).doesNotContain("GNU_PROPERTY");
    }

    @ParameterizedTest
    @MethodSource("targets")
    void stubsWithoutLandingPadsDropBranchTracking(Target t) {
        String ifunc = """
                static int plus22(int x) { return x + 22; }
                static int (*pick(void))(int) { return plus22; }
                int helper(int x) __attribute__((ifunc("pick")));
                """;
        List<Path> objects = CompiledPrograms.compile(t, dir, List.of(protection(t)), "main.c", MAIN, "helper.c", ifunc);
        Path exe = linkOnly(t, "ifunc", objects); // not run: nothing applies IRELATIVE without a C library
        String notes = ExternalTools.run(List.of("readelf", "-n", "-W", exe.toString())).stdout();
        // The IFUNC's stub has no endbr64 / bti c: only the other protection is declared.
        assertThat(notes).contains(t.architecture() == Architecture.X86_64 ? "x86 feature: SHSTK" : "AArch64 feature: PAC")
                .doesNotContain("IBT").doesNotContain("BTI");
    }

    @ParameterizedTest
    @MethodSource("targets")
    void aPropertyPastItsNoteIsReported(Target t) throws Exception {
        Path obj = CompiledPrograms.compile(t, dir, List.of(protection(t)), "main.c", MAIN).get(0);
        byte[] bytes = Files.readAllBytes(obj);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        // Find the section and make its one property's size run past the note.
        long shoff = b.getLong(0x28);
        int shnum = Short.toUnsignedInt(b.getShort(0x3c));
        int shstrndx = Short.toUnsignedInt(b.getShort(0x3e));
        long strOff = b.getLong((int) (shoff + 64L * shstrndx + 0x18));
        int patched = -1;
        for (int i = 1; i < shnum; i++) {
            int sh = (int) (shoff + 64L * i);
            int nameOff = (int) (strOff + b.getInt(sh));
            String name = new String(bytes, nameOff, ".note.gnu.property".length(), java.nio.charset.StandardCharsets.US_ASCII);
            if (name.equals(".note.gnu.property")) {
                patched = (int) b.getLong(sh + 0x18) + 16 + 4; // note header, then the property's type: its size
                b.putInt(patched, 0x1000);
            }
        }
        assertThat(patched).isPositive();
        Path bad = dir.resolve("bad.o");
        Files.write(bad, bytes);
        Linker linker = Linker.create(t);
        assertThatThrownBy(() -> {
            linker.addInput(bad);
            linker.link(dir.resolve("never"));
        }).isInstanceOf(LinkException.class).hasMessageContaining("bad.o").hasMessageContaining(".note.gnu.property")
                .hasMessageContaining("past its note");
        assertThat(dir.resolve("never")).doesNotExist();
    }
}
