package dev.rivet.cli;

import dev.rivet.hello.GeneratedProgram;
import dev.rivet.hello.HelloProgram;
import dev.rivet.hello.NativeMath;
import dev.rivet.linker.Architecture;
import dev.rivet.linker.LinkException;
import dev.rivet.linker.LinkOptions;
import dev.rivet.linker.Linker;
import dev.rivet.linker.OperatingSystem;
import dev.rivet.linker.OutputKind;
import dev.rivet.linker.SymbolKind;
import dev.rivet.linker.Target;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.module.ModuleReader;
import java.util.List;

/**
 * {@code rivet cds-training}: what the build runs under {@code -XX:ArchiveClassesAtExit} to make
 * the class-data-sharing archive that {@code ./rivet} starts with. It loads every class of Rivet's
 * modules (so those a link reaches only for some inputs, such as the object readers, are archived
 * too) and links the sample programs in memory for each target and output kind, which loads the
 * library classes and lambda forms a link uses. It writes no file.
 */
final class CdsTraining {
    private CdsTraining() { }

    static int run() {
        int[] counts = train();
        return counts[0] > 0 && counts[1] > 0 ? 0 : 1;
    }

    /** {@return the number of Rivet classes loaded and of links made} */
    static int[] train() {
        int classes = 0;
        for (Module m : ModuleLayer.boot().modules()) {
            if (m.getName().startsWith("dev.rivet")) {
                classes += loadAll(m);
            }
        }
        if (classes == 0) {
            // On the class path (as ./rivet runs): Rivet's own jars there.
            for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
                String file = java.nio.file.Path.of(entry).getFileName().toString();
                if (file.endsWith(".jar") && (file.startsWith("linker-") || file.startsWith("cli-") || file.startsWith("hello-"))) {
                    classes += loadAll(java.nio.file.Path.of(entry));
                }
            }
        }
        int links = 0;
        for (Target t : Target.known()) {
            for (OutputKind kind : OutputKind.values()) {
                try {
                    links += link(t, kind) ? 1 : 0;
                } catch (LinkException e) {
                    // A target or kind this build cannot link yet: nothing to learn from it.
                }
            }
        }
        try {
            LdCommandLine.parse(List.of("-static", "-nostdlib", "--gc-sections", "-e", "_start", "-o", "a.out", "a.o", "-lc"));
        } catch (LdCommandLine.UsageException e) {
            throw new IllegalStateException(e);
        }
        return new int[] {classes, links};
    }

    /** Links a sample of the kind: into memory, or for a shared library through a file, as the JNI example does. */
    private static boolean link(Target t, OutputKind kind) {
        if (t.os() == OperatingSystem.LINUX && kind == OutputKind.SHARED_LIBRARY) {
            try {
                java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("rivet-cds");
                java.nio.file.Path lib = dir.resolve("libnativemath.so");
                try {
                    NativeMath.link(t, lib);
                } finally {
                    java.nio.file.Files.deleteIfExists(lib);
                    java.nio.file.Files.delete(dir);
                }
                return true;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        try (Linker linker = Linker.create(t, LinkOptions.builder().outputKind(kind).build())) {
            if (t.os() != OperatingSystem.LINUX) {
                // The samples make Linux system calls: a main that returns will do.
                linker.loader().define("_main", SymbolKind.TEXT, b -> {
                    if (t.architecture() == Architecture.AARCH64) {
                        b.addUint32(0xd65f03c0); // ret
                    } else {
                        b.addUint8(0xc3); // ret
                    }
                });
            } else if (kind == OutputKind.PIE) {
                GeneratedProgram.define(linker);
            } else {
                HelloProgram.define(linker, "hello\n", 0);
            }
            linker.linkToMemory();
            return true;
        }
    }

    private static int loadAll(java.nio.file.Path jar) {
        int n = 0;
        try (java.util.jar.JarFile f = new java.util.jar.JarFile(jar.toFile())) {
            for (String entry : (Iterable<String>) f.stream().map(java.util.zip.ZipEntry::getName)::iterator) {
                n += load(entry, CdsTraining.class.getClassLoader());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return n;
    }

    private static int load(String entry, ClassLoader loader) {
        if (!entry.endsWith(".class") || entry.endsWith("module-info.class")) {
            return 0;
        }
        String name = entry.substring(0, entry.length() - ".class".length()).replace('/', '.');
        try {
            Class.forName(name, false, loader);
            return 1;
        } catch (ClassNotFoundException | LinkageError e) {
            return 0; // not loadable on its own (an optional dependency missing): leave it out
        }
    }

    private static int loadAll(Module m) {
        int n = 0;
        try (ModuleReader r = m.getLayer().configuration().findModule(m.getName()).orElseThrow().reference().open()) {
            for (String entry : (Iterable<String>) r.list()::iterator) {
                n += load(entry, m.getClassLoader());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return n;
    }
}
