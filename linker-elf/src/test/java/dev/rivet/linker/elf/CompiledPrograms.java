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

    /** The system call stubs each program uses, per architecture. */
    static final String SYSCALLS = """
            typedef unsigned long size_t;
            static long syscall3(long n, long a, long b, long c) {
            #if defined(__x86_64__)
                long ret;
                __asm__ volatile ("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
                return ret;
            #else
                register long x8 __asm__("x8") = n;
                register long x0 __asm__("x0") = a;
                register long x1 __asm__("x1") = b;
                register long x2 __asm__("x2") = c;
                __asm__ volatile ("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
                return x0;
            #endif
            }
            #if defined(__x86_64__)
            enum { SYS_WRITE = 1, SYS_EXIT = 60 };
            #else
            enum { SYS_WRITE = 64, SYS_EXIT = 93 };
            #endif
            """;
}
