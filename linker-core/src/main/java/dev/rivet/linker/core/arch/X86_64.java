package dev.rivet.linker.core.arch;

import dev.rivet.linker.Architecture;
import dev.rivet.linker.RelocationKind;
import java.nio.ByteBuffer;

/** x86-64: relocation operations and how they patch the output. */
public final class X86_64 extends Arch {
    static final X86_64 INSTANCE = new X86_64();

    /** S + A, 8 bytes ({@code R_X86_64_64}). */
    public static final int ABS64 = 1;
    /** S + A, 4 bytes, zero-extended ({@code R_X86_64_32}). */
    public static final int ABS32 = 2;
    /** S + A, 4 bytes, sign-extended ({@code R_X86_64_32S}). */
    public static final int ABS32S = 3;
    /** S + A - P, 4 bytes ({@code R_X86_64_PC32}). */
    public static final int PC32 = 4;
    /** S + A - P to a function, 4 bytes ({@code R_X86_64_PLT32}). */
    public static final int PLT32 = 5;
    /** S + A - P, 8 bytes ({@code R_X86_64_PC64}). */
    public static final int PC64 = 6;
    /** G + A - P, 4 bytes ({@code R_X86_64_GOTPCREL}). */
    public static final int GOTPCREL = 7;
    /** As GOTPCREL, relaxable when the instruction allows ({@code R_X86_64_GOTPCRELX}). */
    public static final int GOTPCRELX = 8;
    /** As GOTPCRELX, for an instruction with a REX prefix ({@code R_X86_64_REX_GOTPCRELX}). */
    public static final int REX_GOTPCRELX = 9;
    /** S - TP, 4 bytes: local-exec TLS ({@code R_X86_64_TPOFF32}). */
    public static final int TPOFF32 = 10;
    /** Initial-exec TLS through the GOT, relaxed to local-exec ({@code R_X86_64_GOTTPOFF}). */
    public static final int GOTTPOFF = 11;
    /** General-dynamic TLS, relaxed to local-exec with the call after it ({@code R_X86_64_TLSGD}). */
    public static final int TLSGD = 12;
    /** Local-dynamic TLS, relaxed to a load of the thread pointer with the call after it ({@code R_X86_64_TLSLD}). */
    public static final int TLSLD = 13;
    /** Offset in the module's block; after local-dynamic relaxation, from the thread pointer ({@code R_X86_64_DTPOFF32}). */
    public static final int DTPOFF32 = 14;
    /** As DTPOFF32, 8 bytes ({@code R_X86_64_DTPOFF64}). */
    public static final int DTPOFF64 = 15;
    /**
     * First of a Mach-O {@code X86_64_RELOC_SUBTRACTOR} pair, 8 bytes: field := A - S (S the
     * subtrahend). The {@link #UNSIGNED_ADD64} that follows it at the same offset adds the minuend.
     */
    public static final int SUBTRACTOR64 = 16;
    /** As {@link #SUBTRACTOR64}, 4 bytes (truncated: the pair's result is taken modulo 2^32). */
    public static final int SUBTRACTOR32 = 17;
    /** Second of a subtractor pair, 8 bytes: field := field + S + A (the minuend and the addend). */
    public static final int UNSIGNED_ADD64 = 18;
    /** As {@link #UNSIGNED_ADD64}, 4 bytes, modulo 2^32. */
    public static final int UNSIGNED_ADD32 = 19;
    /**
     * G + A - P, 4 bytes, G the slot holding the address of a thread-local variable's descriptor
     * (Mach-O {@code X86_64_RELOC_TLV}, {@code movq x@TLVP(%rip), %rdi}); relaxed to
     * {@code leaq x(%rip), %rdi} as GOTPCRELX is, when the target's address is known and A = -4.
     */
    public static final int TLV = 20;
    /**
     * General-dynamic TLS relaxed to initial-exec, the call after it too: the target's offset from
     * the thread pointer is loaded from its GOT slot ({@code R_X86_64_TLSGD} of an imported symbol).
     */
    public static final int TLSGD_TO_IE = 21;
    /** General-dynamic TLS kept: G + A - P, G the target's (module, offset) GOT pair ({@code R_X86_64_TLSGD}). */
    public static final int TLSGD_GOT = 22;
    /** Local-dynamic TLS kept: G + A - P, G this module's GOT pair ({@code R_X86_64_TLSLD}). */
    public static final int TLSLD_GOT = 23;
    /** Initial-exec TLS kept: G + A - P, G the slot of the target's offset from the thread pointer ({@code R_X86_64_GOTTPOFF}). */
    public static final int GOTTPOFF_GOT = 24;
    /** S + A, S the offset in the module's thread-local block, 4 bytes ({@code R_X86_64_DTPOFF32} in a shared library). */
    public static final int DTPOFF32_MODULE = 25;
    /** As DTPOFF32_MODULE, 8 bytes ({@code R_X86_64_DTPOFF64} in a shared library). */
    public static final int DTPOFF64_MODULE = 26;
    /**
     * TLS descriptor {@code lea x@tlsdesc(%rip), %reg}, relaxed to local-exec {@code mov $off, %reg}
     * ({@code R_X86_64_GOTPC32_TLSDESC}, {@code -mtls-dialect=gnu2}).
     */
    public static final int GOTPC32_TLSDESC = 27;
    /** TLS descriptor {@code call *x@tlscall(%rax)}, relaxed to {@code xchg %ax, %ax} ({@code R_X86_64_TLSDESC_CALL}). */
    public static final int TLSDESC_CALL = 28;
    /** TLS descriptor lea relaxed to initial-exec: {@code mov x@gottpoff(%rip), %reg}, G + A - P. */
    public static final int GOTPC32_TLSDESC_TO_IE = 29;
    /** TLS descriptor lea kept: G + A - P, G the target's descriptor ({@code R_X86_64_GOTPC32_TLSDESC}). */
    public static final int GOTPC32_TLSDESC_GOT = 30;
    /** TLS descriptor call kept: the call goes to the descriptor's resolver ({@code R_X86_64_TLSDESC_CALL}). */
    public static final int TLSDESC_CALL_KEEP = 31;

