package dev.rivet.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rivet.cli.LdCommandLine.UsageException;
import dev.rivet.cli.Ld64Options.FileInput;
import dev.rivet.cli.Ld64Options.FrameworkInput;
import dev.rivet.cli.Ld64Options.Input;
import dev.rivet.cli.Ld64Options.LibraryInput;
import dev.rivet.linker.LinkException;
import dev.rivet.linker.testing.ExternalTools;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link Ld64CommandLine} and the search rules of {@link Ld64Driver}: every option, the errors, and what clang 14 really passes. */
class Ld64CommandLineTest {
    @TempDir
    Path dir;

    private static Ld64Options parse(String... args) {
        return Ld64CommandLine.parse(List.of(args));
    }

    private static void assertUsageError(String message, String... args) {
        assertThatThrownBy(() -> parse(args)).isInstanceOf(UsageException.class).hasMessageContaining(message);
    }

    private static List<String> names(Ld64Options o) {
        return o.inputs().stream().map(Ld64CommandLineTest::name).toList();
    }

    private static String name(Input i) {
        if (i instanceof FileInput f) {
            return (f.forceLoad() ? "force:" : "") + f.path();
        } else if (i instanceof LibraryInput l) {
            return "-l" + l.name();
        }
        return "framework:" + ((FrameworkInput) i).name();
    }

    @Test
    void everyOptionIsRead() throws IOException {
        Ld64Options o = parse("-demangle", "-lto_library", "/x/libLTO.dylib", "-no_deduplicate", "-dynamic", "-dylib",
                "-arch", "x86_64", "-platform_version", "macos", "11.0.0", "12.3", "-syslibroot", "/sdk", "-o", "out.dylib",
                "-install_name", "@rpath/libx.dylib", "-L/a", "-L", "/b", "-F/fa", "-F", "/fb", "-lSystem", "a.o",
                "-framework", "Foundation", "-force_load", "libz.a", "-e", "_start", "-dead_strip", "-rpath", "@loader_path",
                "-rpath", "/opt", "-adhoc_codesign", "-exported_symbol", "_f", "-exported_symbols_list", "list.txt",
                "-undefined", "dynamic_lookup", "-current_version", "1.2", "-compatibility_version", "1.0", "-Z", "-all_load",
                "-v");
        assertThat(names(o)).containsExactly("-lSystem", "a.o", "framework:Foundation", "force:libz.a");
        assertThat(o.output()).isEqualTo("out.dylib");
        assertThat(o.arch()).contains("x86_64");
        assertThat(o.minOs()).contains("11.0.0");
        assertThat(o.sdk()).contains("12.3");
        assertThat(o.syslibroots()).containsExactly("/sdk");
        assertThat(o.librarySearchPaths()).containsExactly("/a", "/b");
        assertThat(o.frameworkSearchPaths()).containsExactly("/fa", "/fb");
        assertThat(o.dylib()).isTrue();
        assertThat(o.installName()).contains("@rpath/libx.dylib");
        assertThat(o.entry()).contains("_start");
        assertThat(o.deadStrip()).isTrue();
        assertThat(o.rpaths()).containsExactly("@loader_path", "/opt");
        assertThat(o.adhocCodesign()).contains(true);
        assertThat(o.exportedSymbols()).containsExactly("_f");
        assertThat(o.exportedSymbolsLists()).containsExactly("list.txt");
        assertThat(o.dynamicLookup()).isTrue();
        assertThat(o.noDefaultSearchPaths()).isTrue();
        assertThat(o.allLoad()).isTrue();
        assertThat(o.printVersion()).isTrue();
        assertThat(o.ignored()).containsExactly("-demangle", "-lto_library /x/libLTO.dylib", "-no_deduplicate", "-dynamic",
                "-current_version 1.2", "-compatibility_version 1.0");
    }

    @Test
    void defaultsAreLd64s() {
        Ld64Options o = parse("a.o");
        assertThat(o.output()).isEqualTo("a.out");
        assertThat(o.arch()).isEmpty();
        assertThat(o.dylib()).isFalse();
        assertThat(o.deadStrip()).isFalse();
        assertThat(o.adhocCodesign()).isEmpty();
        assertThat(o.dynamicLookup()).isFalse();
        assertThat(parse("-adhoc_codesign", "-no_adhoc_codesign").adhocCodesign()).contains(false);
        assertThat(parse("-undefined", "dynamic_lookup", "-undefined", "error").dynamicLookup()).isFalse();
        assertThat(parse("-macosx_version_min", "10.15").minOs()).contains("10.15");
        assertThat(parse("-dylib_install_name", "/x").installName()).contains("/x");
        assertThat(parse("-platform_version", "1", "11", "11").minOs()).contains("11");
    }

