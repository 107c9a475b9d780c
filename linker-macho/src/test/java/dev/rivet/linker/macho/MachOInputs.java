package dev.rivet.linker.macho;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rivet.linker.Architecture;
import dev.rivet.linker.LinkOptions;
import dev.rivet.linker.Linker;
import dev.rivet.linker.SymbolKind;
import dev.rivet.linker.Target;
import dev.rivet.linker.core.CoreLinker;
import dev.rivet.linker.core.symbols.AtomTable;
import dev.rivet.linker.core.symbols.InputFile;
import dev.rivet.linker.core.symbols.SymbolLoader;
import dev.rivet.linker.core.symbols.SymbolTable;
import dev.rivet.linker.testing.ExternalTools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Mach-O inputs made at test time (clang, llvm-mc, llvm-ar; a {@code -14} suffix is accepted), and
 * a view of what a linker loaded from them: the core's tables, since no Mach-O writer exists yet.
 */
final class MachOInputs {
    private MachOInputs() { }

    /** {@return a tool's path: its plain name, else with llvm's -14 suffix; skips the test when missing} */
    static String tool(String name) {
        return ExternalTools.find(name).or(() -> ExternalTools.find(name + "-14")).orElseGet(() -> ExternalTools.require(name)).toString();
    }

    static String triple(Target t) {
        return (t.architecture() == Architecture.X86_64 ? "x86_64" : "arm64") + "-apple-macos11";
    }

    /** Assembles a source with llvm-mc. */
    static Path assemble(Target t, Path dir, String name, String source) throws IOException {
        Path src = dir.resolve(name + ".s");
        Files.writeString(src, source);
        Path obj = dir.resolve(name + ".o");
        run(List.of(tool("llvm-mc"), "-triple=" + triple(t), "-filetype=obj", "-o", obj.toString(), src.toString()));
        return obj;
    }

    /** Compiles C with clang. */
    static Path compile(Target t, Path dir, String name, String source, String... flags) throws IOException {
        Path src = dir.resolve(name + ".c");
        Files.writeString(src, source);
        Path obj = dir.resolve(name + ".o");
        List<String> cmd = new ArrayList<>(List.of(tool("clang"), "--target=" + triple(t), "-c", "-O1", "-o", obj.toString()));
        cmd.addAll(List.of(flags));
        cmd.add(src.toString());
        run(cmd);
        return obj;
    }

    /** Makes an archive with llvm-ar in the given format ({@code darwin}, {@code gnu}, {@code bsd}). */
    static Path archive(Path dir, String name, String format, Path... members) {
        Path out = dir.resolve(name);
        List<String> cmd = new ArrayList<>(List.of(tool("llvm-ar"), "rcs", "--format=" + format, out.toString()));
        for (Path m : members) {
            cmd.add(m.toString());
        }
        run(cmd);
        return out;
    }

    /** {@code llvm-objdump --macho -r}: the relocation listing. */
    static String objdumpRelocations(Path obj) {
        return run(List.of(tool("llvm-objdump"), "--macho", "-r", obj.toString()));
    }

    /** Links with ld64.lld against the test libSystem.tbd, as the reference linker. */
    static Path linkWithLld(Target t, Path out, List<String> options, Path... inputs) {
        List<String> cmd = new ArrayList<>(List.of(dev.rivet.linker.macho.testing.MachORunner.ld64().toString(), "-arch",
                t.architecture() == Architecture.X86_64 ? "x86_64" : "arm64",
                "-platform_version", "macos", "11.0", "11.0", "-o", out.toString()));
        cmd.addAll(options);
        for (Path p : inputs) {
            cmd.add(p.toString());
        }
        cmd.add(dev.rivet.linker.macho.testing.MachORunner.libSystemTbd().toString());
        run(cmd);
        return out;
    }