    private static final String[] NAMES = {
        "R_X86_64_NONE", "R_X86_64_64", "R_X86_64_32", "R_X86_64_32S", "R_X86_64_PC32", "R_X86_64_PLT32", "R_X86_64_PC64",
        "R_X86_64_GOTPCREL", "R_X86_64_GOTPCRELX", "R_X86_64_REX_GOTPCRELX", "R_X86_64_TPOFF32", "R_X86_64_GOTTPOFF",
        "R_X86_64_TLSGD", "R_X86_64_TLSLD", "R_X86_64_DTPOFF32", "R_X86_64_DTPOFF64",
        "X86_64_RELOC_SUBTRACTOR (64-bit)", "X86_64_RELOC_SUBTRACTOR (32-bit)", "X86_64_RELOC_UNSIGNED after SUBTRACTOR (64-bit)",
        "X86_64_RELOC_UNSIGNED after SUBTRACTOR (32-bit)", "X86_64_RELOC_TLV",
        "R_X86_64_TLSGD", "R_X86_64_TLSGD", "R_X86_64_TLSLD", "R_X86_64_GOTTPOFF", "R_X86_64_DTPOFF32", "R_X86_64_DTPOFF64",
        "R_X86_64_GOTPC32_TLSDESC", "R_X86_64_TLSDESC_CALL", "R_X86_64_GOTPC32_TLSDESC", "R_X86_64_GOTPC32_TLSDESC",
        "R_X86_64_TLSDESC_CALL",
    };

    private X86_64() { }

    @Override
    public Architecture architecture() {
        return Architecture.X86_64;
    }

