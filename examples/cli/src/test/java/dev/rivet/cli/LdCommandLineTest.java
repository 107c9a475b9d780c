package dev.rivet.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rivet.cli.LdCommandLine.IgnoredOption;
import dev.rivet.cli.LdCommandLine.UsageException;
import dev.rivet.cli.LdOptions.EndGroup;
import dev.rivet.cli.LdOptions.FileInput;
import dev.rivet.cli.LdOptions.HashStyle;
import dev.rivet.cli.LdOptions.Input;
import dev.rivet.cli.LdOptions.InputState;
import dev.rivet.cli.LdOptions.LibraryInput;
import dev.rivet.cli.LdOptions.OutputKind;
import dev.rivet.cli.LdOptions.StartGroup;
import dev.rivet.cli.LdOptions.Strip;
import dev.rivet.linker.Target;
import dev.rivet.linker.testing.ExternalTools;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link LdCommandLine}: every option form, the input state, response files, and what gcc 12 really passes to ld. */
class LdCommandLineTest {
    @TempDir
    Path dir;

    private static LdOptions parse(String... args) {
        return LdCommandLine.parse(List.of(args));
    }

    private static void assertUsageError(String message, String... args) {
        assertThatThrownBy(() -> parse(args)).isInstanceOf(UsageException.class).hasMessageContaining(message);
    }

    /** The inputs as short strings: a file's name, -lNAME, ( and ). */
    private static List<String> names(LdOptions o) {
        return o.inputs().stream().map(LdCommandLineTest::name).toList();
    }

    private static String name(Input i) {
        if (i instanceof FileInput f) {
            String p = f.path();
            return p.substring(p.lastIndexOf('/') + 1);
        } else if (i instanceof LibraryInput l) {
            return l.spelling();
        } else if (i instanceof StartGroup) {
            return "(";
        }
        return ")";
    }

    private static LibraryInput library(LdOptions o, String name) {
        return o.inputs().stream().filter(i -> i instanceof LibraryInput l && l.name().equals(name))
                .map(LibraryInput.class::cast).findFirst().orElseThrow(() -> new AssertionError("no -l" + name + " in " + o.inputs()));
    }

    private static FileInput file(LdOptions o, String path) {
        return o.inputs().stream().filter(i -> i instanceof FileInput f && f.path().equals(path))
                .map(FileInput.class::cast).findFirst().orElseThrow(() -> new AssertionError("no " + path + " in " + o.inputs()));
    }

    // ---- output, libraries, search paths -------------------------------------------------------

    @Test
    void outputInEveryForm() {
        assertThat(parse("a.o").output()).isEqualTo("a.out");
        for (String[] args : List.of(new String[] {"-o", "x"}, new String[] {"-ox"}, new String[] {"--output=x"},
                new String[] {"--output", "x"})) {
            assertThat(parse(args).output()).as(String.join(" ", args)).isEqualTo("x");
        }
        assertThat(parse("-o", "a", "-o", "b").output()).isEqualTo("b");
        // --output needs two dashes: -output=x is -o utput=x, as in GNU ld 2.40
        assertThat(parse("-output=x").output()).isEqualTo("utput=x");
        assertThat(parse("-omagic").output()).isEqualTo("magic");
    }

    @Test
    void librariesInEveryForm() {
        LdOptions o = parse("-lc", "-l", "m", "--library=dl", "--library", "rt", "-l:libfoo.a", "-library=x");
        assertThat(names(o)).containsExactly("-lc", "-lm", "-ldl", "-lrt", "-l:libfoo.a", "-library=x");
        assertThat(library(o, ":libfoo.a").exactFileName()).isTrue();
        assertThat(library(o, "c").exactFileName()).isFalse();
        // GNU ld turns every -lXXX into --library=XXX first, so -library=x is the library "ibrary=x"
        assertThat(library(o, "ibrary=x").state()).isEqualTo(InputState.INITIAL);
        assertUsageError("option '-l' requires an argument", "-l");
    }

    @Test
    void librarySearchPathsInEveryFormInOrder() {
        LdOptions o = parse("-L/a", "-lc", "-L", "/b", "--library-path=/c", "--library-path", "/d", "-L/a");
        assertThat(o.librarySearchPaths()).containsExactly("/a", "/b", "/c", "/d", "/a");
        assertUsageError("option '-L' requires an argument", "a.o", "-L");
        assertUsageError("option '--library-path' requires an argument", "--library-path");
    }

    @Test
    void filesAreInputsInOrderAndDashDashEndsOptions() {
        LdOptions o = parse("a.o", "-", "b.a", "--", "-lc", "--start-group");
        assertThat(o.inputs()).containsExactly(new FileInput("a.o", InputState.INITIAL), new FileInput("-", InputState.INITIAL),
                new FileInput("b.a", InputState.INITIAL), new FileInput("-lc", InputState.INITIAL),
                new FileInput("--start-group", InputState.INITIAL));
        assertThat(o.hasInputs()).isTrue();
        assertThat(parse("-o", "x").hasInputs()).isFalse();
    }

    // ---- emulation and entry ---------------------------------------------------------------------

    @Test
    void emulationsMapToRivetTargets() {
        assertThat(parse("-m", "elf_x86_64").target()).contains("x86_64-linux");
        assertThat(parse("-melf_x86_64").emulation()).contains("elf_x86_64");
        assertThat(parse("-maarch64linux").target()).contains("aarch64-linux");
        assertThat(parse("-m", "aarch64elf").target()).contains("aarch64-linux");
        assertThat(parse("-m", "elf_x86_64", "-m", "aarch64linux").target()).contains("aarch64-linux");
        assertThat(parse("a.o").target()).isEmpty();
        LdCommandLine.EMULATIONS.values().forEach(t -> assertThat(Target.parse(t).toString()).isEqualTo(t));
    }

