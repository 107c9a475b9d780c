package dev.rivet.linker.core.arch;

import dev.rivet.linker.Architecture;
import dev.rivet.linker.RelocationKind;
import java.nio.ByteBuffer;

/** AArch64: relocation operations and how they patch instructions and data. */
public final class Arm64 extends Arch {
    static final Arm64 INSTANCE = new Arm64();

    /** S + A, 8 bytes ({@code R_AARCH64_ABS64}). */
    public static final int ABS64 = 1;
    /** S + A, 4 bytes ({@code R_AARCH64_ABS32}). */
    public static final int ABS32 = 2;
    /** S + A - P, 4 bytes ({@code R_AARCH64_PREL32}). */
    public static final int PREL32 = 3;
    /** S + A - P, 8 bytes ({@code R_AARCH64_PREL64}). */
    public static final int PREL64 = 4;
    /** bl: (S + A - P) >> 2 in imm26 ({@code R_AARCH64_CALL26}). */
    public static final int CALL26 = 5;
    /** b: as CALL26 ({@code R_AARCH64_JUMP26}). */
    public static final int JUMP26 = 6;
    /** adrp: Page(S + A) - Page(P) ({@code R_AARCH64_ADR_PREL_PG_HI21}). */
    public static final int ADR_PREL_PG_HI21 = 7;
    /** add: (S + A) & 0xfff ({@code R_AARCH64_ADD_ABS_LO12_NC}). */
    public static final int ADD_ABS_LO12_NC = 8;
    /** ldrb/strb: (S + A) & 0xfff ({@code R_AARCH64_LDST8_ABS_LO12_NC}). */
    public static final int LDST8_ABS_LO12_NC = 9;
    /** ldrh/strh: ((S + A) & 0xfff) >> 1. */
    public static final int LDST16_ABS_LO12_NC = 10;
    /** 32-bit ldr/str: ((S + A) & 0xfff) >> 2. */
    public static final int LDST32_ABS_LO12_NC = 11;
    /** 64-bit ldr/str: ((S + A) & 0xfff) >> 3. */
    public static final int LDST64_ABS_LO12_NC = 12;
    /** 128-bit ldr/str: ((S + A) & 0xfff) >> 4. */
    public static final int LDST128_ABS_LO12_NC = 13;
    /** The low 12 bits into whichever add or load/store is there: the scale is decoded from the instruction. */
    public static final int ABS_LO12_ANY = 14;
    /** b.cond, cbz, cbnz: (S + A - P) >> 2 in imm19 ({@code R_AARCH64_CONDBR19}). */
    public static final int CONDBR19 = 15;
    /** tbz, tbnz: (S + A - P) >> 2 in imm14 ({@code R_AARCH64_TSTBR14}). */
    public static final int TSTBR14 = 16;
    /** adr: S + A - P in immlo:immhi ({@code R_AARCH64_ADR_PREL_LO21}). */
    public static final int ADR_PREL_LO21 = 17;
    /** adrp to the page of the target's GOT entry ({@code R_AARCH64_ADR_GOT_PAGE}). */
    public static final int ADR_GOT_PAGE = 18;
    /** ldr of the GOT entry: (G & 0xfff) >> 3 ({@code R_AARCH64_LD64_GOT_LO12_NC}). */
    public static final int LD64_GOT_LO12_NC = 19;
    /** add: bits 23:12 of the TP offset ({@code R_AARCH64_TLSLE_ADD_TPREL_HI12}). */
    public static final int TLSLE_ADD_TPREL_HI12 = 20;
    /** add: bits 11:0 of the TP offset, checked ({@code R_AARCH64_TLSLE_ADD_TPREL_LO12}). */
    public static final int TLSLE_ADD_TPREL_LO12 = 21;
    /** add: bits 11:0 of the TP offset ({@code R_AARCH64_TLSLE_ADD_TPREL_LO12_NC}). */
    public static final int TLSLE_ADD_TPREL_LO12_NC = 22;
    /** Initial-exec adrp, relaxed to movz of the TP offset's bits 31:16 ({@code R_AARCH64_TLSIE_ADR_GOTTPREL_PAGE21}). */
    public static final int TLSIE_ADR_GOTTPREL_PAGE21 = 23;
    /** Initial-exec ldr, relaxed to movk of the TP offset's bits 15:0 ({@code R_AARCH64_TLSIE_LD64_GOTTPREL_LO12_NC}). */
    public static final int TLSIE_LD64_GOTTPREL_LO12_NC = 24;
    /** ldr of the GOT entry at (G - Page(GOT)) >> 3, within 32 KiB ({@code R_AARCH64_LD64_GOTPAGE_LO15}). */
    public static final int LD64_GOTPAGE_LO15 = 25;
    /** TLS descriptor adrp, relaxed to movz x0 of the TP offset's bits 31:16 ({@code R_AARCH64_TLSDESC_ADR_PAGE21}). */
    public static final int TLSDESC_ADR_PAGE21 = 26;
    /** TLS descriptor ldr, relaxed to movk x0 of the TP offset's bits 15:0 ({@code R_AARCH64_TLSDESC_LD64_LO12}). */
    public static final int TLSDESC_LD64_LO12 = 27;
    /** TLS descriptor add, relaxed to nop ({@code R_AARCH64_TLSDESC_ADD_LO12}). */
    public static final int TLSDESC_ADD_LO12 = 28;
    /** TLS descriptor call, relaxed to nop ({@code R_AARCH64_TLSDESC_CALL}). */
    public static final int TLSDESC_CALL = 29;
    /**
     * First of a Mach-O {@code ARM64_RELOC_SUBTRACTOR} pair, 8 bytes: field := A - S (S the
     * subtrahend). The {@link #UNSIGNED_ADD64} that follows it at the same offset adds the minuend.
     */
    public static final int SUBTRACTOR64 = 30;
    /** As {@link #SUBTRACTOR64}, 4 bytes (truncated: the pair's result is taken modulo 2^32). */
    public static final int SUBTRACTOR32 = 31;
    /** Second of a subtractor pair, 8 bytes: field := field + S + A (the minuend and the addend). */
    public static final int UNSIGNED_ADD64 = 32;
    /** As {@link #UNSIGNED_ADD64}, 4 bytes, modulo 2^32. */
    public static final int UNSIGNED_ADD32 = 33;
    /** G + A - P, 4 bytes, signed: the GOT slot, PC-relative (Mach-O {@code ARM64_RELOC_POINTER_TO_GOT}, pcrel, 32-bit). */
    public static final int GOTPCREL32 = 34;
    /** G + A, 8 bytes: the GOT slot's address (Mach-O {@code ARM64_RELOC_POINTER_TO_GOT}, 64-bit). */
    public static final int GOT_ABS64 = 35;
    /**
     * adrp to the page of the slot holding the address of a thread-local variable's descriptor
     * (Mach-O {@code ARM64_RELOC_TLVP_LOAD_PAGE21}); the slot is the target's GOT-like entry.
     */
    public static final int TLVP_LOAD_PAGE21 = 36;
    /** ldr of that slot: (G & 0xfff) >> 3 (Mach-O {@code ARM64_RELOC_TLVP_LOAD_PAGEOFF12}). */
    public static final int TLVP_LOAD_PAGEOFF12 = 37;
    /**
     * S + A - TP, 8 bytes, S thread-local: the offset in the thread-local template when the format
     * sets TP to its start (the third word of a Mach-O TLV descriptor; {@code R_AARCH64_TLS_DTPREL64}).
     */
    public static final int TLS_DTPREL64 = 38;
    /** Initial-exec adrp kept: Page(G) - Page(P), G the target's thread-pointer offset slot ({@code R_AARCH64_TLSIE_ADR_GOTTPREL_PAGE21}). */
    public static final int TLSIE_PAGE_GOT = 39;
    /** Initial-exec ldr kept: (G & 0xfff) >> 3 ({@code R_AARCH64_TLSIE_LD64_GOTTPREL_LO12_NC}). */
    public static final int TLSIE_LO12_GOT = 40;
    /** TLS descriptor adrp kept: Page(G) - Page(P), G the target's descriptor ({@code R_AARCH64_TLSDESC_ADR_PAGE21}). */
    public static final int TLSDESC_PAGE_GOT = 41;
    /** TLS descriptor ldr kept: (G & 0xfff) >> 3 ({@code R_AARCH64_TLSDESC_LD64_LO12}). */
    public static final int TLSDESC_LD64_GOT = 42;
    /** TLS descriptor add kept: G & 0xfff ({@code R_AARCH64_TLSDESC_ADD_LO12}). */
    public static final int TLSDESC_ADD_GOT = 43;
    /** TLS descriptor call kept: the {@code blr} stays as it is ({@code R_AARCH64_TLSDESC_CALL}). */
    public static final int TLSDESC_CALL_KEEP = 44;
    /** TLS descriptor adrp relaxed to initial-exec: adrp x0 of the page of the target's thread-pointer offset slot. */
    public static final int TLSDESC_PAGE_IE = 45;
    /** TLS descriptor ldr relaxed to initial-exec: {@code ldr x0, [x0, :lo12:slot]}. */
    public static final int TLSDESC_LD64_IE = 46;
    /** TLS descriptor add relaxed to initial-exec: nop. */
    public static final int TLSDESC_ADD_IE = 47;
    /** TLS descriptor call relaxed to initial-exec: nop. */
    public static final int TLSDESC_CALL_IE = 48;
    /**
     * adrp to the page of the target's GOT slot (Mach-O {@code ARM64_RELOC_GOT_LOAD_PAGE21}); when the
     * target's address is fixed relative to the code, relaxed to the page of the target itself.
     */
    public static final int GOT_LOAD_PAGE21 = 49;
    /**
     * ldr of the GOT slot (Mach-O {@code ARM64_RELOC_GOT_LOAD_PAGEOFF12}); relaxed, with the adrp
     * before it, to {@code add xT, xN, :lo12:target}, as ld64 does.
     */
    public static final int GOT_LOAD_PAGEOFF12 = 50;