    @Override
    public int builderOp(RelocationKind kind) {
        return switch (kind) {
            case ABSOLUTE_64 -> ABS64;
            case ABSOLUTE_32 -> ABS32;
            case PC_RELATIVE_32 -> PC32;
            case BRANCH -> PLT32;
            case PAGE, PAGE_OFFSET -> -1;
        };
    }

    @Override
    public long builderAddend(RelocationKind kind, long addend) {
        return kind == RelocationKind.BRANCH ? addend - 4 : addend;
    }

    @Override
    public int defaultTextAlignment() {
        return 16;
    }

    /**
     * Rewrites a load or indirect call through the GOT into a direct form, as the psABI allows
     * for a symbol whose address is known: {@code mov foo@GOTPCREL(%rip), %reg} becomes
     * {@code lea foo(%rip), %reg}, {@code call *foo@GOTPCREL(%rip)} becomes {@code addr32 call foo},
     * and {@code jmp *foo@GOTPCREL(%rip)} becomes {@code jmp foo; nop}.
     *
     * @return whether the instruction was rewritten
     */
    private static boolean relax(ByteBuffer buf, int pos, int op, long s, long a, long p) {
        long v = s + a - p;
        if (a != -4 || !fitsSigned(v, 32) || pos < 2) {
            return false;
        }
        int opcode = Byte.toUnsignedInt(buf.get(pos - 2));
        int modrm = Byte.toUnsignedInt(buf.get(pos - 1));
        if (opcode == 0x8b) { // mov r/m -> lea
            buf.put(pos - 2, (byte) 0x8d);
            buf.putInt(pos, (int) v);
            return true;
        }
        if (op == GOTPCRELX && opcode == 0xff && modrm == 0x15) { // call *disp(%rip)
            buf.put(pos - 2, (byte) 0x67);
            buf.put(pos - 1, (byte) 0xe8);
            buf.putInt(pos, (int) v);
            return true;
        }
        if (op == GOTPCRELX && opcode == 0xff && modrm == 0x25) { // jmp *disp(%rip)
            buf.put(pos - 2, (byte) 0xe9);
            buf.putInt(pos - 1, (int) (v + 1));
            buf.put(pos + 3, (byte) 0x90);
            return true;
        }
        return false;
    }

    /**
     * Rewrites an initial-exec TLS access into local-exec, as linkers do for executables:
     * {@code mov x@gottpoff(%rip), %reg} becomes {@code mov $off, %reg} and
     * {@code add x@gottpoff(%rip), %reg} becomes {@code add $off, %reg}.
     */
    private static String relaxInitialExec(ByteBuffer buf, int pos, long off) {
        if (!fitsSigned(off, 32)) {
            return outOfRange(off, Integer.MIN_VALUE, Integer.MAX_VALUE);
        }
        if (pos < 3) {
            return "R_X86_64_GOTTPOFF at the start of a section cannot be relaxed";
        }
        int rex = Byte.toUnsignedInt(buf.get(pos - 3));
        int opcode = Byte.toUnsignedInt(buf.get(pos - 2));
        int modrm = Byte.toUnsignedInt(buf.get(pos - 1));
        int reg = (modrm >> 3) & 7;
        if ((rex & 0xf0) != 0x40 || (modrm & 0xc7) != 0x05 || (opcode != 0x8b && opcode != 0x03)) {
            return String.format("R_X86_64_GOTTPOFF on an instruction other than mov or add (bytes %02x %02x %02x)", rex, opcode, modrm);
        }
        // The register moves from ModRM.reg (REX.R) to ModRM.rm (REX.B).
        buf.put(pos - 3, (byte) (0x48 | ((rex & 0x04) != 0 ? 0x01 : 0)));
        buf.put(pos - 2, (byte) (opcode == 0x8b ? 0xc7 : 0x81));
        buf.put(pos - 1, (byte) (0xc0 | reg));
        buf.putInt(pos, (int) off);
        return null;
    }

    private static final byte[] LOAD_TP = {0x64, 0x48, (byte) 0x8b, 0x04, 0x25, 0, 0, 0, 0}; // mov %fs:0, %rax

