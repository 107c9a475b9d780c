package dev.rivet.linker.macho;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rivet.linker.Architecture;
import dev.rivet.linker.LinkOptions;
import dev.rivet.linker.OutputKind;
import dev.rivet.linker.Target;
import dev.rivet.linker.testing.ExternalTools;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mach-O dylibs written by Rivet ({@code MH_DYLIB}): loaded by programs Rivet and ld64.lld link
 * against them, with the install name, exports (limited by export patterns), run paths, weak
 * definitions a program overrides, and ad-hoc code signatures whose page hashes match the file.
 */
class MachODylibTest {
    @TempDir
    Path dir;

    static List<Target> targets() {
        return MachOInputs.targets();
    }

    private static final String LIB = MachOCorpusTest.DECLS + """
            int lib_counter = 100;
            static int hidden_helper(int x) { return x * 2; }
            __attribute__((visibility("hidden"))) int not_exported(int x) { return x + 1; }
            int api_add(int a, int b) { lib_counter += a; return hidden_helper(a) + not_exported(b); }
            const char *api_name(void) { return "rivet-dylib"; }
            int (*api_table[])(int, int) = {api_add};
            __attribute__((weak)) int api_weak(void) { return 1; }
            int api_calls_weak(void) { return api_weak() * 10; }
            _Thread_local int lib_tls = 7;
            int api_tls(void) { return ++lib_tls; }
            static int initialized;
            __attribute__((constructor)) static void lib_init(void) { initialized = 5; }
            int api_initialized(void) { printf("lib says %s\\n", api_name()); return initialized; }
            """;

    private static final String MAIN = MachOCorpusTest.DECLS + """
            extern int lib_counter;
            int api_add(int, int);
            const char *api_name(void);
            extern int (*api_table[])(int, int);
            int api_calls_weak(void);
            int api_tls(void);
            int api_initialized(void);
            // Kept although inlined: with dead-stripping on (Rivet's default), an override must be marked used.
            __attribute__((used)) int api_weak(void) { return 4; }
            int main(void) {
              int r = api_add(3, 4);
              int (*f)(int, int) = api_table[0];
              printf("%d %d %s %d\\n", r, lib_counter, api_name(), f(1, 1));
              printf("weak %d %d, init %d\\n", api_calls_weak(), api_weak(), api_initialized());
              printf("tls %d %d\\n", api_tls(), api_tls());
              return lib_counter & 0x7f;
            }
            """;

    private Path dylib(Target t, String name, LinkOptions.Builder options, Path obj) {
        return MachOLinks.rivet(t, dir.resolve(name), options.outputKind(OutputKind.SHARED_LIBRARY), true, obj);
    }

    @ParameterizedTest
    @MethodSource("targets")
    void aRivetDylibServesRivetAndReferencePrograms(Target t) throws IOException {
        String arch = MachOLinks.arch(t);
        Path libObj = MachOInputs.compile(t, dir, "lib-" + arch, LIB);
        Path mainObj = MachOInputs.compile(t, dir, "main-" + arch, MAIN);
        Path refLib = MachOLinks.lld(t, dir.resolve("libref.dylib"), List.of("-dylib", "-install_name", "/opt/lib/libapi.dylib"), libObj);
        Path refExe = MachOLinks.lld(t, dir.resolve("ref"), List.of(), mainObj, refLib);
        ExternalTools.Result want = MachOLinks.run(refExe, List.of("--dylib", refLib.toString()));
        assertThat(want.exitCode()).as(want.stderr()).isEqualTo(104);

        Path lib = dylib(t, "libapi.dylib", LinkOptions.builder().soname("/opt/lib/libapi.dylib"), libObj);
        assertThat(lib).isNotEmptyFile();
        String headers = MachOLinks.objdump(lib);
        assertThat(headers).contains("DYLIB", "LC_ID_DYLIB", "/opt/lib/libapi.dylib", "_api_add", "_lib_counter", "_api_weak [weak_def]")
                .doesNotContain("__PAGEZERO", "LC_MAIN", "_not_exported", "_hidden_helper");
        MachOLinks.otool(lib);

        // Rivet's program with Rivet's dylib, the reference program with Rivet's dylib, Rivet's program with the reference dylib.
        Path exe = MachOLinks.rivet(t, dir.resolve("exe"), mainObj, lib);
        MachOLinks.readable(exe);
        List<String> withRivetLib = List.of("--dylib", lib.toString());
        MachOLinks.sameAsReference(refExe, exe, withRivetLib);
        Path refExeOnRivetLib = MachOLinks.lld(t, dir.resolve("ref-on-rivet"), List.of(), mainObj, lib);
        assertThat(MachOLinks.run(refExeOnRivetLib, withRivetLib)).isEqualTo(want);
        Path exeOnRefLib = MachOLinks.rivet(t, dir.resolve("exe-on-ref"), mainObj, refLib);
        assertThat(MachOLinks.run(exeOnRefLib, List.of("--dylib", refLib.toString(), "--slide", MachOLinks.SLIDE))).isEqualTo(want);
        assertThat(want.stdout()).contains("weak 40 4"); // the program's strong api_weak wins over the dylib's weak one
    }

