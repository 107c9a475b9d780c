package dev.rivet.cli;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An ld64 command line, parsed by {@link Ld64CommandLine}: what to link, in order, and how.
 * Immutable; paths are as written.
 *
 * @param inputs files, {@code -l} libraries and {@code -framework}s in command-line order
 * @param output {@code -o}; {@code a.out} when not given
 * @param arch {@code -arch} ({@code arm64} or {@code x86_64}), if given
 * @param minOs the deployment target ({@code -platform_version macos MIN SDK}, {@code -macosx_version_min}), if given
 * @param sdk the SDK version ({@code -platform_version}'s third argument), if given
 * @param syslibroots the {@code -syslibroot} directories, in order
 * @param librarySearchPaths the {@code -L} directories, in order
 * @param frameworkSearchPaths the {@code -F} directories, in order
 * @param noDefaultSearchPaths {@code -Z}: do not search {@code /usr/lib}, {@code /usr/local/lib} and the standard framework directories
 * @param dylib {@code -dylib}: a dynamic library rather than an executable
 * @param installName {@code -install_name} / {@code -dylib_install_name}, if given
 * @param entry {@code -e}, if given
 * @param deadStrip {@code -dead_strip}
 * @param rpaths the {@code -rpath} directories, in order
 * @param adhocCodesign the last of {@code -adhoc_codesign} / {@code -no_adhoc_codesign}, if either was given
 * @param exportedSymbols the {@code -exported_symbol} patterns, in order
 * @param exportedSymbolsLists the {@code -exported_symbols_list} files, in order
 * @param dynamicLookup {@code -undefined dynamic_lookup} (the last {@code -undefined} wins)
 * @param allLoad {@code -all_load}: every member of every archive
 * @param printVersion {@code -v}
 * @param printVersionDetails {@code -version_details}
 * @param ignored the options accepted and deliberately ignored ({@link Ld64CommandLine#IGNORED_OPTIONS}), as written
 */
record Ld64Options(
        List<Input> inputs,
        String output,
        Optional<String> arch,
        Optional<String> minOs,
        Optional<String> sdk,
        List<String> syslibroots,
        List<String> librarySearchPaths,
        List<String> frameworkSearchPaths,
        boolean noDefaultSearchPaths,
        boolean dylib,
        Optional<String> installName,
        Optional<String> entry,
        boolean deadStrip,
        List<String> rpaths,
        Optional<Boolean> adhocCodesign,
        List<String> exportedSymbols,
        List<String> exportedSymbolsLists,
        boolean dynamicLookup,
        boolean allLoad,
        boolean printVersion,
        boolean printVersionDetails,
        List<String> ignored) {

    /** Copies the lists and checks for nulls. */
    Ld64Options {
        inputs = List.copyOf(inputs);
        Objects.requireNonNull(output, "output");
        Objects.requireNonNull(arch, "arch");
        Objects.requireNonNull(minOs, "minOs");
        Objects.requireNonNull(sdk, "sdk");
        syslibroots = List.copyOf(syslibroots);
        librarySearchPaths = List.copyOf(librarySearchPaths);
        frameworkSearchPaths = List.copyOf(frameworkSearchPaths);
        Objects.requireNonNull(installName, "installName");
        Objects.requireNonNull(entry, "entry");
        rpaths = List.copyOf(rpaths);
        Objects.requireNonNull(adhocCodesign, "adhocCodesign");
        exportedSymbols = List.copyOf(exportedSymbols);
        exportedSymbolsLists = List.copyOf(exportedSymbolsLists);
        ignored = List.copyOf(ignored);
    }

    /** {@return whether the command line names anything to link} */
    boolean hasInputs() {
        return !inputs.isEmpty();
    }

    /** One element of the ordered input list. */
    sealed interface Input permits FileInput, LibraryInput, FrameworkInput { }

    /**
     * An input file: an object, an archive, a dylib or a {@code .tbd} stub.
     *
     * @param path the path as written
     * @param forceLoad {@code -force_load}: every member of the archive
     */
    record FileInput(String path, boolean forceLoad) implements Input {
        /** Checks for nulls. */
        FileInput {
            Objects.requireNonNull(path, "path");
        }
    }

    /**
     * {@code -lNAME}: {@code libNAME.tbd}, {@code libNAME.dylib} or {@code libNAME.a} in the search directories.
     *
     * @param name what followed {@code -l}
     */
    record LibraryInput(String name) implements Input {
        /** Checks for nulls. */
        LibraryInput {
            Objects.requireNonNull(name, "name");
        }
    }

    /**
     * {@code -framework NAME}: {@code NAME.framework/NAME(.tbd)} in the framework directories.
     *
     * @param name the framework's name
     */
    record FrameworkInput(String name) implements Input {
        /** Checks for nulls. */
        FrameworkInput {
            Objects.requireNonNull(name, "name");
        }
    }
}