    private static final String[] NAMES = {
        "R_AARCH64_NONE", "R_AARCH64_ABS64", "R_AARCH64_ABS32", "R_AARCH64_PREL32", "R_AARCH64_PREL64",
        "R_AARCH64_CALL26", "R_AARCH64_JUMP26", "R_AARCH64_ADR_PREL_PG_HI21", "R_AARCH64_ADD_ABS_LO12_NC",
        "R_AARCH64_LDST8_ABS_LO12_NC", "R_AARCH64_LDST16_ABS_LO12_NC", "R_AARCH64_LDST32_ABS_LO12_NC",
        "R_AARCH64_LDST64_ABS_LO12_NC", "R_AARCH64_LDST128_ABS_LO12_NC", "PAGE_OFFSET (add or load/store lo12)",
        "R_AARCH64_CONDBR19", "R_AARCH64_TSTBR14", "R_AARCH64_ADR_PREL_LO21",
        "R_AARCH64_ADR_GOT_PAGE", "R_AARCH64_LD64_GOT_LO12_NC", "R_AARCH64_TLSLE_ADD_TPREL_HI12",
        "R_AARCH64_TLSLE_ADD_TPREL_LO12", "R_AARCH64_TLSLE_ADD_TPREL_LO12_NC", "R_AARCH64_TLSIE_ADR_GOTTPREL_PAGE21",
        "R_AARCH64_TLSIE_LD64_GOTTPREL_LO12_NC", "R_AARCH64_LD64_GOTPAGE_LO15", "R_AARCH64_TLSDESC_ADR_PAGE21",
        "R_AARCH64_TLSDESC_LD64_LO12", "R_AARCH64_TLSDESC_ADD_LO12", "R_AARCH64_TLSDESC_CALL",
        "ARM64_RELOC_SUBTRACTOR (64-bit)", "ARM64_RELOC_SUBTRACTOR (32-bit)", "ARM64_RELOC_UNSIGNED after SUBTRACTOR (64-bit)",
        "ARM64_RELOC_UNSIGNED after SUBTRACTOR (32-bit)", "R_AARCH64_GOTPCREL32", "ARM64_RELOC_POINTER_TO_GOT (64-bit)",
        "ARM64_RELOC_TLVP_LOAD_PAGE21", "ARM64_RELOC_TLVP_LOAD_PAGEOFF12", "R_AARCH64_TLS_DTPREL64",
        "R_AARCH64_TLSIE_ADR_GOTTPREL_PAGE21", "R_AARCH64_TLSIE_LD64_GOTTPREL_LO12_NC", "R_AARCH64_TLSDESC_ADR_PAGE21",
        "R_AARCH64_TLSDESC_LD64_LO12", "R_AARCH64_TLSDESC_ADD_LO12", "R_AARCH64_TLSDESC_CALL",
        "R_AARCH64_TLSDESC_ADR_PAGE21", "R_AARCH64_TLSDESC_LD64_LO12", "R_AARCH64_TLSDESC_ADD_LO12", "R_AARCH64_TLSDESC_CALL",
        "ARM64_RELOC_GOT_LOAD_PAGE21", "ARM64_RELOC_GOT_LOAD_PAGEOFF12",
    };