    /**
     * {@code data16 lea x@tlsgd(%rip), %rdi; data16 data16 rex64 call __tls_get_addr} (or the
     * {@code call *__tls_get_addr@GOTPCREL(%rip)} form), 16 bytes, becomes
     * {@code mov %fs:0, %rax; lea x@tpoff(%rax), %rax}.
     */
    private static String relaxGeneralDynamic(ByteBuffer buf, int pos, long off) {
        if (!isGeneralDynamicSequence(buf, pos)) {
            return "R_X86_64_TLSGD is not in the general-dynamic code sequence";
        }
        if (!fitsSigned(off, 32)) {
            return outOfRange(off, Integer.MIN_VALUE, Integer.MAX_VALUE);
        }
        buf.put(pos - 4, LOAD_TP);
        buf.put(pos + 5, (byte) 0x48);
        buf.put(pos + 6, (byte) 0x8d);
        buf.put(pos + 7, (byte) 0x80);
        buf.putInt(pos + 8, (int) off);
        return null;
    }

    /**
     * The general-dynamic sequence (see {@link #relaxGeneralDynamic}) becomes
     * {@code mov %fs:0, %rax; add x@gottpoff(%rip), %rax}; {@code slot} is G + A - P.
     */
    private static String relaxGeneralDynamicToInitialExec(ByteBuffer buf, int pos, long slot) {
        if (!isGeneralDynamicSequence(buf, pos)) {
            return "R_X86_64_TLSGD is not in the general-dynamic code sequence";
        }
        buf.put(pos - 4, LOAD_TP);
        buf.put(pos + 5, (byte) 0x48);
        buf.put(pos + 6, (byte) 0x03);
        buf.put(pos + 7, (byte) 0x05);
        // The field moved 8 bytes on and now ends 4 bytes before the next instruction, as the addend assumed.
        return pc32(buf, pos + 8, slot - 8);
    }

    /**
     * {@code lea x@tlsdesc(%rip), %reg} becomes {@code mov $off, %reg} (local-exec) or, when
     * {@code load}, {@code mov x@gottpoff(%rip), %reg} with {@code v} as its displacement.
     */
    private static String relaxDescriptor(ByteBuffer buf, int pos, long v, boolean load) {
        if (pos < 3 || (Byte.toUnsignedInt(buf.get(pos - 3)) & 0xfb) != 0x48 || Byte.toUnsignedInt(buf.get(pos - 2)) != 0x8d
                || (Byte.toUnsignedInt(buf.get(pos - 1)) & 0xc7) != 0x05) {
            return "R_X86_64_GOTPC32_TLSDESC is not on lea x@tlsdesc(%rip)";
        }
        if (load) {
            buf.put(pos - 2, (byte) 0x8b);
            return pc32(buf, pos, v);
        }
        if (!fitsSigned(v, 32)) {
            return outOfRange(v, Integer.MIN_VALUE, Integer.MAX_VALUE);
        }
        int rex = Byte.toUnsignedInt(buf.get(pos - 3));
        int reg = (Byte.toUnsignedInt(buf.get(pos - 1)) >> 3) & 7;
        // The register moves from ModRM.reg (REX.R) to ModRM.rm (REX.B).
        buf.put(pos - 3, (byte) (0x48 | ((rex & 0x04) != 0 ? 0x01 : 0)));
        buf.put(pos - 2, (byte) 0xc7);
        buf.put(pos - 1, (byte) (0xc0 | reg));
        buf.putInt(pos, (int) v);
        return null;
    }

    private static boolean isGeneralDynamicSequence(ByteBuffer buf, int pos) {
        return pos >= 4 && bytesAre(buf, pos - 4, 0x66, 0x48, 0x8d, 0x3d)
                && (bytesAre(buf, pos + 4, 0x66, 0x66, 0x48, 0xe8) || bytesAre(buf, pos + 4, 0x66, 0x48, 0xff, 0x15));
    }

