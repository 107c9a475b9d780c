package dev.rivet.cli;

import dev.rivet.linker.Diagnostic;
import dev.rivet.linker.InputOption;
import dev.rivet.linker.LinkException;
import dev.rivet.linker.LinkListener;
import dev.rivet.linker.LinkOptions;
import dev.rivet.linker.Linker;
import dev.rivet.linker.OutputKind;
import dev.rivet.linker.Target;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Runs a link described by a GNU ld command line through Rivet's public API: inputs in command
 * line order, {@code -l} searched in the {@code -L} directories, archives loaded on demand (so
 * groups need no repetition), {@code --whole-archive}, {@code -e}, {@code --gc-sections}.
 * Diagnostics are printed as lld prints them; the exit status is 1 when the link fails.
 */
final class LdDriver {
    private final PrintStream err;

    LdDriver(PrintStream err) {
        this.err = err;
    }

    int link(LdOptions options) {
        Target target = options.target().map(Target::parse).orElseGet(LdDriver::hostTarget);
        LinkOptions.Builder lo = LinkOptions.builder().deadStrip(options.gcSections()).listener(printer(err, "rivet ld"));
        options.entry().ifPresent(lo::entry);
        lo.outputKind(switch (options.outputKind()) {
            case EXECUTABLE -> OutputKind.EXECUTABLE;
            case PIE -> OutputKind.PIE;
            case SHARED -> OutputKind.SHARED_LIBRARY;
        });
        if (options.noDynamicLinker()) {
            lo.interpreter("");
        } else {
            options.dynamicLinker().ifPresent(lo::interpreter);
        }
        options.soname().ifPresent(lo::soname);
        lo.runPaths(options.rpath());
        List<Path> searchPaths = new ArrayList<>();
        for (String dir : options.librarySearchPaths()) {
            searchPaths.add(resolveSysroot(options, dir));
        }
        lo.librarySearchPaths(searchPaths);
        lo.exportDynamic(options.exportDynamic());
        lo.noUndefined(options.noUndefined());
        // -Bsymbolic is parsed with the ignored options; the last of it and -Bno-symbolic wins.
        boolean symbolic = false;
        for (String o : options.ignored()) {
            if (o.equals("-Bsymbolic")) {
                symbolic = true;
            } else if (o.equals("-Bno-symbolic")) {
                symbolic = false;
            }
        }
        lo.symbolic(symbolic);
        options.hashStyle().ifPresent(h -> lo.hashStyle(switch (h) {
            case GNU -> LinkOptions.HashStyle.GNU;
            case SYSV -> LinkOptions.HashStyle.SYSV;
            case BOTH -> LinkOptions.HashStyle.BOTH;
        }));
        for (String z : options.zKeywords()) { // the last of each pair wins
            switch (z) {
                case "now" -> lo.bindNow(true);
                case "lazy" -> lo.bindNow(false);
                case "relro" -> lo.relro(true);
                case "norelro" -> lo.relro(false);
                default -> { }
            }
        }
        if (!options.versionScripts().isEmpty()) {
            List<String> global = new ArrayList<>();
            List<String> local = new ArrayList<>();
            List<LinkOptions.SymbolVersion> versions = new ArrayList<>();
            try {
                for (String script : options.versionScripts()) {
                    VersionScript.read(Path.of(script), global, local, versions);
                }
            } catch (LinkException e) {
                return report(err, "rivet ld", e);
            }
            lo.exports(global, local);
            lo.symbolVersions(versions);
        }
        ColdStart.threads(options.threads(), () -> inputFiles(options)).ifPresent(lo::threads);
        for (String z : options.zKeywords()) { // the last of execstack and noexecstack wins
            if (z.equals("execstack")) {
                lo.executableStack(true);
            } else if (z.equals("noexecstack")) {
                lo.executableStack(false);
            }
        }
        options.buildId().ifPresent(b -> lo.buildId(dev.rivet.linker.BuildId.parse(b)));
        // As GNU ld and lld: the unwind table only when asked, which gcc does for every link but
        // a static one (whose crtbeginT.o registers the frames).
        lo.ehFrameHeader(options.ehFrameHdr());
        // Closed at the end so that a caller linking in a loop (Main.run in one JVM, as the
        // benchmarks do) does not keep every input mapped until a GC; left to the exit in a JVM
        // started for this link (ColdStart.Owned).
        try (ColdStart.Owned owned = new ColdStart.Owned(Linker.create(target, lo.build()))) {
            Linker linker = owned.linker();
            // Runs of inputs with the same options go in together (their objects are parsed in parallel).
            InputRun run = new InputRun(linker);
            for (LdOptions.Input in : options.inputs()) {
                if (in instanceof LdOptions.FileInput f) {
                    run.add(Path.of(f.path()), inputOptions(f.state()));
                } else if (in instanceof LdOptions.LibraryInput lib) {
                    Path file;
                    try {
                        file = findLibrary(options, lib);
                    } catch (LinkException e) {
                        run.flush(); // the inputs before it are added, as one after another
                        throw e;
                    }
                    run.add(file, inputOptions(lib.state()));
                }
                // Groups need nothing: archive members are pulled to a fixpoint whatever the order.
            }
            run.flush();
            linker.link(Path.of(options.output()));
            return 0;
        } catch (LinkException e) {
            return report(err, "rivet ld", e);
        }
    }

