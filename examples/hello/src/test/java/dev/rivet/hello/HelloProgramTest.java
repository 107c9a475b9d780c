package dev.rivet.hello;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rivet.linker.Architecture;
import dev.rivet.linker.LinkResult;
import dev.rivet.linker.Linker;
import dev.rivet.linker.Target;
import dev.rivet.linker.testing.ExternalTools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The hello programs run, x86-64 natively and aarch64 under qemu, and disassemble as written. */
class HelloProgramTest {
    @TempDir
    Path dir;

    static List<Target> targets() {
        return List.of(Target.X86_64_LINUX, Target.AARCH64_LINUX);
    }

    @ParameterizedTest
    @MethodSource("targets")
    void printsTheMessageAndExitsWithTheCode(Target t) {
        Path exe = HelloProgram.link(t, "Hello, " + t + "!\n", 42, dir.resolve("hello"));
        ExternalTools.Result r = ExternalTools.runProgram(t, exe);
        assertThat(r.stdout()).isEqualTo("Hello, " + t + "!\n");
        assertThat(r.exitCode()).isEqualTo(42);
        assertThat(r.stderr()).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("targets")
    void exitCodeAndMessageComeFromTheData(Target t) {
        Path exe = HelloProgram.link(t, "another line, longer than the first one\n", 3, dir.resolve("hello2"));
        ExternalTools.Result r = ExternalTools.runProgram(t, exe);
        assertThat(r.stdout()).isEqualTo("another line, longer than the first one\n");
        assertThat(r.exitCode()).isEqualTo(3);
    }

    @ParameterizedTest
    @MethodSource("targets")
    void readelfAndLlvmReadelfAreSilentAndObjdumpShowsTheCallTarget(Target t) {
        Path exe = HelloProgram.link(t, "hi\n", 0, dir.resolve("hello"));
        for (String tool : List.of("readelf", "llvm-readelf")) {
            ExternalTools.Result r = ExternalTools.run(List.of(ExternalTools.require(tool).toString(), "-a", "-W", exe.toString()));
            assertThat(r.exitCode()).isZero();
            assertThat(r.stderr()).as(tool).isEmpty();
            assertThat(r.stdout()).as(tool).doesNotContainIgnoringCase("warning");
        }
        String objdump = t.architecture() == Architecture.X86_64 ? "objdump" : "aarch64-linux-gnu-objdump";
        String dis = ExternalTools.run(List.of(ExternalTools.require(objdump).toString(), "-d", exe.toString())).stdout();
        Linker l = Linker.create(t);
        HelloProgram.define(l, "hi\n", 0);
        LinkResult res = l.linkToMemory();
        long exit = l.loader().address(l.loader().symbolCount() >= 1 ? findStatic(l, "exit_program") : 0);
        String call = t.architecture() == Architecture.X86_64 ? "call" : "bl";
        assertThat(dis).containsPattern("\\s" + call + "\\s+" + Long.toHexString(exit) + " <exit_program>");
        long msgPtr = res.address("message_pointer").orElseThrow();
        if (t.architecture() == Architecture.X86_64) {
            assertThat(dis).containsPattern("# " + Long.toHexString(msgPtr) + " <message_pointer>");
        } else {
            // adrp names the 4 KiB page; the ldr's scaled offset names the rest.
            assertThat(dis).containsPattern("adrp\\s+x1, " + Long.toHexString(msgPtr & ~0xfffL) + "\\b")
                    .containsPattern("ldr\\s+x1, \\[x1, #" + (msgPtr & 0xfff) + "\\]");
        }
        assertThat(res.address("_start")).hasValue(res.entryAddress());
    }

    @ParameterizedTest
    @MethodSource("targets")
    void generatorWritesItsOwnAddressIntoTheOutput(Target t) throws Exception {
        Linker linker = Linker.create(t);
        GeneratedProgram.define(linker);
        Path exe = dir.resolve("generated");
        LinkResult r = linker.link(exe);
        long addr = r.address("generated_message").orElseThrow();
        String expected = String.format("generated at 0x%016x\n", addr);
        assertThat(new String(Files.readAllBytes(exe), java.nio.charset.StandardCharsets.US_ASCII)).contains(expected);
        ExternalTools.Result run = ExternalTools.runProgram(t, exe);
        assertThat(run.stdout()).isEqualTo(expected);
        assertThat(run.exitCode()).isZero();
    }

    /** Static symbols are not in the name table; find one by scanning. */
    private static int findStatic(Linker l, String name) {
        for (int s = 1; s <= l.loader().symbolCount(); s++) {
            if (l.loader().isLocal(s) && l.loader().name(s).equals(name)) {
                return s;
            }
        }
        throw new AssertionError(name + " not found");
    }
}
