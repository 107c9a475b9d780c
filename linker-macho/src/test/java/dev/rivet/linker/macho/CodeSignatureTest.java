package dev.rivet.linker.macho;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rivet.linker.Target;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The ad-hoc code signature: its structure, its page hashes, and byte equality with what ld64.lld writes. */
class CodeSignatureTest {
    @TempDir
    Path dir;

    /** The fields of a signature blob, read back big-endian. */
    record Blob(int magic, int length, int count, int slotType, int slotOffset, int cdMagic, int cdLength, int version,
                int flags, int hashOffset, int identOffset, int nSpecialSlots, int nCodeSlots, int codeLimit, int hashSize,
                int hashType, int platform, int pageShift, long execSegBase, long execSegLimit, long execSegFlags, String identifier) {
        static Blob read(byte[] file, int at) {
            ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.BIG_ENDIAN);
            int cd = at + b.getInt(at + 16);
            int ident = cd + b.getInt(cd + 20);
            int end = ident;
            while (file[end] != 0) {
                end++;
            }
            return new Blob(b.getInt(at), b.getInt(at + 4), b.getInt(at + 8), b.getInt(at + 12), b.getInt(at + 16),
                    b.getInt(cd), b.getInt(cd + 4), b.getInt(cd + 8), b.getInt(cd + 12), b.getInt(cd + 16), b.getInt(cd + 20),
                    b.getInt(cd + 24), b.getInt(cd + 28), b.getInt(cd + 32), file[cd + 36] & 0xff, file[cd + 37] & 0xff,
                    file[cd + 38] & 0xff, file[cd + 39] & 0xff, b.getLong(cd + 64), b.getLong(cd + 72), b.getLong(cd + 80),
                    new String(file, ident, end - ident, StandardCharsets.US_ASCII));
        }
    }

    private static byte[] sign(byte[] code, String id, long textOff, long textSize, boolean main) {
        return sign(null, 1, code, id, textOff, textSize, main);
    }

    /** Signs on a link context of the given threads (an executor, or none for the calling thread). */
    private static byte[] sign(java.util.concurrent.ExecutorService executor, int threads, byte[] code, String id, long textOff,
                               long textSize, boolean main) {
        var loader = new dev.rivet.linker.core.symbols.SymbolLoader(dev.rivet.linker.core.arch.Arch.of(Target.ARM64_MACOS.architecture()), false);
        var ctx = new dev.rivet.linker.core.output.LinkContext(Target.ARM64_MACOS,
                dev.rivet.linker.LinkOptions.builder().threads(threads).build(), loader, executor, () -> false);
        int size = CodeSignature.size(id, code.length);
        byte[] file = Arrays.copyOf(code, code.length + size);
        CodeSignature.write(ctx, ByteBuffer.wrap(file), code.length, id, textOff, textSize, main);
        return file;
    }

    @ParameterizedTest
    @CsvSource({"0, a", "1, a.out", "4096, hello", "12388, a-much-longer-identifier-for-padding", "65537, x"})
    void theBlobHasTheAdHocStructureAndTheHashesOfEveryPage(int codeSize, String id) throws Exception {
        byte[] code = new byte[codeSize];
        new Random(codeSize).nextBytes(code);
        byte[] file = sign(code, id, 0, 0x4000, true);
        Blob b = Blob.read(file, codeSize);
        int pages = (codeSize + 4095) / 4096;
        int headers = (112 + id.length() + 1 + 15) & ~15;
        assertThat(b.magic()).isEqualTo(0xfade0cc0);
        assertThat(b.length()).isEqualTo(CodeSignature.size(id, codeSize)).isEqualTo((headers + pages * 32 + 15) & ~15);
        assertThat(b.count()).isEqualTo(1);
        assertThat(b.slotType()).isZero();
        assertThat(b.slotOffset()).isEqualTo(24);
        assertThat(b.cdMagic()).isEqualTo(0xfade0c02);
        assertThat(b.cdLength()).isEqualTo(b.length() - 24);
        assertThat(b.version()).isEqualTo(0x20400);
        assertThat(b.flags()).isEqualTo(0x20002);
        assertThat(b.identOffset()).isEqualTo(88);
        assertThat(b.hashOffset()).isEqualTo(headers - 24);
        assertThat(b.nSpecialSlots()).isZero();
        assertThat(b.nCodeSlots()).isEqualTo(pages);
        assertThat(b.codeLimit()).isEqualTo(codeSize);
        assertThat(b.hashSize()).isEqualTo(32);
        assertThat(b.hashType()).isEqualTo(2);
        assertThat(b.pageShift()).isEqualTo(12);
        assertThat(b.execSegBase()).isZero();
        assertThat(b.execSegLimit()).isEqualTo(0x4000);
        assertThat(b.execSegFlags()).isEqualTo(1);
        assertThat(b.identifier()).isEqualTo(id);
        for (int p = 0; p < pages; p++) {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(file, p * 4096, Math.min(4096, codeSize - p * 4096));
            int slot = codeSize + 24 + b.hashOffset() + p * 32;
            assertThat(Arrays.copyOfRange(file, slot, slot + 32)).as("page %d", p).isEqualTo(sha.digest());
        }
    }

    /** Pages are hashed a MiB of them at a time on the link's threads: every page's hash, whatever the thread count. */
    @Test
    void theBytesDoNotDependOnThreads() throws Exception {
        byte[] code = new byte[(2 << 20) + 5];
        new Random(5).nextBytes(code);
        byte[] first = sign(code, "lib.dylib", 0, 0x8000, false);
        int pages = (code.length + 4095) / 4096;
        int hashes = code.length + Blob.read(first, code.length).slotOffset() + Blob.read(first, code.length).hashOffset();
        for (int p = 0; p < pages; p++) {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(code, p * 4096, Math.min(4096, code.length - p * 4096));
            assertThat(Arrays.copyOfRange(first, hashes + p * 32, hashes + p * 32 + 32)).as("page %d", p).isEqualTo(sha.digest());
        }
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(3);
        try {
            assertThat(sign(pool, 3, code, "lib.dylib", 0, 0x8000, false)).isEqualTo(first);
        } finally {
            pool.shutdownNow();
        }
        assertThat(Blob.read(first, code.length).execSegFlags()).isZero();
    }

    private static long field(String headers, String regex) {
        Matcher m = Pattern.compile(regex, Pattern.DOTALL).matcher(headers);
        assertThat(m.find()).as(regex + " in\n" + headers).isTrue();
        String v = m.group(1);
        return v.startsWith("0x") ? Long.parseLong(v.substring(2), 16) : Long.parseLong(v);
    }

    /** Signs the bytes of ld64.lld's output before its signature and compares the signature with lld's, byte for byte. */
    @ParameterizedTest
    @CsvSource({"arm64, exe, ''", "arm64, dylib, ''", "x86_64, exe, -adhoc_codesign"})
    void matchesLd64LldByteForByte(String arch, String kind, String extra) throws Exception {
        Target t = arch.equals("arm64") ? Target.ARM64_MACOS : Target.X86_64_MACOS;
        StringBuilder big = new StringBuilder("static const char filler[20000] = {1};\n");
        big.append("const char *keep(void) { return filler; }\nint main(void) { return 0; }\n");
        Path obj = MachOInputs.compile(t, dir, "prog", big.toString());
        boolean dylib = kind.equals("dylib");
        Path out = dir.resolve(dylib ? "libprog.dylib" : "prog");
        List<String> options = new java.util.ArrayList<>();
        if (dylib) {
            options.addAll(List.of("-dylib", "-install_name", "/usr/lib/libprog.dylib"));
        }
        if (!extra.isEmpty()) {
            options.add(extra);
        }
        MachOInputs.linkWithLld(t, out, options, obj);
        String headers = MachOInputs.objdump(out, "--private-headers");
        int dataoff = (int) field(headers, "cmd LC_CODE_SIGNATURE\\s+cmdsize \\d+\\s+dataoff (\\d+)");
        int datasize = (int) field(headers, "cmd LC_CODE_SIGNATURE\\s+cmdsize \\d+\\s+dataoff \\d+\\s+datasize (\\d+)");
        long textOff = field(headers, "segname __TEXT\\s+vmaddr \\S+\\s+vmsize \\S+\\s+fileoff (\\d+)");
        long textSize = field(headers, "segname __TEXT\\s+vmaddr \\S+\\s+vmsize \\S+\\s+fileoff \\d+\\s+filesize (\\d+)");
        byte[] lld = Files.readAllBytes(out);
        String id = out.getFileName().toString();
        assertThat(CodeSignature.size(id, dataoff)).isEqualTo(datasize);
        byte[] ours = sign(Arrays.copyOf(lld, dataoff), id, textOff, textSize, !dylib);
        assertThat(Blob.read(ours, dataoff)).isEqualTo(Blob.read(lld, dataoff));
        assertThat(Arrays.copyOfRange(ours, dataoff, dataoff + datasize)).isEqualTo(Arrays.copyOfRange(lld, dataoff, dataoff + datasize));
    }
}