    @Test
    void anUnknownOrUnsupportedEmulationIsAnErrorNamingIt() {
        assertUsageError("unsupported emulation 'elf_i386' (-m)", "-m", "elf_i386");
        assertUsageError("unsupported emulation 'bogus'", "-mbogus");
        assertUsageError("elf_x86_64, aarch64linux, aarch64elf", "-m", "aarch64linuxb");
        assertUsageError("option '-m' requires an argument", "-m");
    }

    @Test
    void entryInEveryForm() {
        for (String[] args : List.of(new String[] {"-e", "go"}, new String[] {"-ego"}, new String[] {"--entry=go"},
                new String[] {"--entry", "go"}, new String[] {"-entry=go"}, new String[] {"-entry", "go"})) {
            assertThat(parse(args).entry()).as(String.join(" ", args)).contains("go");
        }
        assertThat(parse("a.o").entry()).isEmpty();
    }

    // ---- input state --------------------------------------------------------------------------

    @Test
    void staticAndDynamicAliasesSetTheStateOfTheFollowingLibraries() {
        LdOptions o = parse("-la", "-Bstatic", "-lb", "-Bdynamic", "-lc", "-static", "-ld", "-dy", "-le", "-dn", "-lf",
                "-call_shared", "-lg", "-non_shared", "-lh", "--static", "-li", "--Bdynamic", "-lj");
        assertThat(o.inputs().stream().map(i -> ((LibraryInput) i).state().staticOnly()).toList())
                .containsExactly(false, true, false, true, false, true, false, true, true, false);
    }

    @Test
    void wholeArchiveAndAsNeededApplyToFilesAndLibraries() {
        LdOptions o = parse("--whole-archive", "a.a", "-lx", "--no-whole-archive", "b.a", "--as-needed", "-ly",
                "-whole-archive", "-lz", "-no-as-needed", "c.so");
        assertThat(file(o, "a.a").state()).isEqualTo(new InputState(false, true, false));
        assertThat(library(o, "x").state()).isEqualTo(new InputState(false, true, false));
        assertThat(file(o, "b.a").state()).isEqualTo(InputState.INITIAL);
        assertThat(library(o, "y").state()).isEqualTo(new InputState(false, false, true));
        assertThat(library(o, "z").state()).isEqualTo(new InputState(false, true, true));
        assertThat(file(o, "c.so").state()).isEqualTo(new InputState(false, true, false));
    }

    @Test
    void pushStateSavesAndPopStateRestoresAllThreeFlags() {
        LdOptions o = parse("-Bstatic", "--whole-archive", "-la", "--push-state", "-Bdynamic", "--no-whole-archive",
                "--as-needed", "-lb", "--push-state", "-static", "-lc", "--pop-state", "-ld", "--pop-state", "-le",
                "-push-state", "-pop-state", "-lf");
        InputState outer = new InputState(true, true, false);
        InputState inner = new InputState(false, false, true);
        assertThat(library(o, "a").state()).isEqualTo(outer);
        assertThat(library(o, "b").state()).isEqualTo(inner);
        assertThat(library(o, "c").state()).isEqualTo(new InputState(true, false, true));
        assertThat(library(o, "d").state()).isEqualTo(inner);
        assertThat(library(o, "e").state()).isEqualTo(outer);
        assertThat(library(o, "f").state()).isEqualTo(outer);
        assertUsageError("no state pushed before popping (--pop-state)", "--push-state", "--pop-state", "--pop-state");
    }

    @Test
    void groupsAreMarkersInTheInputOrder() {
        assertThat(names(parse("a.o", "--start-group", "-la", "b.a", "--end-group", "-lc")))
                .containsExactly("a.o", "(", "-la", "b.a", ")", "-lc");
        assertThat(names(parse("-(", "-la", "-)", "-start-group", "-lb", "-end-group", "--start-group", "--end-group")))
                .containsExactly("(", "-la", ")", "(", "-lb", ")", "(", ")");
        assertThat(names(parse("-(", "-la", "-(", "-lb", "-)", "-)"))).containsExactly("(", "-la", "(", "-lb", ")", ")");
        assertUsageError("group ended before it began (--end-group)", "-la", "--end-group");
        assertUsageError("group ended before it began (-))", "-(", "-)", "-)");
        LdOptions open = parse("--start-group", "-la", "-(", "-lb");
        assertThat(names(open)).containsExactly("(", "-la", "(", "-lb", ")", ")");
        assertThat(open.inputs()).last().isInstanceOf(EndGroup.class);
        assertThat(open.warnings()).containsExactly("missing --end-group; added as last command line option");
    }

    // ---- output kind and flags -----------------------------------------------------------------

    @Test
    void pieNoPieAndSharedTheLastWins() {
        assertThat(parse("a.o").outputKind()).isEqualTo(OutputKind.EXECUTABLE);
        for (String s : List.of("-pie", "--pie", "-pic-executable", "--pic-executable")) {
            assertThat(parse(s).outputKind()).as(s).isEqualTo(OutputKind.PIE);
        }
        for (String s : List.of("-shared", "--shared", "-Bshareable")) {
            assertThat(parse(s).outputKind()).as(s).isEqualTo(OutputKind.SHARED);
        }
        assertThat(parse("-pie", "-no-pie").outputKind()).isEqualTo(OutputKind.EXECUTABLE);
        assertThat(parse("-pie", "--no-pie").outputKind()).isEqualTo(OutputKind.EXECUTABLE);
        assertThat(parse("-shared", "-pie").outputKind()).isEqualTo(OutputKind.PIE);
        assertThat(parse("-static", "-pie", "--no-dynamic-linker").noDynamicLinker()).isTrue();
    }

