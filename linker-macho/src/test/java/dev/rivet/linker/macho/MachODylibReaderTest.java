package dev.rivet.linker.macho;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rivet.linker.LinkException;
import dev.rivet.linker.SymbolKind;
import dev.rivet.linker.Target;
import dev.rivet.linker.core.symbols.InputFile;
import dev.rivet.linker.core.symbols.SharedLibrary;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Mach-O dylibs as inputs, built by ld64.lld at test time; and what corrupt ones do. */
class MachODylibReaderTest {
    @TempDir
    Path dir;

    private Path libA(Target t) throws Exception {
        Path obj = MachOInputs.compile(t, dir, "a", ExportTrieTest.LIBRARY);
        return MachOInputs.linkWithLld(t, dir.resolve("libA.dylib"), List.of("-dylib", "-install_name", "/usr/lib/libA.dylib",
                "-current_version", "3.2.1", "-compatibility_version", "3.0"), obj);
    }

    private static SharedLibrary library(MachOInputs.Loaded l, String nameEnd) {
        return (SharedLibrary) l.file(nameEnd);
    }

    @ParameterizedTest
    @MethodSource("dev.rivet.linker.macho.MachOInputs#targets")
    void readsInstallNameVersionsAndExportsWithTheirKinds(Target t) throws Exception {
        MachOInputs.Loaded l = MachOInputs.load(t, libA(t));
        SharedLibrary lib = library(l, "libA.dylib");
        assertThat(lib.soname).isEqualTo("/usr/lib/libA.dylib");
        assertThat(lib.currentVersion).isEqualTo(0x30201);
        assertThat(lib.compatibilityVersion).isEqualTo(0x30000);
        assertThat(lib.reexportedLibraries).isEmpty();
        assertThat(lib.symCount).isEqualTo(7);
        int add = l.sym("_add");
        assertThat(l.symbols().file[add]).isEqualTo(lib.index);
        assertThat(l.flag(add, InputFile.SHARED)).isTrue();
        assertThat(l.kind(add)).isEqualTo(SymbolKind.TEXT);
        assertThat(l.kind(l.sym("_counter"))).isEqualTo(SymbolKind.DATA);
        assertThat(l.kind(l.sym("_message"))).isEqualTo(SymbolKind.DATA);
        assertThat(l.kind(l.sym("_tls"))).isEqualTo(SymbolKind.TLS_DATA);
        assertThat(l.flag(l.sym("_weakfn"), InputFile.WEAK)).isTrue();
        assertThat(l.flag(add, InputFile.WEAK)).isFalse();
        // The address is the trie's, as llvm-objdump shows it.
        String exports = MachOInputs.objdump(Path.of(lib.name), "--exports-trie");
        Matcher m = Pattern.compile("0x([0-9A-F]+)  _add\\b").matcher(exports);
        assertThat(m.find()).isTrue();
        assertThat(l.value(add)).isEqualTo(Long.parseLong(m.group(1), 16));
    }

    @ParameterizedTest
    @MethodSource("dev.rivet.linker.macho.MachOInputs#targets")
    void reexportsAreRecordedAndResolvedWhenTheReexportedLibraryIsGivenToo(Target t) throws Exception {
        Path a = libA(t);
        Path umbrellaObj = MachOInputs.compile(t, dir, "u", "int umbrella(void) { return 1; }\n");
        Path umbrella = MachOInputs.linkWithLld(t, dir.resolve("libU.dylib"), List.of("-dylib", "-install_name", "/usr/lib/libU.dylib",
                "-reexport_library", a.toString()), umbrellaObj);
        Path main = MachOInputs.compile(t, dir, "main", "int add(int, int); int umbrella(void);\n"
                + "int main(void) { return add(1, 2) + umbrella(); }\n");

        MachOInputs.Loaded alone = MachOInputs.load(t, main, umbrella);
        SharedLibrary u = library(alone, "libU.dylib");
        assertThat(u.reexportedLibraries).containsExactly("/usr/lib/libA.dylib");
        assertThat(alone.symbols().file(alone.symbols().file[alone.sym("_umbrella")])).isSameAs(u);
        assertThat(alone.flag(alone.sym("_add"), InputFile.SHARED)).isFalse();

        MachOInputs.Loaded both = MachOInputs.load(t, main, umbrella, a);
        assertThat(both.symbols().file(both.symbols().file[both.sym("_add")]).name).endsWith("libA.dylib");
    }