    @Test
    void badCommandLinesNameTheOption() {
        assertUsageError("unknown option '-bundle'", "-bundle", "a.o");
        assertUsageError("unknown option '-sectalign'", "-sectalign", "__DATA", "__x", "0x4000");
        assertUsageError("option '-o' requires an argument", "a.o", "-o");
        assertUsageError("option '-platform_version' requires an argument", "-platform_version", "macos", "11.0");
        assertUsageError("unsupported architecture 'arm64e'", "-arch", "arm64e");
        assertUsageError("unsupported platform 'ios'", "-platform_version", "ios", "14.0", "14.0");
        assertUsageError("malformed version '11.x'", "-platform_version", "macos", "11.x", "12.0");
        assertUsageError("invalid value 'maybe' for -undefined", "-undefined", "maybe");
        assertUsageError("-undefined warning is not supported", "-undefined", "warning");
        assertUsageError("option '-lto_library' requires an argument", "-lto_library");
    }

    @Test
    void responseFilesAreExpanded() throws IOException {
        Path rsp = dir.resolve("args.rsp");
        Files.writeString(rsp, "-arch arm64 -o 'my prog' \"b c.o\"\n");
        Ld64Options o = Ld64CommandLine.parse(List.of("@" + rsp, "-dead_strip"));
        assertThat(o.arch()).contains("arm64");
        assertThat(o.output()).isEqualTo("my prog");
        assertThat(names(o)).containsExactly("b c.o");
        assertThat(o.deadStrip()).isTrue();
    }

    // ---- library and framework search -------------------------------------------------------------

    private Path touch(String relative) throws IOException {
        Path p = dir.resolve(relative);
        Files.createDirectories(p.getParent());
        Files.writeString(p, "x");
        return p;
    }

    @Test
    void librariesAreSearchedPerDirectoryTbdThenDylibThenArchive() throws IOException {
        touch("one/libfoo.a");
        Path dylib = touch("two/libfoo.dylib");
        touch("two/libfoo.a");
        Path tbd = touch("three/libfoo.tbd");
        touch("three/libfoo.dylib");
        Ld64Options o = parse("-L" + dir.resolve("one"), "-L" + dir.resolve("two"), "-Z");
        assertThat(Ld64Driver.findLibrary(o, "foo")).isEqualTo(dir.resolve("one/libfoo.a"));
        o = parse("-L" + dir.resolve("two"), "-L" + dir.resolve("one"), "-Z");
        assertThat(Ld64Driver.findLibrary(o, "foo")).isEqualTo(dylib);
        o = parse("-L" + dir.resolve("three"), "-Z");
        assertThat(Ld64Driver.findLibrary(o, "foo")).isEqualTo(tbd);
    }

    @Test
    void theSyslibrootPrefixesAbsoluteDirectoriesIncludingTheDefaultOnes() throws IOException {
        Path system = touch("sdk/usr/lib/libSystem.tbd");
        Path framework = touch("sdk/System/Library/Frameworks/Foundation.framework/Foundation.tbd");
        Path sdk = dir.resolve("sdk");
        Ld64Options o = parse("-syslibroot", sdk.toString());
        assertThat(Ld64Driver.findLibrary(o, "System")).isEqualTo(system);
        assertThat(Ld64Driver.findFramework(o, "Foundation")).isEqualTo(framework);
        Path own = touch("fw/Own.framework/Own");
        assertThat(Ld64Driver.findFramework(parse("-F" + dir.resolve("fw")), "Own")).isEqualTo(own);
        // A directory that is not under the syslibroot is used as it is.
        Path local = touch("local/libloc.a");
        assertThat(Ld64Driver.findLibrary(parse("-syslibroot", sdk.toString(), "-L" + dir.resolve("local")), "loc")).isEqualTo(local);
    }