    private Arm64() { }

    @Override
    public Architecture architecture() {
        return Architecture.AARCH64;
    }

    @Override
    public int builderOp(RelocationKind kind) {
        return switch (kind) {
            case ABSOLUTE_64 -> ABS64;
            case ABSOLUTE_32 -> ABS32;
            case PC_RELATIVE_32 -> PREL32;
            case BRANCH -> CALL26;
            case PAGE -> ADR_PREL_PG_HI21;
            case PAGE_OFFSET -> ABS_LO12_ANY;
        };
    }

    @Override
    public int defaultTextAlignment() {
        return 4;
    }

    @Override
    public int width(int op) {
        return op == ABS64 || op == PREL64 || op == SUBTRACTOR64 || op == UNSIGNED_ADD64 || op == GOT_ABS64 || op == TLS_DTPREL64 ? 8 : 4;
    }

    @Override
    public String opName(int op) {
        return op >= 0 && op < NAMES.length ? NAMES[op] : "aarch64 operation " + op;
    }

    @Override
    public boolean needsGot(int op) {
        return op == ADR_GOT_PAGE || op == LD64_GOT_LO12_NC || op == LD64_GOTPAGE_LO15
                || (op >= GOTPCREL32 && op <= TLVP_LOAD_PAGEOFF12) || op == GOT_LOAD_PAGE21 || op == GOT_LOAD_PAGEOFF12;
    }