    @Test
    void booleanFlagsInBothSpellings() {
        assertThat(parse("-nostdlib").noStdlib()).isTrue();
        assertThat(parse("--nostdlib").noStdlib()).isTrue();
        assertThat(parse("--gc-sections").gcSections()).isTrue();
        assertThat(parse("-gc-sections").gcSections()).isTrue();
        assertThat(parse("--gc-sections", "--no-gc-sections").gcSections()).isFalse();
        assertThat(parse("--eh-frame-hdr").ehFrameHdr()).isTrue();
        assertThat(parse("--eh-frame-hdr", "--no-eh-frame-hdr").ehFrameHdr()).isFalse();
        for (String s : List.of("-E", "--export-dynamic", "-export-dynamic")) {
            assertThat(parse(s).exportDynamic()).as(s).isTrue();
        }
        assertThat(parse("-E", "--no-export-dynamic").exportDynamic()).isFalse();
        assertThat(parse("--fatal-warnings").fatalWarnings()).isTrue();
        assertThat(parse("--fatal-warnings", "--no-fatal-warnings").fatalWarnings()).isFalse();
        assertThat(parse("--no-undefined").noUndefined()).isTrue();
        assertThat(parse("-z", "defs").noUndefined()).isTrue();
        assertThat(parse("-z", "defs", "-z", "undefs").noUndefined()).isFalse();
        assertThat(parse("-X").discardLocals()).isTrue();
        assertThat(parse("--discard-locals").discardLocals()).isTrue();
        assertThat(parse("a.o").strip()).isEqualTo(Strip.NONE);
        assertThat(parse("-s").strip()).isEqualTo(Strip.ALL);
        assertThat(parse("--strip-all").strip()).isEqualTo(Strip.ALL);
        assertThat(parse("-S").strip()).isEqualTo(Strip.DEBUG);
        assertThat(parse("-s", "--strip-debug").strip()).isEqualTo(Strip.DEBUG);
        assertUsageError("option '--static' does not take an argument", "--static=yes");
    }

    @Test
    void optimisationLevel() {
        assertThat(parse("a.o").optimize()).isZero();
        assertThat(parse("-O1").optimize()).isEqualTo(1);
        assertThat(parse("-O", "2").optimize()).isEqualTo(2);
        assertUsageError("invalid optimisation level 'fast' (-O)", "-Ofast");
        assertUsageError("option '-O' requires an argument", "-O");
    }

    @Test
    void buildIdStyles() {
        assertThat(parse("a.o").buildId()).isEmpty();
        assertThat(parse("--build-id").buildId()).contains("fast");
        assertThat(parse("-build-id").buildId()).contains("fast");
        for (String s : List.of("fast", "sha1", "md5", "uuid", "0x12ab", "0XABCDEF01")) {
            assertThat(parse("--build-id=" + s).buildId()).contains(s);
        }
        assertThat(parse("--build-id", "--build-id=none").buildId()).isEmpty();
        // the argument is optional, so it can only be joined: GNU ld reads "--build-id md5" as an input file md5
        LdOptions separate = parse("--build-id", "md5");
        assertThat(separate.buildId()).contains("fast");
        assertThat(names(separate)).containsExactly("md5");
        assertUsageError("invalid --build-id style 'sha256'", "--build-id=sha256");
        assertUsageError("invalid --build-id style '0x123'", "--build-id=0x123");
        assertUsageError("invalid --build-id style ''", "--build-id=");
    }

    @Test
    void zKeywordsAreKeptInOrderAndUnknownOnesWarn() {
        LdOptions o = parse("-z", "relro", "-znow", "-z", "noexecstack", "-zmax-page-size=0x1000", "-z", "frobnicate",
                "-z", "execstack", "-z", "norelro", "-z", "lazy");
        assertThat(o.zKeywords()).containsExactly("relro", "now", "noexecstack", "max-page-size=0x1000", "frobnicate",
                "execstack", "norelro", "lazy");
        assertThat(o.warnings()).containsExactly("-z frobnicate ignored");
        assertUsageError("option '-z' requires an argument", "-z");
    }

    @Test
    void hashStyle() {
        assertThat(parse("--hash-style=gnu").hashStyle()).contains(HashStyle.GNU);
        assertThat(parse("--hash-style", "sysv").hashStyle()).contains(HashStyle.SYSV);
        assertThat(parse("-hash-style=both").hashStyle()).contains(HashStyle.BOTH);
        assertThat(parse("a.o").hashStyle()).isEmpty();
        assertUsageError("invalid hash style 'fast' (--hash-style)", "--hash-style=fast");
        assertUsageError("option '--hash-style' requires an argument", "--hash-style");
    }