    @ParameterizedTest
    @MethodSource("targets")
    void chainedFixupsInADylibAndItsProgram(Target t) throws IOException {
        Path libObj = MachOInputs.compile(t, dir, "lib", LIB);
        Path mainObj = MachOInputs.compile(t, dir, "main", MAIN);
        Path refLib = MachOLinks.lld(t, dir.resolve("libref.dylib"), List.of("-dylib", "-install_name", "/opt/lib/libapi.dylib"), libObj);
        Path refExe = MachOLinks.lld(t, dir.resolve("ref"), List.of(), mainObj, refLib);
        ExternalTools.Result want = MachOLinks.run(refExe, List.of("--dylib", refLib.toString()));
        Path lib = dylib(t, "libapi.dylib", LinkOptions.builder().soname("/opt/lib/libapi.dylib").chainedFixups(true), libObj);
        Path exe = MachOLinks.rivet(t, dir.resolve("exe"), LinkOptions.builder().chainedFixups(true), true, mainObj, lib);
        assertThat(MachOLinks.otool(lib)).contains("LC_DYLD_CHAINED_FIXUPS");
        MachOLinks.objdump(lib);
        assertThat(MachOLinks.run(exe, List.of("--dylib", lib.toString(), "--slide", MachOLinks.SLIDE))).isEqualTo(want);
    }

    @ParameterizedTest
    @MethodSource("targets")
    void installNameExportPatternsAndRunPaths(Target t) throws IOException {
        Path obj = MachOInputs.compile(t, dir, "lib", LIB);
        Path plain = dylib(t, "libplain.dylib", LinkOptions.builder(), obj);
        assertThat(MachOLinks.otool(plain)).contains("cmd LC_ID_DYLIB", "name @rpath/libplain.dylib");
        Path limited = dylib(t, "liblimited.dylib", LinkOptions.builder().soname("/usr/local/lib/liblimited.dylib")
                .exports(List.of("_api_*"), List.of("*")).runPaths(List.of("@loader_path/../lib", "/opt/rivet")), obj);
        String otool = MachOLinks.otool(limited);
        assertThat(otool).contains("name /usr/local/lib/liblimited.dylib", "cmd LC_RPATH", "path @loader_path/../lib", "path /opt/rivet");
        String trie = MachOLinks.objdump(limited);
        String exports = trie.substring(trie.indexOf("Exports trie:"));
        assertThat(exports).contains("_api_add", "_api_name", "_api_table").doesNotContain("_lib_counter", "_lib_tls");
    }

    @ParameterizedTest
    @MethodSource("targets")
    void codeSignaturesHashEveryPage(Target t) throws Exception {
        Path obj = MachOInputs.compile(t, dir, "lib", LIB);
        boolean arm = t.architecture() == Architecture.AARCH64;
        Path byDefault = dylib(t, "libdefault.dylib", LinkOptions.builder(), obj);
        assertThat(MachOLinks.otool(byDefault).contains("LC_CODE_SIGNATURE")).as("signed by default on arm64 only").isEqualTo(arm);
        Path forced = dylib(t, "libsigned.dylib", LinkOptions.builder().adhocCodeSignature(true), obj);
        checkSignature(forced, "libsigned.dylib");
        Path off = dylib(t, "libunsigned.dylib", LinkOptions.builder().adhocCodeSignature(false), obj);
        assertThat(MachOLinks.otool(off)).doesNotContain("LC_CODE_SIGNATURE");
        Path exe = MachOLinks.rivet(t, dir.resolve("signed-exe"), LinkOptions.builder().adhocCodeSignature(true), true,
                MachOInputs.compile(t, dir, "main", "int puts(const char *);\nint main(void) { puts(\"signed\"); return 0; }\n"));
        checkSignature(exe, "signed-exe");
        assertThat(MachOLinks.run(exe, List.of()).stdout()).isEqualTo("signed\n");
    }

    @ParameterizedTest
    @MethodSource("targets")
    void aDylibOnlyReferencedWeaklyIsLoadedWeakly(Target t) throws IOException {
        Path lib = dylib(t, "liboptional.dylib", LinkOptions.builder().soname("/opt/liboptional.dylib"),
                MachOInputs.compile(t, dir, "optional", "int optional_fn(void) { return 21; }\n"));
        Path exe = MachOLinks.rivet(t, dir.resolve("weak-user"), MachOInputs.compile(t, dir, "weak-user", """
                extern int optional_fn(void) __attribute__((weak_import));
                int main(void) { return optional_fn ? optional_fn() * 2 : 77; }
                """), lib);
        assertThat(MachOLinks.otool(exe)).contains("cmd LC_LOAD_WEAK_DYLIB", "name /opt/liboptional.dylib");
        assertThat(MachOLinks.objdump(exe)).containsPattern("_optional_fn \\(weak_import\\)|weak_import.*_optional_fn|_optional_fn");
        assertThat(MachOLinks.run(exe, List.of()).exitCode()).as("without the dylib").isEqualTo(77);
        assertThat(MachOLinks.run(exe, List.of("--dylib", lib.toString())).exitCode()).as("with it").isEqualTo(42);
    }