    /** {@code llvm-objdump --macho} with the given options. */
    static String objdump(Path file, String... options) {
        List<String> cmd = new ArrayList<>(List.of(tool("llvm-objdump"), "--macho"));
        cmd.addAll(List.of(options));
        cmd.add(file.toString());
        return run(cmd);
    }

    static String run(List<String> cmd) {
        ExternalTools.Result r = ExternalTools.run(cmd);
        assertThat(r.exitCode()).as(cmd + ": " + r.stderr()).isZero();
        return r.stdout();
    }

    /** {@return both macOS targets, for parameterized tests} */
    static List<Target> targets() {
        return List.of(Target.ARM64_MACOS, Target.X86_64_MACOS);
    }

    /** {@return what a new linker for the target loaded from these inputs} */
    static Loaded load(Target t, Path... inputs) {
        Linker l = linker(t);
        for (Path p : inputs) {
            l.addInput(p);
        }
        return new Loaded(l);
    }

    static Linker linker(Target t) {
        return Linker.create(t, LinkOptions.builder().threads(1).build());
    }

    /** What a linker has loaded, read from its tables. */
    record Loaded(CoreLinker linker) {
        Loaded(Linker l) {
            this((CoreLinker) l);
        }

        SymbolLoader loader() {
            return linker.symbolLoader();
        }

        SymbolTable symbols() {
            return loader().symbols;
        }

        AtomTable atoms() {
            return loader().atoms;
        }

        /** {@return the global symbol of a name; fails if there is none} */
        int sym(String name) {
            int s = symbols().lookup(name);
            assertThat(s).as("symbol " + name).isNotZero();
            return s;
        }

        /** {@return the static symbol of a name in a file (the first), or 0} */
        int local(InputFile f, String name) {
            for (int l = 0; l < f.symCount; l++) {
                int s = f.localToGlobal[l];
                if (s != 0 && symbols().isStatic.get(s) && symbols().name(s).equals(name) && symbols().file[s] == f.index) {
                    return s;
                }
            }
            return 0;
        }

        SymbolKind kind(int s) {
            return symbols().kind(s);
        }

        boolean flag(int s, int f) {
            return symbols().hasFlag(s, f);
        }

        int atom(int s) {
            return symbols().atom(s);
        }

        long value(int s) {
            return symbols().value(s);
        }

        /** {@return the object files loaded, in order (the payload file excluded)} */
        List<InputFile> files() {
            return symbols().files().stream().filter(f -> f != loader().payload).toList();
        }

        InputFile file(String nameEnd) {
            return files().stream().filter(f -> f.name.endsWith(nameEnd)).findFirst().orElseThrow(() -> new AssertionError("no file " + nameEnd));
        }

        /** {@return the atoms a file owns, in order} */
        List<Integer> atomsOf(InputFile f) {
            List<Integer> out = new ArrayList<>();
            for (int a = 1; a < atoms().count; a++) {
                if (atoms().file(a) == f.index) {
                    out.add(a);
                }
            }
            return out;
        }

        String outputSection(int atom) {
            int id = atoms().section[atom];
            return id == 0 ? "" : loader().sections.name(id);
        }

        /** {@return an atom's relocations as "offset op target addend" lines} */
        List<String> relocations(int atom) {
            InputFile f = symbols().file(atoms().file(atom));
            List<String> out = new ArrayList<>();
            for (int r = atoms().relStart[atom], end = r + atoms().relCount(atom); r < end; r++) {
                out.add(String.format("0x%x %s %s %d", f.relocs.offset[r], loader().arch().opName(f.relocs.type[r]),
                        symbols().name(f.relocationTarget(r)), f.relocs.addend(r)));
            }
            return out;
        }

        /** {@return every relocation of a file's atoms, each prefixed with the atom's first symbol's... section name} */
        List<String> allRelocations(InputFile f) {
            List<String> out = new ArrayList<>();
            for (int a : atomsOf(f)) {
                out.addAll(relocations(a));
            }
            return out;
        }
    }
}
