package dev.rivet.linker.elf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rivet.linker.LinkException;
import dev.rivet.linker.LinkOptions;
import dev.rivet.linker.Linker;
import dev.rivet.linker.Target;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Linker#addInputs}: objects parsed together on several threads bind as one
 * {@code addInput} after another would, and the first bad file in order is the one reported.
 */
class AddInputsTest {
    @TempDir
    Path dir;

    static List<Target> targets() {
        return List.of(Target.X86_64_LINUX, Target.AARCH64_LINUX);
    }

    /** The same inline function (a COMDAT group in each object) and string (a merged piece) twice. */
    static String inlineUser(int n) {
        return "__attribute__((noinline)) inline int twice(int x) { return 2 * x; }\n"
                + "extern \"C\" int use" + n + "(int x) { return twice(x) + " + n + "; }\n"
                + "extern \"C\" const char *greeting" + n + "(void) { return \"hello\"; }\n";
    }

    private List<Path> objects(Target t) {
        return CompiledPrograms.compile(t, dir, List.of(), "main.c", ObjectLinkTest.MAIN, "util.c", ArchiveLinkTest.UTIL,
                "factor.c", ArchiveLinkTest.FACTOR, "len.c", ArchiveLinkTest.LEN, "inline1.cc", inlineUser(1),
                "inline2.cc", inlineUser(2));
    }

    @ParameterizedTest
    @MethodSource("targets")
    void objectsAddedTogetherLinkToTheSameBytesAsObjectsAddedOneByOne(Target t) {
        List<Path> objs = objects(t);
        byte[] oneByOne;
        try (Linker l = Linker.create(t, LinkOptions.builder().threads(1).build())) {
            objs.forEach(l::addInput);
            oneByOne = l.linkToMemory().bytes();
        }
        for (int threads : new int[] {1, 2, 4}) {
            try (Linker l = Linker.create(t, LinkOptions.builder().threads(threads).build())) {
                l.addInputs(objs);
                assertThat(l.linkToMemory().bytes()).as("%d threads", threads).isEqualTo(oneByOne);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("targets")
    void theFirstBadFileInOrderIsReportedAndOnlyTheFilesBeforeItAreAdded(Target t) throws IOException {
        List<Path> objs = objects(t);
        Path truncated = dir.resolve("truncated.o");
        byte[] whole = Files.readAllBytes(objs.get(1));
        Files.write(truncated, java.util.Arrays.copyOf(whole, 100));
        Path notElf = dir.resolve("text.o");
        Files.writeString(notElf, "not an object at all, but long enough to be read as one ".repeat(4));
        try (Linker l = Linker.create(t, LinkOptions.builder().threads(4).build())) {
            assertThatThrownBy(() -> l.addInputs(List.of(objs.get(0), truncated, objs.get(2), notElf)))
                    .isInstanceOf(LinkException.class).hasMessageContaining("truncated.o").hasMessageNotContaining("text.o");
            assertThat(l.loader().isDefined(l.loader().lookup("_start"))).isTrue();
            int factor = l.loader().lookup("factor");
            assertThat(factor == 0 || !l.loader().isDefined(factor)).as("factor.o came after the bad file").isTrue();
        }
    }

    /**
     * Enough objects for several parse windows, so that windows are parsed while earlier ones are
     * bound, each with the same COMDAT group and merged string, and a linker script among them (a
     * window holding it is bound before the next one is parsed): the same bytes as one by one.
     */
    @ParameterizedTest
    @MethodSource("targets")
    void windowsParsedWhileEarlierOnesAreBoundLinkToTheSameBytes(Target t) throws IOException {
        List<String> sources = new java.util.ArrayList<>(List.of("main.c", ObjectLinkTest.MAIN, "util.c", ArchiveLinkTest.UTIL,
                "factor.c", ArchiveLinkTest.FACTOR, "len.c", ArchiveLinkTest.LEN));
        for (int n = 1; n <= 20; n++) {
            sources.add("inline" + n + ".cc");
            sources.add(inlineUser(n));
        }
        List<Path> objs = new java.util.ArrayList<>(CompiledPrograms.compile(t, dir, List.of(), sources.toArray(String[]::new)));
        Path scripted = CompiledPrograms.compile(t, dir, List.of(), "inline21.cc", inlineUser(21)).get(0);
        Path script = dir.resolve("more.ld");
        Files.writeString(script, "INPUT(" + scripted + ")\n");
        objs.add(13, script);
        // Small inputs: a window holds four per thread, so 25 inputs make three windows or more.
        byte[] oneByOne;
        try (Linker l = Linker.create(t, LinkOptions.builder().threads(1).build())) {
            objs.forEach(l::addInput);
            oneByOne = l.linkToMemory().bytes();
        }
        for (int threads : new int[] {2, 3, 4}) {
            try (Linker l = Linker.create(t, LinkOptions.builder().threads(threads).build())) {
                l.addInputs(objs);
                assertThat(l.loader().isDefined(l.loader().lookup("use21"))).isTrue();
                assertThat(l.linkToMemory().bytes()).as("%d threads", threads).isEqualTo(oneByOne);
            }
        }
    }
}