    @ParameterizedTest
    @MethodSource("targets")
    void undefinedSymbolsAreLookedUpAtLoadTimeWhenAsked(Target t) throws IOException {
        Path lib = dylib(t, "libfound.dylib", LinkOptions.builder(),
                MachOInputs.compile(t, dir, "found", "int found_later(int x) { return x + 30; }\nint found_data = 5;\n"));
        Path obj = MachOInputs.compile(t, dir, "finder", """
                int found_later(int);
                extern int found_data;
                int main(void) { return found_later(found_data); }
                """);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> MachOLinks.rivet(t, dir.resolve("strict"), obj))
                .isInstanceOf(dev.rivet.linker.LinkException.class).hasMessageContaining("undefined symbol: _found_later");
        Path exe = MachOLinks.rivet(t, dir.resolve("lookup"), LinkOptions.builder().dynamicLookup(true), true, obj);
        assertThat(MachOLinks.otool(exe)).doesNotContain("libfound");
        assertThat(MachOLinks.objdump(exe)).contains("flat-namespace");
        assertThat(MachOLinks.run(exe, List.of("--dylib", lib.toString())).exitCode()).isEqualTo(35);
    }

    @ParameterizedTest
    @MethodSource("targets")
    void importedThreadLocalsAreRefusedClearly(Target t) throws IOException {
        Path lib = dylib(t, "libtls.dylib", LinkOptions.builder(), MachOInputs.compile(t, dir, "tlslib", "_Thread_local int shared_tls = 3;\n"));
        Path obj = MachOInputs.compile(t, dir, "tlsuser", "extern _Thread_local int shared_tls;\nint main(void) { return shared_tls; }\n");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> MachOLinks.rivet(t, dir.resolve("tlsuser"), obj, lib))
                .isInstanceOf(dev.rivet.linker.LinkException.class).hasMessageContaining("_shared_tls").hasMessageContaining("cannot link yet");
    }

    @ParameterizedTest
    @MethodSource("targets")
    void lazyCallsWithoutLibSystemAreAClearError(Target t) throws IOException {
        Path lib = dylib(t, "libonly.dylib", LinkOptions.builder(), MachOInputs.compile(t, dir, "only", "int only(void) { return 1; }\n"));
        Path obj = MachOInputs.compile(t, dir, "caller", "int only(void);\nint main(void) { return only(); }\n");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> MachOLinks.rivet(t, dir.resolve("caller"), LinkOptions.builder(), false, obj, lib))
                .isInstanceOf(dev.rivet.linker.LinkException.class).hasMessageContaining("dyld_stub_binder").hasMessageContaining("libSystem");
        // With chained fixups nothing is bound lazily, so libSystem is not needed for that.
        Path exe = MachOLinks.rivet(t, dir.resolve("caller-chained"), LinkOptions.builder().chainedFixups(true), false, obj, lib);
        assertThat(MachOLinks.run(exe, List.of("--dylib", lib.toString())).exitCode()).isEqualTo(1);
    }

    /** The signature's code directory names the file and holds the SHA-256 of every 4 KiB page before it. */
    private static void checkSignature(Path file, String identifier) throws Exception {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        int ncmds = b.getInt(16);
        int p = 32;
        int dataoff = -1;
        for (int i = 0; i < ncmds; i++) {
            if (b.getInt(p) == 0x1d) {
                dataoff = b.getInt(p + 8);
                assertThat(dataoff + b.getInt(p + 12)).as("the signature ends the file").isEqualTo(b.capacity());
            }
            p += b.getInt(p + 4);
        }
        assertThat(dataoff).as("LC_CODE_SIGNATURE").isPositive();
        ByteBuffer be = b.duplicate().order(ByteOrder.BIG_ENDIAN);
        assertThat(be.getInt(dataoff)).isEqualTo(0xfade0cc0);
        int cd = dataoff + be.getInt(dataoff + 16);
        assertThat(be.getInt(cd)).isEqualTo(0xfade0c02);
        int hashOffset = be.getInt(cd + 16);
        int identOffset = be.getInt(cd + 20);
        int nCodeSlots = be.getInt(cd + 28);
        assertThat(be.getInt(cd + 32)).as("code limit").isEqualTo(dataoff);
        byte[] ident = new byte[identifier.length()];
        be.get(cd + identOffset, ident);
        assertThat(new String(ident, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo(identifier);
        assertThat(nCodeSlots).isEqualTo((dataoff + 4095) / 4096);
        for (int page = 0; page < nCodeSlots; page++) {
            int from = page * 4096;
            int to = Math.min(dataoff, from + 4096);
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(b.array(), from, to - from);
            byte[] want = md.digest();
            byte[] got = new byte[32];
            be.get(cd + hashOffset + 32 * page, got);
            assertThat(got).as("hash of page %d", page).isEqualTo(want);
        }
    }
}
