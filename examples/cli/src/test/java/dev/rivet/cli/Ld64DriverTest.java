package dev.rivet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rivet.linker.macho.testing.MachORunner;
import dev.rivet.linker.testing.ExternalTools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code rivet ld64} as clang calls it: {@code clang --target=...-apple-macos11 -fuse-ld=DIR/ld64}
 * links with Rivet; the program must run under the Mach-O runner as the one clang links with
 * ld64.lld does, with ld64.lld's dylib and with Rivet's.
 */
class Ld64DriverTest {
    @TempDir
    Path dir;

    static final String HELLO = """
            int printf(const char *, ...);
            int square(int);
            int main(int argc, char **argv) {
                printf("hello from %s, %d\\n", argc > 1 ? argv[1] : "nobody", square(argc + 2));
                return 3;
            }
            """;
    static final String LIB = "int square(int x) { return x * x; }\nint helper(void) { return 1; }\n";

    private static Path libSystemDirectory() {
        return MachORunner.libSystemTbd().getParent();
    }

    private ExternalTools.Result clang(String target, List<String> args) {
        List<String> cmd = new ArrayList<>(List.of(Ld64CommandLineTest.clang(), "--target=" + target, "-O1",
                "-L" + libSystemDirectory()));
        cmd.addAll(args);
        return ExternalTools.run(cmd);
    }

    @ParameterizedTest
    @ValueSource(strings = {"arm64-apple-macos11", "x86_64-apple-macos11"})
    void clangLinksAProgramAndADylibThroughRivet(String target) throws IOException {
        MachORunner.ld64();
        Path wrapper = RivetLd.wrapperDirectory(dir).resolve("ld64");
        Files.writeString(dir.resolve("main.c"), HELLO);
        Files.writeString(dir.resolve("lib.c"), LIB);
        String main = dir.resolve("main.c").toString();
        String lib = dir.resolve("lib.c").toString();

        // The reference: the same with ld64.lld.
        Path lldLib = dir.resolve("lld/libsq.dylib");
        Files.createDirectories(lldLib.getParent());
        ExternalTools.Result ref = clang(target, List.of("-fuse-ld=lld", "-dynamiclib", "-install_name", "/opt/lib/libsq.dylib",
                "-o", lldLib.toString(), lib));
        assertThat(ref.exitCode()).as(ref.stderr()).isZero();
        Path lldProg = dir.resolve("lld/prog");
        ref = clang(target, List.of("-fuse-ld=lld", "-o", lldProg.toString(), main, lldLib.toString()));
        assertThat(ref.exitCode()).as(ref.stderr()).isZero();

        Path rivetLib = dir.resolve("rivet/libsq.dylib");
        Files.createDirectories(rivetLib.getParent());
        ExternalTools.Result r = clang(target, List.of("-fuse-ld=" + wrapper, "-dynamiclib", "-install_name", "/opt/lib/libsq.dylib",
                "-Wl,-exported_symbol,_square", "-o", rivetLib.toString(), lib));
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        // The program is linked against ld64.lld's library (the same install name), so it is tested on its own.
        Path rivetProg = dir.resolve("rivet/prog");
        r = clang(target, List.of("-fuse-ld=" + wrapper, "-Wl,-dead_strip", "-o", rivetProg.toString(), main, lldLib.toString()));
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        String exports = objdump(rivetLib, "--exports-trie");
        assertThat(exports).contains("_square").doesNotContain("_helper");
        assertThat(objdump(rivetLib, "--private-headers")).contains("/opt/lib/libsq.dylib");
        if (target.startsWith("arm64")) {
            assertThat(objdump(rivetProg, "--private-headers")).contains("LC_CODE_SIGNATURE"); // ad-hoc signed by default
        }
        ExternalTools.Result expected = MachORunner.run(List.of("--dylib", lldLib.toString()), lldProg, "tester");
        assertThat(expected.exitCode()).as(expected.stderr()).isEqualTo(3);
        ExternalTools.Result actual = MachORunner.run(List.of("--dylib", lldLib.toString()), rivetProg, "tester");
        assertThat(actual.stdout()).isEqualTo(expected.stdout()).isEqualTo("hello from tester, 16\n");
        assertThat(actual.exitCode()).as(actual.stderr()).isEqualTo(expected.exitCode());
        ExternalTools.Result withRivetLib = MachORunner.run(List.of("--dylib", rivetLib.toString()), rivetProg, "tester");
        assertThat(withRivetLib.stdout()).isEqualTo(expected.stdout());
        assertThat(withRivetLib.exitCode()).as(withRivetLib.stderr()).isEqualTo(3);
    }

    private static String objdump(Path file, String option) {
        String tool = ExternalTools.find("llvm-objdump").or(() -> ExternalTools.find("llvm-objdump-14"))
                .orElseGet(() -> ExternalTools.require("llvm-objdump")).toString();
        ExternalTools.Result r = ExternalTools.run(List.of(tool, "--macho", option, file.toString()));
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        return r.stdout();
    }

    @ParameterizedTest
    @ValueSource(strings = {"arm64-apple-macos11", "x86_64-apple-macos11"})
    void aMissingSymbolOrLibraryIsReportedThroughClang(String target) throws IOException {
        Path wrapper = RivetLd.wrapperDirectory(dir).resolve("ld64");
        Files.writeString(dir.resolve("main.c"), "int absent(void);\nint main(void) { return absent(); }\n");
        ExternalTools.Result r = clang(target, List.of("-fuse-ld=" + wrapper, "-o", dir.resolve("prog").toString(),
                dir.resolve("main.c").toString()));
        assertThat(r.exitCode()).isNotZero();
        assertThat(r.stderr()).contains("rivet ld64: error: undefined symbol: _absent");

        ExternalTools.Result noLib = ExternalTools.run(List.of(Ld64CommandLineTest.clang(), "--target=" + target,
                "-fuse-ld=" + wrapper, "-Wl,-Z", "-o", dir.resolve("prog").toString(), dir.resolve("main.c").toString()));
        assertThat(noLib.exitCode()).isNotZero();
        assertThat(noLib.stderr()).contains("rivet ld64: error: library not found for -lSystem").contains(">>> no directories were searched");
    }
}