    @Test
    void dynamicLinkerInEveryForm() {
        assertThat(parse("-dynamic-linker", "/a").dynamicLinker()).contains("/a");
        assertThat(parse("--dynamic-linker=/b").dynamicLinker()).contains("/b");
        assertThat(parse("-dynamic-linker=/c").dynamicLinker()).contains("/c");
        assertThat(parse("-I/d").dynamicLinker()).contains("/d");
        assertThat(parse("-I", "/e").dynamicLinker()).contains("/e");
        LdOptions none = parse("-dynamic-linker", "/a", "--no-dynamic-linker");
        assertThat(none.noDynamicLinker()).isTrue();
        assertThat(parse("--no-dynamic-linker", "-I/a").noDynamicLinker()).isFalse();
        assertUsageError("option '-dynamic-linker' requires an argument", "-dynamic-linker");
    }

    @Test
    void rpathRpathLinkSonameVersionScriptMapSysroot() {
        LdOptions o = parse("-rpath", "/a", "-rpath=/b", "--rpath=/c", "--rpath", "/d", "-rpath-link", "/e",
                "--rpath-link=/f", "-soname", "libx.so.1", "--version-script=v1.map", "-version-script", "v2.map",
                "-Map", "out.map", "--sysroot=/sys");
        assertThat(o.rpath()).containsExactly("/a", "/b", "/c", "/d");
        assertThat(o.rpathLink()).containsExactly("/e", "/f");
        assertThat(o.soname()).contains("libx.so.1");
        assertThat(o.versionScripts()).containsExactly("v1.map", "v2.map");
        assertThat(o.mapFile()).contains("out.map");
        assertThat(o.sysroot()).contains("/sys");
        assertThat(parse("-h", "a").soname()).contains("a");
        assertThat(parse("-hb").soname()).contains("b");
        assertThat(parse("--soname=c").soname()).contains("c");
        assertThat(parse("-soname=d").soname()).contains("d");
        assertThat(parse("-Map=m").mapFile()).contains("m");
        assertThat(parse("--Map", "n").mapFile()).contains("n");
        assertThat(parse("--sysroot", "/s").sysroot()).contains("/s");
        assertUsageError("option '-rpath' requires an argument", "-rpath");
        assertUsageError("option '-Map' requires an argument", "-Map");
        assertUsageError("option '-soname' requires an argument", "-soname");
    }

    @Test
    void pluginsAreRecordedAndOtherwiseIgnored() {
        LdOptions o = parse("-plugin", "/p/liblto_plugin.so", "-plugin-opt=/p/lto-wrapper", "-plugin-opt", "-fresolution=x",
                "--plugin-opt=-pass-through=-lc");
        assertThat(o.plugins()).containsExactly("/p/liblto_plugin.so");
        assertThat(o.pluginOptions()).containsExactly("/p/lto-wrapper", "-fresolution=x", "-pass-through=-lc");
        assertThat(o.inputs()).isEmpty();
        assertUsageError("option '-plugin-opt' requires an argument", "-plugin-opt");
    }

    @Test
    void versionAndHelp() {
        assertThat(parse("-v").printVersion()).isTrue();
        assertThat(parse("--version").printVersion()).isTrue();
        assertThat(parse("-version").printVersion()).isTrue();
        LdOptions v = parse("-V");
        assertThat(v.printVersion()).isTrue();
        assertThat(v.printEmulations()).isTrue();
        assertThat(parse("a.o").printVersion()).isFalse();
        // --help ends the command line, as in GNU ld, so what follows it is not checked
        assertThat(parse("--help", "-bogus").printHelp()).isTrue();
        assertThat(parse("-help").printHelp()).isTrue();
    }

    @Test
    void groupedShortOptionsWarnAsInGnuLd() {
        LdOptions o = parse("-sX");
        assertThat(o.strip()).isEqualTo(Strip.ALL);
        assertThat(o.discardLocals()).isTrue();
        assertThat(o.warnings()).containsExactly("grouped short command line options are deprecated: -sX");
        assertUsageError("unable to disambiguate: -sLfoo", "-sLfoo");
    }

    // ---- ignored, unsupported, unknown ----------------------------------------------------------

    @Test
    void everyIgnoredOptionIsAcceptedAndRecorded() {
        for (IgnoredOption i : LdCommandLine.IGNORED_OPTIONS) {
            String s = i.spelling();
            List<String> args = s.contains("[=") ? List.of(s.substring(0, s.indexOf('[')))
                    : s.contains(" ") ? List.of(s.substring(0, s.indexOf(' ')), "ARG")
                    : s.contains("=") ? List.of(s.replace("ARG", "x")) : List.of(s);
            LdOptions o = LdCommandLine.parse(args);
            assertThat(o.inputs()).as(s).isEmpty();
            if (s.startsWith("-plugin")) {
                assertThat(o.plugins().size() + o.pluginOptions().size()).as(s).isEqualTo(1);
            } else {
                assertThat(o.ignored()).as(s).containsExactly(String.join(" ", args));
            }
        }
        LdOptions o = parse("-flto=auto", "--fix-cortex-a53-843419=adrp", "-EL", "-fuse-ld", "bfd", "-Qy", "--relax");
        assertThat(o.ignored()).containsExactly("-flto=auto", "--fix-cortex-a53-843419=adrp", "-EL", "-fuse-ld bfd", "-Qy",
                "--relax");
    }

    @Test
    void everyUnsupportedOptionIsAnErrorNamingIt() {
        for (String s : LdCommandLine.UNSUPPORTED_OPTIONS) {
            assertThatThrownBy(() -> parse(s, "x")).as(s).isInstanceOf(UsageException.class)
                    .hasMessage("unsupported option '" + s + "': a GNU ld option that rivet ld does not implement");
        }
        assertUsageError("unsupported option '--script'", "--script=a.ld");
        assertUsageError("unsupported option '-oformat'", "-oformat", "elf64-x86-64");
        assertUsageError("unsupported option '--wrap'", "--wrap", "malloc");
    }

