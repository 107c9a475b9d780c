package dev.rivet.cli;

import dev.rivet.cli.LdOptions.EndGroup;
import dev.rivet.cli.LdOptions.FileInput;
import dev.rivet.cli.LdOptions.HashStyle;
import dev.rivet.cli.LdOptions.Input;
import dev.rivet.cli.LdOptions.InputState;
import dev.rivet.cli.LdOptions.LibraryInput;
import dev.rivet.cli.LdOptions.OutputKind;
import dev.rivet.cli.LdOptions.StartGroup;
import dev.rivet.cli.LdOptions.Strip;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Parses the command line GNU ld (binutils 2.40) accepts, as far as gcc 12 uses it on x86-64 and
 * AArch64 Linux, into an {@link LdOptions}. It follows GNU ld's own rules:
 *
 * <ul>
 *   <li>{@code @FILE} arguments are replaced by the arguments in FILE, split as libiberty's
 *       {@code buildargv} does (whitespace separates; single and double quotes group; a backslash
 *       takes the next character literally, inside quotes too), and expanded again (nested files,
 *       2000 at most). A FILE that cannot be read stays a literal argument (so it becomes an input
 *       file that will not be found), as in GNU ld; a directory is an error. A relative FILE is
 *       relative to the working directory, also inside another {@code @FILE}.</li>
 *   <li>A long option may be written with one dash or two ({@code -static}, {@code --static};
 *       {@code -gc-sections}, {@code --gc-sections}), except {@code --output}, which needs two;
 *       its argument may be joined with {@code =} or be the next argument. Unlike GNU ld, an
 *       abbreviated long option ({@code --whole-arch}) is not accepted: names must be complete.</li>
 *   <li>A short option's argument may be joined ({@code -ofile}, {@code -L/dir}, {@code -zrelro})
 *       or be the next argument. {@code -lNAME} is always the library NAME (GNU ld rewrites it
 *       to {@code --library=NAME} before parsing). A single-dash word that is not a long option
 *       is read as short options; grouped options without arguments ({@code -sX}) are accepted
 *       with a warning, as in GNU ld.</li>
 *   <li>Anything not starting with {@code -} (and everything after {@code --}) is an input file.</li>
 * </ul>
 *
 * <p>An unknown option, a known GNU ld option Rivet does not implement ({@link #UNSUPPORTED_OPTIONS}),
 * a missing argument or an invalid value is a {@link UsageException} naming the option. The options
 * in {@link #IGNORED_OPTIONS} are accepted and do nothing. docs/LD-OPTIONS.md lists all three.
 */
final class LdCommandLine {
    /** The GNU ld release whose command line this follows, and that {@code --version} claims compatibility with. */
    static final String GNU_LD_VERSION = "2.40";

    /** The {@code -m} emulations Rivet supports, and the Rivet target of each. */
    static final Map<String, String> EMULATIONS = emulations();

    private static Map<String, String> emulations() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("elf_x86_64", "x86_64-linux");
        m.put("aarch64linux", "aarch64-linux");
        m.put("aarch64elf", "aarch64-linux");
        return Collections.unmodifiableMap(m);
    }

    /**
     * An option Rivet accepts and deliberately ignores.
     *
     * @param spelling how it is written, with its argument if it has one ({@code -fuse-ld=ARG},
     *     {@code -plugin PATH}, {@code -flto[=ARG]} for an optional joined argument)
     * @param why why ignoring it is safe, or what it costs
     */
    record IgnoredOption(String spelling, String why) { }

    /**
     * The options accepted and deliberately ignored. Each use is recorded, as written, in
     * {@link LdOptions#ignored()}, except {@code -plugin} and {@code -plugin-opt}, which have their
     * own lists ({@link LdOptions#plugins()}, {@link LdOptions#pluginOptions()}).
     */
    static final List<IgnoredOption> IGNORED_OPTIONS = List.of(
            new IgnoredOption("-plugin PATH", "gcc passes its LTO plugin; Rivet loads no plugins. The path is kept in LdOptions.plugins(); "
                    + "objects compiled with -flto (GIMPLE only) cannot be linked"),
            new IgnoredOption("-plugin-opt ARG", "options for that plugin; kept in LdOptions.pluginOptions()"),
            new IgnoredOption("-flto[=ARG]", "GNU ld ignores it too (gcc LTO compatibility)"),
            new IgnoredOption("-flto-partition=ARG", "GNU ld ignores it too (gcc LTO compatibility)"),
            new IgnoredOption("-fuse-ld=ARG", "GNU ld ignores it too (gcc linker selection)"),
            new IgnoredOption("-Qy", "GNU ld ignores it too (SVR4 compatibility)"),
            new IgnoredOption("-qmagic", "GNU ld ignores it too (Linux compatibility)"),
            new IgnoredOption("-g", "GNU ld ignores it too"),
            new IgnoredOption("-EL", "little-endian output: both Rivet targets are little-endian (aarch64 gcc passes it)"),
            new IgnoredOption("--fix-cortex-a53-843419[=ARG]", "aarch64 gcc passes it: Rivet does not rewrite the ADRP sequences of "
                    + "Cortex-A53 erratum 843419 (yet); programs are correct on cores without the erratum"),
            new IgnoredOption("--fix-cortex-a53-835769", "Rivet does not insert the Cortex-A53 erratum 835769 workaround (yet)"),
            new IgnoredOption("--map-whole-files[=ARG]", "GNU ld ignores it too (gold compatibility)"),
            new IgnoredOption("--no-map-whole-files[=ARG]", "GNU ld ignores it too (gold compatibility)"),
            new IgnoredOption("--no-keep-memory", "memory tuning; no effect on the output"),
            new IgnoredOption("--reduce-memory-overheads", "memory tuning; no effect on the output"),
            new IgnoredOption("--no-warn-search-mismatch", "only silences a warning"),
            new IgnoredOption("--warn-common", "only adds warnings"),
            new IgnoredOption("--warn-once", "only changes how warnings are reported"),
            new IgnoredOption("--warn-execstack", "only adds a warning"),
            new IgnoredOption("--no-warn-execstack", "only silences a warning"),
            new IgnoredOption("--warn-rwx-segments", "only adds a warning"),
            new IgnoredOption("--no-warn-rwx-segments", "only silences a warning"),
            new IgnoredOption("--relax", "relaxation is the linker's choice; the output is correct either way"),
            new IgnoredOption("--no-relax", "relaxation is the linker's choice; the output is correct either way"));

    /**
     * GNU ld options that Rivet recognises and refuses (an error naming the option), rather than
     * misreading them: a single-dash word such as {@code -oformat} would otherwise be {@code -o format}.
     */
    static final List<String> UNSUPPORTED_OPTIONS = List.of(
            "-r", "-i", "--relocatable", "-T", "--script", "--default-script", "-dT", "-c", "--mri-script",
            "-EB", "-N", "--omagic", "--no-omagic", "-n", "--nmagic", "-q", "--emit-relocs", "-R", "--just-symbols",
            "-u", "--undefined", "--require-defined", "--defsym", "--wrap", "--section-start", "-Tbss", "-Tdata",
            "-Ttext", "-Ttext-segment", "-Trodata-segment", "-Tldata-segment", "--oformat", "-b", "--format",
            "-A", "--architecture", "-x", "--discard-all", "--discard-none", "-M", "--print-map", "-t", "--trace",
            "-y", "--trace-symbol", "-Y", "-a", "-assert", "-d", "-dc", "-dp", "-f", "--auxiliary", "-F", "--filter",
            "-G", "--gpsize", "-P", "--depaudit", "--audit", "-w", "--no-warnings", "-Ur", "-init", "-fini",
            "-Bsymbolic", "-Bsymbolic-functions", "-Bno-symbolic", "-Bgroup", "--dynamic-list", "--dynamic-list-data",
            "--dynamic-list-cpp-new", "--dynamic-list-cpp-typeinfo", "--export-dynamic-symbol",
            "--export-dynamic-symbol-list", "--exclude-libs", "--retain-symbols-file", "--version-exports-section",
            "--enable-new-dtags", "--disable-new-dtags", "--copy-dt-needed-entries", "--no-copy-dt-needed-entries",
            "--add-needed", "--no-add-needed", "--allow-shlib-undefined", "--no-allow-shlib-undefined",
            "--allow-multiple-definition", "--unresolved-symbols", "--warn-unresolved-symbols",
            "--error-unresolved-symbols", "--ignore-unresolved-symbol", "--undefined-version", "--no-undefined-version",
            "--default-symver", "--default-imported-symver", "--no-warn-mismatch", "--noinhibit-exec",
            "--accept-unknown-input-arch", "--no-accept-unknown-input-arch", "--check-sections", "--no-check-sections",
            "--cref", "--demangle", "--no-demangle", "--embedded-relocs", "--force-exe-suffix", "--force-group-allocation",
            "--print-gc-sections", "--no-print-gc-sections", "--gc-keep-exported", "--hash-size", "--no-define-common",
            "--strip-discarded", "--no-strip-discarded", "--unique", "--sort-common", "--sort-section",
            "--spare-dynamic-tags", "--split-by-file", "--split-by-reloc", "--stats", "--target-help", "--task-link",
            "--traditional-format", "--verbose", "--warn-constructors", "--warn-multiple-gp", "--warn-section-align",
            "--warn-textrel", "--warn-alternate-em", "--print-memory-usage", "--orphan-handling",
            "--print-map-discarded", "--no-print-map-discarded", "--print-output-format", "--print-sysroot",
            "--max-cache-size", "--dependency-file", "--error-handling-script", "--out-implib",
            "--enable-non-contiguous-regions", "--enable-non-contiguous-regions-warnings", "--ctf-variables",
            "--no-ctf-variables", "--ctf-share-types", "--ld-generated-unwind-info", "--no-ld-generated-unwind-info",
            "--package-metadata", "--compress-debug-sections", "--pic-veneer", "--stub-group-size",
            "--no-apply-dynamic-relocs", "--no-enum-size-warning", "--no-wchar-size-warning");

    /** {@code -z} keywords GNU ld 2.40 knows on x86-64 and AArch64 (a trailing {@code =} takes a value); others draw a warning, as in GNU ld. */
    static final Set<String> Z_KEYWORDS = Set.of(
            "combreloc", "nocombreloc", "common", "nocommon", "common-page-size=", "max-page-size=", "defs", "undefs",
            "muldefs", "execstack", "noexecstack", "global", "globalaudit", "initfirst", "interpose", "lazy", "now",
            "loadfltr", "nocopyreloc", "nodefaultlib", "nodelete", "nodlopen", "nodump", "origin", "relro", "norelro",
            "separate-code", "noseparate-code", "stack-size=", "start-stop-gc", "nostart-stop-gc",
            "start-stop-visibility=", "text", "notext", "textoff", "unique", "nounique", "unique-symbol",
            "nounique-symbol",
            // x86-64
            "call-nop=", "cet-report=", "dynamic-undefined-weak", "nodynamic-undefined-weak", "ibt", "ibtplt", "shstk",
            "indirect-extern-access", "noindirect-extern-access", "noextern-protected-data", "noreloc-overflow",
            "lam-u48", "lam-u57", "lam-report=", "lam-u48-report=", "lam-u57-report=", "pack-relative-relocs",
            "nopack-relative-relocs", "report-relative-reloc", "x86-64-baseline", "x86-64-v2", "x86-64-v3", "x86-64-v4",
            // AArch64
            "force-bti", "pac-plt");

    private static final int RESPONSE_FILE_LIMIT = 2000;

    /** How an option takes its argument. */
    private enum Arity {
        NONE,
        REQUIRED,
        /** Only joined: {@code --build-id=md5}; {@code --build-id md5} makes {@code md5} an input file, as in GNU ld. */
        OPTIONAL
    }

    /** What an option does. */
    private enum Opt {
        OUTPUT(Arity.REQUIRED), LIBRARY(Arity.REQUIRED), LIBRARY_PATH(Arity.REQUIRED), EMULATION(Arity.REQUIRED),
        ENTRY(Arity.REQUIRED), STATIC_ONLY, DYNAMIC, PIE, NO_PIE, SHARED, NOSTDLIB, GC_SECTIONS, NO_GC_SECTIONS, THREADS(Arity.REQUIRED),
        BUILD_ID(Arity.OPTIONAL), EH_FRAME_HDR, NO_EH_FRAME_HDR, Z(Arity.REQUIRED), HASH_STYLE(Arity.REQUIRED),
        DYNAMIC_LINKER(Arity.REQUIRED), NO_DYNAMIC_LINKER, RPATH(Arity.REQUIRED), RPATH_LINK(Arity.REQUIRED),
        SONAME(Arity.REQUIRED), VERSION_SCRIPT(Arity.REQUIRED), EXPORT_DYNAMIC, NO_EXPORT_DYNAMIC,
        PLUGIN(Arity.REQUIRED), PLUGIN_OPT(Arity.REQUIRED), SYSROOT(Arity.REQUIRED), VERSION, VERSION_EMULATIONS,
        HELP, DISCARD_LOCALS, STRIP_ALL, STRIP_DEBUG, OPTIMIZE(Arity.REQUIRED), FATAL_WARNINGS, NO_FATAL_WARNINGS,
        NO_UNDEFINED, MAP(Arity.REQUIRED), START_GROUP, END_GROUP, PUSH_STATE, POP_STATE, WHOLE_ARCHIVE,
        NO_WHOLE_ARCHIVE, AS_NEEDED, NO_AS_NEEDED, IGNORE, IGNORE_ARG(Arity.REQUIRED), IGNORE_OPTIONAL_ARG(Arity.OPTIONAL),
        UNSUPPORTED;

        final Arity arity;

        Opt() {
            this(Arity.NONE);
        }

        Opt(Arity arity) {
            this.arity = arity;
        }
    }

    /** Long options, by name without dashes; each may be written with one dash or two. */
    private static final Map<String, Opt> LONG = new HashMap<>();
    /** Long options that must be written with two dashes ({@code -output} is {@code -o utput}, as in GNU ld). */
    private static final Map<String, Opt> LONG_TWO_DASHES_ONLY = new HashMap<>();
    private static final Map<Character, Opt> SHORT = new HashMap<>();

    static {
        for (IgnoredOption o : IGNORED_OPTIONS) {
            String s = o.spelling();
            Arity arity = s.contains("[=") ? Arity.OPTIONAL : s.contains("=") || s.contains(" ") ? Arity.REQUIRED : Arity.NONE;
            Opt opt = switch (arity) {
                case NONE -> Opt.IGNORE;
                case REQUIRED -> Opt.IGNORE_ARG;
                case OPTIONAL -> Opt.IGNORE_OPTIONAL_ARG;
            };
            String name = withoutDashes(s);
            for (int i = 0; i < name.length(); i++) {
                char c = name.charAt(i);
                if (c == '[' || c == '=' || c == ' ') {
                    name = name.substring(0, i);
                    break;
                }
            }
            if (name.length() == 1) {
                SHORT.put(name.charAt(0), opt);
            } else {
                LONG.put(name, opt);
            }
        }
        for (String s : UNSUPPORTED_OPTIONS) {
            String name = withoutDashes(s);
            if (name.length() == 1) {
                SHORT.put(name.charAt(0), Opt.UNSUPPORTED);
            } else if (name.equals("omagic") || name.equals("no-omagic") || name.equals("undefined-version")) {
                LONG_TWO_DASHES_ONLY.put(name, Opt.UNSUPPORTED);
            } else {
                LONG.put(name, Opt.UNSUPPORTED);
            }
        }
        LONG_TWO_DASHES_ONLY.put("output", Opt.OUTPUT);
        Object[] longs = {
            "library", Opt.LIBRARY, "library-path", Opt.LIBRARY_PATH, "entry", Opt.ENTRY,
            "Bstatic", Opt.STATIC_ONLY, "static", Opt.STATIC_ONLY, "dn", Opt.STATIC_ONLY, "non_shared", Opt.STATIC_ONLY,
            "Bdynamic", Opt.DYNAMIC, "dy", Opt.DYNAMIC, "call_shared", Opt.DYNAMIC,
            "pie", Opt.PIE, "pic-executable", Opt.PIE, "no-pie", Opt.NO_PIE, "shared", Opt.SHARED, "Bshareable", Opt.SHARED,
            "nostdlib", Opt.NOSTDLIB, "gc-sections", Opt.GC_SECTIONS, "no-gc-sections", Opt.NO_GC_SECTIONS, "threads", Opt.THREADS,
            "build-id", Opt.BUILD_ID, "eh-frame-hdr", Opt.EH_FRAME_HDR, "no-eh-frame-hdr", Opt.NO_EH_FRAME_HDR,
            "hash-style", Opt.HASH_STYLE, "dynamic-linker", Opt.DYNAMIC_LINKER, "no-dynamic-linker", Opt.NO_DYNAMIC_LINKER,
            "rpath", Opt.RPATH, "rpath-link", Opt.RPATH_LINK, "soname", Opt.SONAME, "version-script", Opt.VERSION_SCRIPT,
            "export-dynamic", Opt.EXPORT_DYNAMIC, "no-export-dynamic", Opt.NO_EXPORT_DYNAMIC,
            "plugin", Opt.PLUGIN, "plugin-opt", Opt.PLUGIN_OPT, "sysroot", Opt.SYSROOT,
            "version", Opt.VERSION, "help", Opt.HELP, "discard-locals", Opt.DISCARD_LOCALS,
            "strip-all", Opt.STRIP_ALL, "strip-debug", Opt.STRIP_DEBUG,
            "fatal-warnings", Opt.FATAL_WARNINGS, "no-fatal-warnings", Opt.NO_FATAL_WARNINGS,
            "no-undefined", Opt.NO_UNDEFINED, "Map", Opt.MAP,
            "start-group", Opt.START_GROUP, "end-group", Opt.END_GROUP, "push-state", Opt.PUSH_STATE,
            "pop-state", Opt.POP_STATE, "whole-archive", Opt.WHOLE_ARCHIVE, "no-whole-archive", Opt.NO_WHOLE_ARCHIVE,
            "as-needed", Opt.AS_NEEDED, "no-as-needed", Opt.NO_AS_NEEDED,
        };
        for (int i = 0; i < longs.length; i += 2) {
            LONG.put((String) longs[i], (Opt) longs[i + 1]);
        }
        Object[] shorts = {
            'o', Opt.OUTPUT, 'l', Opt.LIBRARY, 'L', Opt.LIBRARY_PATH, 'm', Opt.EMULATION, 'e', Opt.ENTRY, 'z', Opt.Z,
            'I', Opt.DYNAMIC_LINKER, 'h', Opt.SONAME, 'E', Opt.EXPORT_DYNAMIC, 'v', Opt.VERSION,
            'V', Opt.VERSION_EMULATIONS, 'X', Opt.DISCARD_LOCALS, 's', Opt.STRIP_ALL, 'S', Opt.STRIP_DEBUG,
            'O', Opt.OPTIMIZE, '(', Opt.START_GROUP, ')', Opt.END_GROUP,
        };
        for (int i = 0; i < shorts.length; i += 2) {
            SHORT.put((Character) shorts[i], (Opt) shorts[i + 1]);
        }
    }

    private LdCommandLine() { }

    /** {@return the option name without its leading dashes}: string operations, not a regex, since this runs on every start. */
    private static String withoutDashes(String spelling) {
        int i = 0;
        while (i < spelling.length() && spelling.charAt(i) == '-') {
            i++;
        }
        return spelling.substring(i);
    }

    /**
     * A command line GNU ld would reject, or that Rivet does not support. The message names the
     * option (or the {@code @file}) and reads well after "rivet ld: ".
     */
    static final class UsageException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    /**
     * Parses a command line, reading {@code @FILE}s relative to the current directory.
     *
     * @param args the arguments after {@code ld}
     * @return what they ask for
     * @throws UsageException if they are not a command line rivet ld accepts
     */
    static LdOptions parse(List<String> args) {
        return parse(args, Path.of(""));
    }

    /**
     * Parses a command line.
     *
     * @param args the arguments after {@code ld}
     * @param workingDirectory what relative {@code @FILE}s are relative to
     * @return what they ask for
     * @throws UsageException if they are not a command line rivet ld accepts
     */
    static LdOptions parse(List<String> args, Path workingDirectory) {
        return new Parser(expandResponseFiles(args, workingDirectory)).parse();
    }

    /**
     * Replaces each {@code @FILE} argument by the arguments FILE holds, as libiberty's
     * {@code expandargv} does for GNU ld: the new arguments are scanned again (nested files); a FILE
     * that does not exist or cannot be read stays as it is; a directory is an error; more than 2000
     * expansions are an error (a file that includes itself).
     *
     * @param args the arguments
     * @param workingDirectory what relative FILEs are relative to
     * @return the expanded arguments
     * @throws UsageException on a directory or too many expansions
     */
    static List<String> expandResponseFiles(List<String> args, Path workingDirectory) {
        List<String> out = new ArrayList<>(args);
        int expansions = 0;
        for (int i = 0; i < out.size(); ) {
            String a = out.get(i);
            if (!a.startsWith("@")) {
                i++;
                continue;
            }
            if (++expansions >= RESPONSE_FILE_LIMIT) {
                throw new UsageException("too many @-files encountered (" + a + " includes itself?)");
            }
            Optional<String> text = readResponseFile(a.substring(1), workingDirectory);
            if (text.isEmpty()) {
                i++;                                   // GNU ld: the argument stays, as a file name
                continue;
            }
            out.remove(i);
            out.addAll(i, splitResponseFile(text.get()));   // rescanned from i: nested @files
        }
        return out;
    }

    private static Optional<String> readResponseFile(String name, Path workingDirectory) {
        if (name.isEmpty()) {
            return Optional.empty();
        }
        Path p;
        try {
            p = workingDirectory.resolve(name);
        } catch (InvalidPathException e) {
            return Optional.empty();
        }
        if (Files.isDirectory(p)) {
            throw new UsageException("@-file refers to a directory: @" + name);
        }
        try {
            byte[] bytes = Files.readAllBytes(p);
            int end = 0;
            while (end < bytes.length && bytes[end] != 0) {
                end++;                                  // libiberty reads a C string: it ends at a NUL
            }
            return Optional.of(new String(bytes, 0, end, StandardCharsets.UTF_8));
        } catch (IOException | SecurityException e) {
            return Optional.empty();
        }
    }

    /**
     * Splits the text of a response file into arguments as libiberty's {@code buildargv} does:
     * whitespace separates arguments; {@code '...'} and {@code "..."} group (adjacent pieces join:
     * {@code a'b c'd} is one argument); a backslash takes the next character literally, also inside
     * quotes. An unterminated quote runs to the end. Text of whitespace only gives no arguments;
     * {@code ""} gives one empty argument.
     *
     * @param text the file's text
     * @return the arguments
     */
    static List<String> splitResponseFile(String text) {
        List<String> args = new ArrayList<>();
        int i = 0;
        int n = text.length();
        while (true) {
            while (i < n && isSpace(text.charAt(i))) {
                i++;
            }
            if (i >= n) {
                return args;
            }
            StringBuilder arg = new StringBuilder();
            boolean squote = false;
            boolean dquote = false;
            boolean escaped = false;
            for (; i < n; i++) {
                char c = text.charAt(i);
                if (escaped) {
                    arg.append(c);
                    escaped = false;
                } else if (c == '\\') {
                    escaped = true;
                } else if (squote) {
                    if (c == '\'') {
                        squote = false;
                    } else {
                        arg.append(c);
                    }
                } else if (dquote) {
                    if (c == '"') {
                        dquote = false;
                    } else {
                        arg.append(c);
                    }
                } else if (isSpace(c)) {
                    break;
                } else if (c == '\'') {
                    squote = true;
                } else if (c == '"') {
                    dquote = true;
                } else {
                    arg.append(c);
                }
            }
            args.add(arg.toString());
        }
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0x0b;
    }

    /**
     * The first line of {@code rivet ld -v} and {@code --version}: it names Rivet and contains
     * "GNU ld" followed by the compatible version as the last word, which is what libtool
     * ({@code *GNU*}), gcc's configure (the last word) and glibc's configure
     * ({@code GNU ld.* VERSION}) look for. See docs/LD-OPTIONS.md.
     *
     * @param rivetVersion Rivet's version
     * @return the line
     */
    static String versionLine(String rivetVersion) {
        return "Rivet " + rivetVersion + " (compatible with GNU ld) " + GNU_LD_VERSION;
    }

    /** {@return the text of {@code rivet ld --help}} */
    static String help() {
        String ignored = IGNORED_OPTIONS.stream().map(IgnoredOption::spelling).collect(Collectors.joining(", "));
        return """
                Usage: rivet ld [options] file...
                The GNU ld command line gcc uses (binutils %s). Options may start with - or --.
                Inputs, in order:
                  FILE                        An object, archive or shared library
                  -l NAME, -l :FILE           Search for libNAME.so / libNAME.a, or exactly FILE
                  --start-group ... --end-group, -( ... -)
                                              Search the archives between repeatedly
                  -Bstatic, -static, -dn, -non_shared
                                              Following -l find archives only
                  -Bdynamic, -dy, -call_shared
                                              Following -l may find shared libraries (default)
                  --whole-archive, --no-whole-archive
                  --as-needed, --no-as-needed
                  --push-state, --pop-state   Save and restore the four settings above
                  @FILE                       Read more arguments from FILE
                Output:
                  -o FILE, --output FILE      Output file (default a.out)
                  -m EMULATION                %s
                  -e SYMBOL, --entry SYMBOL   Entry symbol
                  -pie, -no-pie, -shared      Position-independent executable, fixed-address one, shared library
                  -dynamic-linker PATH, -I PATH, --no-dynamic-linker
                  --gc-sections, --no-gc-sections
                  --build-id[=fast|sha1|md5|uuid|0xHEX|none]  (bare: fast)
                  --eh-frame-hdr, --no-eh-frame-hdr
                  --hash-style=sysv|gnu|both
                  -z KEYWORD                  relro, now, noexecstack, ... (see ld --help)
                  -rpath DIR, -rpath-link DIR, -soname NAME, -h NAME
                  --version-script FILE, --export-dynamic, -E, --no-export-dynamic
                  -s, --strip-all, -S, --strip-debug, -X, --discard-locals
                  -Map FILE, -O LEVEL, --no-undefined, --fatal-warnings, --no-fatal-warnings
                Search:
                  -L DIR, --library-path DIR  Add DIR to the library search path
                  -nostdlib                   Search only the -L directories
                  --sysroot=DIR               Sysroot for = and $SYSROOT paths
                Other:
                  -v, --version               Print the version
                  -V                          Print the version and the emulations
                  --help                      Print this help
                Accepted and ignored: %s
                Every other option is an error. docs/LD-OPTIONS.md has the details.
                """.formatted(GNU_LD_VERSION, String.join(", ", EMULATIONS.keySet()), ignored);
    }

    /** One pass over the expanded arguments. */
    private static final class Parser {
        private final List<String> args;
        private int next;

        private final List<Input> inputs = new ArrayList<>();
        private InputState state = InputState.INITIAL;
        private final Deque<InputState> pushed = new ArrayDeque<>();
        private int groupDepth;

        private String output = "a.out";
        private final List<String> librarySearchPaths = new ArrayList<>();
        private String emulation;
        private String entry;
        private OutputKind outputKind = OutputKind.EXECUTABLE;
        private boolean noStdlib;
        private boolean gcSections;
        private Integer threads;
        private String buildId;
        private boolean ehFrameHdr;
        private final List<String> zKeywords = new ArrayList<>();
        private HashStyle hashStyle;
        private String dynamicLinker;
        private boolean noDynamicLinker;
        private final List<String> rpath = new ArrayList<>();
        private final List<String> rpathLink = new ArrayList<>();
        private String soname;
        private final List<String> versionScripts = new ArrayList<>();
        private boolean exportDynamic;
        private final List<String> plugins = new ArrayList<>();
        private final List<String> pluginOptions = new ArrayList<>();
        private String sysroot;
        private boolean printVersion;
        private boolean printEmulations;
        private boolean printHelp;
        private boolean discardLocals;
        private Strip strip = Strip.NONE;
        private int optimize;
        private boolean fatalWarnings;
        private boolean noUndefined;
        private String mapFile;
        private final List<String> ignored = new ArrayList<>();
        private final List<String> warnings = new ArrayList<>();

        Parser(List<String> args) {
            this.args = args;
        }

        LdOptions parse() {
            boolean optionsEnded = false;
            while (next < args.size() && !printHelp) {
                String a = args.get(next++);
                if (optionsEnded || !a.startsWith("-") || a.equals("-")) {
                    inputs.add(new FileInput(a, state));
                } else if (a.equals("--")) {
                    optionsEnded = true;
                } else if (a.startsWith("--")) {
                    longOption(a, a.substring(2), true);
                } else if (a.startsWith("-l") && a.length() > 2) {
                    apply(Opt.LIBRARY, "-l", a.substring(2));    // GNU ld: -lNAME is always --library=NAME
                } else if (!longOption(a, a.substring(1), false)) {
                    shortOptions(a);
                }
            }
            if (groupDepth > 0 && !printHelp) {
                warnings.add("missing --end-group; added as last command line option");
                for (; groupDepth > 0; groupDepth--) {
                    inputs.add(new EndGroup());
                }
            }
            return new LdOptions(inputs, output, librarySearchPaths, Optional.ofNullable(emulation),
                    Optional.ofNullable(entry), outputKind, noStdlib, gcSections,
                    threads == null ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(threads), Optional.ofNullable(buildId),
                    ehFrameHdr, zKeywords, Optional.ofNullable(hashStyle), Optional.ofNullable(dynamicLinker),
                    noDynamicLinker, rpath, rpathLink, Optional.ofNullable(soname), versionScripts, exportDynamic,
                    plugins, pluginOptions, Optional.ofNullable(sysroot), printVersion, printEmulations, printHelp,
                    discardLocals, strip, optimize, fatalWarnings, noUndefined, Optional.ofNullable(mapFile),
                    ignored, warnings);
        }

        /**
         * Handles {@code arg} as a long option if its name (before any {@code =}) is one.
         *
         * @return false if it is not a long option and may be short options (one dash only)
         */
        private boolean longOption(String arg, String body, boolean twoDashes) {
            int eq = body.indexOf('=');
            String name = eq < 0 ? body : body.substring(0, eq);
            String joined = eq < 0 ? null : body.substring(eq + 1);
            String spelling = arg.substring(0, arg.length() - body.length()) + name;
            Opt opt = LONG.get(name);
            if (opt == null && twoDashes) {
                opt = LONG_TWO_DASHES_ONLY.get(name);
            }
            if (opt == null) {
                if (twoDashes) {
                    throw new UsageException("unknown option '" + arg + "'");
                }
                return false;
            }
            if (opt == Opt.UNSUPPORTED) {
                apply(opt, spelling, null);
            }
            String value;
            switch (opt.arity) {
                case NONE -> {
                    if (joined != null) {
                        throw new UsageException("option '" + spelling + "' does not take an argument");
                    }
                    value = null;
                }
                case OPTIONAL -> value = joined;
                default -> value = joined != null ? joined : separateArgument(spelling);
            }
            apply(opt, spelling, value);
            if (opt == Opt.IGNORE || opt == Opt.IGNORE_ARG || opt == Opt.IGNORE_OPTIONAL_ARG) {
                ignored.add(opt == Opt.IGNORE_ARG && joined == null ? arg + " " + value : arg);
            }
            return true;
        }

        /** Reads {@code -abc} as short options: a, then b (or b's argument "c"), ... */
        private void shortOptions(String arg) {
            for (int i = 1; i < arg.length(); i++) {
                char c = arg.charAt(i);
                Opt opt = SHORT.get(c);
                if (opt == null || opt == Opt.UNSUPPORTED && (i > 1 || arg.length() > 2)) {
                    throw new UsageException("unknown option '" + arg + "'");
                }
                String spelling = "-" + c;
                if (opt.arity == Arity.REQUIRED) {
                    if (i > 1) {
                        throw new UsageException("unable to disambiguate: " + arg + " (did you mean -" + arg + " ?)");
                    }
                    String value = i + 1 < arg.length() ? arg.substring(i + 1) : separateArgument(spelling);
                    apply(opt, spelling, value);
                    if (opt == Opt.IGNORE_ARG) {
                        ignored.add(arg.length() > 2 ? arg : arg + " " + value);
                    }
                    return;
                }
                if (i == 2) {
                    warnings.add("grouped short command line options are deprecated: " + arg);
                }
                apply(opt, spelling, null);
                if (opt == Opt.IGNORE) {
                    ignored.add(spelling);
                }
            }
        }

        private String separateArgument(String spelling) {
            if (next >= args.size()) {
                throw new UsageException("option '" + spelling + "' requires an argument");
            }
            return args.get(next++);
        }

        private void apply(Opt opt, String spelling, String value) {
            switch (opt) {
                case OUTPUT -> output = value;
                case LIBRARY -> inputs.add(new LibraryInput(value, state));
                case LIBRARY_PATH -> librarySearchPaths.add(value);
                case EMULATION -> {
                    if (!EMULATIONS.containsKey(value)) {
                        throw new UsageException("unsupported emulation '" + value + "' (-m); rivet ld supports "
                                + String.join(", ", EMULATIONS.keySet()));
                    }
                    emulation = value;
                }
                case ENTRY -> entry = value;
                case STATIC_ONLY -> state = new InputState(true, state.wholeArchive(), state.asNeeded());
                case DYNAMIC -> state = new InputState(false, state.wholeArchive(), state.asNeeded());
                case WHOLE_ARCHIVE -> state = new InputState(state.staticOnly(), true, state.asNeeded());
                case NO_WHOLE_ARCHIVE -> state = new InputState(state.staticOnly(), false, state.asNeeded());
                case AS_NEEDED -> state = new InputState(state.staticOnly(), state.wholeArchive(), true);
                case NO_AS_NEEDED -> state = new InputState(state.staticOnly(), state.wholeArchive(), false);
                case PUSH_STATE -> pushed.push(state);
                case POP_STATE -> {
                    if (pushed.isEmpty()) {
                        throw new UsageException("no state pushed before popping (" + spelling + ")");
                    }
                    state = pushed.pop();
                }
                case START_GROUP -> {
                    groupDepth++;                       // GNU ld 2.40 lets groups nest
                    inputs.add(new StartGroup());
                }
                case END_GROUP -> {
                    if (groupDepth == 0) {
                        throw new UsageException("group ended before it began (" + spelling + ")");
                    }
                    groupDepth--;
                    inputs.add(new EndGroup());
                }
                case PIE -> outputKind = OutputKind.PIE;
                case NO_PIE -> outputKind = OutputKind.EXECUTABLE;
                case SHARED -> outputKind = OutputKind.SHARED;
                case NOSTDLIB -> noStdlib = true;
                case GC_SECTIONS -> gcSections = true;
                case NO_GC_SECTIONS -> gcSections = false;
                case THREADS -> {
                    try {
                        threads = Integer.parseInt(value);
                    } catch (NumberFormatException e) {
                        threads = 0;
                    }
                    if (threads < 1) {
                        throw new UsageException("--threads needs a positive number, not '" + value + "'");
                    }
                }
                case BUILD_ID -> buildId = buildIdStyle(value);
                case EH_FRAME_HDR -> ehFrameHdr = true;
                case NO_EH_FRAME_HDR -> ehFrameHdr = false;
                case Z -> zKeyword(value);
                case HASH_STYLE -> hashStyle = switch (value) {
                    case "sysv" -> HashStyle.SYSV;
                    case "gnu" -> HashStyle.GNU;
                    case "both" -> HashStyle.BOTH;
                    default -> throw new UsageException("invalid hash style '" + value + "' (" + spelling
                            + "); expected sysv, gnu or both");
                };
                case DYNAMIC_LINKER -> {
                    dynamicLinker = value;
                    noDynamicLinker = false;
                }
                case NO_DYNAMIC_LINKER -> noDynamicLinker = true;
                case RPATH -> rpath.add(value);
                case RPATH_LINK -> rpathLink.add(value);
                case SONAME -> soname = value;
                case VERSION_SCRIPT -> versionScripts.add(value);
                case EXPORT_DYNAMIC -> exportDynamic = true;
                case NO_EXPORT_DYNAMIC -> exportDynamic = false;
                case PLUGIN -> plugins.add(value);
                case PLUGIN_OPT -> pluginOptions.add(value);
                case SYSROOT -> sysroot = value;
                case VERSION -> printVersion = true;
                case VERSION_EMULATIONS -> {
                    printVersion = true;
                    printEmulations = true;
                }
                case HELP -> printHelp = true;
                case DISCARD_LOCALS -> discardLocals = true;
                case STRIP_ALL -> strip = Strip.ALL;
                case STRIP_DEBUG -> strip = Strip.DEBUG;
                case OPTIMIZE -> {
                    if (!value.matches("[0-9]{1,9}")) {
                        throw new UsageException("invalid optimisation level '" + value + "' (" + spelling + ")");
                    }
                    optimize = Integer.parseInt(value);
                }
                case FATAL_WARNINGS -> fatalWarnings = true;
                case NO_FATAL_WARNINGS -> fatalWarnings = false;
                case NO_UNDEFINED -> noUndefined = true;
                case MAP -> mapFile = value;
                case IGNORE, IGNORE_ARG, IGNORE_OPTIONAL_ARG -> { }
                case UNSUPPORTED -> throw new UsageException("unsupported option '" + spelling
                        + "': a GNU ld option that rivet ld does not implement");
                default -> throw new AssertionError(opt);
            }
        }

        private static String buildIdStyle(String value) {
            if (value == null) {
                // GNU ld's bare --build-id is SHA-1, lld's a fast hash: the fast hash, at SHA-1's
                // 20 bytes, since a cold JVM's SHA-1 is slow (BuildId.Style.FAST)
                return "fast";
            }
            return switch (value) {
                case "none" -> null;
                case "fast", "sha1", "md5", "uuid" -> value;
                default -> {
                    if (value.matches("0[xX]([0-9a-fA-F]{2})+")) {
                        yield value;
                    }
                    throw new UsageException("invalid --build-id style '" + value
                            + "'; expected fast, sha1, md5, uuid, 0x followed by pairs of hex digits, or none");
                }
            };
        }

        private void zKeyword(String keyword) {
            zKeywords.add(keyword);
            switch (keyword) {
                case "defs" -> noUndefined = true;
                case "undefs" -> noUndefined = false;
                default -> { }
            }
            int eq = keyword.indexOf('=');
            String known = eq < 0 ? keyword : keyword.substring(0, eq + 1);
            if (!Z_KEYWORDS.contains(known)) {
                warnings.add("-z " + keyword + " ignored");
            }
        }
    }
}