    /**
     * {@code lea x@tlsld(%rip), %rdi; call __tls_get_addr} (12 bytes, or 13 with
     * {@code call *...@GOTPCREL}) becomes {@code mov %fs:0, %rax} behind data16 prefixes: the
     * module's block starts at the thread pointer's offsets, which DTPOFF then gives.
     */
    private static String relaxLocalDynamic(ByteBuffer buf, int pos) {
        if (pos < 3 || !bytesAre(buf, pos - 3, 0x48, 0x8d, 0x3d)) {
            return "R_X86_64_TLSLD is not in the local-dynamic code sequence";
        }
        int prefixes;
        if (Byte.toUnsignedInt(buf.get(pos + 4)) == 0xe8) {
            prefixes = 3;
        } else if (bytesAre(buf, pos + 4, 0xff, 0x15)) {
            prefixes = 4;
        } else {
            return "R_X86_64_TLSLD is not followed by a call to __tls_get_addr";
        }
        for (int i = 0; i < prefixes; i++) {
            buf.put(pos - 3 + i, (byte) 0x66);
        }
        buf.put(pos - 3 + prefixes, LOAD_TP);
        return null;
    }

    private static boolean bytesAre(ByteBuffer buf, int at, int... bytes) {
        if (at < 0 || at + bytes.length > buf.limit()) {
            return false;
        }
        for (int i = 0; i < bytes.length; i++) {
            if (Byte.toUnsignedInt(buf.get(at + i)) != bytes[i]) {
                return false;
            }
        }
        return true;
    }

    private static String pc32(ByteBuffer buf, int pos, long v) {
        if (!fitsSigned(v, 32)) {
            return outOfRange(v, Integer.MIN_VALUE, Integer.MAX_VALUE);
        }
        buf.putInt(pos, (int) v);
        return null;
    }

    @Override
    public int width(int op) {
        if (op == TLSDESC_CALL || op == TLSDESC_CALL_KEEP) {
            return 2; // the call instruction itself
        }
        return op == ABS64 || op == PC64 || op == SUBTRACTOR64 || op == UNSIGNED_ADD64 || op == DTPOFF64 || op == DTPOFF64_MODULE ? 8 : 4;
    }

    @Override
    public String opName(int op) {
        return op >= 0 && op < NAMES.length ? NAMES[op] : "x86-64 operation " + op;
    }

    @Override
    public boolean needsGot(int op) {
        return op == GOTPCREL || op == GOTPCRELX || op == REX_GOTPCRELX || op == TLV;
    }

    @Override
    public int relocationClass(int op) {
        return switch (op) {
            case ABS64 -> CLASS_ABS_WORD;
            case ABS32, ABS32S -> CLASS_ABS_NARROW;
            case PC32, PC64 -> CLASS_PC;
            case PLT32 -> CLASS_BRANCH;
            case GOTPCREL, GOTPCRELX, REX_GOTPCRELX -> CLASS_GOT;
            case TPOFF32, GOTTPOFF, TLSGD, TLSLD, DTPOFF32, DTPOFF64, TLSGD_TO_IE, TLSGD_GOT, TLSLD_GOT, GOTTPOFF_GOT,
                 DTPOFF32_MODULE, DTPOFF64_MODULE, GOTPC32_TLSDESC, TLSDESC_CALL, GOTPC32_TLSDESC_TO_IE, GOTPC32_TLSDESC_GOT,
                 TLSDESC_CALL_KEEP -> CLASS_TLS;
            default -> CLASS_OTHER;
        };
    }

    @Override
    public int unrelaxedGotOp(int op) {
        return GOTPCREL;
    }

    @Override
    public int pltHeaderSize() {
        return 16;
    }

    @Override
    public int pltEntrySize() {
        return 16;
    }