    @Test
    void aMissingLibraryOrFrameworkListsTheDirectoriesSearched() {
        Ld64Options o = parse("-syslibroot", dir.toString(), "-L/nowhere");
        assertThatThrownBy(() -> Ld64Driver.findLibrary(o, "System")).isInstanceOfSatisfying(LinkException.class, e -> {
            assertThat(e.diagnostics().get(0).message()).isEqualTo("library not found for -lSystem");
            assertThat(e.diagnostics().get(0).hint()).isEqualTo("searched: /nowhere, /usr/lib, /usr/local/lib");
        });
        assertThatThrownBy(() -> Ld64Driver.findFramework(parse("-Z", "-F/x"), "Cocoa")).isInstanceOfSatisfying(LinkException.class, e -> {
            assertThat(e.diagnostics().get(0).message()).isEqualTo("framework not found Cocoa");
            assertThat(e.diagnostics().get(0).hint()).isEqualTo("searched: /x");
        });
    }

    @Test
    void exportedSymbolsListsSkipCommentsAndBlankLines() throws IOException {
        Path list = dir.resolve("exports.txt");
        Files.writeString(list, "# exported\n_a\n  _b   # trailing\n\n_c*\n");
        assertThat(Ld64Driver.exportedSymbols(parse("-exported_symbol", "_x", "-exported_symbols_list", list.toString())))
                .containsExactly("_x", "_a", "_b", "_c*");
        assertThatThrownBy(() -> Ld64Driver.exportedSymbols(parse("-exported_symbols_list", dir.resolve("none").toString())))
                .isInstanceOf(LinkException.class).hasMessageContaining("cannot read -exported_symbols_list file");
    }

    // ---- the command ------------------------------------------------------------------------------

    private record Run(int status, String out, String err) { }

