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
    void theTrieOfLcDyldExportsTrieIsReadToo(Target t) throws Exception {
        byte[] b = Files.readAllBytes(libA(t));
        // Rewrite LC_DYLD_INFO_ONLY (48 bytes) as LC_DYLD_EXPORTS_TRIE (16 bytes, as chained-fixup
        // images have it) and a 32-byte command the reader does not know.
        int info = command(b, 0x80000022);
        ByteBuffer le = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int off = le.getInt(info + 40);
        int size = le.getInt(info + 44);
        le.putInt(info, 0x80000033).putInt(info + 4, 16).putInt(info + 8, off).putInt(info + 12, size);
        le.putInt(info + 16, 0x7ffffff0).putInt(info + 20, 32);
        Path p = dir.resolve("libT.dylib");
        Files.write(p, b);
        MachOInputs.Loaded l = MachOInputs.load(t, p);
        assertThat(library(l, "libT.dylib").symCount).isEqualTo(7);
        assertThat(l.kind(l.sym("_tls"))).isEqualTo(SymbolKind.TLS_DATA);
        assertThat(l.flag(l.sym("_weakfn"), InputFile.WEAK)).isTrue();
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
        int at = findCommand(b, type);
        if (at < 0) {
            throw new AssertionError("no load command 0x" + Integer.toHexString(type));
        }
        return at;
    }

    /** {@return the file offset of the first load command of a type, or -1} */
    private static int findCommand(byte[] b, int type) {
        ByteBuffer le = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int off = 32;
        for (int i = 0, n = le.getInt(16); i < n; i++) {
            if (le.getInt(off) == type) {
                return off;
            }
            off += le.getInt(off + 4);
        }
        return -1;
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
    void edgeValuesInEveryLoadCommandWordAndTrieByteLoadOrFailWithALinkException(Target t) throws Exception {
        byte[] good = Files.readAllBytes(libA(t));
        ByteBuffer le = ByteBuffer.wrap(good).order(ByteOrder.LITTLE_ENDIAN);
        List<byte[]> changed = new java.util.ArrayList<>();
        // The header and every word of the load commands.
        for (int at = 0; at + 4 <= 32 + le.getInt(20); at += 4) {
            for (long v : new long[] {0, 1, 8, 0x7fff_ffffL, 0x8000_0000L, 0xffff_ffffL}) {
                byte[] b = good.clone();
                dev.rivet.linker.testing.FieldWrites.put(ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN), at, 4, v);
                changed.add(b);
            }
        }
        // Every byte of the export trie (LC_DYLD_INFO's, or LC_DYLD_EXPORTS_TRIE's).
        int info = findCommand(good, 0x80000022);
        int trie = info >= 0 ? le.getInt(info + 40) : le.getInt(command(good, 0x80000033) + 8);
        int trieSize = info >= 0 ? le.getInt(info + 44) : le.getInt(command(good, 0x80000033) + 12);
        for (int at = trie; at < trie + trieSize; at++) {
            for (int v : new int[] {0, 1, 0x7f, 0x80, 0xff}) {
                byte[] b = good.clone();
                b[at] = (byte) v;
                changed.add(b);
            }
        }
        Path p = dir.resolve("edge.dylib");
        int loaded = 0;
        for (byte[] b : changed) {
            Files.write(p, b);
            try {
                MachOInputs.load(t, p);
                loaded++;
            } catch (LinkException e) {
                assertThat(e.diagnostics().get(0).input()).isEqualTo(p.toString());
            }
        }
        assertThat(loaded).as("harmless changes still load").isPositive().isLessThan(changed.size());
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
