package dev.rivet.linker.macho;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rivet.linker.LinkException;
import dev.rivet.linker.SymbolKind;
import dev.rivet.linker.Target;
import dev.rivet.linker.core.symbols.InputFile;
import dev.rivet.linker.core.symbols.SharedLibrary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Text-based dylib stubs ({@code .tbd}): what each TAPI v4 (and v3) feature contributes, and the errors for bad stubs. */
class TbdReaderTest {
    @TempDir
    Path dir;

    static final Path LIB_SYSTEM = Path.of("src/test/resources/macho/libSystem.tbd");

    private MachOInputs.Loaded load(Target t, String tbd) throws IOException {
        Path p = dir.resolve("lib.tbd");
        Files.writeString(p, tbd);
        return MachOInputs.load(t, p);
    }

    private static SharedLibrary library(MachOInputs.Loaded l) {
        return (SharedLibrary) l.files().stream().filter(f -> f instanceof SharedLibrary).findFirst().orElseThrow();
    }

    /** {@return the library's symbol names, in local order} */
    private static List<String> exports(MachOInputs.Loaded l) {
        SharedLibrary lib = library(l);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < lib.symCount; i++) {
            out.add(l.symbols().name(lib.localToGlobal[i]));
        }
        return out;
    }

    @Test
    void theTestLibSystemStubLoadsForBothTargets() {
        for (Target t : MachOInputs.targets()) {
            MachOInputs.Loaded l = MachOInputs.load(t, LIB_SYSTEM);
            SharedLibrary lib = library(l);
            assertThat(lib.soname).isEqualTo("/usr/lib/libSystem.B.dylib");
            assertThat(lib.currentVersion).isEqualTo(1311 << 16);
            assertThat(lib.compatibilityVersion).isEqualTo(1 << 16);
            assertThat(exports(l)).contains("_printf", "dyld_stub_binder", "__tlv_bootstrap", "_unemulated_for_tests").hasSize(47);
            int printf = l.sym("_printf");
            assertThat(l.symbols().file[printf]).isEqualTo(lib.index);
            assertThat(l.flag(printf, InputFile.SHARED)).isTrue();
            assertThat(l.flag(printf, InputFile.WEAK)).isFalse();
            assertThat(l.kind(printf)).isEqualTo(SymbolKind.TEXT);
        }
    }

    private static final String V4 = """
            --- !tapi-tbd
            tbd-version:     4
            targets:         [ x86_64-macos, arm64-macos,
                               arm64e-macos ]   # a comment after a flow sequence
            uuids:
              - target:      x86_64-macos
                value:       00000000-0000-0000-0000-000000000000
              - target:      arm64-macos
                value:       11111111-1111-1111-1111-111111111111
            flags:           [ not_app_extension_safe ]
            install-name:    "/usr/lib/libDemo.dylib"
            current-version: 1.2.3
            compatibility-version: 1.1
            parent-umbrella:
              - targets:     [ x86_64-macos, arm64-macos ]
                umbrella:    System
            reexported-libraries:
              - targets:     [ x86_64-macos, arm64-macos ]
                libraries:   [ '/usr/lib/system/libsub.dylib', /usr/lib/libElsewhere.dylib ]
            exports:
              - targets:     [ x86_64-macos, arm64-macos ]
                symbols:     [ _both, '$ld$hide$os10.4$_both' ]
                weak-symbols: [ _weakfn ]
                thread-local-symbols: [ _tlv ]
                objc-classes: [ NSThing ]
                objc-eh-types: [ NSThing ]
                objc-ivars:  [ NSThing._count ]
              - targets:     [ arm64-macos ]
                symbols:     [ _arm_only ]
              - targets:     [ x86_64-macos ]
                symbols:     [ _x86_only ]
            reexports:
              - targets:     [ arm64-macos, x86_64-macos ]
                symbols:     [ _reexported_sym ]
            undefineds:
              - targets:     [ arm64-macos ]
                symbols:     [ _needed ]
            --- !tapi-tbd
            tbd-version:     4
            targets:         [ x86_64-macos, arm64-macos ]
            install-name:    '/usr/lib/system/libsub.dylib'
            exports:
              - targets:     [ x86_64-macos, arm64-macos ]
                symbols:     [ _from_sub, _both ]
            --- !tapi-tbd
            tbd-version:     4
            targets:         [ arm64-macos ]
            install-name:    '/usr/lib/system/libunused.dylib'
            exports:
              - targets:     [ arm64-macos ]
                symbols:     [ _never ]
            ...
            """;

    @Test
    void v4ExportsFollowTheTargetAndLd64sNames() throws IOException {
        MachOInputs.Loaded arm = load(Target.ARM64_MACOS, V4);
        SharedLibrary lib = library(arm);
        assertThat(lib.soname).isEqualTo("/usr/lib/libDemo.dylib");
        assertThat(lib.currentVersion).isEqualTo(0x10203);
        assertThat(lib.compatibilityVersion).isEqualTo(0x10100);
        assertThat(exports(arm)).containsExactly("_both", "_weakfn", "_tlv",
                "_OBJC_CLASS_$_NSThing", "_OBJC_METACLASS_$_NSThing", "_OBJC_EHTYPE_$_NSThing", "_OBJC_IVAR_$_NSThing._count",
                "_arm_only", "_reexported_sym", "_from_sub");
        assertThat(arm.flag(arm.sym("_weakfn"), InputFile.WEAK)).isTrue();
        assertThat(arm.flag(arm.sym("_both"), InputFile.WEAK)).isFalse();
        assertThat(arm.kind(arm.sym("_tlv"))).isEqualTo(SymbolKind.TLS_DATA);
        assertThat(arm.kind(arm.sym("_both"))).isEqualTo(SymbolKind.TEXT);
        assertThat(arm.symbols().lookup("_needed")).isZero();
        // The nested document is re-exported and found in the file; the other library is not.
        assertThat(lib.reexportedLibraries).containsExactly("/usr/lib/libElsewhere.dylib");

        MachOInputs.Loaded x86 = load(Target.X86_64_MACOS, V4);
        assertThat(exports(x86)).contains("_x86_only", "_from_sub").doesNotContain("_arm_only", "_never");
    }

    private Path stub(String relative, String installName, String symbols, String... reexports) throws IOException {
        Path p = dir.resolve(relative);
        Files.createDirectories(p.getParent());
        Files.writeString(p, "--- !tapi-tbd\ntbd-version: 4\ntargets: [ arm64-macos ]\ninstall-name: '" + installName + "'\n"
                + (reexports.length == 0 ? "" : "reexported-libraries:\n  - targets: [ arm64-macos ]\n    libraries: [ "
                        + String.join(", ", reexports) + " ]\n")
                + "exports:\n  - targets: [ arm64-macos ]\n    symbols: [ " + symbols + " ]\n...\n");
        return p;
    }

    @Test
    void reexportsInOtherStubsAreFoundNextToTheFileAndUnderTheSdkRoot() throws IOException {
        Path umbrella = stub("sdk/usr/lib/libUmbrella.tbd", "/usr/lib/libUmbrella.dylib", "_u",
                "/usr/lib/libNext.dylib", "/System/Library/Frameworks/Core.framework/Versions/A/Core", "/usr/lib/libMissing.dylib");
        stub("sdk/usr/lib/libNext.tbd", "/usr/lib/libNext.dylib", "_next", "/usr/lib/libUmbrella.dylib");
        stub("sdk/System/Library/Frameworks/Core.framework/Versions/A/Core.tbd",
                "/System/Library/Frameworks/Core.framework/Versions/A/Core", "_core");
        MachOInputs.Loaded l = MachOInputs.load(Target.ARM64_MACOS, umbrella);
        assertThat(exports(l)).containsExactly("_u", "_next", "_core");
        assertThat(library(l).soname).isEqualTo("/usr/lib/libUmbrella.dylib");
        assertThat(library(l).reexportedLibraries).containsExactly("/usr/lib/libMissing.dylib");
    }

    @Test
    void anErrorInAnotherStubNamesThatStub() throws IOException {
        Path umbrella = stub("sdk/usr/lib/libUmbrella.tbd", "/usr/lib/libUmbrella.dylib", "_u", "/usr/lib/libBad.dylib");
        Path bad = stub("sdk/usr/lib/libBad.tbd", "/usr/lib/libBad.dylib", "_b");
        Files.writeString(bad, Files.readString(bad).replace("targets: [ arm64-macos ]\ninstall", "targets: [ arm64macos ]\ninstall"));
        assertThatThrownBy(() -> MachOInputs.load(Target.ARM64_MACOS, umbrella)).isInstanceOfSatisfying(LinkException.class, e -> {
            assertThat(e.diagnostics().get(0).input()).isEqualTo(bad.toString());
            assertThat(e.diagnostics().get(0).message()).contains("bad target 'arm64macos'");
        });
    }

    @Test
    void v3StubsAreReadToo() throws IOException {
        String v3 = """
                --- !tapi-tbd-v3
                archs:           [ x86_64, arm64 ]
                uuids:           [ 'x86_64: 00000000-0000-0000-0000-000000000000' ]
                platform:        macosx
                install-name:    /usr/lib/libOld.dylib
                current-version: 5
                objc-constraint: retain_release
                exports:
                  - archs:           [ x86_64, arm64 ]
                    re-exports:      [ /usr/lib/libOldSub.dylib ]
                    symbols:         [ _old ]
                    objc-classes:    [ Klass ]
                    weak-def-symbols: [ _oldweak ]
                    thread-local-symbols: [ _oldtlv ]
                  - archs:           [ x86_64 ]
                    symbols:         [ _x86 ]
                --- !tapi-tbd-v3
                archs:           [ x86_64, arm64 ]
                platform:        macosx
                install-name:    /usr/lib/libOldSub.dylib
                exports:
                  - archs:           [ arm64 ]
                    symbols:         [ _sub ]
                ...
                """;
        MachOInputs.Loaded l = load(Target.ARM64_MACOS, v3);
        assertThat(library(l).soname).isEqualTo("/usr/lib/libOld.dylib");
        assertThat(library(l).currentVersion).isEqualTo(5 << 16);
        assertThat(exports(l)).containsExactly("_old", "_oldweak", "_oldtlv", "_OBJC_CLASS_$_Klass", "_OBJC_METACLASS_$_Klass", "_sub");
        assertThat(l.flag(l.sym("_oldweak"), InputFile.WEAK)).isTrue();
        assertThat(l.kind(l.sym("_oldtlv"))).isEqualTo(SymbolKind.TLS_DATA);
    }

    @Test
    void aStubLibraryDefinitionLosesToAnObjectsAndIsUsedForUndefinedOnes() throws IOException {
        Path obj = MachOInputs.assemble(Target.ARM64_MACOS, dir, "main", """
                .globl _main, _puts
                .p2align 2
                _main: bl _printf
                _puts: ret
                """);
        MachOInputs.Loaded l = MachOInputs.load(Target.ARM64_MACOS, obj, LIB_SYSTEM);
        assertThat(l.symbols().file(l.symbols().file[l.sym("_puts")]).name).endsWith("main.o");
        assertThat(l.symbols().file(l.symbols().file[l.sym("_printf")])).isInstanceOf(SharedLibrary.class);
    }

    static Stream<Arguments> badStubs() {
        return Stream.of(
                Arguments.of("unterminated flow sequence", """
                        --- !tapi-tbd
                        tbd-version: 4
                        targets: [ arm64-macos
                        install-name: /usr/lib/libX.dylib
                        """, "3:10", "unterminated flow sequence"),
                Arguments.of("missing install-name", """
                        --- !tapi-tbd
                        tbd-version: 4
                        targets: [ arm64-macos ]
                        """, "1:1", "no 'install-name'"),
                Arguments.of("bad target", """
                        --- !tapi-tbd
                        tbd-version: 4
                        targets: [ arm64macos ]
                        install-name: /usr/lib/libX.dylib
                        """, "3:12", "bad target 'arm64macos'"),
                Arguments.of("no matching target", """
                        --- !tapi-tbd
                        tbd-version: 4
                        targets: [ x86_64-macos, arm64-ios ]
                        install-name: /usr/lib/libX.dylib
                        """, "2:1", "has no arm64-macos target (it has x86_64-macos, arm64-ios)"),
                Arguments.of("tab in indentation", """
                        --- !tapi-tbd
                        tbd-version: 4
                        targets: [ arm64-macos ]
                        install-name: /usr/lib/libX.dylib
                        exports:
                        \t- targets: [ arm64-macos ]
                        """, "6:1", "a tab in the indentation"),
                Arguments.of("garbage line", """
                        --- !tapi-tbd
                        tbd-version: 4
                        targets: [ arm64-macos ]
                        this is not yaml
                        """, "4:1", "expected 'key: value'"),
                Arguments.of("text after a value", """
                        --- !tapi-tbd
                        tbd-version: 4
                        targets: [ arm64-macos ] ]
                        install-name: /usr/lib/libX.dylib
                        """, "3:26", "unexpected ']' after the value"),
                Arguments.of("unterminated quote", """
                        --- !tapi-tbd
                        tbd-version: 4
                        targets: [ arm64-macos ]
                        install-name: '/usr/lib/libX.dylib
                        """, "4:15", "unterminated quoted string"),
                Arguments.of("bad indentation", """
                        --- !tapi-tbd
                        tbd-version: 4
                        targets: [ arm64-macos ]
                        install-name: /usr/lib/libX.dylib
                        exports:
                          - targets: [ arm64-macos ]
                             symbols: [ _a ]
                        """, "7:6", "unexpected indentation"),
                Arguments.of("duplicate key", """
                        --- !tapi-tbd
                        tbd-version: 4
                        targets: [ arm64-macos ]
                        tbd-version: 4
                        """, "4:1", "duplicate key 'tbd-version'"),
                Arguments.of("symbols not a list", """
                        --- !tapi-tbd
                        tbd-version: 4
                        targets: [ arm64-macos ]
                        install-name: /usr/lib/libX.dylib
                        exports:
                          - targets: [ arm64-macos ]
                            symbols:
                              a: b
                        """, "8:7", "'symbols' must be a list of names"),
                Arguments.of("unknown version", """
                        --- !tapi-tbd
                        tbd-version: 7
                        """, "2:14", "unknown tbd-version '7'"),
                Arguments.of("bad current version", """
                        --- !tapi-tbd
                        tbd-version: 4
                        targets: [ arm64-macos ]
                        install-name: /usr/lib/libX.dylib
                        current-version: 1.x
                        """, "5:18", "bad current-version '1.x'"),
                Arguments.of("not a tapi document", """
                        --- !something-else
                        a: b
                        """, "1:5", "unknown document tag '!something-else'"),
                Arguments.of("exports entry without targets", """
                        --- !tapi-tbd
                        tbd-version: 4
                        targets: [ arm64-macos ]
                        install-name: /usr/lib/libX.dylib
                        exports:
                          - symbols: [ _a ]
                        """, "6:5", "missing 'targets'"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badStubs")
    void aBadStubIsAnErrorNamingFileLineAndColumn(String what, String text, String location, String message) throws IOException {
        Path p = dir.resolve("bad.tbd");
        Files.writeString(p, text);
        assertThatThrownBy(() -> MachOInputs.load(Target.ARM64_MACOS, p))
                .isInstanceOfSatisfying(LinkException.class, e -> {
                    assertThat(e.diagnostics()).hasSize(1);
                    assertThat(e.diagnostics().get(0).input()).isEqualTo(p.toString());
                    assertThat(e.diagnostics().get(0).location()).isEqualTo(location);
                    assertThat(e.diagnostics().get(0).message()).contains(message);
                });
    }

    @Test
    void randomlyGarbledStubsLoadOrFailWithALinkException() throws IOException {
        Path p = dir.resolve("garbled.tbd");
        java.util.Random random = new java.util.Random(42);
        String alphabet = "-:[]{},'\"#! \t\nab_.0";
        for (int round = 0; round < 2000; round++) {
            StringBuilder sb = new StringBuilder(V4);
            for (int k = 0; k < 3; k++) {
                sb.setCharAt(3 + random.nextInt(sb.length() - 3), alphabet.charAt(random.nextInt(alphabet.length())));
            }
            Files.writeString(p, sb);
            try {
                MachOInputs.load(Target.ARM64_MACOS, p);
            } catch (LinkException e) {
                assertThat(e.diagnostics().get(0).input()).isEqualTo(p.toString());
            }
        }
    }

    @Test
    void everyTruncationOfAStubIsALoadOrALinkException() throws IOException {
        Path p = dir.resolve("cut.tbd");
        for (int n = 3; n < V4.length(); n++) {
            Files.writeString(p, V4.substring(0, n));
            try {
                MachOInputs.load(Target.ARM64_MACOS, p);
            } catch (LinkException e) {
                assertThat(e.diagnostics().get(0).input()).isEqualTo(p.toString());
                assertThat(e.diagnostics().get(0).location()).matches("\\d+:\\d+");
            }
        }
    }
}
