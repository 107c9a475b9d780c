package dev.rivet.linker.elf;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rivet.linker.Architecture;
import dev.rivet.linker.LinkOptions;
import dev.rivet.linker.LinkResult;
import dev.rivet.linker.Linker;
import dev.rivet.linker.Target;
import dev.rivet.linker.testing.ExternalTools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Static executables made from builder symbols: layout, headers, symbol table, and that they run. */
class StaticExecutableTest {
    @TempDir
    Path dir;

    static List<Target> targets() {
        return List.of(Target.X86_64_LINUX, Target.AARCH64_LINUX);
    }

    private Path link(Target t, LinkOptions options) {
        Linker linker = Linker.create(t, options);
        SectionsProgram.define(linker);
        Path out = dir.resolve("sections-" + t);
        linker.link(out);
        return out;
    }

    @ParameterizedTest
    @MethodSource("targets")
    void programUsingEverySectionRunsAndExitsWithComputedValue(Target t) {
        Path exe = link(t, LinkOptions.defaults());
        ExternalTools.Result r = ExternalTools.runProgram(t, exe);
        assertThat(r.exitCode()).isEqualTo(SectionsProgram.EXIT_CODE);
        assertThat(r.stdout()).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("targets")
    void segmentsArePageCongruentWithPermissionsAndTls(Target t) throws Exception {
        Path exe = link(t, LinkOptions.defaults());
        assertThat(Files.isExecutable(exe)).isTrue();
        ElfHeaders h = ElfHeaders.read(Files.readAllBytes(exe));
        assertThat(h.type()).isEqualTo(Elf.ET_EXEC);
        assertThat(h.machine()).isEqualTo(t.architecture() == Architecture.X86_64 ? Elf.EM_X86_64 : Elf.EM_AARCH64);
        List<ElfHeaders.Phdr> loads = h.ofType(Elf.PT_LOAD);
        // With -z relro (the default), TLS and relocation-only data get a writable segment of their own.
        assertThat(loads).extracting(ElfHeaders.Phdr::flags)
                .containsExactly(Elf.PF_R, Elf.PF_R | Elf.PF_X, Elf.PF_R | Elf.PF_W, Elf.PF_R | Elf.PF_W);
        long page = t.architecture() == Architecture.X86_64 ? 0x1000 : 0x10000;
        long prevEnd = 0;
        for (ElfHeaders.Phdr p : loads) {
            assertThat(p.align()).isEqualTo(page);
            assertThat(p.offset() % page).as("offset congruent to address").isEqualTo(p.vaddr() % page);
            assertThat(p.vaddr() / page).as("each segment starts on a new page").isGreaterThan((prevEnd - 1) / page);
            assertThat(p.memsz()).isGreaterThanOrEqualTo(p.filesz());
            prevEnd = p.vaddr() + p.memsz();
        }
        ElfHeaders.Phdr rx = loads.get(1);
        assertThat(h.entry()).isBetween(rx.vaddr(), rx.vaddr() + rx.memsz() - 1);
        ElfHeaders.Phdr rw = loads.get(2);
        ElfHeaders.Phdr data = loads.get(3);
        assertThat(data.memsz()).as(".bss extends the last RW segment in memory only").isGreaterThan(data.filesz());
        assertThat(h.ofType(0x6474e552)).as("PT_GNU_RELRO covers the first RW segment").singleElement()
                .satisfies(r -> assertThat(r.vaddr()).isEqualTo(rw.vaddr()))
                .satisfies(r -> assertThat(r.memsz()).isEqualTo(rw.memsz()));
        Linker norelro = Linker.create(t, LinkOptions.builder().relro(false).build());
        SectionsProgram.define(norelro);
        ElfHeaders plain = ElfHeaders.read(norelro.linkToMemory().bytes());
        assertThat(plain.ofType(Elf.PT_LOAD)).as("-z norelro: one RW segment").hasSize(3);
        assertThat(plain.ofType(0x6474e552)).isEmpty();

        List<ElfHeaders.Phdr> tls = h.ofType(Elf.PT_TLS);
        assertThat(tls).hasSize(1);
        assertThat(tls.get(0).filesz()).isEqualTo(8);          // tls_a
        assertThat(tls.get(0).memsz()).isEqualTo(32);          // tls_b at 16, 16 bytes
        assertThat(tls.get(0).align()).isEqualTo(16);
        assertThat(tls.get(0).vaddr()).isEqualTo(rw.vaddr());
        assertThat(h.ofType(Elf.PT_GNU_STACK)).singleElement().extracting(ElfHeaders.Phdr::flags)
                .isEqualTo(Elf.PF_R | Elf.PF_W);
        Linker exec = Linker.create(t, LinkOptions.builder().executableStack(true).build());
        SectionsProgram.define(exec);
        assertThat(ElfHeaders.read(exec.linkToMemory().bytes()).ofType(Elf.PT_GNU_STACK)).singleElement()
                .extracting(ElfHeaders.Phdr::flags).as("-z execstack").isEqualTo(Elf.PF_R | Elf.PF_W | Elf.PF_X);
    }

    @ParameterizedTest
    @MethodSource("targets")
    void readelfAndLlvmReadelfReportNoWarnings(Target t) {
        Path exe = link(t, LinkOptions.defaults());
        for (String tool : List.of("readelf", "llvm-readelf")) {
            ExternalTools.Result r = ExternalTools.run(List.of(ExternalTools.require(tool).toString(), "-a", "-W", exe.toString()));
            assertThat(r.exitCode()).as(tool + " exit code").isZero();
            assertThat(r.stderr()).as(tool + " stderr").isEmpty();
            assertThat(r.stdout()).as(tool + " output").doesNotContainIgnoringCase("warning");
        }
    }

    @ParameterizedTest
    @MethodSource("targets")
    void symbolTableHasBindingsTypesAndTlsOffsets(Target t) {
        Linker linker = Linker.create(t);
        SectionsProgram.define(linker);
        Path exe = dir.resolve("syms");
        LinkResult res = linker.link(exe);
        String syms = ExternalTools.run(List.of(ExternalTools.require("readelf").toString(), "-s", "-W", exe.toString())).stdout();
        assertThat(syms).containsPattern("FUNC +GLOBAL +DEFAULT +\\d+ _start\\b")
                .containsPattern("OBJECT +GLOBAL +DEFAULT +\\d+ value\\b")
                .containsPattern("OBJECT +LOCAL +DEFAULT +\\d+ static_data\\b")
                .containsPattern("FUNC +LOCAL +HIDDEN +\\d+ hidden_helper\\b")
                .containsPattern("0+ +8 TLS +GLOBAL +DEFAULT +\\d+ tls_a\\b")
                .containsPattern("0+10 +16 TLS +GLOBAL +DEFAULT +\\d+ tls_b\\b");
        assertThat(linker.loader().address(linker.loader().lookup("tls_b"))).isEqualTo(16);
        assertThat(res.address("_start")).hasValue(res.entryAddress());
        String sections = ExternalTools.run(List.of("readelf", "-S", "-W", exe.toString())).stdout();
        assertThat(sections).containsPattern("\\.tbss +NOBITS .* WAT ").containsPattern("\\.tdata +PROGBITS .* WAT ")
                .containsPattern("\\.bss +NOBITS .* WA ").containsPattern("\\.text +PROGBITS .* AX ")
                .containsPattern("\\.rodata +PROGBITS .* A ");
    }

    @ParameterizedTest
    @MethodSource("targets")
    void outputIsByteIdenticalAcrossRunsAndThreadCounts(Target t) throws Exception {
        byte[] one = Files.readAllBytes(link(t, LinkOptions.builder().threads(1).build()));
        byte[] again = Files.readAllBytes(link(t, LinkOptions.builder().threads(1).build()));
        byte[] four = Files.readAllBytes(link(t, LinkOptions.builder().threads(4).build()));
        Linker memory = Linker.create(t, LinkOptions.builder().threads(3).build());
        SectionsProgram.define(memory);
        assertThat(again).isEqualTo(one);
        assertThat(four).isEqualTo(one);
        assertThat(memory.linkToMemory().bytes()).isEqualTo(one);
    }


    @ParameterizedTest
    @MethodSource("targets")
    void threadLocalAddressesAreOffsetsEverywhereAndStayWithTheirLink(Target t) {
        Linker linker = Linker.create(t);
        SectionsProgram.define(linker);
        var ld = linker.loader();
        int tlsB = ld.lookup("tls_b");
        long[] seen = new long[1];
        int probe = ld.define("probe", dev.rivet.linker.SymbolKind.RODATA, b -> b.generator(8, o -> seen[0] = o.addressOf(tlsB)));
        ld.keep(probe);
        LinkResult first = linker.linkToMemory();
        assertThat(seen[0]).isEqualTo(16);
        assertThat(first.address("tls_b")).hasValue(16);
        assertThat(ld.address(tlsB)).isEqualTo(16);
        ld.update(tlsB, b -> b.kind(dev.rivet.linker.SymbolKind.BSS));
        linker.linkToMemory();
        assertThat(first.address("tls_b")).as("an earlier result keeps its addresses").hasValue(16);
        assertThat(ld.address(tlsB)).isGreaterThan(0x400000);
    }

    @org.junit.jupiter.api.Test
    void aSymbolIsListedInTheSectionItsAtomWasPlacedIn() {
        // An object file may put a function symbol in a data section: the symbol table must name .data.
        Linker linker = Linker.create(Target.X86_64_LINUX);
        dev.rivet.linker.core.CoreLinker core = (dev.rivet.linker.core.CoreLinker) linker;
        var sl = core.symbolLoader();
        var obj = new dev.rivet.linker.core.symbols.ObjectFile("odd.o", java.nio.ByteBuffer.wrap(new byte[] {(byte) 0xc3, 0, 0, 0}), sl.atoms);
        sl.symbols.addFile(obj);
        int atom = obj.addSection(dev.rivet.linker.SymbolKind.DATA, 4, 0, 4);
        obj.addSymbol(dev.rivet.linker.SymbolKind.TEXT, 0, atom, 0, 4);
        core.addInput(obj, new byte[][] {"code_in_data".getBytes(java.nio.charset.StandardCharsets.UTF_8)});
        int f = linker.loader().lookup("code_in_data");
        linker.loader().define("_start", dev.rivet.linker.SymbolKind.TEXT, b -> b.addAddress(f, 0));
        Path exe = dir.resolve("odd");
        linker.link(exe);
        String sections = ExternalTools.run(List.of(ExternalTools.require("readelf").toString(), "-S", "-W", exe.toString())).stdout();
        String dataIndex = sections.lines().filter(l -> l.contains(" .data ")).findFirst().orElseThrow()
                .replaceAll("^\\s*\\[\\s*(\\d+)\\].*", "$1");
        String syms = ExternalTools.run(List.of("readelf", "-s", "-W", exe.toString())).stdout();
        assertThat(syms).containsPattern("FUNC +GLOBAL +DEFAULT +" + dataIndex + " code_in_data");
    }

    @org.junit.jupiter.api.Test
    void aarch64CodeAfterOddSizedDataIsAlignedAndRuns() {
        // Without an explicit alignment, code must still land on a 4-byte boundary on AArch64.
        Linker linker = Linker.create(Target.AARCH64_LINUX);
        var ld = linker.loader();
        ld.keep(ld.define("odd", dev.rivet.linker.SymbolKind.RODATA, b -> b.addBytes(new byte[15])));
        ld.keep(ld.define("odd_code", dev.rivet.linker.SymbolKind.TEXT, b -> b.alignment(1).addBytes(new byte[] {0, 0})));
        ld.define("_start", dev.rivet.linker.SymbolKind.TEXT, b -> {
            b.addUint32(0xd2800060L); // mov x0, #3
            b.addUint32(0xd2800ba8L); // mov x8, #93
            b.addUint32(0xd4000001L); // svc #0
        });
        Path exe = dir.resolve("aligned");
        LinkResult r = linker.link(exe);
        assertThat(r.entryAddress() % 4).isZero();
        assertThat(ExternalTools.runProgram(Target.AARCH64_LINUX, exe).exitCode()).isEqualTo(3);
    }

    /** A link context of one thread, for hashing a file as a link would. */
    private static dev.rivet.linker.core.output.LinkContext oneThread(Target t) {
        var loader = new dev.rivet.linker.core.symbols.SymbolLoader(dev.rivet.linker.core.arch.Arch.of(t.architecture()), false);
        return new dev.rivet.linker.core.output.LinkContext(t, LinkOptions.builder().threads(1).build(), loader, null, () -> false);
    }

    /** The descriptor of the .note.gnu.build-id note, read from the output's section headers. */
    private static byte[] buildId(byte[] file) {
        var b = java.nio.ByteBuffer.wrap(file).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        long shoff = b.getLong(40);
        int shnum = Short.toUnsignedInt(b.getShort(60));
        int shstr = Short.toUnsignedInt(b.getShort(62));
        long strOff = b.getLong((int) (shoff + 64L * shstr + 24));
        for (int i = 0; i < shnum; i++) {
            int h = (int) (shoff + 64L * i);
            int name = b.getInt(h);
            String n = new String(file, (int) strOff + name, ".note.gnu.build-id".length(), java.nio.charset.StandardCharsets.US_ASCII);
            if (n.equals(".note.gnu.build-id") && b.getInt(h + 4) == Elf.SHT_NOTE) {
                int off = (int) b.getLong(h + 24);
                int len = b.getInt(off + 4);
                return java.util.Arrays.copyOfRange(file, off + 16, off + 16 + len);
            }
        }
        return null;
    }

    private byte[] linkWithBuildId(Target t, dev.rivet.linker.BuildId id) {
        Linker linker = Linker.create(t, LinkOptions.builder().buildId(id).build());
        SectionsProgram.define(linker);
        return linker.linkToMemory().bytes();
    }

    @ParameterizedTest
    @MethodSource("targets")
    void buildIdsAreHashesOfTheOutputOrGivenOrRandom(Target t) throws Exception {
        byte[] sha = linkWithBuildId(t, dev.rivet.linker.BuildId.sha1());
        byte[] id = buildId(sha);
        assertThat(id).hasSize(20);
        // The ID is the SHA-1 of the file with the ID's own bytes still zero, so the same inputs give the same ID.
        byte[] zeroed = sha.clone();
        int at = CompiledPrograms.indexOf(zeroed, id);
        java.util.Arrays.fill(zeroed, at, at + 20, (byte) 0);
        assertThat(id).isEqualTo(java.security.MessageDigest.getInstance("SHA-1").digest(zeroed));
        assertThat(linkWithBuildId(t, dev.rivet.linker.BuildId.sha1())).isEqualTo(sha);

        // The fast hash, likewise over the file with its own bytes zero (ChunkedDigestTest checks the hash against xxhsum).
        byte[] fast = linkWithBuildId(t, dev.rivet.linker.BuildId.fast());
        byte[] fastId = buildId(fast);
        assertThat(fastId).hasSize(20).isNotEqualTo(id);
        byte[] fastZeroed = fast.clone();
        int fastAt = CompiledPrograms.indexOf(fastZeroed, fastId);
        java.util.Arrays.fill(fastZeroed, fastAt, fastAt + 20, (byte) 0);
        assertThat(fastId).isEqualTo(dev.rivet.linker.core.output.ChunkedDigest.fast(oneThread(t), java.nio.ByteBuffer.wrap(fastZeroed), fastZeroed.length, 20));
        assertThat(linkWithBuildId(t, dev.rivet.linker.BuildId.fast())).isEqualTo(fast);

        assertThat(buildId(linkWithBuildId(t, dev.rivet.linker.BuildId.md5()))).hasSize(16);
        assertThat(buildId(linkWithBuildId(t, dev.rivet.linker.BuildId.parse("0x0102abcd")))).containsExactly(1, 2, 0xab, 0xcd);
        assertThat(buildId(linkWithBuildId(t, dev.rivet.linker.BuildId.uuid())))
                .isNotEqualTo(buildId(linkWithBuildId(t, dev.rivet.linker.BuildId.uuid())));
        assertThat(buildId(linkWithBuildId(t, dev.rivet.linker.BuildId.none()))).isNull();

        Path exe = dir.resolve("with-id");
        java.nio.file.Files.write(exe, sha);
        java.nio.file.Files.setPosixFilePermissions(exe, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        String notes = ExternalTools.run(List.of(ExternalTools.require("readelf").toString(), "-n", "-l", "-W", exe.toString())).stdout();
        assertThat(notes).contains("Build ID: " + java.util.HexFormat.of().formatHex(id)).containsPattern("NOTE +0x");
        assertThat(ExternalTools.runProgram(t, exe).exitCode()).isEqualTo(SectionsProgram.EXIT_CODE);
    }

    @ParameterizedTest
    @MethodSource("targets")
    void aLargeOutputsBuildIdHashesItsChunksDigestsTheSameWithAnyThreadCount(Target t) throws Exception {
        byte[] big = new byte[3 * 1024 * 1024 + 123];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 31 + (i >>> 11));
        }
        byte[] one = null;
        for (int threads : new int[] {1, 2, 4}) {
            Linker linker = Linker.create(t, LinkOptions.builder().buildId(dev.rivet.linker.BuildId.sha1()).threads(threads).build());
            int table = linker.loader().define("table", dev.rivet.linker.SymbolKind.RODATA, b -> b.bytes(big));
            linker.loader().define("_start", dev.rivet.linker.SymbolKind.TEXT, b -> b.bytes(new byte[16]).addAddress(table, 0));
            byte[] file = linker.linkToMemory().bytes();
            if (one == null) {
                one = file;
            } else {
                assertThat(file).isEqualTo(one);
            }
        }
        byte[] id = buildId(one);
        byte[] zeroed = one.clone();
        int at = CompiledPrograms.indexOf(zeroed, id);
        java.util.Arrays.fill(zeroed, at, at + 20, (byte) 0);
        // Over 1 MiB: the SHA-1 of the SHA-1s of each MiB, as lld and mold hash large outputs.
        java.security.MessageDigest outer = java.security.MessageDigest.getInstance("SHA-1");
        for (int from = 0; from < zeroed.length; from += 1 << 20) {
            java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-1");
            md.update(zeroed, from, Math.min(1 << 20, zeroed.length - from));
            outer.update(md.digest());
        }
        assertThat(zeroed.length).isGreaterThan(3 << 20);
        assertThat(id).isEqualTo(outer.digest());
    }
}
