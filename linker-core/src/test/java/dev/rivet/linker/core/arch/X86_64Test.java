package dev.rivet.linker.core.arch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rivet.linker.Architecture;
import dev.rivet.linker.RelocationKind;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** {@link X86_64}: relocation operations and their encodings. */
class X86_64Test {
    private final Arch x86 = Arch.of(Architecture.X86_64);

    private static ByteBuffer buf() {
        ByteBuffer b = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 32; i++) {
            b.put(i, (byte) 0x5a);
        }
        return b;
    }

    @Test
    void pc32StoresTargetPlusAddendMinusPlace() {
        ByteBuffer b = buf();
        long s = 0x401000;
        long p = 0x400800;
        assertThat(x86.apply(b, 4, X86_64.PC32, s, -4, p)).isNull();
        assertThat(b.getInt(4)).isEqualTo((int) (s - 4 - p));
        assertThat(b.get(3)).isEqualTo((byte) 0x5a);
        assertThat(b.get(8)).isEqualTo((byte) 0x5a);
    }

    @Test
    void pc32BackwardsIsNegative() {
        ByteBuffer b = buf();
        assertThat(x86.apply(b, 0, X86_64.PC32, 0x1000, 0, 0x2000)).isNull();
        assertThat(b.getInt(0)).isEqualTo(-0x1000);
    }

    @Test
    void pc32OverflowIsReportedAndLeavesTheFieldAlone() {
        ByteBuffer b = buf();
        long p = 0x400000;
        long s = p + (1L << 31); // one past the largest positive displacement
        String problem = x86.apply(b, 0, X86_64.PC32, s, 0, p);
        assertThat(problem).isNotNull().contains("out of range").contains(Long.toString(1L << 31));
        assertThat(b.getInt(0)).isEqualTo(0x5a5a5a5a);
        assertThat(x86.apply(b, 0, X86_64.PC32, p + (1L << 31) - 1, 0, p)).isNull();
        assertThat(x86.apply(b, 0, X86_64.PC32, p - (1L << 31), 0, p)).isNull();
        assertThat(x86.apply(b, 0, X86_64.PC32, p - (1L << 31) - 1, 0, p)).isNotNull();
    }

    @Test
    void plt32IsPcRelative() {
        ByteBuffer b = buf();
        assertThat(x86.apply(b, 0, X86_64.PLT32, 0x5000, -4, 0x4001)).isNull();
        assertThat(b.getInt(0)).isEqualTo(0x5000 - 4 - 0x4001);
        assertThat(x86.apply(b, 0, X86_64.PLT32, 1L << 40, 0, 0)).isNotNull();
    }

    @Test
    void abs64StoresTheFullAddress() {
        ByteBuffer b = buf();
        assertThat(x86.apply(b, 8, X86_64.ABS64, 0x7fff_1234_5678L, 0x10, 0)).isNull();
        assertThat(b.getLong(8)).isEqualTo(0x7fff_1234_5688L);
    }

    @Test
    void pc64StoresTheFullDisplacement() {
        ByteBuffer b = buf();
        assertThat(x86.apply(b, 8, X86_64.PC64, 0x10, 0, 0x7fff_0000_0000L)).isNull();
        assertThat(b.getLong(8)).isEqualTo(0x10 - 0x7fff_0000_0000L);
    }

    @Test
    void abs32IsZeroExtendedAndRejectsNegativeValues() {
        ByteBuffer b = buf();
        assertThat(x86.apply(b, 0, X86_64.ABS32, 0xFFFF_FFF0L, 0xF, 0)).isNull();
        assertThat(b.getInt(0)).isEqualTo(0xFFFF_FFFF);
        assertThat(x86.apply(b, 0, X86_64.ABS32, 0x10, -0x11, 0)).isNotNull().contains("-1");
        assertThat(x86.apply(b, 0, X86_64.ABS32, 0x1_0000_0000L, 0, 0)).isNotNull();
        assertThat(b.getInt(0)).isEqualTo(0xFFFF_FFFF);
    }

    @Test
    void abs32sIsSignExtended() {
        ByteBuffer b = buf();
        assertThat(x86.apply(b, 0, X86_64.ABS32S, 0, -1, 0)).isNull();
        assertThat(b.getInt(0)).isEqualTo(-1);
        assertThat(x86.apply(b, 0, X86_64.ABS32S, 0x7FFF_FFFFL, 0, 0)).isNull();
        assertThat(b.getInt(0)).isEqualTo(Integer.MAX_VALUE);
        assertThat(x86.apply(b, 0, X86_64.ABS32S, 0x8000_0000L, 0, 0)).isNotNull();
        assertThat(x86.apply(b, 0, X86_64.ABS32S, -0x8000_0000L, 0, 0)).isNull();
        assertThat(x86.apply(b, 0, X86_64.ABS32S, -0x8000_0001L, 0, 0)).isNotNull();
    }

    @Test
    void unknownOperationIsReported() {
        assertThat(x86.apply(buf(), 0, 99, 0, 0, 0)).isNotNull().contains("99");
        assertThat(x86.opName(99)).contains("99");
    }

    @Test
    void builderKindsMapOntoOperations() {
        assertThat(x86.architecture()).isEqualTo(Architecture.X86_64);
        assertThat(x86.builderOp(RelocationKind.ABSOLUTE_64)).isEqualTo(X86_64.ABS64);
        assertThat(x86.builderOp(RelocationKind.ABSOLUTE_32)).isEqualTo(X86_64.ABS32);
        assertThat(x86.builderOp(RelocationKind.PC_RELATIVE_32)).isEqualTo(X86_64.PC32);
        assertThat(x86.builderOp(RelocationKind.BRANCH)).isEqualTo(X86_64.PLT32);
        assertThat(x86.builderOp(RelocationKind.PAGE)).isEqualTo(-1);
        assertThat(x86.builderOp(RelocationKind.PAGE_OFFSET)).isEqualTo(-1);
        assertThat(x86.builderAddend(RelocationKind.BRANCH, 0)).isEqualTo(-4);
        assertThat(x86.builderAddend(RelocationKind.PC_RELATIVE_32, 0)).isZero();
        assertThat(x86.width(X86_64.ABS64)).isEqualTo(8);
        assertThat(x86.width(X86_64.PC64)).isEqualTo(8);
        assertThat(x86.width(X86_64.PC32)).isEqualTo(4);
        assertThat(x86.opName(X86_64.PLT32)).isEqualTo("R_X86_64_PLT32");
        for (RelocationKind k : RelocationKind.values()) {
            int op = x86.builderOp(k);
            if (op >= 0) {
                assertThat(x86.width(op)).as(k.name()).isEqualTo(k.width());
            }
        }
    }

    // ---- thread-locals in dynamic outputs ----

    @Test
    void threadLocalAccessesTakeTheFormTheOutputNeeds() {
        assertThat(x86.tlsOperation(X86_64.TLSGD, Arch.TLS_LOCAL_EXEC)).isEqualTo(X86_64.TLSGD);
        assertThat(x86.tlsOperation(X86_64.TLSGD, Arch.TLS_INITIAL_EXEC)).isEqualTo(X86_64.TLSGD_TO_IE);
        assertThat(x86.tlsOperation(X86_64.TLSGD, Arch.TLS_SHARED)).isEqualTo(X86_64.TLSGD_GOT);
        assertThat(x86.tlsOperation(X86_64.TLSLD, Arch.TLS_SHARED)).isEqualTo(X86_64.TLSLD_GOT);
        assertThat(x86.tlsOperation(X86_64.GOTTPOFF, Arch.TLS_INITIAL_EXEC)).isEqualTo(X86_64.GOTTPOFF_GOT);
        assertThat(x86.tlsOperation(X86_64.DTPOFF64, Arch.TLS_SHARED)).isEqualTo(X86_64.DTPOFF64_MODULE);
        assertThat(x86.tlsOperation(X86_64.TPOFF32, Arch.TLS_SHARED)).isEqualTo(X86_64.TPOFF32); // refused by the scan
        assertThat(x86.tlsGotEntry(X86_64.TLSGD_TO_IE)).isEqualTo(Arch.TLS_GOT_IE);
        assertThat(x86.tlsGotEntry(X86_64.TLSGD_GOT)).isEqualTo(Arch.TLS_GOT_GD);
        assertThat(x86.tlsGotEntry(X86_64.TLSLD_GOT)).isEqualTo(Arch.TLS_GOT_LD);
        assertThat(x86.tlsGotEntry(X86_64.TLSGD)).isEqualTo(Arch.TLS_GOT_NONE);
        // Kept sequences still call __tls_get_addr; relaxed ones replace the call.
        assertThat(x86.consumesNextRelocation(X86_64.TLSGD_TO_IE)).isTrue();
        assertThat(x86.consumesNextRelocation(X86_64.TLSGD_GOT)).isFalse();
        assertThat(x86.consumesNextRelocation(X86_64.TLSLD_GOT)).isFalse();
        assertThat(x86.isModuleRelative(X86_64.DTPOFF32_MODULE)).isTrue();
        assertThat(x86.isThreadPointerRelative(X86_64.DTPOFF32_MODULE)).isFalse();
        assertThat(x86.opName(X86_64.TLSGD_TO_IE)).isEqualTo("R_X86_64_TLSGD");
        assertThat(x86.width(X86_64.DTPOFF64_MODULE)).isEqualTo(8);
    }

    /** data16 lea x@tlsgd(%rip), %rdi; data16 data16 rex64 call __tls_get_addr@PLT, the field at 4. */
    private static ByteBuffer generalDynamic() {
        ByteBuffer b = buf();
        b.put(0, new byte[] {0x66, 0x48, (byte) 0x8d, 0x3d, 0, 0, 0, 0, 0x66, 0x66, 0x48, (byte) 0xe8, 0, 0, 0, 0});
        return b;
    }

    @Test
    void generalDynamicBecomesInitialExecThroughTheSlot() {
        ByteBuffer b = generalDynamic();
        long p = 0x1004;
        long slot = 0x3000;
        assertThat(x86.apply(b, 4, X86_64.TLSGD_TO_IE, 0, -4, p, slot)).isNull();
        byte[] code = new byte[16];
        b.get(0, code);
        // mov %fs:0, %rax; add disp(%rip), %rax, the displacement from the end of the add (p + 12)
        assertThat(code).startsWith(0x64, 0x48, (byte) 0x8b, 0x04, 0x25, 0, 0, 0, 0, 0x48, 0x03, 0x05);
        assertThat(b.getInt(12)).isEqualTo((int) (slot - (p + 12)));
        assertThat(b.get(16)).isEqualTo((byte) 0x5a);
        ByteBuffer other = buf();
        assertThat(x86.apply(other, 4, X86_64.TLSGD_TO_IE, 0, -4, p, slot)).contains("general-dynamic code sequence");
    }

    @Test
    void keptDynamicAccessesAddressTheirGotEntries() {
        ByteBuffer b = generalDynamic();
        assertThat(x86.apply(b, 4, X86_64.TLSGD_GOT, 0, -4, 0x1004, 0x3010)).isNull();
        assertThat(b.getInt(4)).isEqualTo(0x3010 - 4 - 0x1004);
        assertThat(b.get(0)).isEqualTo((byte) 0x66); // the instruction stays
        assertThat(x86.apply(b, 4, X86_64.DTPOFF32_MODULE, 0x18, 0, 0x1004)).isNull();
        assertThat(b.getInt(4)).isEqualTo(0x18);
    }

    @Test
    void descriptorsAreRelaxedToLocalOrInitialExecOrKept() {
        // lea x@tlsdesc(%rip), %rax; call *(%rax), the field at 3 and the call at 7
        byte[] code = {0x48, (byte) 0x8d, 0x05, 0, 0, 0, 0, (byte) 0xff, 0x10};
        ByteBuffer b = buf();
        b.put(0, code);
        assertThat(x86.apply(b, 3, X86_64.GOTPC32_TLSDESC, -0x20, -4, 0x1003)).isNull();
        assertThat(x86.apply(b, 7, X86_64.TLSDESC_CALL, -0x20, 0, 0x1007)).isNull();
        byte[] le = new byte[9];
        b.get(0, le);
        assertThat(le).containsExactly(0x48, 0xc7, 0xc0, 0xe0, 0xff, 0xff, 0xff, 0x66, 0x90); // mov $-0x20, %rax; xchg %ax, %ax

        b = buf();
        b.put(0, code);
        b.put(0, (byte) 0x4c); // %r8
        b.put(2, (byte) 0x05);
        assertThat(x86.apply(b, 3, X86_64.GOTPC32_TLSDESC_TO_IE, 0, -4, 0x1003, 0x3000)).isNull();
        assertThat(b.get(1)).isEqualTo((byte) 0x8b); // mov slot(%rip), %r8
        assertThat(b.getInt(3)).isEqualTo(0x3000 - 4 - 0x1003);

        b = buf();
        b.put(0, code);
        assertThat(x86.apply(b, 3, X86_64.GOTPC32_TLSDESC_GOT, 0, -4, 0x1003, 0x3010)).isNull();
        assertThat(x86.apply(b, 7, X86_64.TLSDESC_CALL_KEEP, 0, 0, 0x1007, 0)).isNull();
        assertThat(b.get(1)).isEqualTo((byte) 0x8d);
        assertThat(b.getInt(3)).isEqualTo(0x3010 - 4 - 0x1003);
        assertThat(b.get(7)).isEqualTo((byte) 0xff);

        assertThat(x86.tlsOperation(X86_64.GOTPC32_TLSDESC, Arch.TLS_SHARED)).isEqualTo(X86_64.GOTPC32_TLSDESC_GOT);
        assertThat(x86.tlsOperation(X86_64.TLSDESC_CALL, Arch.TLS_INITIAL_EXEC)).isEqualTo(X86_64.TLSDESC_CALL);
        assertThat(x86.tlsGotEntry(X86_64.GOTPC32_TLSDESC_GOT)).isEqualTo(Arch.TLS_GOT_DESC);
        assertThat(x86.width(X86_64.TLSDESC_CALL)).isEqualTo(2);
        assertThat(x86.apply(buf(), 3, X86_64.GOTPC32_TLSDESC, 0, -4, 0)).contains("lea x@tlsdesc");
        assertThat(x86.apply(buf(), 7, X86_64.TLSDESC_CALL, 0, 0, 0)).contains("call *(%rax)");
    }
}