    @Override
    public void writePltHeader(ByteBuffer buf, int pos, long plt, long gotPlt) {
        buf.put(pos, (byte) 0xff);                             // push GOTPLT+8(%rip)
        buf.put(pos + 1, (byte) 0x35);
        buf.putInt(pos + 2, (int) (gotPlt + 8 - (plt + 6)));
        buf.put(pos + 6, (byte) 0xff);                         // jmp *GOTPLT+16(%rip)
        buf.put(pos + 7, (byte) 0x25);
        buf.putInt(pos + 8, (int) (gotPlt + 16 - (plt + 12)));
        buf.putInt(pos + 12, 0x00401f0f);                      // nopl 0(%rax)
    }

    @Override
    public void writePltEntry(ByteBuffer buf, int pos, long entry, long slot, int index, long plt) {
        buf.put(pos, (byte) 0xff);                             // jmp *slot(%rip)
        buf.put(pos + 1, (byte) 0x25);
        buf.putInt(pos + 2, (int) (slot - (entry + 6)));
        buf.put(pos + 6, (byte) 0x68);                         // push $index
        buf.putInt(pos + 7, index);
        buf.put(pos + 11, (byte) 0xe9);                        // jmp PLT0
        buf.putInt(pos + 12, (int) (plt - (entry + 16)));
    }

    @Override
    public long lazyPltSlotValue(long entry, long plt) {
        return entry + 6;
    }

    @Override
    public int indirectStubSize() {
        return 16;
    }

    @Override
    public void writeIndirectStub(ByteBuffer buf, int pos, long stub, long slot) {
        buf.put(pos, (byte) 0xff);                         // jmp *slot(%rip)
        buf.put(pos + 1, (byte) 0x25);
        buf.putInt(pos + 2, (int) (slot - (stub + 6)));
        for (int i = 6; i < 16; i++) {
            buf.put(pos + i, (byte) 0xcc);                 // int3 padding
        }
    }

    @Override
    public boolean isThreadPointerRelative(int op) {
        return op == TPOFF32 || op == GOTTPOFF || op == TLSGD || op == TLSLD || op == DTPOFF32 || op == DTPOFF64 || op == GOTPC32_TLSDESC;
    }

    @Override
    public boolean consumesNextRelocation(int op) {
        return op == TLSGD || op == TLSLD || op == TLSGD_TO_IE;
    }

    @Override
    public int tlsOperation(int op, int access) {
        if (access == TLS_INITIAL_EXEC) {
            return switch (op) {
                case TLSGD -> TLSGD_TO_IE;
                case GOTTPOFF -> GOTTPOFF_GOT;
                case GOTPC32_TLSDESC -> GOTPC32_TLSDESC_TO_IE;
                default -> op;
            };
        }
        if (access == TLS_SHARED) {
            return switch (op) {
                case TLSGD -> TLSGD_GOT;
                case TLSLD -> TLSLD_GOT;
                case GOTTPOFF -> GOTTPOFF_GOT;
                case DTPOFF32 -> DTPOFF32_MODULE;
                case DTPOFF64 -> DTPOFF64_MODULE;
                case GOTPC32_TLSDESC -> GOTPC32_TLSDESC_GOT;
                case TLSDESC_CALL -> TLSDESC_CALL_KEEP;
                default -> op;
            };
        }
        return op;
    }

    @Override
    public int tlsGotEntry(int op) {
        return switch (op) {
            case TLSGD_TO_IE, GOTTPOFF_GOT, GOTPC32_TLSDESC_TO_IE -> TLS_GOT_IE;
            case TLSGD_GOT -> TLS_GOT_GD;
            case GOTPC32_TLSDESC_GOT -> TLS_GOT_DESC;
            case TLSLD_GOT -> TLS_GOT_LD;
            default -> TLS_GOT_NONE;
        };
    }

    @Override
    public boolean isModuleRelative(int op) {
        return op == DTPOFF32_MODULE || op == DTPOFF64_MODULE;
    }