    /** The relaxable Mach-O forms go through the slot like their ELF counterparts when they must. */
    @Override
    public int unrelaxedGotOp(int op) {
        return switch (op) {
            case GOT_LOAD_PAGE21, TLVP_LOAD_PAGE21 -> ADR_GOT_PAGE;
            case GOT_LOAD_PAGEOFF12, TLVP_LOAD_PAGEOFF12 -> LD64_GOT_LO12_NC;
            default -> op;
        };
    }

    @Override
    public boolean usesGotBase(int op) {
        return op == LD64_GOTPAGE_LO15;
    }

    @Override
    public int relocationClass(int op) {
        return switch (op) {
            case ABS64 -> CLASS_ABS_WORD;
            case ABS32 -> CLASS_ABS_NARROW;
            case PREL32, PREL64, ADR_PREL_PG_HI21, ADR_PREL_LO21 -> CLASS_PC;
            case CALL26, JUMP26, CONDBR19, TSTBR14 -> CLASS_BRANCH;
            case ADD_ABS_LO12_NC, LDST8_ABS_LO12_NC, LDST16_ABS_LO12_NC, LDST32_ABS_LO12_NC, LDST64_ABS_LO12_NC,
                 LDST128_ABS_LO12_NC, ABS_LO12_ANY -> CLASS_PAGE_OFFSET;
            case ADR_GOT_PAGE, LD64_GOT_LO12_NC, LD64_GOTPAGE_LO15, GOT_LOAD_PAGE21, GOT_LOAD_PAGEOFF12 -> CLASS_GOT;
            default -> isThreadPointerRelative(op) || (op >= TLSIE_PAGE_GOT && op <= TLSDESC_CALL_IE) ? CLASS_TLS : CLASS_OTHER;
        };
    }