    @Test
    void unknownOptionsAreErrorsNamingThem() {
        assertUsageError("unknown option '-foo'", "-foo");
        assertUsageError("unknown option '--foo'", "--foo");
        assertUsageError("unknown option '--foo=1'", "a.o", "--foo=1");
        assertUsageError("unknown option '--whole-arch'", "--whole-arch");   // no abbreviations
        assertUsageError("unknown option '-Tlink.ld'", "-Tlink.ld");
        assertUsageError("unknown option '-Bfoo'", "-Bfoo");
        assertUsageError("unknown option '-sq'", "-sq");
        assertUsageError("unknown option '-='", "-=");
    }

    // ---- response files -----------------------------------------------------------------------

    @Test
    void responseFilesSplitLikeLibiberty() {
        assertThat(LdCommandLine.splitResponseFile("a simple command line")).containsExactly("a", "simple", "command", "line");
        assertThat(LdCommandLine.splitResponseFile("arg 'foo' is single quoted")).containsExactly("arg", "foo", "is", "single", "quoted");
        assertThat(LdCommandLine.splitResponseFile("arg \"foo bar\" has embedded whitespace"))
                .containsExactly("arg", "foo bar", "has", "embedded", "whitespace");
        assertThat(LdCommandLine.splitResponseFile("arg 'Jack said \\'hi\\'' has single quotes"))
                .containsExactly("arg", "Jack said 'hi'", "has", "single", "quotes");
        assertThat(LdCommandLine.splitResponseFile("arg 'Jack said \\\"hi\\\"' has double quotes"))
                .containsExactly("arg", "Jack said \"hi\"", "has", "double", "quotes");
        assertThat(LdCommandLine.splitResponseFile("a\\ b c\\\\d \"\" x'y z'\"w\"")).containsExactly("a b", "c\\d", "", "xy zw");
        assertThat(LdCommandLine.splitResponseFile("trailing-whitespace \n\t")).containsExactly("trailing-whitespace");
        assertThat(LdCommandLine.splitResponseFile("  \n\t ")).isEmpty();
        assertThat(LdCommandLine.splitResponseFile("")).isEmpty();
        assertThat(LdCommandLine.splitResponseFile("'unterminated quote")).containsExactly("unterminated quote");
        assertThat(LdCommandLine.splitResponseFile("one\r\ntwo\fthree\u000bfour")).containsExactly("one", "two", "three", "four");
    }

    @Test
    void responseFilesExpandInPlaceAndNest() throws IOException {
        Files.writeString(dir.resolve("inner.rsp"), "-lm 'b c.o'\n");
        Files.writeString(dir.resolve("outer.rsp"), "-o out a.o @inner.rsp -L\"/x y\"");
        LdOptions o = LdCommandLine.parse(List.of("first.o", "@outer.rsp", "last.o"), dir);
        assertThat(names(o)).containsExactly("first.o", "a.o", "-lm", "b c.o", "last.o");
        assertThat(o.output()).isEqualTo("out");
        assertThat(o.librarySearchPaths()).containsExactly("/x y");
        assertThat(LdCommandLine.expandResponseFiles(List.of("@" + dir.resolve("inner.rsp")), Path.of("/")))
                .containsExactly("-lm", "b c.o");
    }

    @Test
    void aMissingResponseFileStaysALiteralArgumentAsInGnuLd() {
        LdOptions o = LdCommandLine.parse(List.of("@missing.rsp", "@"), dir);
        assertThat(o.inputs()).containsExactly(new FileInput("@missing.rsp", InputState.INITIAL),
                new FileInput("@", InputState.INITIAL));
    }

    @Test
    void emptyResponseFilesGiveNothingAndTextEndsAtANul() throws IOException {
        Files.writeString(dir.resolve("empty.rsp"), " \n ");
        Files.write(dir.resolve("nul.rsp"), "a.o\0b.o".getBytes(StandardCharsets.UTF_8));
        assertThat(names(LdCommandLine.parse(List.of("@empty.rsp", "@nul.rsp"), dir))).containsExactly("a.o");
    }

    @Test
    void aDirectoryOrASelfIncludingResponseFileIsAnError() throws IOException {
        Files.createDirectory(dir.resolve("d"));
        assertThatThrownBy(() -> LdCommandLine.parse(List.of("@d"), dir)).isInstanceOf(UsageException.class)
                .hasMessage("@-file refers to a directory: @d");
        Files.writeString(dir.resolve("loop.rsp"), "a.o @loop.rsp");
        assertThatThrownBy(() -> LdCommandLine.parse(List.of("@loop.rsp"), dir)).isInstanceOf(UsageException.class)
                .hasMessageContaining("too many @-files");
    }

