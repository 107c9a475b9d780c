package dev.rivet.linker.elf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rivet.linker.Architecture;
import dev.rivet.linker.LinkException;
import dev.rivet.linker.LinkOptions;
import dev.rivet.linker.LinkResult;
import dev.rivet.linker.Linker;
import dev.rivet.linker.Target;
import dev.rivet.linker.testing.ExternalTools;
import java.io.IOException;
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
 * The archive fixpoint's rounds, whose members are parsed in parallel and bound in order: a
 * member is bound only if the symbol it was picked for is still undefined, and a malformed one
 * fails the link only if it is needed.
 */
class ParallelArchiveLoadTest {
    @TempDir
    Path dir;

    static List<Target> targets() {
        return List.of(Target.X86_64_LINUX, Target.AARCH64_LINUX);
    }

    private Path archive(Target t, String name, List<Path> members) {
        Path a = dir.resolve(name);
        List<String> cmd = new ArrayList<>(List.of(ExternalTools.require(
                t.architecture() == Architecture.X86_64 ? "ar" : "aarch64-linux-gnu-ar").toString(), "rcs", a.toString()));
        members.forEach(m -> cmd.add(m.toString()));
        ExternalTools.Result r = ExternalTools.run(cmd);
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        return a;
    }

    private static String start(String body) {
        return CompiledPrograms.SYSCALLS + "int p(void); int q(void);\n"
                + "void _start(void) { syscall3(SYS_EXIT, " + body + ", 0, 0); for (;;) { } }\n";
    }

    @ParameterizedTest
    @MethodSource("targets")
    void aMemberPickedInARoundIsNotBoundWhenAnEarlierMemberOfTheRoundDefinedItsSymbol(Target t) {
        // lib.a's index names m2 for q (m2 comes first) and m1 for p; m1 defines q too. The program
        // wants p (interned first, from a.o) and q (from b.o): the round picks m1 for p and m2 for
        // q; once m1 is bound q is defined, so m2 must stay out (else q would be defined twice).
        List<Path> objs = CompiledPrograms.compile(t, dir, List.of(),
                "m1.c", "int p(void) { return 1; }\nint q(void) { return 2; }\n",
                "m2.c", "int q(void) { return 30; }\nint only_m2(void) { return 4; }\n",
                "a.c", start("p()"),
                "b.c", "int q(void);\nint use_q(void) { return q(); }\n");
        Path lib = archive(t, "lib.a", List.of(objs.get(1), objs.get(0)));
        byte[] first = null;
        for (int threads : new int[] {1, 2, 4}) {
            try (Linker l = Linker.create(t, LinkOptions.builder().threads(threads).build())) {
                l.addInput(objs.get(2)).addInput(objs.get(3)).addInput(lib);
                LinkResult r = l.linkToMemory();
                assertThat(r.address("only_m2")).as("m2 stays out").isEmpty();
                assertThat(r.address("q")).isPresent();
                if (first == null) {
                    first = r.bytes();
                } else {
                    assertThat(r.bytes()).as("%d threads", threads).isEqualTo(first);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("targets")
    void aMalformedMemberFailsTheLinkOnlyWhenItIsNeeded(Target t) throws IOException {
        List<Path> objs = CompiledPrograms.compile(t, dir, List.of(),
                "good.c", "int p(void) { return 7; }\n",
                "bad.c", "int q(void) { return 9; }\n",
                "needs-p.c", start("p()"),
                "needs-both.c", start("p() + q()"));
        Path lib = archive(t, "lib.a", List.of(objs.get(0), objs.get(1)));
        // Point bad.o's section header table (e_shoff) past the end of the archive; its index entry stays.
        byte[] archive = Files.readAllBytes(lib);
        byte[] member = Files.readAllBytes(objs.get(1));
        int at = CompiledPrograms.indexOf(archive, member); // the whole object: the two members' headers may be alike
        ByteBuffer.wrap(archive).order(ByteOrder.LITTLE_ENDIAN).putLong(at + 40, 0x7fff_0000L);
        Files.write(lib, archive);

        for (int threads : new int[] {1, 2}) {
            try (Linker l = Linker.create(t, LinkOptions.builder().threads(threads).build())) {
                l.addInput(objs.get(2)).addInput(lib);
                assertThat(l.linkToMemory().address("p")).isPresent();
            }
            try (Linker l = Linker.create(t, LinkOptions.builder().threads(threads).build())) {
                l.addInput(objs.get(3)).addInput(lib);
                assertThatThrownBy(l::linkToMemory).isInstanceOf(LinkException.class)
                        .hasMessageContaining(lib + "(bad-" + t.architecture().canonicalName() + ".o)")
                        .hasMessageContaining("section header table");
            }
        }
    }
}