    private static Run main(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void theCommandAnswersVersionsAndReportsErrors() {
        Run v = main("ld64", "-v");
        assertThat(v.status()).isZero();
        assertThat(v.out()).startsWith("Rivet ").contains("(compatible with ld64)");
        Run details = main("ld64", "-version_details");
        assertThat(details.out()).contains("\"architectures\":[\"arm64\",\"x86_64\"]");
        Run unknown = main("ld64", "-frobnicate", "a.o");
        assertThat(unknown.status()).isEqualTo(2);
        assertThat(unknown.err()).isEqualTo("rivet ld64: error: unknown option '-frobnicate'\n");
        Run noArch = main("ld64", "a.o");
        assertThat(noArch.status()).isEqualTo(1);
        assertThat(noArch.err()).contains("must specify -arch");
        Run none = main("ld64", "-arch", "arm64");
        assertThat(none.status()).isEqualTo(2);
        assertThat(none.err()).contains("no input files");
        Run missing = main("ld64", "-arch", "arm64", "-Z", "-L/nowhere", "-lSystem");
        assertThat(missing.status()).isEqualTo(1);
        assertThat(missing.err()).contains("library not found for -lSystem").contains("searched: /nowhere");
    }

    // ---- what clang 14 really passes --------------------------------------------------------------

    /** {@return the arguments clang -### gives the linker (the wrapper named by -fuse-ld)} */
    private List<String> linkerArguments(String target, String... flags) throws IOException {
        Path source = dir.resolve("hello.c");
        Files.writeString(source, "int main(void) { return 0; }\n");
        Path fake = dir.resolve("bin/ld64");
        Files.createDirectories(fake.getParent());
        Files.writeString(fake, "#!/bin/sh\nexit 0\n");
        fake.toFile().setExecutable(true);
        List<String> cmd = new ArrayList<>(List.of(clang(), "--target=" + target, "-fuse-ld=" + fake));
        cmd.addAll(List.of(flags));
        cmd.addAll(List.of("-###", source.toString()));
        ExternalTools.Result r = ExternalTools.run(cmd);
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        String line = r.stderr().lines().filter(l -> l.startsWith(" \"" + fake)).findFirst()
                .orElseThrow(() -> new AssertionError("no linker line in " + r.stderr()));
        List<String> words = LdCommandLineTest.splitGccLine(line);
        return words.subList(1, words.size());
    }

    static String clang() {
        return ExternalTools.find("clang").or(() -> ExternalTools.find("clang-14")).orElseGet(() -> ExternalTools.require("clang")).toString();
    }

    @ParameterizedTest
    @ValueSource(strings = {"arm64-apple-macos11", "x86_64-apple-macos11"})
    void whatClangPassesIsAccepted(String target) throws IOException {
        String arch = target.substring(0, target.indexOf('-'));
        Ld64Options plain = Ld64CommandLine.parse(linkerArguments(target));
        assertThat(plain.arch()).contains(arch);
        assertThat(plain.minOs()).contains("11.0.0");
        assertThat(plain.output()).isEqualTo("a.out");
        assertThat(names(plain)).last().isEqualTo("-lSystem");

        Ld64Options modern = Ld64CommandLine.parse(linkerArguments(target, "-mlinker-version=711", "-O2", "-o", "prog",
                "-isysroot", "/sdk", "-Wl,-dead_strip", "-Wl,-adhoc_codesign", "-Wl,-rpath,@loader_path", "-L/opt/lib", "-lz",
                "-framework", "CoreFoundation", "-Wl,-exported_symbol,_main", "-Wl,-undefined,dynamic_lookup"));
        assertThat(modern.minOs()).contains("11.0.0");
        assertThat(modern.sdk()).isPresent();
        assertThat(modern.syslibroots()).containsExactly("/sdk");
        assertThat(modern.output()).isEqualTo("prog");
        assertThat(modern.deadStrip()).isTrue();
        assertThat(modern.adhocCodesign()).contains(true);
        assertThat(modern.rpaths()).containsExactly("@loader_path");
        assertThat(modern.librarySearchPaths()).containsExactly("/opt/lib");
        assertThat(names(modern)).contains("-lz", "framework:CoreFoundation", "-lSystem");
        assertThat(modern.exportedSymbols()).containsExactly("_main");
        assertThat(modern.dynamicLookup()).isTrue();
        assertThat(modern.ignored()).contains("-demangle", "-dynamic");

        Ld64Options dylib = Ld64CommandLine.parse(linkerArguments(target, "-dynamiclib", "-install_name", "@rpath/libh.dylib",
                "-current_version", "1.2", "-compatibility_version", "1.0", "-o", "libh.dylib"));
        assertThat(dylib.dylib()).isTrue();
        assertThat(dylib.installName()).contains("@rpath/libh.dylib");
        assertThat(dylib.output()).isEqualTo("libh.dylib");

        Ld64Options lld = Ld64CommandLine.parse(linkerArguments(target, "-mlinker-version=609"));
        assertThat(lld.sdk()).contains("11.0.0");
        assertThat(lld.ignored()).contains("-no_deduplicate").anyMatch(i -> i.startsWith("-lto_library "));
        assertThat(lld.entry()).isEqualTo(Optional.empty());
    }

    @Test
    void randomCommandLinesParseOrAreErrors() {
        String[] options = {"-o", "-arch", "-platform_version", "-macos_version_min", "-syslibroot", "-L", "-F", "-l",
            "-framework", "-e", "-dylib", "-execute", "-dead_strip", "-all_load", "-force_load", "-rpath",
            "-install_name", "-dylib_install_name", "-exported_symbol", "-exported_symbols_list", "-undefined",
            "-adhoc_codesign", "-no_adhoc_codesign", "-no_deduplicate", "-demangle", "-dynamic", "-v", "-Z",
            "-version_details", "-lto_library", "-mllvm", "-", "-x", "--threads"};
        String[] values = {"", "x", "arm64", "x86_64", "ppc", "macos", "ios", "11.0", "11.0.0.0", "1..2", "99999999999",
            "-1", "error", "dynamic_lookup", "warning", "suppress", "/", ".", "@", "a b", "\u00e9"};
        java.util.Random r = new java.util.Random(13);
        for (int round = 0; round < 20_000; round++) {
            List<String> args = new ArrayList<>();
            for (int k = 0, n = 1 + r.nextInt(8); k < n; k++) {
                args.add(options[r.nextInt(options.length)]);
                for (int v = r.nextInt(3); v > 0; v--) {
                    args.add(values[r.nextInt(values.length)]);
                }
            }
            try {
                Ld64CommandLine.parse(args, dir);
            } catch (UsageException | LinkException e) {
                assertThat(e.getMessage()).as("%s", args).isNotBlank();
            }
        }
    }
}
