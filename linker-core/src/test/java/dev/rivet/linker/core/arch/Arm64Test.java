package dev.rivet.linker.core.arch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rivet.linker.Architecture;
import dev.rivet.linker.RelocationKind;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/**
 * {@link Arm64}: instruction patching, checked against instruction words computed by hand from
 * the Arm ARM encodings.
 */
class Arm64Test {
    private final Arch arm = Arch.of(Architecture.AARCH64);

    private static ByteBuffer insn(long word) {
        ByteBuffer b = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, 0x5a5a5a5a);
        b.putInt(4, (int) word);
        b.putInt(8, 0x5a5a5a5a);
        return b;
    }

    private String apply(ByteBuffer b, int op, long s, long a, long p) {
        String r = arm.apply(b, 4, op, s, a, p);
        assertThat(b.getInt(0)).isEqualTo(0x5a5a5a5a);
        assertThat(b.getInt(8)).isEqualTo(0x5a5a5a5a);
        return r;
    }

    // ---- branches ----

    @Test
    void call26ForwardByEightIsBl2() {
        ByteBuffer b = insn(0x94000000L); // bl .
        assertThat(apply(b, Arm64.CALL26, 0x10008, 0, 0x10000)).isNull();
        assertThat(b.getInt(4)).isEqualTo(0x94000002);
    }

    @Test
    void call26BackwardsByFour() {
        ByteBuffer b = insn(0x94000000L);
        assertThat(apply(b, Arm64.CALL26, 0x10000 - 4, 0, 0x10000)).isNull();
        assertThat(b.getInt(4)).isEqualTo(0x97FFFFFF);
    }

    @Test
    void jump26KeepsTheBOpcode() {
        ByteBuffer b = insn(0x17FFFFFFL); // b .-4, to be repatched
        assertThat(apply(b, Arm64.JUMP26, 0x2000, 0x10, 0x1000)).isNull();
        assertThat(b.getInt(4)).isEqualTo(0x14000000 | (0x1010 >> 2));
    }

    @Test
    void call26ReachIsPlusMinus128MiB() {
        long p = 0x1000_0000L;
        assertThat(apply(insn(0x94000000L), Arm64.CALL26, p + (1L << 27) - 4, 0, p)).isNull();
        assertThat(apply(insn(0x94000000L), Arm64.CALL26, p - (1L << 27), 0, p)).isNull();
        ByteBuffer b = insn(0x94000000L);
        assertThat(apply(b, Arm64.CALL26, p + (1L << 27), 0, p)).isNotNull().contains("out of range");
        assertThat(b.getInt(4)).isEqualTo(0x94000000);
        assertThat(apply(insn(0x94000000L), Arm64.CALL26, p - (1L << 27) - 4, 0, p)).isNotNull();
    }

    @Test
    void call26ToAMisalignedTargetIsRejected() {
        ByteBuffer b = insn(0x94000000L);
        assertThat(apply(b, Arm64.CALL26, 0x10006, 0, 0x10000)).isNotNull().contains("multiple of 4");
        assertThat(b.getInt(4)).isEqualTo(0x94000000);
    }

    // ---- adrp ----

    @Test
    void adrpPlacesImmloAndImmhi() {
        // adrp x3, . + 0x12000: imm = 0x12 = 0b10010 -> immlo = 0b10 (bits 30:29), immhi = 0b100 (bits 23:5)
        ByteBuffer b = insn(0x90000003L);
        assertThat(apply(b, Arm64.ADR_PREL_PG_HI21, 0x412345, 0, 0x400010)).isNull();
        assertThat(b.getInt(4)).isEqualTo(0xD0000083);
    }

    @Test
    void adrpUsesPagesOfTargetPlusAddendAndPlace() {
        // S + A = 0x400ffc + 4 = 0x401000: one page above P's page 0x400000 -> imm = 1 -> immlo = 1
        ByteBuffer b = insn(0x90000000L);
        assertThat(apply(b, Arm64.ADR_PREL_PG_HI21, 0x400ffc, 4, 0x400ff8)).isNull();
        assertThat(b.getInt(4)).isEqualTo(0xB0000000);
    }

    @Test
    void adrpToALowerPageIsNegative() {
        // one page down: imm = -1 -> immlo = 0b11, immhi = all ones (0x7ffff)
        ByteBuffer b = insn(0x90000000L);
        assertThat(apply(b, Arm64.ADR_PREL_PG_HI21, 0x3ff000, 0, 0x400000)).isNull();
        assertThat(b.getInt(4)).isEqualTo(0xF0FFFFE0);
    }

    @Test
    void adrpClearsAnOldImmediate() {
        ByteBuffer b = insn(0xF0FFFFE1L); // adrp x1 with imm -1
        assertThat(apply(b, Arm64.ADR_PREL_PG_HI21, 0x400000, 0, 0x400000)).isNull();
        assertThat(b.getInt(4)).isEqualTo(0x90000001);
    }

    @Test
    void adrpReachIsPlusMinus4GiB() {
        long p = 0x1_0000_0000L;
        assertThat(apply(insn(0x90000000L), Arm64.ADR_PREL_PG_HI21, p + (1L << 32) - 0x1000, 0, p)).isNull();
        assertThat(apply(insn(0x90000000L), Arm64.ADR_PREL_PG_HI21, p - (1L << 32), 0, p)).isNull();
        ByteBuffer b = insn(0x90000000L);
        assertThat(apply(b, Arm64.ADR_PREL_PG_HI21, p + (1L << 32), 0, p)).isNotNull().contains("out of range");
        assertThat(b.getInt(4)).isEqualTo(0x90000000);
    }

    // ---- low 12 bits ----

    @Test
    void addAbsLo12PutsTheLow12BitsInImm12() {
        ByteBuffer b = insn(0x91000020L); // add x0, x1, #0
        assertThat(apply(b, Arm64.ADD_ABS_LO12_NC, 0x412345, 0, 0)).isNull();
        assertThat(b.getInt(4)).isEqualTo(0x91000020 | (0x345 << 10));
    }

    @Test
    void addAbsLo12ReplacesAnOldImmediate() {
        ByteBuffer b = insn(0x913FFC20L); // add x0, x1, #0xfff
        assertThat(apply(b, Arm64.ADD_ABS_LO12_NC, 0x1001, 0, 0)).isNull();
        assertThat(b.getInt(4)).isEqualTo(0x91000420);
    }

    @Test
    void ldst64ScalesByEight() {
        ByteBuffer b = insn(0xF9400020L); // ldr x0, [x1]
        assertThat(apply(b, Arm64.LDST64_ABS_LO12_NC, 0x412348, 0, 0)).isNull();
        assertThat(b.getInt(4)).isEqualTo(0xF9400020 | ((0x348 >> 3) << 10));
    }

    @Test
    void ldst64RejectsAMisalignedAddress() {
        ByteBuffer b = insn(0xF9400020L);
        assertThat(apply(b, Arm64.LDST64_ABS_LO12_NC, 0x412344, 0, 0)).isNotNull().contains("aligned").contains("8");
        assertThat(b.getInt(4)).isEqualTo(0xF9400020);
    }

    @Test
    void ldstOfEachWidthScales() {
        long v = 0x10FF0; // low 12 bits 0xff0: a multiple of 16
        int[] ops = {Arm64.LDST8_ABS_LO12_NC, Arm64.LDST16_ABS_LO12_NC, Arm64.LDST32_ABS_LO12_NC,
            Arm64.LDST64_ABS_LO12_NC, Arm64.LDST128_ABS_LO12_NC};
        for (int scale = 0; scale < ops.length; scale++) {
            ByteBuffer b = insn(0x39400020L);
            assertThat(apply(b, ops[scale], v, 0, 0)).isNull();
            assertThat(b.getInt(4)).as("scale %d", scale).isEqualTo(0x39400020 | ((0xff0 >> scale) << 10));
        }
        assertThat(apply(insn(0x79400020L), Arm64.LDST16_ABS_LO12_NC, 0x1001, 0, 0)).isNotNull();
        assertThat(apply(insn(0x3DC00020L), Arm64.LDST128_ABS_LO12_NC, 0x1008, 0, 0)).isNotNull();
    }

    @Test
    void anyLo12DecodesAdd() {
        ByteBuffer b = insn(0x91000020L); // add x0, x1, #0
        assertThat(apply(b, Arm64.ABS_LO12_ANY, 0x2fff, 0, 0)).isNull();
        assertThat(b.getInt(4)).isEqualTo(0x91000020 | (0xfff << 10));
    }

    @Test
    void anyLo12DecodesLdrXAs64Bit() {
        ByteBuffer b = insn(0xF9400020L); // ldr x0, [x1]
        assertThat(apply(b, Arm64.ABS_LO12_ANY, 0x2ff8, 0, 0)).isNull();
        assertThat(b.getInt(4)).isEqualTo(0xF9400020 | ((0xff8 >> 3) << 10));
        assertThat(apply(insn(0xF9400020L), Arm64.ABS_LO12_ANY, 0x2ff4, 0, 0)).isNotNull();
    }

    @Test
    void anyLo12DecodesLdrWAs32Bit() {
        ByteBuffer b = insn(0xB9400020L); // ldr w0, [x1]
        assertThat(apply(b, Arm64.ABS_LO12_ANY, 0x2ff4, 0, 0)).isNull();
        assertThat(b.getInt(4)).isEqualTo(0xB9400020 | ((0xff4 >> 2) << 10));
        assertThat(apply(insn(0xB9400020L), Arm64.ABS_LO12_ANY, 0x2ff2, 0, 0)).isNotNull();
    }

    @Test
    void anyLo12DecodesLdrbAsBytes() {
        ByteBuffer b = insn(0x39400020L); // ldrb w0, [x1]
        assertThat(apply(b, Arm64.ABS_LO12_ANY, 0x2fff, 0, 0)).isNull();
        assertThat(b.getInt(4)).isEqualTo(0x39400020 | (0xfff << 10));
    }

    @Test
    void anyLo12DecodesLdrhAsHalfwords() {
        ByteBuffer b = insn(0x79400020L); // ldrh w0, [x1]
        assertThat(apply(b, Arm64.ABS_LO12_ANY, 0x2ffe, 0, 0)).isNull();
        assertThat(b.getInt(4)).isEqualTo(0x79400020 | ((0xffe >> 1) << 10));
    }

    @Test
    void anyLo12DecodesLdrQAs128Bit() {
        ByteBuffer b = insn(0x3DC00020L); // ldr q0, [x1]
        assertThat(apply(b, Arm64.ABS_LO12_ANY, 0x2ff0, 0, 0)).isNull();
        assertThat(b.getInt(4)).isEqualTo(0x3DC00020 | ((0xff0 >> 4) << 10));
        assertThat(apply(insn(0x3DC00020L), Arm64.ABS_LO12_ANY, 0x2ff8, 0, 0)).isNotNull().contains("16");
    }

    @Test
    void anyLo12DecodesLdrDAs64Bit() {
        ByteBuffer b = insn(0xFD400020L); // ldr d0, [x1]
        assertThat(apply(b, Arm64.ABS_LO12_ANY, 0x2ff8, 0, 0)).isNull();
        assertThat(b.getInt(4)).isEqualTo(0xFD400020 | ((0xff8 >> 3) << 10));
    }

    @Test
    void anyLo12DecodesStrX() {
        ByteBuffer b = insn(0xF9000020L); // str x0, [x1]
        assertThat(apply(b, Arm64.ABS_LO12_ANY, 0x10, 0, 0)).isNull();
        assertThat(b.getInt(4)).isEqualTo(0xF9000020 | ((0x10 >> 3) << 10));
    }

    @Test
    void anyLo12RejectsOtherInstructions() {
        ByteBuffer b = insn(0xD503201FL); // nop
        assertThat(apply(b, Arm64.ABS_LO12_ANY, 0x10, 0, 0)).isNotNull().contains("d503201f");
        assertThat(b.getInt(4)).isEqualTo(0xD503201F);
    }

    // ---- data ----

    @Test
    void dataRelocations() {
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(arm.apply(b, 0, Arm64.ABS64, 0x1234_5678_9abcL, 4, 0)).isNull();
        assertThat(b.getLong(0)).isEqualTo(0x1234_5678_9ac0L);
        assertThat(arm.apply(b, 8, Arm64.PREL64, 0x1000, 0, 0x3000)).isNull();
        assertThat(b.getLong(8)).isEqualTo(-0x2000);
        assertThat(arm.apply(b, 0, Arm64.ABS32, 0xFFFF_FFFFL, 0, 0)).isNull();
        assertThat(b.getInt(0)).isEqualTo(-1);
        assertThat(arm.apply(b, 0, Arm64.ABS32, 0x1_0000_0000L, 0, 0)).isNotNull();
        assertThat(arm.apply(b, 0, Arm64.PREL32, 0x1000, 0, 0x1010)).isNull();
        assertThat(b.getInt(0)).isEqualTo(-0x10);
        assertThat(arm.apply(b, 0, Arm64.PREL32, 0, 0, 0x8000_0001L)).isNotNull();
    }

    @Test
    void builderKindsMapOntoOperations() {
        assertThat(arm.architecture()).isEqualTo(Architecture.AARCH64);
        assertThat(arm.builderOp(RelocationKind.BRANCH)).isEqualTo(Arm64.CALL26);
        assertThat(arm.builderOp(RelocationKind.PAGE)).isEqualTo(Arm64.ADR_PREL_PG_HI21);
        assertThat(arm.builderOp(RelocationKind.PAGE_OFFSET)).isEqualTo(Arm64.ABS_LO12_ANY);
        assertThat(arm.builderOp(RelocationKind.PC_RELATIVE_32)).isEqualTo(Arm64.PREL32);
        assertThat(arm.builderAddend(RelocationKind.BRANCH, 0)).isZero();
        assertThat(arm.opName(Arm64.CALL26)).isEqualTo("R_AARCH64_CALL26");
        assertThat(arm.apply(insn(0), 4, 99, 0, 0, 0)).isNotNull().contains("99");
        for (RelocationKind k : RelocationKind.values()) {
            assertThat(arm.width(arm.builderOp(k))).as(k.name()).isEqualTo(k.width());
        }
    }

    // ---- thread-locals in dynamic outputs ----

    @Test
    void descriptorsAreKeptInLibrariesAndRelaxedToInitialExecInPrograms() {
        assertThat(arm.tlsOperation(Arm64.TLSDESC_ADR_PAGE21, Arch.TLS_SHARED)).isEqualTo(Arm64.TLSDESC_PAGE_GOT);
        assertThat(arm.tlsOperation(Arm64.TLSDESC_CALL, Arch.TLS_SHARED)).isEqualTo(Arm64.TLSDESC_CALL_KEEP);
        assertThat(arm.tlsOperation(Arm64.TLSDESC_LD64_LO12, Arch.TLS_INITIAL_EXEC)).isEqualTo(Arm64.TLSDESC_LD64_IE);
        assertThat(arm.tlsOperation(Arm64.TLSIE_ADR_GOTTPREL_PAGE21, Arch.TLS_INITIAL_EXEC)).isEqualTo(Arm64.TLSIE_PAGE_GOT);
        assertThat(arm.tlsOperation(Arm64.TLSDESC_ADR_PAGE21, Arch.TLS_LOCAL_EXEC)).isEqualTo(Arm64.TLSDESC_ADR_PAGE21);
        assertThat(arm.tlsGotEntry(Arm64.TLSDESC_ADD_GOT)).isEqualTo(Arch.TLS_GOT_DESC);
        assertThat(arm.tlsGotEntry(Arm64.TLSDESC_PAGE_IE)).isEqualTo(Arch.TLS_GOT_IE);
        assertThat(arm.tlsGotEntry(Arm64.TLSDESC_CALL_KEEP)).isEqualTo(Arch.TLS_GOT_NONE);
        assertThat(arm.relocationClass(Arm64.TLSDESC_CALL_IE)).isEqualTo(Arch.CLASS_TLS);
        assertThat(arm.isThreadPointerRelative(Arm64.TLSDESC_PAGE_GOT)).isFalse();

        long p = 0x10_0004;
        long slot = 0x12_3458;
        ByteBuffer b = insn(0x90000000); // adrp x0, 0
        assertThat(arm.apply(b, 4, Arm64.TLSDESC_PAGE_GOT, 0, 0, p, slot)).isNull();
        assertThat(b.getInt(4)).isEqualTo(adrp(0, 0x23));
        b = insn(0xf9400001); // ldr x1, [x0]
        assertThat(arm.apply(b, 4, Arm64.TLSDESC_LD64_GOT, 0, 0, p, slot)).isNull();
        assertThat(b.getInt(4)).isEqualTo(0xf9400001 | (0x458 >> 3) << 10);
        b = insn(0x91000000); // add x0, x0, 0
        assertThat(arm.apply(b, 4, Arm64.TLSDESC_ADD_GOT, 0, 0, p, slot)).isNull();
        assertThat(b.getInt(4)).isEqualTo(0x91000000 | 0x458 << 10);
        b = insn(0xd63f0020); // blr x1
        assertThat(arm.apply(b, 4, Arm64.TLSDESC_CALL_KEEP, 0, 0, p, slot)).isNull();
        assertThat(b.getInt(4)).isEqualTo(0xd63f0020);

        b = insn(0xf9400001);
        assertThat(arm.apply(b, 4, Arm64.TLSDESC_LD64_IE, 0, 0, p, slot)).isNull();
        assertThat(b.getInt(4)).isEqualTo(0xf9400000 | (0x458 >> 3) << 10); // ldr x0, [x0, :lo12:slot]
        b = insn(0xd63f0020);
        assertThat(arm.apply(b, 4, Arm64.TLSDESC_CALL_IE, 0, 0, p, slot)).isNull();
        assertThat(b.getInt(4)).isEqualTo(0xd503201f);
        assertThat(arm.apply(insn(0x90000000), 4, Arm64.TLSDESC_PAGE_IE, 0, 8, p, slot)).contains("addend 8");
    }

    /** adrp xd with a page delta of {@code pages}. */
    private static int adrp(int rd, int pages) {
        return 0x90000000 | (pages & 3) << 29 | ((pages >> 2) & 0x7FFFF) << 5 | rd;
    }
}
