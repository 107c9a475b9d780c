package dev.rivet.linker.elf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rivet.linker.Architecture;
import dev.rivet.linker.InputOption;
import dev.rivet.linker.LinkException;
import dev.rivet.linker.LinkResult;
import dev.rivet.linker.Linker;
import dev.rivet.linker.Target;
import dev.rivet.linker.testing.ExternalTools;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Archives built by {@code ar} from gcc's objects: members are loaded only when they define a
 * symbol that is needed, whatever the order of inputs, and programs run as GNU ld's builds do.
 */
class ArchiveLinkTest {
    @TempDir
    Path dir;

    static List<Target> targets() {
        return List.of(Target.X86_64_LINUX, Target.AARCH64_LINUX);
    }

    /** util.o needs length() from liblen.a, whose member needs factor() back from libutil.a. */
    static final String UTIL = """
            typedef unsigned long size_t;
            long sys_write(int fd, const void *buf, size_t n);
            size_t length(const char *s);
            static int counter;
            int scale = 3;
            const char *const names[] = { "zero", "one", "two", "three" };
            void put(const char *s) { sys_write(1, s, length(s)); }
            int bump(int by) { counter += by * scale; return counter; }
            """;
    static final String FACTOR = "int factor(void) { return 1; }\n";
    static final String LEN = """
            typedef unsigned long size_t;
            int factor(void);
            size_t length(const char *s) { size_t n = 0; while (s[n]) n++; return n * factor(); }
            """;
    /** Never needed: if it were loaded, its second definition of scale would be an error. */
    static final String UNUSED = "int scale = 99;\nint unused_function(int x) { return x + scale; }\n";

    private static String ar(Target t) {
        return t.architecture() == Architecture.X86_64 ? "ar" : "aarch64-linux-gnu-ar";
    }

    private Path archive(Target t, String name, boolean thin, List<Path> members) {
        Path a = dir.resolve(name);
        List<String> cmd = new ArrayList<>(List.of(ExternalTools.require(ar(t)).toString(), thin ? "rcsT" : "rcs", a.toString()));
        members.forEach(m -> cmd.add(m.toString()));
        ExternalTools.Result r = ExternalTools.run(cmd);
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        return a;
    }

    private record Build(Path main, Path libutil, Path liblen) { }

    private Build build(Target t, boolean thin) {
        List<Path> objs = CompiledPrograms.compile(t, dir, List.of(), "main.c", ObjectLinkTest.MAIN, "util.c", UTIL,
                "factor.c", FACTOR, "len.c", LEN, "unused.c", UNUSED);
        Path libutil = archive(t, "libutil.a", thin, List.of(objs.get(1), objs.get(2), objs.get(4)));
        Path liblen = archive(t, "liblen.a", thin, List.of(objs.get(3)));
        return new Build(objs.get(0), libutil, liblen);
    }

    @ParameterizedTest
    @MethodSource("targets")
    void membersAreLoadedOnDemandWhateverTheInputOrder(Target t) {
        Build b = build(t, false);
        Path ref = dir.resolve("ref");
        List<String> cmd = new ArrayList<>(List.of(ExternalTools.require(CompiledPrograms.ld(t)).toString(), "-static", "-nostdlib",
                "-o", ref.toString(), b.main().toString(), "--start-group", b.libutil().toString(), b.liblen().toString(), "--end-group"));
        assertThat(ExternalTools.run(cmd).exitCode()).isZero();
        ExternalTools.Result want = ExternalTools.runProgram(t, ref);
        assertThat(want.exitCode()).isEqualTo(25);

        // Archives first, then the object that needs them; and the circular archives without a group.
        for (List<Path> order : List.of(List.of(b.liblen(), b.libutil(), b.main()), List.of(b.main(), b.libutil(), b.liblen()))) {
            Linker linker = Linker.create(t);
            order.forEach(linker::addInput);
            Path exe = dir.resolve("rivet");
            LinkResult r = linker.link(exe);
            ExternalTools.Result got = ExternalTools.runProgram(t, exe);
            assertThat(got.stdout()).isEqualTo(want.stdout());
            assertThat(got.exitCode()).isEqualTo(want.exitCode());
            assertThat(r.address("unused_function")).as("unused.o stays unloaded").isEmpty();
            assertThat(r.address("factor")).isPresent();
        }
    }

    @ParameterizedTest
    @MethodSource("targets")
    void thinArchivesWork(Target t) {
        Build b = build(t, true);
        Linker linker = Linker.create(t);
        linker.addInput(b.main()).addInput(b.libutil()).addInput(b.liblen());
        Path exe = dir.resolve("thin");
        linker.link(exe);
        ExternalTools.Result got = ExternalTools.runProgram(t, exe);
        assertThat(got.stdout()).isEqualTo("zero\none!\ntwo\nthree!\n");
        assertThat(got.exitCode()).isEqualTo(25);
    }

    @ParameterizedTest
    @MethodSource("targets")
    void wholeArchiveLoadsEveryMemberAndNamesThemInErrors(Target t) {
        Build b = build(t, false);
        Linker linker = Linker.create(t);
        linker.addInput(b.main());
        assertThatThrownBy(() -> linker.addInput(b.libutil(), InputOption.WHOLE_ARCHIVE))
                .isInstanceOf(LinkException.class)
                .hasMessageContaining("duplicate symbol: scale")
                .hasMessageContaining(b.libutil() + "(util-" + t.architecture().canonicalName() + ".o)")
                .hasMessageContaining(b.libutil() + "(unused-" + t.architecture().canonicalName() + ".o)");
    }

    @ParameterizedTest
    @MethodSource("targets")
    void aSymbolNoArchiveDefinesIsReportedWithItsReferences(Target t) {
        Build b = build(t, false);
        Linker linker = Linker.create(t);
        linker.addInput(b.main()).addInput(b.libutil()); // liblen.a missing
        assertThatThrownBy(() -> linker.linkToMemory()).isInstanceOf(LinkException.class)
                .hasMessageContaining("undefined symbol: length")
                .hasMessageContaining(">>> referenced by 'put'")
                .hasMessageContaining(b.libutil() + "(util-" + t.architecture().canonicalName() + ".o)");
    }
}
