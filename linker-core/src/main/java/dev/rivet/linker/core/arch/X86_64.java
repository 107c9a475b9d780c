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

    private static final String[] NAMES = {
        "R_X86_64_NONE", "R_X86_64_64", "R_X86_64_32", "R_X86_64_32S", "R_X86_64_PC32", "R_X86_64_PLT32", "R_X86_64_PC64",
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

    @Override
    public int width(int op) {
        return op == ABS64 || op == PC64 ? 8 : 4;
    }

    @Override
    public String opName(int op) {
        return op >= 0 && op < NAMES.length ? NAMES[op] : "x86-64 operation " + op;
    }

    @Override
    public String apply(ByteBuffer buf, int pos, int op, long s, long a, long p) {
        switch (op) {
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
            default -> {
                return "unsupported relocation operation " + op;
            }
        }
        return null;
    }
}