    @Override
    public int tlsOperation(int op, int access) {
        if (access == TLS_INITIAL_EXEC) {
            return switch (op) {
                case TLSIE_ADR_GOTTPREL_PAGE21 -> TLSIE_PAGE_GOT;
                case TLSIE_LD64_GOTTPREL_LO12_NC -> TLSIE_LO12_GOT;
                case TLSDESC_ADR_PAGE21 -> TLSDESC_PAGE_IE;
                case TLSDESC_LD64_LO12 -> TLSDESC_LD64_IE;
                case TLSDESC_ADD_LO12 -> TLSDESC_ADD_IE;
                case TLSDESC_CALL -> TLSDESC_CALL_IE;
                default -> op;
            };
        }
        if (access == TLS_SHARED) {
            return switch (op) {
                case TLSIE_ADR_GOTTPREL_PAGE21 -> TLSIE_PAGE_GOT;
                case TLSIE_LD64_GOTTPREL_LO12_NC -> TLSIE_LO12_GOT;
                case TLSDESC_ADR_PAGE21 -> TLSDESC_PAGE_GOT;
                case TLSDESC_LD64_LO12 -> TLSDESC_LD64_GOT;
                case TLSDESC_ADD_LO12 -> TLSDESC_ADD_GOT;
                case TLSDESC_CALL -> TLSDESC_CALL_KEEP;
                default -> op;
            };
        }
        return op;
    }

    @Override
    public int tlsGotEntry(int op) {
        return switch (op) {
            case TLSIE_PAGE_GOT, TLSIE_LO12_GOT, TLSDESC_PAGE_IE, TLSDESC_LD64_IE -> TLS_GOT_IE;
            case TLSDESC_PAGE_GOT, TLSDESC_LD64_GOT, TLSDESC_ADD_GOT -> TLS_GOT_DESC;
            default -> TLS_GOT_NONE;
        };
    }

    @Override
    public int pltHeaderSize() {
        return 32;
    }

    @Override
    public int pltEntrySize() {
        return 16;
    }

    @Override
    public void writePltHeader(ByteBuffer buf, int pos, long plt, long gotPlt) {
        long slot2 = gotPlt + 16;
        buf.putInt(pos, 0xa9bf7bf0);                          // stp x16, x30, [sp, #-16]!
        buf.putInt(pos + 4, 0x90000010);                      // adrp x16, GOTPLT+16
        apply(buf, pos + 4, ADR_PREL_PG_HI21, slot2, 0, plt + 4, 0);
        buf.putInt(pos + 8, 0xf9400211);                      // ldr x17, [x16, :lo12:GOTPLT+16]
        patchScaled(buf, pos + 8, slot2, 3);
        buf.putInt(pos + 12, 0x91000210);                     // add x16, x16, :lo12:GOTPLT+16
        patchImm12(buf, pos + 12, slot2 & 0xFFF);
        buf.putInt(pos + 16, 0xd61f0220);                     // br x17
        buf.putInt(pos + 20, 0xd503201f);                     // nop
        buf.putInt(pos + 24, 0xd503201f);
        buf.putInt(pos + 28, 0xd503201f);
    }

    @Override
    public void writePltEntry(ByteBuffer buf, int pos, long entry, long slot, int index, long plt) {
        buf.putInt(pos, 0x90000010);                          // adrp x16, slot
        apply(buf, pos, ADR_PREL_PG_HI21, slot, 0, entry, 0);
        buf.putInt(pos + 4, 0xf9400211);                      // ldr x17, [x16, :lo12:slot]
        patchScaled(buf, pos + 4, slot, 3);
        buf.putInt(pos + 8, 0x91000210);                      // add x16, x16, :lo12:slot
        patchImm12(buf, pos + 8, slot & 0xFFF);
        buf.putInt(pos + 12, 0xd61f0220);                     // br x17
    }

    @Override
    public long lazyPltSlotValue(long entry, long plt) {
        return plt;
    }

    @Override
    public int indirectStubSize() {
        return 16;
    }

    @Override
    public void writeIndirectStub(ByteBuffer buf, int pos, long stub, long slot) {
        buf.putInt(pos, 0x90000010);                       // adrp x16, slot
        apply(buf, pos, ADR_PREL_PG_HI21, slot, 0, stub, 0);
        buf.putInt(pos + 4, 0xf9400211);                   // ldr x17, [x16, :lo12:slot]
        patchScaled(buf, pos + 4, slot, 3);
        buf.putInt(pos + 8, 0xd61f0220);                   // br x17
        buf.putInt(pos + 12, 0xd503201f);                  // nop
    }