    // ---- rivet ld in the CLI --------------------------------------------------------------------

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int ld(String... args) {
        String[] all = new String[args.length + 1];
        all[0] = "ld";
        System.arraycopy(args, 0, all, 1, args.length);
        return Main.run(all, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String stdout() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String stderr() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void versionLineSatisfiesWhatBuildToolsLookFor() {
        assertThat(ld("--version")).isZero();
        String first = stdout().lines().findFirst().orElseThrow();
        assertThat(first).startsWith("Rivet ").contains("GNU ld").endsWith(" " + LdCommandLine.GNU_LD_VERSION);
        // libtool: case `$LD -v 2>&1` in *GNU* | *'with BFD'*) lt_cv_prog_gnu_ld=yes
        assertThat(first).contains("GNU");
        // gcc's configure: the first line, if it says GNU, ends in the version: s,^.*[ \t]\([0-9][0-9]*\.[0-9][0-9]*.*\)$,\1,
        Matcher gcc = Pattern.compile("^.*[ \t]([0-9][0-9]*\\.[0-9][0-9]*.*)$").matcher(first);
        assertThat(gcc.matches()).isTrue();
        assertThat(gcc.group(1)).isEqualTo("2.40");
        // glibc's configure: AC_CHECK_PROG_VER(..., [GNU ld.* \([0-9][0-9]*\.[0-9.]*\)], ...)
        Matcher glibc = Pattern.compile("GNU ld.* ([0-9][0-9]*\\.[0-9.]*)").matcher(first);
        assertThat(glibc.find()).isTrue();
        assertThat(glibc.group(1)).isEqualTo("2.40");
        out.reset();
        assertThat(ld("-v")).isZero();
        assertThat(stdout()).isEqualTo(first + System.lineSeparator());
        out.reset();
        assertThat(ld("-V")).isZero();
        assertThat(stdout()).contains(first, "Supported emulations:", "elf_x86_64", "aarch64linux");
    }

    @Test
    void helpListsAcceptedAndIgnoredOptions() {
        assertThat(ld("--help")).isZero();
        assertThat(stdout()).contains("Usage: rivet ld", "--start-group", "-Bstatic", "--push-state", "-z KEYWORD",
                "--build-id", "-plugin PATH", "--fix-cortex-a53-843419", "docs/LD-OPTIONS.md");
    }

    @Test
    void errorsExitWithStatus2AndNameTheOption() {
        assertThat(ld("-foo")).isEqualTo(2);
        assertThat(stderr()).startsWith("rivet ld: unknown option '-foo'");
        err.reset();
        assertThat(ld("a.o", "-o")).isEqualTo(2);
        assertThat(stderr()).startsWith("rivet ld: option '-o' requires an argument");
        err.reset();
        assertThat(ld("-o", "x")).isEqualTo(2);
        assertThat(stderr()).startsWith("rivet ld: no input files");
    }

    @Test
    void aLinkIsParsedThenRunAndFailsOnAMissingInput() {
        assertThat(ld("-z", "bogus", "-o", "prog", "no-such-input.o", "-lc")).isEqualTo(1);
        assertThat(stderr()).contains("rivet ld: warning: -z bogus ignored", "no-such-input.o: error: cannot open input: no such file");
        err.reset();
        out.reset();
        assertThat(ld("-v", "no-such-input.o")).isEqualTo(1);
        assertThat(stdout()).contains("GNU ld");
        assertThat(stderr()).contains("no-such-input.o");
    }

    @Test
    void theDocsListEveryIgnoredAndUnsupportedOption() throws IOException {
        String doc = Files.readString(RepoFiles.root().resolve("docs/LD-OPTIONS.md"));
        for (IgnoredOption i : LdCommandLine.IGNORED_OPTIONS) {
            assertThat(doc).as(i.spelling()).contains("`" + i.spelling() + "`");
        }
        for (String s : LdCommandLine.UNSUPPORTED_OPTIONS) {
            assertThat(doc).as(s).contains("`" + s + "`");
        }
        LdCommandLine.EMULATIONS.keySet().forEach(e -> assertThat(doc).contains("`" + e + "`"));
    }

    // ---- what gcc 12 really passes -------------------------------------------------------------

    /**
     * Runs a gcc driver with {@code -###} and returns the arguments of its collect2 (ld) command,
     * unquoted as gcc quotes them: an argument with characters other than letters, digits and
     * {@code _/-.} is printed in double quotes, with {@code \"}, {@code \\} and {@code \$} escaped.
     */
    private List<String> collect2Arguments(String driver, String... flags) throws IOException {
        Path source = dir.resolve("hello.c");
        if (!Files.exists(source)) {
            Files.writeString(source, "int main(void) { return 0; }\n");
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(ExternalTools.require(driver).toString());
        cmd.addAll(List.of(flags));
        cmd.add("-###");
        cmd.add(source.toString());
        ExternalTools.Result r = ExternalTools.run(cmd);
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        String line = r.stderr().lines().filter(l -> l.startsWith(" ") && splitGccLine(l).get(0).endsWith("/collect2"))
                .findFirst().orElseThrow(() -> new AssertionError("no collect2 line in " + r.stderr()));
        List<String> words = splitGccLine(line);
        return words.subList(1, words.size());
    }

    static List<String> splitGccLine(String line) {
        List<String> words = new ArrayList<>();
        int i = 0;
        while (i < line.length()) {
            if (line.charAt(i) == ' ') {
                i++;
                continue;
            }
            StringBuilder w = new StringBuilder();
            if (line.charAt(i) == '"') {
                for (i++; line.charAt(i) != '"'; i++) {
                    if (line.charAt(i) == '\\') {
                        i++;
                    }
                    w.append(line.charAt(i));
                }
                i++;
            } else {
                while (i < line.length() && line.charAt(i) != ' ') {
                    w.append(line.charAt(i++));
                }
            }
            words.add(w.toString());
        }
        return words;
    }

    @Test
    void gccQuotingIsUndone() {
        assertThat(splitGccLine(" /x/collect2 -plugin a.so \"-plugin-opt=x\" \"/a b\\\"c\\$d\\\\e\" \"\" -lc"))
                .containsExactly("/x/collect2", "-plugin", "a.so", "-plugin-opt=x", "/a b\"c$d\\e", "", "-lc");
    }

    /** The -L directories in the order gcc passed them. */
    private static List<String> searchDirs(List<String> args) {
        return args.stream().filter(a -> a.startsWith("-L")).map(a -> a.substring(2)).toList();
    }

    /** What gcc passes after an option: -dynamic-linker PATH, -o FILE. */
    private static String after(List<String> args, String option) {
        return args.get(args.indexOf(option) + 1);
    }

    @Test
    void gccStaticX8664() throws IOException {
        Path exe = dir.resolve("hello");
        List<String> args = collect2Arguments("gcc", "-static", "-o", exe.toString());
        LdOptions o = LdCommandLine.parse(args);
        assertThat(o.output()).isEqualTo(exe.toString());
        assertThat(o.emulation()).contains("elf_x86_64");
        assertThat(o.target()).contains("x86_64-linux");
        assertThat(o.outputKind()).isEqualTo(OutputKind.EXECUTABLE);
        assertThat(o.dynamicLinker()).isEmpty();
        assertThat(o.librarySearchPaths()).isNotEmpty().isEqualTo(searchDirs(args));
        assertThat(names(o)).startsWith("crt1.o", "crti.o", "crtbeginT.o").endsWith("crtend.o", "crtn.o")
                .containsSubsequence("crtbeginT.o", "(", "-lgcc", "-lgcc_eh", "-lc", ")", "crtend.o");
        assertThat(names(o).get(3)).matches("cc.*\\.o");      // the compiled hello.c
        assertThat(o.filesAndLibraries()).hasSize(9);
        o.inputs().stream().filter(i -> i instanceof LibraryInput).forEach(i -> assertThat(((LibraryInput) i).state().staticOnly())
                .as(i.toString()).isTrue());
        assertThat(o.plugins()).hasSize(1).allMatch(p -> p.endsWith("liblto_plugin.so"));
        assertThat(o.pluginOptions()).contains("-pass-through=-lgcc", "-pass-through=-lgcc_eh", "-pass-through=-lc");
        assertThat(o.buildId().isPresent()).isEqualTo(args.contains("--build-id"));
        assertThat(o.warnings()).isEmpty();
    }

    @Test
    void gccDefaultPieX8664() throws IOException {
        List<String> args = collect2Arguments("gcc");
        LdOptions o = LdCommandLine.parse(args);
        assertThat(args).doesNotContain("-o");
        assertThat(o.output()).isEqualTo("a.out");
        assertThat(o.target()).contains("x86_64-linux");
        assertThat(o.outputKind()).isEqualTo(OutputKind.PIE);
        assertThat(o.dynamicLinker()).contains(after(args, "-dynamic-linker"));
        assertThat(o.dynamicLinker().orElseThrow()).endsWith("ld-linux-x86-64.so.2");
        assertThat(o.noDynamicLinker()).isFalse();
        assertThat(o.ehFrameHdr()).isTrue();
        assertThat(o.librarySearchPaths()).isNotEmpty().isEqualTo(searchDirs(args));
        assertThat(names(o)).startsWith("Scrt1.o", "crti.o", "crtbeginS.o").endsWith("crtendS.o", "crtn.o")
                .containsSubsequence("-lgcc", "-lgcc_s", "-lc", "-lgcc", "-lgcc_s").doesNotContain("(", ")");
        LibraryInput gcc = library(o, "gcc");
        LibraryInput gccS = library(o, "gcc_s");
        assertThat(gcc.state().staticOnly()).isFalse();
        assertThat(gccS.state().asNeeded()).isTrue();            // --push-state --as-needed -lgcc_s --pop-state
        assertThat(library(o, "c").state()).isEqualTo(gcc.state()); // --pop-state restored it
        assertThat(o.warnings()).isEmpty();
    }

    @Test
    void gccStaticAarch64() throws IOException {
        Path exe = dir.resolve("hello");
        List<String> args = collect2Arguments("aarch64-linux-gnu-gcc", "-static", "-o", exe.toString());
        LdOptions o = LdCommandLine.parse(args);
        assertThat(args).contains("-Bstatic").doesNotContain("-static");   // AArch64 gcc spells -static so
        assertThat(o.output()).isEqualTo(exe.toString());
        assertThat(o.emulation()).contains("aarch64linux");
        assertThat(o.target()).contains("aarch64-linux");
        assertThat(o.outputKind()).isEqualTo(OutputKind.EXECUTABLE);
        assertThat(o.dynamicLinker()).isEmpty();
        assertThat(o.sysroot()).contains("/");
        assertThat(o.discardLocals()).isTrue();
        assertThat(o.ignored()).contains("-EL", "--fix-cortex-a53-843419");
        assertThat(o.librarySearchPaths()).isNotEmpty().isEqualTo(searchDirs(args));
        assertThat(names(o)).startsWith("crt1.o", "crti.o", "crtbeginT.o").endsWith("crtend.o", "crtn.o")
                .containsSubsequence("(", "-lgcc", "-lgcc_eh", "-lc", ")");
        o.inputs().stream().filter(i -> i instanceof LibraryInput).forEach(i -> assertThat(((LibraryInput) i).state().staticOnly())
                .as(i.toString()).isTrue());
        assertThat(o.warnings()).isEmpty();
    }

    @Test
    void gccDefaultPieAarch64() throws IOException {
        List<String> args = collect2Arguments("aarch64-linux-gnu-gcc");
        LdOptions o = LdCommandLine.parse(args);
        assertThat(o.target()).contains("aarch64-linux");
        assertThat(o.outputKind()).isEqualTo(OutputKind.PIE);
        assertThat(o.dynamicLinker().orElseThrow()).endsWith("ld-linux-aarch64.so.1");
        assertThat(names(o)).startsWith("Scrt1.o", "crti.o", "crtbeginS.o");
    }

    @Test
    void everyCommonGccLinkModeParses() throws IOException {
        for (String driver : List.of("gcc", "aarch64-linux-gnu-gcc")) {
            LdOptions shared = LdCommandLine.parse(collect2Arguments(driver, "-shared"));
            assertThat(shared.outputKind()).as(driver).isEqualTo(OutputKind.SHARED);
            assertThat(shared.dynamicLinker()).isEmpty();

            LdOptions noPie = LdCommandLine.parse(collect2Arguments(driver, "-no-pie"));
            assertThat(noPie.outputKind()).as(driver).isEqualTo(OutputKind.EXECUTABLE);
            assertThat(names(noPie)).startsWith("crt1.o", "crti.o", "crtbegin.o");
            assertThat(noPie.dynamicLinker()).isPresent();

            LdOptions staticPie = LdCommandLine.parse(collect2Arguments(driver, "-static-pie"));
            assertThat(staticPie.outputKind()).as(driver).isEqualTo(OutputKind.PIE);
            assertThat(staticPie.noDynamicLinker()).isTrue();
            assertThat(staticPie.zKeywords()).contains("text");
            assertThat(names(staticPie)).startsWith("rcrt1.o");
            assertThat(library(staticPie, "c").state().staticOnly()).isTrue();

            LdOptions rdynamic = LdCommandLine.parse(collect2Arguments(driver, "-rdynamic", "-s"));
            assertThat(rdynamic.exportDynamic()).as(driver).isTrue();
            assertThat(rdynamic.strip()).isEqualTo(Strip.ALL);

            LdOptions lto = LdCommandLine.parse(collect2Arguments(driver, "-flto", "-O2"));
            assertThat(lto.ignored()).as(driver).contains("-flto");

            LdOptions libs = LdCommandLine.parse(collect2Arguments(driver, "-pthread", "-lm", "-Wl,-z,relro,-z,now",
                    "-Wl,--gc-sections", "-Wl,-rpath,/a b\"c$d\\e", "-Wl,-soname,", "-Wl,--whole-archive,-lfoo,--no-whole-archive"));
            assertThat(libs.zKeywords()).as(driver).contains("relro", "now");
            assertThat(libs.gcSections()).isTrue();
            assertThat(libs.rpath()).containsExactly("/a b\"c$d\\e");
            assertThat(libs.soname()).contains("");
            assertThat(library(libs, "foo").state().wholeArchive()).isTrue();
            assertThat(library(libs, "m").state().wholeArchive()).isFalse();
            assertThat(names(libs)).containsSubsequence("-lm", "-lfoo", "-lc");
            assertThat(libs.warnings()).isEmpty();
        }
    }

    @Test
    void randomCommandLinesParseOrAreUsageErrors() {
        // Options of every kind (taking values, flags, ignored, unsupported, grouped), spelled
        // joined and apart, with values that are empty, odd or out of range.
        String[] options = {"-o", "--output", "-L", "--library-path", "-l", "--library", "-e", "--entry", "-m", "-z",
            "--hash-style", "--build-id", "--build-id=", "--dynamic-linker", "-I", "-soname", "-h", "-rpath", "-R",
            "--version-script", "-O", "--push-state", "--pop-state", "--start-group", "--end-group", "-(", "-)",
            "-static", "-Bstatic", "-Bdynamic", "--as-needed", "--no-as-needed", "--whole-archive",
            "--no-whole-archive", "-pie", "-no-pie", "-shared", "--gc-sections", "--no-gc-sections", "-s", "-S",
            "--eh-frame-hdr", "-plugin", "-plugin-opt", "--sysroot", "--sysroot=", "--threads", "--threads=",
            "-T", "--script", "--defsym", "-u", "--wrap", "-Map", "--relocatable", "-r", "-v", "--version",
            "--help", "-Ttext", "--section-start", "-", "--", "-zz", "-Lx", "-lx", "--fatal-warnings", "-EB"};
        String[] values = {"", "=", "x", "1", "0", "-1", "999999999999999999999", "0x", "elf_x86_64", "aarch64linux",
            "sha1", "0xZZ", "none", "gnu", "both", "sysv", "now", "relro", "max-page-size=", "max-page-size=-5",
            "stack-size=0x1", "@", "a b", "\0", "=x", ".", "/", "..", "\u00e9"};
        java.util.Random r = new java.util.Random(11);
        for (int round = 0; round < 20_000; round++) {
            List<String> args = new ArrayList<>();
            for (int k = 0, n = 1 + r.nextInt(6); k < n; k++) {
                String option = options[r.nextInt(options.length)];
                String value = values[r.nextInt(values.length)];
                switch (r.nextInt(4)) {
                    case 0 -> args.add(option);
                    case 1 -> args.add(option + value);
                    case 2 -> args.add(option + "=" + value);
                    default -> {
                        args.add(option);
                        args.add(value);
                    }
                }
            }
            try {
                LdCommandLine.parse(args, dir);
            } catch (UsageException e) {
                assertThat(e.getMessage()).as("%s", args).isNotBlank();
            }
        }
    }
}