    @Override
    public long threadPointer(long tlsStart, long tlsSize, long tlsAlign) {
        // Variant II: the block ends where the thread pointer points.
        return tlsStart + ((tlsSize + tlsAlign - 1) & -tlsAlign);
    }

    @Override
    public String apply(ByteBuffer buf, int pos, int op, long s, long a, long p, long g) {
        switch (op) {
            case TPOFF32 -> {
                long v = s + a;
                if (!fitsSigned(v, 32)) {
                    return outOfRange(v, Integer.MIN_VALUE, Integer.MAX_VALUE);
                }
                buf.putInt(pos, (int) v);
            }
            case GOTTPOFF -> {
                return relaxInitialExec(buf, pos, s + a + 4);
            }
            case TLSGD -> {
                return relaxGeneralDynamic(buf, pos, s + a + 4);
            }
            case TLSLD -> {
                return relaxLocalDynamic(buf, pos);
            }
            case TLSGD_TO_IE -> {
                return relaxGeneralDynamicToInitialExec(buf, pos, g + a - p);
            }
            case TLSGD_GOT, TLSLD_GOT, GOTTPOFF_GOT, GOTPC32_TLSDESC_GOT -> {
                return pc32(buf, pos, g + a - p);
            }
            case GOTPC32_TLSDESC -> {
                return relaxDescriptor(buf, pos, s + a + 4, false);
            }
            case GOTPC32_TLSDESC_TO_IE -> {
                return relaxDescriptor(buf, pos, g + a - p, true);
            }
            case TLSDESC_CALL -> { // call *(%rax) -> xchg %ax, %ax: %rax already holds the offset
                if (!bytesAre(buf, pos, 0xff, 0x10)) {
                    return "R_X86_64_TLSDESC_CALL is not on call *(%rax)";
                }
                buf.put(pos, (byte) 0x66);
                buf.put(pos + 1, (byte) 0x90);
            }
            case TLSDESC_CALL_KEEP -> { }
            case DTPOFF32, DTPOFF32_MODULE -> {
                long v = s + a;
                if (!fitsSigned(v, 32)) {
                    return outOfRange(v, Integer.MIN_VALUE, Integer.MAX_VALUE);
                }
                buf.putInt(pos, (int) v);
            }
            case DTPOFF64, DTPOFF64_MODULE -> buf.putLong(pos, s + a);
            case GOTPCRELX, REX_GOTPCRELX, TLV -> {
                if (relax(buf, pos, op, s, a, p)) {
                    return null;
                }
                return pc32(buf, pos, g + a - p);
            }
            case GOTPCREL -> {
                return pc32(buf, pos, g + a - p);
            }
            case ABS64 -> buf.putLong(pos, s + a);
            case PC64 -> buf.putLong(pos, s + a - p);
            case ABS32 -> {
                long v = s + a;
                if (v < 0 || v > 0xFFFF_FFFFL) {
                    return outOfRange(v, 0, 0xFFFF_FFFFL);
                }
                buf.putInt(pos, (int) v);
            }
            case ABS32S -> {
                long v = s + a;
                if (!fitsSigned(v, 32)) {
                    return outOfRange(v, Integer.MIN_VALUE, Integer.MAX_VALUE);
                }
                buf.putInt(pos, (int) v);
            }
            case PC32, PLT32 -> {
                long v = s + a - p;
                if (!fitsSigned(v, 32)) {
                    return outOfRange(v, Integer.MIN_VALUE, Integer.MAX_VALUE);
                }
                buf.putInt(pos, (int) v);
            }
            case SUBTRACTOR64 -> buf.putLong(pos, a - s);
            case SUBTRACTOR32 -> buf.putInt(pos, (int) (a - s));
            case UNSIGNED_ADD64 -> buf.putLong(pos, buf.getLong(pos) + s + a);
            case UNSIGNED_ADD32 -> buf.putInt(pos, (int) (buf.getInt(pos) + s + a));
            default -> {
                return "unsupported relocation operation " + op;
            }
        }
        return null;
    }
}