    /** {@inheritDoc} B and BL: ±128 MiB. */
    @Override
    public long branchReach(int op) {
        return op == CALL26 || op == JUMP26 ? 1L << 27 : 0;
    }

    @Override
    public int thunkSize() {
        return 12;
    }

    /** {@inheritDoc} Through x16, which the AAPCS64 lets veneers clobber (as ld64's and lld's islands do). */
    @Override
    public void writeThunk(ByteBuffer buf, int pos, long thunk, long target) {
        buf.putInt(pos, 0x90000010);                       // adrp x16, target
        apply(buf, pos, ADR_PREL_PG_HI21, target, 0, thunk, 0);
        buf.putInt(pos + 4, 0x91000210);                   // add x16, x16, :lo12:target
        patchImm12(buf, pos + 4, target & 0xFFF);
        buf.putInt(pos + 8, 0xd61f0200);                   // br x16
    }

    @Override
    public boolean isThreadPointerRelative(int op) {
        return (op >= TLSLE_ADD_TPREL_HI12 && op <= TLSIE_LD64_GOTTPREL_LO12_NC) || (op >= TLSDESC_ADR_PAGE21 && op <= TLSDESC_CALL)
                || op == TLS_DTPREL64;
    }

    @Override
    public long threadPointer(long tlsStart, long tlsSize, long tlsAlign) {
        // Variant I: a 16-byte thread control block, then the block, aligned.
        return tlsStart - ((16 + tlsAlign - 1) & -tlsAlign);
    }

