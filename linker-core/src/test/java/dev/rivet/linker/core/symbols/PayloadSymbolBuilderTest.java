package dev.rivet.linker.core.symbols;

import static dev.rivet.linker.testing.FlatTestFormat.read;
import static dev.rivet.linker.testing.FlatTestFormat.readInt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rivet.linker.LinkOptions;
import dev.rivet.linker.Linker;
import dev.rivet.linker.Loader;
import dev.rivet.linker.RelocationKind;
import dev.rivet.linker.SymbolKind;
import dev.rivet.linker.Target;
import org.junit.jupiter.api.Test;

/** What {@link dev.rivet.linker.SymbolBuilder} accepts and rejects, and the content it builds. */
class PayloadSymbolBuilderTest {
    private final Linker linker = Linker.create(Target.X86_64_LINUX, LinkOptions.builder().threads(1).build());
    private final Loader ld = linker.loader();

    private byte[] linkKeeping(int s) {
        ld.keep(s);
        if (ld.lookup("_start") == 0) {
            ld.define("_start", SymbolKind.TEXT, b -> b.addUint8(0xc3));
        }
        return linker.linkToMemory().bytes();
    }

    @Test
    void negativeSizeIsRejectedNamingTheSymbol() {
        assertThatThrownBy(() -> ld.define("negative_one", SymbolKind.DATA, b -> b.size(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("negative_one")
                .hasMessageContaining("-1");
    }

    @Test
    void negativeGeneratorSizeIsRejectedNamingTheSymbol() {
        assertThatThrownBy(() -> ld.define("gen", SymbolKind.DATA, b -> b.generator(-8, out -> { })))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("gen");
    }

    @Test
    void relocationOutsideTheSymbolIsRejectedNamingSymbolAndOffset() {
        int t = ld.define("t", SymbolKind.DATA, b -> b.bytes(new byte[8]));
        assertThatThrownBy(() -> ld.define("short_one", SymbolKind.DATA, b -> {
            b.addUint32(0);
            b.relocation(2, RelocationKind.ABSOLUTE_32, t, 0); // bytes 2..5 of a 4-byte symbol
        })).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("short_one")
                .hasMessageContaining("offset 2");
    }

    @Test
    void relocationAtNegativeOffsetIsRejected() {
        int t = ld.define("t", SymbolKind.DATA, b -> b.bytes(new byte[8]));
        assertThatThrownBy(() -> ld.define("s", SymbolKind.DATA, b -> {
            b.addUint64(0);
            b.relocation(-4, RelocationKind.ABSOLUTE_32, t, 0);
        }))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'s'")
                .hasMessageContaining("-4");
    }

    @Test
    void truncatingOverARelocationIsRejected() {
        int t = ld.define("t", SymbolKind.DATA, b -> b.bytes(new byte[8]));
        assertThatThrownBy(() -> ld.define("cut", SymbolKind.DATA, b -> {
            b.addAddress(t, 0);
            b.size(4);
        })).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cut");
    }

    @Test
    void relocationToNoSymbolIsRejected() {
        assertThatThrownBy(() -> ld.define("s", SymbolKind.DATA, b -> b.addAddress(0, 0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'s'");
        assertThatThrownBy(() -> ld.define("s2", SymbolKind.DATA, b -> b.addAddress(ld.symbolCount() + 5, 0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'s2'");
    }

    @Test
    void pageRelocationsDoNotExistOnX86() {
        int t = ld.define("t", SymbolKind.DATA, b -> b.bytes(new byte[8]));
        assertThatThrownBy(() -> ld.define("adrp_user", SymbolKind.TEXT, b -> b.relocation(b.addUint32(0x90000000L), RelocationKind.PAGE, t, 0)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("PAGE")
                .hasMessageContaining("x86_64")
                .hasMessageContaining("adrp_user");
        assertThatThrownBy(() -> ld.define("lo12_user", SymbolKind.TEXT, b -> b.relocation(b.addUint32(0x91000000L), RelocationKind.PAGE_OFFSET, t, 0)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("PAGE_OFFSET");
    }

    @Test
    void pageRelocationsExistOnArm64() {
        Loader arm = Linker.create(Target.AARCH64_LINUX).loader();
        int t = arm.define("t", SymbolKind.DATA, b -> b.bytes(new byte[8]));
        int s = arm.define("adrp_user", SymbolKind.TEXT, b -> {
            b.relocation(b.addUint32(0x90000000L), RelocationKind.PAGE, t, 0);
            b.relocation(b.addUint32(0x91000000L), RelocationKind.PAGE_OFFSET, t, 0);
        });
        assertThat(arm.size(s)).isEqualTo(8);
    }

    @Test
    void alignmentMustBeAPowerOfTwoInRange() {
        assertThatThrownBy(() -> ld.define("a3", SymbolKind.DATA, b -> b.alignment(3)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a3");
        assertThatThrownBy(() -> ld.define("a0", SymbolKind.DATA, b -> b.alignment(0)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ld.define("a31", SymbolKind.DATA, b -> b.alignment(1 << 31)))
                .isInstanceOf(IllegalArgumentException.class);
        ld.define("a30", SymbolKind.BSS, b -> b.alignment(1 << 30));
    }

    @Test
    void contentOver2GiBNeedsAGenerator() {
        assertThatThrownBy(() -> ld.define("huge_data", SymbolKind.DATA, b -> b.size(3L << 30)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("huge_data")
                .hasMessageContaining("generator");
        int bss = ld.define("huge_bss", SymbolKind.BSS, b -> b.size(3L << 30));
        int gen = ld.define("huge_gen", SymbolKind.RODATA, b -> b.generator(3L << 30, out -> { }));
        assertThat(ld.size(bss)).isEqualTo(3L << 30);
        assertThat(ld.size(gen)).isEqualTo(3L << 30);
    }

    @Test
    void valueNeedsAnAbsoluteSymbol() {
        assertThatThrownBy(() -> ld.define("d", SymbolKind.DATA, b -> b.value(1)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("'d'");
    }

    @Test
    void absoluteSymbolsHaveNoContent() {
        assertThatThrownBy(() -> ld.define("abs", SymbolKind.ABSOLUTE, b -> b.value(5).addUint8(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("abs");
    }

    @Test
    void bssWithNonZeroBytesIsRejected() {
        assertThatThrownBy(() -> ld.define("zero", SymbolKind.BSS, b -> b.addUint8(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("zero");
    }

    @Test
    void generatedSymbolsCannotHaveBytesOrRelocations() {
        int t = ld.define("t", SymbolKind.DATA, b -> b.bytes(new byte[8]));
        assertThatThrownBy(() -> ld.define("g1", SymbolKind.DATA, b -> b.generator(8, out -> { }).addUint8(1)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("g1");
        assertThatThrownBy(() -> ld.define("g2", SymbolKind.DATA, b -> b.generator(8, out -> { }).relocation(0, RelocationKind.ABSOLUTE_64, t, 0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("g2");
    }

    @Test
    void appendersReturnOffsetsAndWriteLittleEndian() {
        long[] offs = new long[5];
        int s = ld.define("mix", SymbolKind.RODATA, b -> {
            offs[0] = b.addUint8(0x11);
            offs[1] = b.addUint16(0x2233);
            offs[2] = b.addUint32(0x44556677L);
            offs[3] = b.addUint64(0x0102030405060708L);
            offs[4] = b.addBytes(new byte[] {(byte) 0xee});
        });
        assertThat(offs).containsExactly(0, 1, 3, 7, 15);
        assertThat(ld.size(s)).isEqualTo(16);
        byte[] out = linkKeeping(s);
        assertThat(read(out, ld.address(s), 16)).containsExactly(
                0x11, 0x33, 0x22, 0x77, 0x66, 0x55, 0x44, 8, 7, 6, 5, 4, 3, 2, 1, 0xee);
    }

    @Test
    void sizePadsWithZerosAndTruncates() {
        int padded = ld.define("padded", SymbolKind.RODATA, b -> b.bytes(new byte[] {1, 2}).size(6));
        int cut = ld.define("cut", SymbolKind.RODATA, b -> b.bytes(new byte[] {1, 2, 3, 4, 5, 6}).size(3));
        assertThat(ld.size(padded)).isEqualTo(6);
        assertThat(ld.size(cut)).isEqualTo(3);
        ld.keep(cut);
        byte[] out = linkKeeping(padded);
        assertThat(read(out, ld.address(padded), 6)).containsExactly(1, 2, 0, 0, 0, 0);
        assertThat(read(out, ld.address(cut), 3)).containsExactly(1, 2, 3);
    }

    @Test
    void appendAfterPaddingGoesAfterThePadding() {
        long[] at = new long[1];
        int s = ld.define("header", SymbolKind.RODATA, b -> {
            b.size(16);
            at[0] = b.addUint32(0xAABBCCDDL);
        });
        assertThat(at[0]).isEqualTo(16);
        assertThat(ld.size(s)).isEqualTo(20);
    }

    @Test
    void bytesReplacesTheContent() {
        int s = ld.define("r", SymbolKind.RODATA, b -> {
            b.addUint64(-1);
            b.bytes(new byte[] {7, 7});
        });
        assertThat(ld.size(s)).isEqualTo(2);
        assertThat(read(linkKeeping(s), ld.address(s), 2)).containsExactly(7, 7);
    }

    @Test
    void x86BranchStoresTheDisplacementFromTheNextInstruction() {
        int callee = ld.define("callee", SymbolKind.TEXT, b -> b.addUint8(0xc3));
        int start = ld.define("_start", SymbolKind.TEXT, b -> {
            b.addUint8(0xe8); // call rel32
            b.relocation(b.addUint32(0), RelocationKind.BRANCH, callee, 0);
        });
        byte[] out = linker.linkToMemory().bytes();
        long p = ld.address(start) + 1;
        assertThat(readInt(out, p)).isEqualTo((int) (ld.address(callee) - (p + 4)));
    }

    @Test
    void x86PcRelativeUsesTheGivenAddend() {
        int data = ld.define("data", SymbolKind.DATA, b -> b.bytes(new byte[16]));
        int start = ld.define("_start", SymbolKind.TEXT, b -> {
            b.addBytes(new byte[] {0x48, (byte) 0x8d, 0x05}); // lea rax, [rip + disp32]
            b.relocation(b.addUint32(0), RelocationKind.PC_RELATIVE_32, data, -4 + 8);
        });
        byte[] out = linker.linkToMemory().bytes();
        long p = ld.address(start) + 3;
        assertThat(readInt(out, p)).isEqualTo((int) (ld.address(data) + 8 - (p + 4)));
    }

    @Test
    void theBuilderIsReusableAfterAFailedDefinition() {
        assertThatThrownBy(() -> ld.define("bad", SymbolKind.DATA, b -> {
            b.addUint64(0x1111_1111_1111_1111L);
            b.local();
            b.size(-3);
        })).isInstanceOf(IllegalArgumentException.class);
        int ok = ld.define("good", SymbolKind.DATA, b -> b.addUint8(5));
        assertThat(ld.size(ok)).isEqualTo(1);
        assertThat(ld.isLocal(ok)).isFalse();
        assertThat(ld.isDefined(ld.lookupOrCreate("bad"))).isFalse();
        assertThat(read(linkKeeping(ok), ld.address(ok), 1)).containsExactly(5);
    }

    @Test
    void aBodyMayDefineOtherSymbols() {
        int outer = ld.define("outer", SymbolKind.DATA, b -> {
            b.addUint32(0xAAAAAAAAL);
            int inner = ld.define("inner", SymbolKind.RODATA, ib -> ib.addUint16(0x4242));
            b.addAddress(inner, 0);
        });
        int inner = ld.lookup("inner");
        assertThat(ld.size(outer)).isEqualTo(12);
        assertThat(ld.size(inner)).isEqualTo(2);
        byte[] out = linkKeeping(outer);
        assertThat(readInt(out, ld.address(outer))).isEqualTo(0xAAAAAAAA);
        assertThat(read(out, ld.address(inner), 2)).containsExactly(0x42, 0x42);
        assertThat(dev.rivet.linker.testing.FlatTestFormat.readLong(out, ld.address(outer) + 4)).isEqualTo(ld.address(inner));
    }
}
