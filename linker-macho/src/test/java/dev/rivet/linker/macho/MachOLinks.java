package dev.rivet.linker.macho;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rivet.linker.Architecture;
import dev.rivet.linker.LinkOptions;
import dev.rivet.linker.Linker;
import dev.rivet.linker.Target;
import dev.rivet.linker.macho.testing.MachORunner;
import dev.rivet.linker.testing.ExternalTools;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Links Mach-O programs with Rivet and with the reference linker (ld64.lld), runs them under the
 * Mach-O runner, and checks outputs with llvm-objdump and llvm-otool.
 */
final class MachOLinks {
    /** A slide other than the runner's default, a multiple of 16 KiB (so valid on both architectures). */
    static final String SLIDE = "0x10000000";

    /** Declarations of the emulated libSystem's functions, for test programs built without an SDK. */
    static final String LIB_SYSTEM_DECLS = """
            int printf(const char *, ...);
            int snprintf(char *, unsigned long, const char *, ...);
            int puts(const char *);
            int putchar(int);
            void *malloc(unsigned long);
            void *calloc(unsigned long, unsigned long);
            void *realloc(void *, unsigned long);
            void free(void *);
            void *memcpy(void *, const void *, unsigned long);
            void *memset(void *, int, unsigned long);
            int memcmp(const void *, const void *, unsigned long);
            unsigned long strlen(const char *);
            int strcmp(const char *, const char *);
            char *strcpy(char *, const char *);
            char *strcat(char *, const char *);
            char *strchr(const char *, int);
            int atoi(const char *);
            int abs(int);
            void exit(int);
            """;

    private MachOLinks() { }

    static String arch(Target t) {
        return t.architecture() == Architecture.X86_64 ? "x86_64" : "arm64";
    }

    /** Links with Rivet; the emulated libSystem's stub comes last when asked. */
    static Path rivet(Target t, Path out, LinkOptions.Builder options, boolean libSystem, Path... inputs) {
        try (Linker l = Linker.create(t, options.build())) {
            for (Path p : inputs) {
                l.addInput(p);
            }
            if (libSystem) {
                l.addInput(MachORunner.libSystemTbd());
            }
            l.link(out);
        }
        return out;
    }

    /** Links with Rivet with default options, against the emulated libSystem. */
    static Path rivet(Target t, Path out, Path... inputs) {
        return rivet(t, out, LinkOptions.builder(), true, inputs);
    }

    /** Links with ld64.lld against the emulated libSystem. */
    static Path lld(Target t, Path out, List<String> options, Path... inputs) {
        List<String> cmd = new ArrayList<>(List.of(MachORunner.ld64().toString(), "-arch", arch(t),
                "-platform_version", "macos", "11.0", "11.0", "-o", out.toString()));
        cmd.addAll(options);
        for (Path p : inputs) {
            cmd.add(p.toString());
        }
        cmd.add(MachORunner.libSystemTbd().toString());
        ExternalTools.Result r = ExternalTools.run(cmd);
        assertThat(r.exitCode()).as("%s\n%s", cmd, r.stderr()).isZero();
        return out;
    }

    /** Runs a program under the runner with extra runner options. */
    static ExternalTools.Result run(Path exe, List<String> options, String... args) {
        return MachORunner.run(options, exe, args);
    }

    /**
     * Runs the reference build and Rivet's at the default slide and at {@link #SLIDE}, with the same
     * runner options (dylibs), and checks that they print the same and exit the same.
     *
     * @return the reference run
     */
    static ExternalTools.Result sameAsReference(Path reference, Path rivet, List<String> options, String... args) {
        ExternalTools.Result want = run(reference, options, args);
        assertThat(want.stderr()).as("reference run's stderr").doesNotContain("machorun:");
        for (List<String> slide : List.of(List.<String>of(), List.of("--slide", SLIDE))) {
            List<String> opts = new ArrayList<>(options);
            opts.addAll(slide);
            ExternalTools.Result got = run(rivet, opts, args);
            assertThat(got.stderr()).as("Rivet's program's stderr %s", opts).isEqualTo(want.stderr());
            assertThat(got.stdout()).as("Rivet's program's stdout %s", opts).isEqualTo(want.stdout());
            assertThat(got.exitCode()).as("Rivet's program's exit code %s", opts).isEqualTo(want.exitCode());
        }
        return want;
    }

    /** {@return llvm-objdump's view of every header and fixup table}; fails on any warning */
    static String objdump(Path file) {
        ExternalTools.Result r = ExternalTools.run(List.of(MachOInputs.tool("llvm-objdump"), "--macho", "--all-headers", "--bind",
                "--lazy-bind", "--weak-bind", "--rebase", "--exports-trie", "--indirect-symbols", "--syms", file.toString()));
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        assertThat(r.stderr()).as("llvm-objdump's warnings").isEmpty();
        assertThat(r.stdout()).doesNotContain("truncated or malformed");
        return r.stdout();
    }

    /** {@return llvm-otool -l's view of the load commands}; fails on any warning */
    static String otool(Path file) {
        String tool = ExternalTools.find("llvm-otool-14").or(() -> ExternalTools.find("llvm-otool"))
                .orElseGet(() -> ExternalTools.require("llvm-otool-14")).toString();
        ExternalTools.Result r = ExternalTools.run(List.of(tool, "-l", file.toString()));
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        assertThat(r.stderr()).as("llvm-otool's warnings").isEmpty();
        return r.stdout();
    }

    /** Both tools read the file without a warning. */
    static void readable(Path file) {
        objdump(file);
        otool(file);
    }
}
