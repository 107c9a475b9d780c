package dev.rivet.linker.core.arch;

import static dev.rivet.linker.testing.FlatTestFormat.readInt;
import static dev.rivet.linker.testing.FlatTestFormat.readLong;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rivet.linker.Architecture;
import dev.rivet.linker.LinkOptions;
import dev.rivet.linker.Linker;
import dev.rivet.linker.SymbolKind;
import dev.rivet.linker.Target;
import dev.rivet.linker.testing.TestObject;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/**
 * The operations the Mach-O reader added to both architectures: subtractor pairs, pointers to
 * GOT slots, thread-local variable slots and template offsets.
 */
class MachOOperationsTest {
    private final Arch arm = Arch.of(Architecture.AARCH64);
    private final Arch x86 = Arch.of(Architecture.X86_64);

    private static ByteBuffer buf(long content) {
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, content);
        return b;
    }

    @Test
    void aSubtractorPairAppliedInOrderGivesMinuendMinusSubtrahendPlusAddend() {
        for (Arch a : new Arch[] {arm, x86}) {
            int sub64 = a == arm ? Arm64.SUBTRACTOR64 : X86_64.SUBTRACTOR64;
            int add64 = a == arm ? Arm64.UNSIGNED_ADD64 : X86_64.UNSIGNED_ADD64;
            int sub32 = a == arm ? Arm64.SUBTRACTOR32 : X86_64.SUBTRACTOR32;
            int add32 = a == arm ? Arm64.UNSIGNED_ADD32 : X86_64.UNSIGNED_ADD32;
            ByteBuffer b = buf(0x1234_5678_9abc_def0L); // whatever the input held is overwritten
            assertThat(a.apply(b, 0, sub64, 0x1_0000_4000L, 0, 0)).isNull();
            assertThat(a.apply(b, 0, add64, 0x1_0000_1000L, 8, 0)).isNull();
            assertThat(b.getLong(0)).as(a.architecture().name()).isEqualTo(0x1000L - 0x4000 + 8);
            b = buf(-1);
            assertThat(a.apply(b, 0, sub32, 0x1_0000_1000L, 0, 0)).isNull();
            assertThat(a.apply(b, 0, add32, 0x1_0000_4000L, -2, 0)).isNull();
            assertThat(b.getInt(0)).isEqualTo(0x3000 - 2);
            assertThat(b.getInt(4)).as("a 32-bit pair leaves the next bytes alone").isEqualTo(-1);
            assertThat(a.width(sub64)).isEqualTo(8);
            assertThat(a.width(add64)).isEqualTo(8);
            assertThat(a.width(sub32)).isEqualTo(4);
            assertThat(a.width(add32)).isEqualTo(4);
            assertThat(a.needsGot(sub64) || a.needsGot(add64)).isFalse();
            assertThat(a.opName(sub64)).contains("SUBTRACTOR");
        }
    }

    @Test
    void theWriterAppliesAPairInOrderAtOneOffset() {
        Linker l = Linker.create(Target.X86_64_LINUX, LinkOptions.builder().entry("start").build());
        TestObject o = TestObject.named("pair.o");
        int text = o.section(SymbolKind.TEXT, 16, new byte[32]);
        int data = o.section(SymbolKind.DATA, 8, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 9, 0, 0, 0, 0});
        o.define("start", text, 0, 16, 0);
        int a = o.define("a", text, 4, 4, 0);
        int b = o.define("b", text, 20, 4, 0);
        o.define("table", data, 0, 16, 0);
        o.relocation(data, 0, X86_64.SUBTRACTOR64, b, 0).relocation(data, 0, X86_64.UNSIGNED_ADD64, a, 3);
        o.relocation(data, 8, X86_64.SUBTRACTOR32, a, 0).relocation(data, 8, X86_64.UNSIGNED_ADD32, b, 0);
        o.addTo(l);
        l.loader().keep(l.loader().lookup("table"));
        byte[] out = l.linkToMemory().bytes();
        long table = l.loader().address(l.loader().lookup("table"));
        assertThat(readLong(out, table)).isEqualTo(4 - 20 + 3);
        assertThat(readInt(out, table + 8)).isEqualTo(16);
        assertThat(readInt(out, table + 12)).isZero();
    }

    @Test
    void pointersToGotSlots() {
        ByteBuffer b = buf(0);
        assertThat(arm.apply(b, 0, Arm64.GOTPCREL32, 0x5000, 0, 0x2000, 0x9000)).isNull();
        assertThat(b.getInt(0)).isEqualTo(0x7000);
        assertThat(arm.apply(b, 0, Arm64.GOTPCREL32, 0x5000, 0, 0x2_0000_0000L, 0x9000)).contains("out of range");
        assertThat(arm.apply(b, 0, Arm64.GOT_ABS64, 0x5000, 0, 0x2000, 0x1_0000_9000L)).isNull();
        assertThat(b.getLong(0)).isEqualTo(0x1_0000_9000L);
        assertThat(arm.needsGot(Arm64.GOTPCREL32)).isTrue();
        assertThat(arm.needsGot(Arm64.GOT_ABS64)).isTrue();
        assertThat(arm.width(Arm64.GOT_ABS64)).isEqualTo(8);
        assertThat(arm.width(Arm64.GOTPCREL32)).isEqualTo(4);
    }

    @Test
    void tlvpAndGotLoadsAreRelaxedToAddsUnlessTheSlotMustStay() {
        long p = 0x1_0000_3ffcL;
        long slot = 0x1_0000_8010L;
        long target = 0x1_0000_c468L;
        for (int[] ops : new int[][] {{Arm64.TLVP_LOAD_PAGE21, Arm64.TLVP_LOAD_PAGEOFF12}, {Arm64.GOT_LOAD_PAGE21, Arm64.GOT_LOAD_PAGEOFF12}}) {
            // Relaxed: adrp x1, target@PAGE; add x1, x2, target@PAGEOFF (the ldr's registers kept).
            ByteBuffer b = buf(0);
            b.putInt(0, 0x90000001);      // adrp x1, 0
            b.putInt(4, 0xf9400041);      // ldr x1, [x2]
            assertThat(arm.apply(b, 0, ops[0], target, 0, p, slot)).isNull();
            assertThat(arm.apply(b, 4, ops[1], target, 0, p + 4, slot)).isNull();
            ByteBuffer d = buf(0);
            d.putInt(0, 0x90000001);
            arm.apply(d, 0, Arm64.ADR_PREL_PG_HI21, target, 0, p, 0);
            assertThat(b.getInt(0)).isEqualTo(d.getInt(0));
            assertThat(b.getInt(4)).isEqualTo(0x91000000 | (0x468 << 10) | (2 << 5) | 1);
            // Kept: the engine passes the unrelaxed operation, which loads the slot.
            ByteBuffer k = buf(0);
            k.putInt(0, 0x90000000);
            k.putInt(4, 0xf9400000);
            assertThat(arm.apply(k, 0, arm.unrelaxedGotOp(ops[0]), target, 0, p, slot)).isNull();
            assertThat(arm.apply(k, 4, arm.unrelaxedGotOp(ops[1]), target, 0, p + 4, slot)).isNull();
            assertThat(k.getInt(4)).isEqualTo(0xf9400000 | (0x010 >> 3) << 10);
            ByteBuffer bad = buf(0);
            bad.putInt(0, 0xb9400000); // ldr w0: not a pointer load
            assertThat(arm.apply(bad, 0, ops[1], target, 0, p, slot)).contains("not a 64-bit ldr");
        }
        assertThat(arm.needsGot(Arm64.TLVP_LOAD_PAGE21)).isTrue();
        assertThat(arm.needsGot(Arm64.TLVP_LOAD_PAGEOFF12)).isTrue();
        assertThat(arm.isThreadPointerRelative(Arm64.TLVP_LOAD_PAGE21)).isFalse();
        // x86-64: movq x@TLVP(%rip), %rdi becomes leaq x(%rip), %rdi when relaxable, else loads the slot.
        ByteBuffer x = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        x.put(0, (byte) 0x48).put(1, (byte) 0x8b).put(2, (byte) 0x3d);
        assertThat(x86.apply(x, 3, X86_64.TLV, 0x3000, -4, 0x1003, 0x5000)).isNull();
        assertThat(x.get(1)).isEqualTo((byte) 0x8d);
        assertThat(x.getInt(3)).isEqualTo(0x3000 - 4 - 0x1003);
        x.put(1, (byte) 0x8b);
        assertThat(x86.apply(x, 3, X86_64.TLV, 0x3000, -8, 0x1003, 0x5000)).isNull();
        assertThat(x.get(1)).as("an addend other than -4 is not relaxed").isEqualTo((byte) 0x8b);
        assertThat(x.getInt(3)).isEqualTo(0x5000 - 8 - 0x1003);
        assertThat(x86.needsGot(X86_64.TLV)).isTrue();
    }

    @Test
    void tlsTemplateOffset() {
        ByteBuffer b = buf(-1);
        assertThat(arm.apply(b, 0, Arm64.TLS_DTPREL64, 0x18, 8, 0)).isNull();
        assertThat(b.getLong(0)).isEqualTo(0x20);
        assertThat(arm.isThreadPointerRelative(Arm64.TLS_DTPREL64)).isTrue();
        assertThat(arm.width(Arm64.TLS_DTPREL64)).isEqualTo(8);
        assertThat(x86.isThreadPointerRelative(X86_64.DTPOFF64)).isTrue();
    }
}