    // ------------------------------------------------------------------ corruption

    private void assertError(Target t, byte[] bytes, String message, String location) throws Exception {
        Path p = dir.resolve("bad.dylib");
        Files.write(p, bytes);
        assertThatThrownBy(() -> MachOInputs.load(t, p)).isInstanceOfSatisfying(LinkException.class, e -> {
            assertThat(e.diagnostics().get(0).input()).isEqualTo(p.toString());
            assertThat(e.diagnostics().get(0).message()).contains(message);
            if (location != null) {
                assertThat(e.diagnostics().get(0).location()).isEqualTo(location);
            }
        });
    }

    /** {@return the file offset of the first load command of a type} */
    private static int command(byte[] b, int type) {
        ByteBuffer le = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int off = 32;
        for (int i = 0, n = le.getInt(16); i < n; i++) {
            if (le.getInt(off) == type) {
                return off;
            }
            off += le.getInt(off + 4);
        }
        throw new AssertionError("no load command 0x" + Integer.toHexString(type));
    }

    @ParameterizedTest
    @MethodSource("dev.rivet.linker.macho.MachOInputs#targets")
    void corruptDylibsAreErrorsNamingFileAndOffset(Target t) throws Exception {
        byte[] good = Files.readAllBytes(libA(t));
        int id = command(good, 0xd);
        int info = command(good, 0x80000022);

        byte[] b = good.clone();
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(id + 8, 4000);
        assertError(t, b, "LC_ID_DYLIB's name starts at 4000", String.format("offset 0x%x", id + 8));

        b = good.clone();
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(id, 0x7777);
        assertError(t, b, "no LC_ID_DYLIB", null);

        b = good.clone();
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(info + 40, 0x7fff0000);
        assertError(t, b, "the export trie", String.format("offset 0x%x", 0x7fff0000));

        b = good.clone();
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(info + 4, 40);
        assertError(t, b, "LC_DYLD_INFO has size 40", null);

        // The root's first child pointing back at the root.
        b = good.clone();
        int trie = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt(info + 40);
        assertThat(b[trie]).isZero();
        int label = trie + 2;
        while (b[label] != 0) {
            label++;
        }
        b[label + 1] = 0;
        assertError(t, b, "twice (a cycle or a shared node)", String.format("offset 0x%x", trie));

        Target other = t == Target.ARM64_MACOS ? Target.X86_64_MACOS : Target.ARM64_MACOS;
        Path p = dir.resolve("other.dylib");
        Files.write(p, good);
        assertThatThrownBy(() -> MachOInputs.load(other, p)).isInstanceOf(LinkException.class).hasMessageContaining("but the link is for");
    }

    @ParameterizedTest
    @MethodSource("dev.rivet.linker.macho.MachOInputs#targets")
    void truncatedAndGarbledDylibsLoadOrFailWithALinkException(Target t) throws Exception {
        byte[] good = Files.readAllBytes(libA(t));
        Path p = dir.resolve("cut.dylib");
        Random r = new Random(11);
        for (int round = 0; round < 600; round++) {
            byte[] b;
            if (round < 200) {
                b = java.util.Arrays.copyOf(good, 32 + r.nextInt(good.length - 32));
            } else {
                b = good.clone();
                for (int k = 0; k < 4; k++) {
                    // Mostly the header, load commands and the trie, where the reader looks.
                    int at = r.nextBoolean() ? r.nextInt(Math.min(b.length, 2048)) : r.nextInt(b.length);
                    b[at] = (byte) r.nextInt(256);
                }
            }
            Files.write(p, b);
            try {
                MachOInputs.load(t, p);
            } catch (LinkException e) {
                assertThat(e.diagnostics().get(0).input()).isEqualTo(p.toString());
            }
        }
    }
}
