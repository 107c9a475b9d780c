package dev.rivet.linker.elf;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rivet.linker.Architecture;
import dev.rivet.linker.Target;
import dev.rivet.linker.testing.ExternalTools;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Compiles C test programs with the target's gcc at test time and links them with GNU ld for
 * reference. Programs are freestanding (no libc): they make system calls themselves.
 */
final class CompiledPrograms {
    private CompiledPrograms() { }

    static String gcc(Target t) {
        return t.architecture() == Architecture.X86_64 ? "gcc" : "aarch64-linux-gnu-gcc";
    }

    static String ld(Target t) {
        return t.architecture() == Architecture.X86_64 ? "ld" : "aarch64-linux-gnu-ld";
    }

    /** Flags for freestanding objects: no SIMD in _start, no implicit memset/memcpy calls. gcc's default PIE code is kept (GOT relocations); tests add -fno-pie for absolute ones. */
    static final List<String> CFLAGS = List.of("-c", "-O2", "-ffreestanding", "-fno-stack-protector",
            "-mgeneral-regs-only", "-fno-tree-loop-distribute-patterns", "-fno-builtin");

    /** Writes each source into dir and compiles it; returns the objects. */
    static List<Path> compile(Target t, Path dir, List<String> extraFlags, String... namesAndSources) {
        List<Path> objects = new ArrayList<>();
        try {
            for (int i = 0; i < namesAndSources.length; i += 2) {
                Path src = dir.resolve(namesAndSources[i]);
                Files.writeString(src, namesAndSources[i + 1]);
                Path obj = dir.resolve(namesAndSources[i].replace(".c", "-" + t.architecture().canonicalName() + ".o"));
                List<String> cmd = new ArrayList<>();
                cmd.add(ExternalTools.require(gcc(t)).toString());
                cmd.addAll(CFLAGS);
                cmd.addAll(extraFlags);
                cmd.addAll(List.of("-o", obj.toString(), src.toString()));
                ExternalTools.Result r = ExternalTools.run(cmd);
                assertThat(r.exitCode()).as("gcc: " + r.stderr()).isZero();
                objects.add(obj);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return objects;
    }

    /** Links objects with GNU ld as a static program with entry _start. */
    static Path linkWithGnuLd(Target t, Path out, List<Path> objects) {
        List<String> cmd = new ArrayList<>(List.of(ExternalTools.require(ld(t)).toString(), "-static", "-nostdlib", "-o", out.toString()));
        objects.forEach(o -> cmd.add(o.toString()));
        ExternalTools.Result r = ExternalTools.run(cmd);
        assertThat(r.exitCode()).as("GNU ld: " + r.stderr()).isZero();
        return out;
    }

    /** What {@link #runBoth} saw: the GNU ld build's run, and Rivet's output file. */
    record Runs(ExternalTools.Result reference, Path rivet) { }

    /**
     * Links objects with GNU ld and with Rivet, runs both, and checks that Rivet's program
     * prints the same and exits with the same code.
     *
     * @return the reference run (for the caller's expectations) and Rivet's output
     */
    static Runs runBoth(Target t, Path dir, List<Path> objects) {
        Path ref = linkWithGnuLd(t, dir.resolve("ref"), objects);
        ExternalTools.Result want = ExternalTools.runProgram(t, ref);
        dev.rivet.linker.Linker linker = dev.rivet.linker.Linker.create(t);
        objects.forEach(linker::addInput);
        Path exe = dir.resolve("rivet");
        linker.link(exe);
        ExternalTools.Result got = ExternalTools.runProgram(t, exe);
        assertThat(got.stdout()).as("stdout of Rivet's build").isEqualTo(want.stdout());
        assertThat(got.exitCode()).as("exit code of Rivet's build").isEqualTo(want.exitCode());
        return new Runs(want, exe);
    }

    /** The system call stubs each program uses, per architecture (shared with the CLI's tests). */
    static final String SYSCALLS = dev.rivet.linker.testing.FreestandingC.SYSCALLS;

    /** {@return where {@code needle} first occurs in {@code hay}} @throws AssertionError if it does not */
    static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }
}