    @Override
    public String apply(ByteBuffer buf, int pos, int op, long s, long a, long p, long g) {
        switch (op) {
            case TLSLE_ADD_TPREL_HI12 -> {
                long v = s + a;
                if (v < 0 || v >= (1L << 24)) {
                    return outOfRange(v, 0, (1L << 24) - 1);
                }
                patchImm12(buf, pos, (v >> 12) & 0xFFF);
            }
            case TLSLE_ADD_TPREL_LO12, TLSLE_ADD_TPREL_LO12_NC -> {
                long v = s + a;
                if (op == TLSLE_ADD_TPREL_LO12 && (v < 0 || v >= (1L << 12))) {
                    return outOfRange(v, 0, (1L << 12) - 1);
                }
                patchImm12(buf, pos, v & 0xFFF);
            }
            case TLSIE_ADR_GOTTPREL_PAGE21 -> { // adrp xd -> movz xd, #(v >> 16), lsl #16
                long v = s + a;
                if (v < 0 || v >= (1L << 32)) {
                    return outOfRange(v, 0, (1L << 32) - 1);
                }
                int rd = buf.getInt(pos) & 0x1F;
                buf.putInt(pos, 0xd2a00000 | (int) (((v >> 16) & 0xFFFF) << 5) | rd);
            }
            case TLSIE_LD64_GOTTPREL_LO12_NC -> { // ldr xt, [xn, ...] -> movk xt, #(v & 0xffff)
                long v = s + a;
                int rt = buf.getInt(pos) & 0x1F;
                buf.putInt(pos, 0xf2800000 | (int) ((v & 0xFFFF) << 5) | rt);
            }
            case ADR_GOT_PAGE -> {
                return apply(buf, pos, ADR_PREL_PG_HI21, g, a, p, 0);
            }
            case LD64_GOT_LO12_NC -> {
                return patchScaled(buf, pos, g + a, 3);
            }
            case TLSDESC_ADR_PAGE21 -> { // adrp x0, :tlsdesc:v -> movz x0, #(v >> 16), lsl #16
                long v = s + a;
                if (v < 0 || v >= (1L << 32)) {
                    return outOfRange(v, 0, (1L << 32) - 1);
                }
                buf.putInt(pos, 0xd2a00000 | (int) (((v >> 16) & 0xFFFF) << 5));
            }
            case TLSDESC_LD64_LO12 -> buf.putInt(pos, 0xf2800000 | (int) (((s + a) & 0xFFFF) << 5)); // movk x0, #(v & 0xffff)
            case TLSDESC_ADD_LO12, TLSDESC_CALL -> buf.putInt(pos, 0xd503201f); // nop
            case LD64_GOTPAGE_LO15 -> { // s is the GOT's base here
                long v = g + a - (s & ~0xFFFL);
                if (v < 0 || v >= (1L << 15)) {
                    return outOfRange(v, 0, (1L << 15) - 1);
                }
                if ((v & 7) != 0) {
                    return "GOT entry offset " + v + " is not a multiple of 8";
                }
                patchImm12(buf, pos, v >> 3);
            }
            case ABS64 -> buf.putLong(pos, s + a);
            case PREL64 -> buf.putLong(pos, s + a - p);
            case ABS32 -> {
                long v = s + a;
                if (v < Integer.MIN_VALUE || v > 0xFFFF_FFFFL) {
                    return outOfRange(v, Integer.MIN_VALUE, 0xFFFF_FFFFL);
                }
                buf.putInt(pos, (int) v);
            }
            case PREL32 -> {
                long v = s + a - p;
                if (v < Integer.MIN_VALUE || v > 0xFFFF_FFFFL) {
                    return outOfRange(v, Integer.MIN_VALUE, 0xFFFF_FFFFL);
                }
                buf.putInt(pos, (int) v);
            }
            case CALL26, JUMP26 -> {
                long v = s + a - p;
                if ((v & 3) != 0) {
                    return "branch target offset " + v + " is not a multiple of 4";
                }
                if (!fitsSigned(v, 28)) {
                    return outOfRange(v, -(1L << 27), (1L << 27) - 1);
                }
                int insn = buf.getInt(pos);
                buf.putInt(pos, (insn & 0xFC00_0000) | (int) ((v >> 2) & 0x03FF_FFFF));
            }
            case CONDBR19 -> {
                return patchBranch(buf, pos, s + a - p, 19);
            }
            case TSTBR14 -> {
                return patchBranch(buf, pos, s + a - p, 14);
            }
            case ADR_PREL_LO21 -> {
                long v = s + a - p;
                if (!fitsSigned(v, 21)) {
                    return outOfRange(v, -(1L << 20), (1L << 20) - 1);
                }
                int insn = buf.getInt(pos) & ~((3 << 29) | (0x7FFFF << 5));
                buf.putInt(pos, insn | (int) ((v & 3) << 29) | (int) (((v >> 2) & 0x7FFFF) << 5));
            }
            case ADR_PREL_PG_HI21 -> {
                long v = ((s + a) & ~0xFFFL) - (p & ~0xFFFL);
                if (!fitsSigned(v, 33)) {
                    return outOfRange(v, -(1L << 32), (1L << 32) - 1);
                }
                long imm = v >> 12;
                int insn = buf.getInt(pos) & ~((3 << 29) | (0x7FFFF << 5));
                buf.putInt(pos, insn | (int) ((imm & 3) << 29) | (int) (((imm >> 2) & 0x7FFFF) << 5));
            }
            case ADD_ABS_LO12_NC -> patchImm12(buf, pos, (s + a) & 0xFFF);
            case LDST8_ABS_LO12_NC, LDST16_ABS_LO12_NC, LDST32_ABS_LO12_NC, LDST64_ABS_LO12_NC, LDST128_ABS_LO12_NC -> {
                return patchScaled(buf, pos, s + a, op - LDST8_ABS_LO12_NC);
            }
            case ABS_LO12_ANY -> {
                int insn = buf.getInt(pos);
                if ((insn & 0x1F00_0000) == 0x1100_0000) { // add/sub (immediate)
                    patchImm12(buf, pos, (s + a) & 0xFFF);
                } else if ((insn & 0x3B00_0000) == 0x3900_0000) { // load/store, unsigned offset
                    int scale = insn >>> 30;
                    if ((insn & (1 << 26)) != 0 && scale == 0 && (insn & (1 << 23)) != 0) {
                        scale = 4; // 128-bit SIMD&FP register
                    }
                    return patchScaled(buf, pos, s + a, scale);
                } else {
                    return String.format("instruction 0x%08x is neither add nor a load/store with unsigned offset", insn);
                }
            }
            case SUBTRACTOR64 -> buf.putLong(pos, a - s);
            case SUBTRACTOR32 -> buf.putInt(pos, (int) (a - s));
            case UNSIGNED_ADD64 -> buf.putLong(pos, buf.getLong(pos) + s + a);
            case UNSIGNED_ADD32 -> buf.putInt(pos, (int) (buf.getInt(pos) + s + a));
            case GOTPCREL32 -> {
                long v = g + a - p;
                if (!fitsSigned(v, 32)) {
                    return outOfRange(v, Integer.MIN_VALUE, Integer.MAX_VALUE);
                }
                buf.putInt(pos, (int) v);
            }
            case GOT_ABS64 -> buf.putLong(pos, g + a);
            case GOT_LOAD_PAGE21, TLVP_LOAD_PAGE21 -> { // relaxed: the engine passes the unrelaxed op when the slot must stay
                return apply(buf, pos, ADR_PREL_PG_HI21, s, a, p, 0);
            }
            case GOT_LOAD_PAGEOFF12, TLVP_LOAD_PAGEOFF12 -> { // ldr xT, [xN, slot] -> add xT, xN, :lo12:target
                int insn = buf.getInt(pos);
                if ((insn & 0xffc00000) != 0xf9400000) {
                    return String.format("instruction 0x%08x is not a 64-bit ldr of a GOT slot", insn);
                }
                buf.putInt(pos, 0x91000000 | (int) (((s + a) & 0xFFF) << 10) | (insn & 0x3FF));
            }
            case TLS_DTPREL64 -> buf.putLong(pos, s + a);
            case TLSIE_PAGE_GOT, TLSDESC_PAGE_GOT, TLSDESC_PAGE_IE -> {
                if (a != 0) {
                    // A slot is per symbol; compilers address such a variable through a symbol of its own.
                    return "a thread-local GOT access with addend " + a + " is not supported";
                }
                return apply(buf, pos, ADR_PREL_PG_HI21, g, 0, p, 0);
            }
            case TLSIE_LO12_GOT, TLSDESC_LD64_GOT -> {
                return patchScaled(buf, pos, g, 3);
            }
            case TLSDESC_LD64_IE -> { // ldr x1, [x0, ...] -> ldr x0, [x0, :lo12:slot]
                buf.putInt(pos, 0xf9400000);
                return patchScaled(buf, pos, g, 3);
            }
            case TLSDESC_ADD_GOT -> patchImm12(buf, pos, g & 0xFFF);
            case TLSDESC_ADD_IE, TLSDESC_CALL_IE -> buf.putInt(pos, 0xd503201f); // nop
            case TLSDESC_CALL_KEEP -> { } // blr x1 calls the descriptor's resolver
            default -> {
                return "unsupported relocation operation " + op;
            }
        }
        return null;
    }

    /** A branch whose word offset sits in bits 5 and up, in a field of n bits. */
    private static String patchBranch(ByteBuffer buf, int pos, long v, int n) {
        if ((v & 3) != 0) {
            return "branch target offset " + v + " is not a multiple of 4";
        }
        if (!fitsSigned(v, n + 2)) {
            return outOfRange(v, -(1L << (n + 1)), (1L << (n + 1)) - 1);
        }
        int mask = ((1 << n) - 1) << 5;
        int insn = buf.getInt(pos) & ~mask;
        buf.putInt(pos, insn | (int) (((v >> 2) << 5) & mask));
        return null;
    }

    private static void patchImm12(ByteBuffer buf, int pos, long imm) {
        int insn = buf.getInt(pos) & ~(0xFFF << 10);
        buf.putInt(pos, insn | (int) (imm << 10));
    }

    private static String patchScaled(ByteBuffer buf, int pos, long v, int scale) {
        long lo = v & 0xFFF;
        if ((lo & ((1L << scale) - 1)) != 0) {
            return "address 0x" + Long.toHexString(v) + " is not aligned to " + (1 << scale) + " for this load/store";
        }
        patchImm12(buf, pos, lo >> scale);
        return null;
    }
}
