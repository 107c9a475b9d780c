package dev.rivet.cli;

import dev.rivet.linker.Diagnostic;
import dev.rivet.linker.InputOption;
import dev.rivet.linker.LinkException;
import dev.rivet.linker.LinkOptions;
import dev.rivet.linker.Linker;
import dev.rivet.linker.OutputKind;
import dev.rivet.linker.Target;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a link described by an ld64 command line through Rivet's public API: inputs in command-line
 * order; {@code -l} and {@code -framework} searched as ld64 searches them; {@code -dylib},
 * {@code -install_name}, {@code -e}, {@code -dead_strip}, {@code -rpath}, ad-hoc signing,
 * {@code -exported_symbol(s_list)}, {@code -undefined dynamic_lookup}. Diagnostics are printed as
 * lld prints them; the exit status is 1 when the link fails.
 */
final class Ld64Driver {
    static final String COMMAND = "rivet ld64";
    /** ld64's default library directories, searched after the {@code -L} ones unless {@code -Z}. */
    static final List<String> DEFAULT_LIBRARY_DIRS = List.of("/usr/lib", "/usr/local/lib");
    /** ld64's default framework directories, searched after the {@code -F} ones unless {@code -Z}. */
    static final List<String> DEFAULT_FRAMEWORK_DIRS = List.of("/Library/Frameworks", "/System/Library/Frameworks");

    private final PrintStream err;

    Ld64Driver(PrintStream err) {
        this.err = err;
    }

    int link(Ld64Options options) {
        if (options.arch().isEmpty()) {
            err.println(COMMAND + ": error: must specify -arch");
            return 1;
        }
        Target target = options.arch().get().equals("x86_64") ? Target.X86_64_MACOS : Target.ARM64_MACOS;
        try {
            LinkOptions.Builder lo = LinkOptions.builder().deadStrip(options.deadStrip()).listener(LdDriver.printer(err, COMMAND))
                    .outputKind(options.dylib() ? OutputKind.SHARED_LIBRARY : OutputKind.PIE)
                    .runPaths(options.rpaths()).dynamicLookup(options.dynamicLookup());
            options.minOs().ifPresent(min -> lo.platformVersion(min, options.sdk().orElse(min)));
            // Objects only: libraries are text stubs and dylibs, small, and only read.
            ColdStart.threads(java.util.OptionalInt.empty(), () -> objectFiles(options)).ifPresent(lo::threads);
            options.entry().ifPresent(lo::entry);
            options.installName().ifPresent(lo::soname);
            options.adhocCodesign().ifPresent(lo::adhocCodeSignature);
            List<String> exported = exportedSymbols(options);
            if (!exported.isEmpty()) {
                lo.exports(exported, List.of("*")); // ld64: only the listed symbols are exported
            }
            // Closed at the end, as LdDriver does, for callers that link in a loop.
            try (ColdStart.Owned owned = new ColdStart.Owned(Linker.create(target, lo.build()))) {
                Linker linker = owned.linker();
                // Runs of inputs with the same options go in together (their objects are parsed in parallel).
                InputRun run = new InputRun(linker);
                for (Ld64Options.Input in : options.inputs()) {
                    Path file;
                    boolean forceLoad = options.allLoad();
                    try {
                        if (in instanceof Ld64Options.FileInput f) {
                            file = Path.of(f.path());
                            forceLoad |= f.forceLoad();
                        } else if (in instanceof Ld64Options.LibraryInput lib) {
                            file = findLibrary(options, lib.name());
                        } else {
                            file = findFramework(options, ((Ld64Options.FrameworkInput) in).name());
                        }
                    } catch (LinkException e) {
                        run.flush(); // the inputs before it are added, as one after another
                        throw e;
                    }
                    run.add(file, forceLoad ? List.of(InputOption.WHOLE_ARCHIVE) : List.of());
                }
                run.flush();
                linker.link(Path.of(options.output()));
            }
            return 0;
        } catch (LinkException e) {
            return LdDriver.report(err, COMMAND, e);
        }
    }

