package dev.rivet.cli;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A GNU ld command line, parsed by {@link LdCommandLine}: what to link, in order, and how.
 * Immutable. Nothing here has been checked against the file system: paths are as written.
 *
 * @param inputs the inputs in command-line order: files, {@code -l} libraries and group markers;
 *     the markers are balanced (unterminated groups are closed at the end, as GNU ld does) and
 *     may nest, as GNU ld 2.40 allows (an inner group adds nothing: the outer one is searched as a whole)
 * @param output the output file ({@code -o}); {@code a.out} when not given, as in GNU ld
 * @param librarySearchPaths the {@code -L} directories in order; as in GNU ld, each applies to
 *     every {@code -l}, wherever it appears
 * @param emulation the last {@code -m} emulation, if any (one of {@link LdCommandLine#EMULATIONS})
 * @param entry the entry symbol ({@code -e}), if any
 * @param outputKind what {@code -pie}, {@code -no-pie} and {@code -shared} asked for (the last wins)
 * @param noStdlib {@code -nostdlib}: search only the {@code -L} directories
 * @param gcSections {@code --gc-sections} (the last of it and {@code --no-gc-sections} wins)
 * @param threads {@code --threads=N}, as lld and mold take it: the threads the link uses
 * @param buildId the {@code --build-id} style: {@code fast} (the default of a bare
 *     {@code --build-id}), {@code sha1}, {@code md5}, {@code uuid} or {@code 0x} and hex digits; empty for none
 * @param ehFrameHdr {@code --eh-frame-hdr}
 * @param zKeywords every {@code -z} keyword in order, as written ({@code relro},
 *     {@code max-page-size=0x1000}, ...)
 * @param hashStyle {@code --hash-style}, if given
 * @param dynamicLinker the program interpreter ({@code -dynamic-linker}, {@code -I}), if given
 * @param noDynamicLinker {@code --no-dynamic-linker} came after any {@code -dynamic-linker}
 *     (gcc's {@code -static-pie})
 * @param rpath the {@code -rpath} directories in order
 * @param rpathLink the {@code -rpath-link} directories in order
 * @param soname {@code -soname} / {@code -h}, if given
 * @param versionScripts the {@code --version-script} files in order
 * @param exportDynamic {@code --export-dynamic} / {@code -E}
 * @param plugins the {@code -plugin} paths (recorded; Rivet loads no plugins)
 * @param pluginOptions the {@code -plugin-opt} arguments (recorded; ignored)
 * @param sysroot {@code --sysroot}, if given
 * @param printVersion {@code -v} / {@code --version}
 * @param printEmulations {@code -V}: the version and the supported emulations
 * @param printHelp {@code --help} (GNU ld stops reading the command line there; so does the parser)
 * @param discardLocals {@code -X} / {@code --discard-locals}
 * @param strip {@code -s} / {@code -S} (the last wins)
 * @param optimize the {@code -O} level (0 when not given)
 * @param fatalWarnings {@code --fatal-warnings} (the last of it and {@code --no-fatal-warnings} wins)
 * @param noUndefined {@code --no-undefined} or {@code -z defs} ({@code -z undefs} turns it off)
 * @param mapFile {@code -Map}, if given
 * @param ignored the options that were accepted and deliberately ignored
 *     ({@link LdCommandLine#IGNORED_OPTIONS}), as written, in order
 * @param warnings what GNU ld would warn about (an unknown {@code -z} keyword, grouped short
 *     options, a missing {@code --end-group}), in order
 */
record LdOptions(
        List<Input> inputs,
        String output,
        List<String> librarySearchPaths,
        Optional<String> emulation,
        Optional<String> entry,
        OutputKind outputKind,
        boolean noStdlib,
        boolean gcSections,
        java.util.OptionalInt threads,
        Optional<String> buildId,
        boolean ehFrameHdr,
        List<String> zKeywords,
        Optional<HashStyle> hashStyle,
        Optional<String> dynamicLinker,
        boolean noDynamicLinker,
        List<String> rpath,
        List<String> rpathLink,
        Optional<String> soname,
        List<String> versionScripts,
        boolean exportDynamic,
        List<String> plugins,
        List<String> pluginOptions,
        Optional<String> sysroot,
        boolean printVersion,
        boolean printEmulations,
        boolean printHelp,
        boolean discardLocals,
        Strip strip,
        int optimize,
        boolean fatalWarnings,
        boolean noUndefined,
        Optional<String> mapFile,
        List<String> ignored,
        List<String> warnings) {

    /** Copies the lists and checks for nulls. */
    LdOptions {
        inputs = List.copyOf(inputs);
        Objects.requireNonNull(output, "output");
        librarySearchPaths = List.copyOf(librarySearchPaths);
        Objects.requireNonNull(emulation, "emulation");
        Objects.requireNonNull(entry, "entry");
        Objects.requireNonNull(outputKind, "outputKind");
        Objects.requireNonNull(buildId, "buildId");
        zKeywords = List.copyOf(zKeywords);
        Objects.requireNonNull(hashStyle, "hashStyle");
        Objects.requireNonNull(dynamicLinker, "dynamicLinker");
        rpath = List.copyOf(rpath);
        rpathLink = List.copyOf(rpathLink);
        Objects.requireNonNull(soname, "soname");
        versionScripts = List.copyOf(versionScripts);
        plugins = List.copyOf(plugins);
        pluginOptions = List.copyOf(pluginOptions);
        Objects.requireNonNull(sysroot, "sysroot");
        Objects.requireNonNull(strip, "strip");
        Objects.requireNonNull(mapFile, "mapFile");
        ignored = List.copyOf(ignored);
        warnings = List.copyOf(warnings);
    }

    /** {@return the Rivet target string of the emulation ({@code x86_64-linux}, {@code aarch64-linux}), if one was given} */
    Optional<String> target() {
        return emulation.map(LdCommandLine.EMULATIONS::get);
    }

    /** {@return whether the command line names anything to link} */
    boolean hasInputs() {
        return inputs.stream().anyMatch(i -> i instanceof FileInput || i instanceof LibraryInput);
    }

    /** {@return the file and library inputs, without the group markers} */
    List<Input> filesAndLibraries() {
        return inputs.stream().filter(i -> i instanceof FileInput || i instanceof LibraryInput).toList();
    }

    /** What kind of file the link makes. */
    enum OutputKind {
        /** A position-dependent executable (the default; {@code -no-pie}). */
        EXECUTABLE,
        /** A position-independent executable ({@code -pie}); with {@code --no-dynamic-linker}, gcc's static PIE. */
        PIE,
        /** A shared library ({@code -shared}). */
        SHARED
    }

    /** {@code --hash-style}. */
    enum HashStyle {
        /** {@code sysv}: {@code .hash} only. */
        SYSV,
        /** {@code gnu}: {@code .gnu.hash} only. */
        GNU,
        /** {@code both}. */
        BOTH
    }

    /** Which symbols {@code -s} / {@code -S} strip. */
    enum Strip {
        /** Neither was given. */
        NONE,
        /** {@code -S}, {@code --strip-debug}: debugging symbols. */
        DEBUG,
        /** {@code -s}, {@code --strip-all}: all symbols. */
        ALL
    }

    /**
     * The flags that govern how the following inputs are read, as GNU ld keeps them (and
     * {@code --push-state} / {@code --pop-state} save and restore them).
     *
     * @param staticOnly {@code -Bstatic} (also {@code -static}, {@code -dn}, {@code -non_shared}):
     *     {@code -l} finds archives only; {@code -Bdynamic} ({@code -dy}, {@code -call_shared})
     *     allows shared libraries again
     * @param wholeArchive {@code --whole-archive}: every member of the following archives is linked
     * @param asNeeded {@code --as-needed}: a following shared library is recorded (DT_NEEDED) only if used
     */
    record InputState(boolean staticOnly, boolean wholeArchive, boolean asNeeded) {
        /** GNU ld's state at the start of the command line. */
        static final InputState INITIAL = new InputState(false, false, false);
    }

    /** One element of the ordered input list. */
    sealed interface Input permits FileInput, LibraryInput, StartGroup, EndGroup { }

    /**
     * An input file named on the command line (an object, an archive, a shared library, or
     * anything else GNU ld would try to read: an unreadable {@code @file} is one too).
     *
     * @param path the path as written
     * @param state the flags in effect where it appeared
     */
    record FileInput(String path, InputState state) implements Input {
        /** Checks for nulls. */
        FileInput {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(state, "state");
        }
    }

    /**
     * A library to search for: {@code -lNAME} ({@code libNAME.so} or {@code libNAME.a} in the search
     * directories) or {@code -l:FILE} (exactly {@code FILE}).
     *
     * @param name what followed {@code -l}: {@code c}, or {@code :libfoo.a}
     * @param state the flags in effect where it appeared
     */
    record LibraryInput(String name, InputState state) implements Input {
        /** Checks for nulls. */
        LibraryInput {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(state, "state");
        }

        /** {@return whether this is {@code -l:FILE}: a file name searched as is} */
        boolean exactFileName() {
            return name.startsWith(":");
        }

        /** {@return how the option was written: {@code -lNAME}} */
        String spelling() {
            return "-l" + name;
        }
    }

    /** {@code --start-group} / {@code -(}: archives up to the matching end are searched repeatedly. */
    record StartGroup() implements Input { }

    /** {@code --end-group} / {@code -)}. */
    record EndGroup() implements Input { }
}
