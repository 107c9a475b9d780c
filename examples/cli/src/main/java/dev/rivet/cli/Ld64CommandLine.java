package dev.rivet.cli;

import dev.rivet.cli.LdCommandLine.IgnoredOption;
import dev.rivet.cli.LdCommandLine.UsageException;
import dev.rivet.cli.Ld64Options.FileInput;
import dev.rivet.cli.Ld64Options.FrameworkInput;
import dev.rivet.cli.Ld64Options.Input;
import dev.rivet.cli.Ld64Options.LibraryInput;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Parses the ld64 command line as clang 14 passes it for {@code --target=arm64-apple-macos11}
 * or {@code x86_64-apple-macos11} (with {@code -fuse-ld=} or {@code --ld-path=} a path, clang
 * gives {@code -macosx_version_min}; with {@code -mlinker-version=} 520 or more, or
 * {@code -fuse-ld=lld}, {@code -platform_version} and {@code -demangle}, {@code -lto_library},
 * {@code -no_deduplicate}). ld64's rules: every option is one dash and a whole word, its arguments
 * are the following words ({@code -platform_version macos 11.0 12.3} takes three), except
 * {@code -lNAME}, {@code -LDIR} and {@code -FDIR}, which may be joined; anything not starting with
 * {@code -} is an input file; {@code @FILE} is expanded as {@link LdCommandLine#expandResponseFiles} does.
 * An unknown option, a missing argument or a bad value is a {@link UsageException} naming it.
 */
final class Ld64CommandLine {
    /** The architectures Rivet links for macOS. */
    static final Set<String> ARCHS = Set.of("arm64", "x86_64");

    /** Options accepted and deliberately ignored; docs/LD-OPTIONS.md lists them. */
    static final List<IgnoredOption> IGNORED_OPTIONS = List.of(
            new IgnoredOption("-demangle", "only changes how messages spell C++ names"),
            new IgnoredOption("-lto_library PATH", "clang names its libLTO; Rivet does no LTO, so bitcode objects (-flto) cannot be linked"),
            new IgnoredOption("-no_deduplicate", "Rivet does not fold identical functions, so there is nothing to turn off"),
            new IgnoredOption("-dynamic", "the default: outputs are dynamically linked"),
            new IgnoredOption("-current_version VERSION", "LinkOptions has no field for a dylib's own versions yet"),
            new IgnoredOption("-dylib_current_version VERSION", "as -current_version"),
            new IgnoredOption("-compatibility_version VERSION", "LinkOptions has no field for a dylib's own versions yet"),
            new IgnoredOption("-dylib_compatibility_version VERSION", "as -compatibility_version"));

    private Ld64CommandLine() { }

    /**
     * Parses a command line, reading {@code @FILE}s relative to the current directory.
     *
     * @param args the arguments after {@code ld64}
     * @return what they ask for
     * @throws UsageException if they are not a command line rivet ld64 accepts
     */
    static Ld64Options parse(List<String> args) {
        return parse(args, Path.of(""));
    }

    /**
     * Parses a command line.
     *
     * @param args the arguments after {@code ld64}
     * @param workingDirectory what relative {@code @FILE}s are relative to
     * @return what they ask for
     * @throws UsageException if they are not a command line rivet ld64 accepts
     */
    static Ld64Options parse(List<String> args, Path workingDirectory) {
        return new Parser(LdCommandLine.expandResponseFiles(args, workingDirectory)).parse();
    }

    /** {@return the first line of {@code rivet ld64 -v}} @param rivetVersion Rivet's version */
    static String versionLine(String rivetVersion) {
        return "Rivet " + rivetVersion + " (compatible with ld64)";
    }

    /** {@return what {@code -version_details} prints: JSON, as ld64 does} @param rivetVersion Rivet's version */
    static String versionDetails(String rivetVersion) {
        return "{\"version\":\"" + rivetVersion + "\",\"architectures\":[\"arm64\",\"x86_64\"]}";
    }

    /** One pass over the expanded arguments. */
    private static final class Parser {
        private final List<String> args;
        private int next;

        private final List<Input> inputs = new ArrayList<>();
        private String output = "a.out";
        private String arch;
        private String minOs;
        private String sdk;
        private final List<String> syslibroots = new ArrayList<>();
        private final List<String> librarySearchPaths = new ArrayList<>();
        private final List<String> frameworkSearchPaths = new ArrayList<>();
        private boolean noDefaultSearchPaths;
        private boolean dylib;
        private String installName;
        private String entry;
        private boolean deadStrip;
        private final List<String> rpaths = new ArrayList<>();
        private Boolean adhocCodesign;
        private final List<String> exportedSymbols = new ArrayList<>();
        private final List<String> exportedSymbolsLists = new ArrayList<>();
        private boolean dynamicLookup;
        private boolean allLoad;
        private boolean printVersion;
        private boolean printVersionDetails;
        private final List<String> ignored = new ArrayList<>();

        Parser(List<String> args) {
            this.args = args;
        }

        Ld64Options parse() {
            while (next < args.size()) {
                String a = args.get(next++);
                if (!a.startsWith("-") || a.equals("-")) {
                    inputs.add(new FileInput(a, false));
                } else {
                    option(a);
                }
            }
            return new Ld64Options(inputs, output, Optional.ofNullable(arch), Optional.ofNullable(minOs), Optional.ofNullable(sdk),
                    syslibroots, librarySearchPaths, frameworkSearchPaths, noDefaultSearchPaths, dylib,
                    Optional.ofNullable(installName), Optional.ofNullable(entry), deadStrip, rpaths,
                    Optional.ofNullable(adhocCodesign), exportedSymbols, exportedSymbolsLists, dynamicLookup, allLoad,
                    printVersion, printVersionDetails, ignored);
        }

        private void option(String a) {
            switch (a) {
                case "-o" -> output = argument(a);
                case "-arch" -> {
                    arch = argument(a);
                    if (!ARCHS.contains(arch)) {
                        throw new UsageException("unsupported architecture '" + arch + "' (-arch); rivet ld64 links for "
                                + String.join(" and ", ARCHS.stream().sorted().toList()));
                    }
                }
                case "-platform_version" -> {
                    String platform = argument(a);
                    if (!platform.equals("macos") && !platform.equals("1")) {
                        throw new UsageException("unsupported platform '" + platform + "' (-platform_version); rivet ld64 links for macos");
                    }
                    minOs = version(a, argument(a));
                    sdk = version(a, argument(a));
                }
                case "-macosx_version_min", "-macos_version_min" -> minOs = version(a, argument(a));
                case "-syslibroot" -> syslibroots.add(argument(a));
                case "-Z" -> noDefaultSearchPaths = true;
                case "-dylib" -> dylib = true;
                case "-execute" -> dylib = false;
                case "-install_name", "-dylib_install_name" -> installName = argument(a);
                case "-e" -> entry = argument(a);
                case "-dead_strip" -> deadStrip = true;
                case "-rpath" -> rpaths.add(argument(a));
                case "-adhoc_codesign" -> adhocCodesign = true;
                case "-no_adhoc_codesign" -> adhocCodesign = false;
                case "-exported_symbol" -> exportedSymbols.add(argument(a));
                case "-exported_symbols_list" -> exportedSymbolsLists.add(argument(a));
                case "-undefined" -> {
                    String v = argument(a);
                    dynamicLookup = switch (v) {
                        case "error" -> false;
                        case "dynamic_lookup" -> true;
                        case "warning", "suppress" -> throw new UsageException("-undefined " + v
                                + " is not supported (it needs a flat namespace); use error or dynamic_lookup");
                        default -> throw new UsageException("invalid value '" + v + "' for -undefined; expected error or dynamic_lookup");
                    };
                }
                case "-framework" -> inputs.add(new FrameworkInput(argument(a)));
                case "-force_load" -> inputs.add(new FileInput(argument(a), true));
                case "-all_load" -> allLoad = true;
                case "-v" -> printVersion = true;
                case "-version_details" -> printVersionDetails = true;
                default -> {
                    if (ignore(a)) {
                        return; // before -lNAME: -lto_library is not -l to_library
                    }
                    if (a.startsWith("-l") && a.length() > 2) {
                        inputs.add(new LibraryInput(a.substring(2)));
                    } else if (a.startsWith("-L")) {
                        librarySearchPaths.add(a.length() > 2 ? a.substring(2) : argument(a));
                    } else if (a.startsWith("-F")) {
                        frameworkSearchPaths.add(a.length() > 2 ? a.substring(2) : argument(a));
                    } else {
                        throw new UsageException("unknown option '" + a + "'");
                    }
                }
            }
        }

        /** Accepts an option of {@link #IGNORED_OPTIONS} and its argument, recording it as written. */
        private boolean ignore(String a) {
            for (IgnoredOption o : IGNORED_OPTIONS) {
                String s = o.spelling();
                int space = s.indexOf(' ');
                if ((space < 0 ? s : s.substring(0, space)).equals(a)) {
                    ignored.add(space < 0 ? a : a + " " + argument(a));
                    return true;
                }
            }
            return false;
        }

        private String argument(String option) {
            if (next >= args.size()) {
                throw new UsageException("option '" + option + "' requires an argument");
            }
            return args.get(next++);
        }

        private static String version(String option, String v) {
            if (!v.matches("[0-9]{1,5}(\\.[0-9]{1,3}){0,2}")) {
                throw new UsageException("malformed version '" + v + "' (" + option + "); expected X[.Y[.Z]]");
            }
            return v;
        }
    }
}