    /** {@return the {@code -exported_symbol} patterns, then those of each {@code -exported_symbols_list} file} */
    static List<String> exportedSymbols(Ld64Options options) {
        List<String> out = new ArrayList<>(options.exportedSymbols());
        for (String list : options.exportedSymbolsLists()) {
            List<String> lines;
            try {
                lines = Files.readAllLines(Path.of(list));
            } catch (IOException e) {
                throw new LinkException(Diagnostic.error("cannot read -exported_symbols_list file: " + e.getMessage()).withInput(list), e);
            }
            for (String line : lines) {
                int hash = line.indexOf('#');
                String name = (hash >= 0 ? line.substring(0, hash) : line).strip();
                if (!name.isEmpty()) {
                    out.add(name);
                }
            }
        }
        return out;
    }

    /**
     * The directories searched, as ld64 makes them: each absolute directory is looked for under
     * every {@code -syslibroot}, and used as is only if it is under none.
     */
    static List<Path> searchDirectories(Ld64Options options, List<String> given, List<String> defaults) {
        List<String> dirs = new ArrayList<>(given);
        if (!options.noDefaultSearchPaths()) {
            dirs.addAll(defaults);
        }
        List<Path> out = new ArrayList<>();
        for (String d : dirs) {
            boolean found = false;
            if (d.startsWith("/")) {
                for (String root : options.syslibroots()) {
                    Path p = Path.of(root + d);
                    if (Files.isDirectory(p)) {
                        out.add(p);
                        found = true;
                    }
                }
            }
            if (!found) {
                out.add(Path.of(d));
            }
        }
        return out;
    }

    /** Finds {@code -lNAME}: in each directory in order, {@code libNAME.tbd}, then {@code .dylib}, then {@code .a}. */
    static Path findLibrary(Ld64Options options, String name) {
        List<Path> dirs = searchDirectories(options, options.librarySearchPaths(), DEFAULT_LIBRARY_DIRS);
        for (Path d : dirs) {
            for (String ext : List.of(".tbd", ".dylib", ".a")) {
                Path p = d.resolve("lib" + name + ext);
                if (Files.isRegularFile(p)) {
                    return p;
                }
            }
        }
        throw notFound("library not found for -l" + name, dirs);
    }

    /** Finds {@code -framework NAME}: in each directory in order, {@code NAME.framework/NAME.tbd}, then {@code NAME.framework/NAME}. */
    static Path findFramework(Ld64Options options, String name) {
        List<Path> dirs = searchDirectories(options, options.frameworkSearchPaths(), DEFAULT_FRAMEWORK_DIRS);
        for (Path d : dirs) {
            Path fw = d.resolve(name + ".framework");
            for (Path p : List.of(fw.resolve(name + ".tbd"), fw.resolve(name))) {
                if (Files.isRegularFile(p)) {
                    return p;
                }
            }
        }
        throw notFound("framework not found " + name, dirs);
    }

    private static LinkException notFound(String message, List<Path> dirs) {
        return new LinkException(Diagnostic.error(message).withHint(dirs.isEmpty() ? "no directories were searched"
                : "searched: " + String.join(", ", dirs.stream().map(Path::toString).toList())));
    }

    /**
     * {@return the files named as inputs} A loop, not a stream: only a fresh JVM asks (ColdStart),
     * and the AOT cache's training runs in one JVM, so a stream's lambdas would be made at run time
     * in every cold link.
     */
    private static List<Path> objectFiles(Ld64Options options) {
        List<Path> files = new java.util.ArrayList<>();
        for (Ld64Options.Input in : options.inputs()) {
            if (in instanceof Ld64Options.FileInput f) {
                files.add(Path.of(f.path()));
            }
        }
        return files;
    }
}