    /** {@return the input files and the libraries that can be found, for {@link ColdStart}} */
    private static List<Path> inputFiles(LdOptions options) {
        List<Path> files = new ArrayList<>();
        for (LdOptions.Input in : options.inputs()) {
            if (in instanceof LdOptions.FileInput f) {
                files.add(Path.of(f.path()));
            } else if (in instanceof LdOptions.LibraryInput lib) {
                try {
                    files.add(findLibrary(options, lib));
                } catch (LinkException e) {
                    // Reported when the inputs are added.
                }
            }
        }
        return files;
    }

    /** {@return a listener that prints each diagnostic after the command's name, as lld does} */
    static LinkListener printer(PrintStream err, String command) {
        return new LinkListener() {
            @Override
            public void diagnostic(Diagnostic d) {
                err.println(command + ": " + d);
            }
        };
    }

    /** Prints a failed link's diagnostics; {@return 1, the exit status of a failed link} */
    static int report(PrintStream err, String command, LinkException e) {
        for (Diagnostic d : e.diagnostics()) {
            err.println(command + ": " + d);
        }
        return 1;
    }

    private static List<InputOption> inputOptions(LdOptions.InputState state) {
        List<InputOption> opts = new ArrayList<>();
        if (state.wholeArchive()) {
            opts.add(InputOption.WHOLE_ARCHIVE);
        }
        if (state.asNeeded()) {
            opts.add(InputOption.AS_NEEDED);
        }
        return opts;
    }

    /**
     * Finds {@code -lNAME} as GNU ld does: in each {@code -L} directory in order, {@code libNAME.so}
     * (when dynamic libraries are allowed) then {@code libNAME.a}; {@code -l:FILE} by its name.
     */
    private static Path findLibrary(LdOptions options, LdOptions.LibraryInput lib) {
        List<String> names = new ArrayList<>();
        if (lib.exactFileName()) {
            names.add(lib.name().substring(1));
        } else {
            if (!lib.state().staticOnly()) {
                names.add("lib" + lib.name() + ".so");
            }
            names.add("lib" + lib.name() + ".a");
        }
        List<String> searched = new ArrayList<>();
        for (String dir : options.librarySearchPaths()) {
            Path d = resolveSysroot(options, dir);
            searched.add(d.toString());
            for (String n : names) {
                Path p = d.resolve(n);
                if (Files.isRegularFile(p)) {
                    return p;
                }
            }
        }
        throw new LinkException(Diagnostic.error("unable to find library " + lib.spelling())
                .withHint(searched.isEmpty() ? "no directories were searched: add one with -L"
                        : "searched: " + String.join(", ", searched)));
    }

    private static Path resolveSysroot(LdOptions options, String dir) {
        Optional<String> sysroot = options.sysroot();
        if (dir.startsWith("=")) {
            return Path.of(sysroot.orElse("") + dir.substring(1));
        }
        if (dir.startsWith("$SYSROOT")) {
            return Path.of(sysroot.orElse("") + dir.substring("$SYSROOT".length()));
        }
        return Path.of(dir);
    }

    private static Target hostTarget() {
        return System.getProperty("os.arch").equals("aarch64") ? Target.AARCH64_LINUX : Target.X86_64_LINUX;
    }

    private int error(String message) {
        err.println("rivet ld: error: " + message);
        return 1;
    }
}
