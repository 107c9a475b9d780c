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
 * {@code rivet cds-training}: what the build runs to make the archive that {@code ./rivet} starts
 * with (a class-data-sharing archive, {@code -XX:ArchiveClassesAtExit}, on JDK 17; an AOT cache,
 * {@code -XX:AOTMode=record}, on JDK 24 and later, which also keeps the call sites linked). It
 * loads every class of Rivet's modules (so those a link reaches only for some inputs are
 * archived too), links the sample programs in memory for each target and output
 * kind, and, when a C compiler is installed, links real objects through {@code rivet ld} as gcc
 * runs it (a PIE against the shared libc, a static program against libc.a, a shared library):
 * the command line, the readers of objects, archives, shared objects and linker scripts, and the
 * lambdas and library classes those load. It leaves no file behind.
 */
final class CdsTraining {
    private CdsTraining() { }

    /**
     * Trains.
     *
     * @param args empty, or {@code --links-only} (for an AOT cache: a JVM loads every class of
     *     its cache at start, so the cache should hold what links load and no more)
     * @return the exit status
     */
    static int run(String[] args) {
        boolean linksOnly = args.length == 1 && args[0].equals("--links-only");
        if (args.length > 0 && !linksOnly) {
            return 2;
        }
        int[] counts = train(!linksOnly);
        return (linksOnly || counts[0] > 0) && counts[1] > 0 ? 0 : 1;
    }

    /**
     * {@return the number of Rivet classes loaded, of links made in memory and of links made through rivet ld}
     *
     * @param everyClass whether to load every class of Rivet's jars or modules first
     */
    static int[] train(boolean everyClass) {
        int classes = 0;
        if (!everyClass) {
            return links(0);
        }
        for (Module m : ModuleLayer.boot().modules()) {
            if (m.getName().startsWith("dev.rivet")) {
                classes += loadAll(m);
            }
        }
        if (classes == 0) {
            // On the class path (as ./rivet runs, from one jar): Rivet's classes in its jars.
            for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
                if (entry.endsWith(".jar")) {
                    classes += loadAll(java.nio.file.Path.of(entry));
                }
            }
        }
        return links(classes);
    }

    private static int[] links(int classes) {
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
        int cliLinks;
        try {
            cliLinks = CliTraining.run();
        } catch (IOException e) {
            cliLinks = 0; // no compiler, or it failed: the archive is made from the rest
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cliLinks = 0;
        }
        return new int[] {classes, links, cliLinks};
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
                if (entry.startsWith("dev/rivet/")) {
                    n += load(entry, CdsTraining.class.getClassLoader());
                }
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
