package dev.rivet.linker.core.arch;

import dev.rivet.linker.Architecture;
import dev.rivet.linker.RelocationKind;
import java.nio.ByteBuffer;

/**
 * What the linker knows of one instruction set: its relocation operations and how each patches
 * the output. Operations are small integers private to each architecture; object-file formats map
 * their native relocation types onto them, and builder relocations ({@link RelocationKind}) too.
 * Buffers are little-endian and written at absolute indices, so threads may patch disjoint parts
 * of one buffer at once.
 */
public abstract class Arch {
    /** {@return the architecture's singleton} @param a the architecture */
    public static Arch of(Architecture a) {
        return switch (a) {
            case X86_64 -> X86_64.INSTANCE;
            case AARCH64 -> Arm64.INSTANCE;
        };
    }

    /** {@return the architecture} */
    public abstract Architecture architecture();

    /** {@return the operation a builder relocation kind becomes, or -1 if there is none} @param kind the kind */
    public abstract int builderOp(RelocationKind kind);

    /**
     * {@return the addend stored for a builder relocation}; x86-64 branches subtract the 4 bytes
     * between the field and the next instruction.
     *
     * @param kind the kind
     * @param addend the addend the caller gave
     */
    public long builderAddend(RelocationKind kind, long addend) {
        return addend;
    }

    /**
     * {@return the alignment code gets when its builder does not choose one: 16 on x86-64 (as
     * compilers align functions), 4 on AArch64 (the instruction size)}
     */
    public abstract int defaultTextAlignment();

    /** {@return the size of a stub that jumps through a GOT-like slot (an IFUNC's PLT entry)} */
    public abstract int indirectStubSize();

    /**
     * Writes a stub that jumps to the address stored in a slot.
     *
     * @param buf the output
     * @param pos where the stub starts in buf
     * @param stub the stub's address
     * @param slot the slot's address
     */
    public abstract void writeIndirectStub(ByteBuffer buf, int pos, long stub, long slot);

    /**
     * {@return how far a branch operation reaches either way, in bytes, when a range-extension thunk
     * may stand in for a target beyond it; 0 for an operation that needs none}
     *
     * @param op an operation
     */
    public long branchReach(int op) {
        return 0;
    }

    /** {@return the size of a range-extension thunk, 0 if the architecture has none} */
    public int thunkSize() {
        return 0;
    }

    /**
     * Writes a range-extension thunk: a jump to the target from anywhere within reach of it,
     * clobbering only registers that calls may clobber.
     *
     * @param buf the output
     * @param pos where the thunk starts in buf
     * @param thunk the thunk's address
     * @param target where it jumps
     */
    public void writeThunk(ByteBuffer buf, int pos, long thunk, long target) {
        throw new UnsupportedOperationException("no range-extension thunks on " + architecture());
    }

    /** {@return how many bytes an operation patches} @param op an operation */
    public abstract int width(int op);

    /** {@return the operation's name, as the ELF relocation it corresponds to} @param op an operation */
    public abstract String opName(int op);

    /**
     * Patches the field at {@code pos}.
     *
     * @param buf the output
     * @param pos the field's index in buf
     * @param op the operation
     * @param s the target's address
     * @param a the addend
     * @param p the field's address
     * @return null on success, or why the value does not fit (an overflow or misalignment)
     */
    public String apply(ByteBuffer buf, int pos, int op, long s, long a, long p) {
        return apply(buf, pos, op, s, a, p, 0);
    }

    /**
     * Patches the field at {@code pos}, for operations that may refer to the target's GOT entry.
     *
     * @param buf the output
     * @param pos the field's index in buf
     * @param op the operation
     * @param s the target's address
     * @param a the addend
     * @param p the field's address
     * @param g the address of the target's GOT entry, for operations where {@link #needsGot} holds
     * @return null on success, or why the value does not fit
     */
    public abstract String apply(ByteBuffer buf, int pos, int op, long s, long a, long p, long g);

    /** {@return whether an operation refers to the target through a GOT entry (which may be relaxed away)} @param op an operation */
    public abstract boolean needsGot(int op);

    /**
     * {@return whether an operation is relative to the GOT's base ({@code _GLOBAL_OFFSET_TABLE_})}:
     * for those the engine passes the GOT's address as the target's address {@code s}
     *
     * @param op an operation
     */
    public boolean usesGotBase(int op) {
        return false;
    }

    /**
     * {@return whether a relaxation by this operation rewrote the instruction that the next
     * relocation patches (x86-64's call to {@code __tls_get_addr}), so the writer skips that one}
     *
     * @param op an operation
     */
    public boolean consumesNextRelocation(int op) {
        return false;
    }

    /**
     * {@return whether an operation encodes the target's offset from the thread pointer}; for
     * those, the engine passes that offset as the target's address
     *
     * @param op an operation
     */
    public abstract boolean isThreadPointerRelative(int op);

    /**
     * {@return where the thread pointer points, as a virtual address relative to the initial TLS
     * image at {@code tlsStart}}: the psABI's layout (variant II on x86-64, variant I on AArch64)
     *
     * @param tlsStart the address of the PT_TLS segment
     * @param tlsSize its size in memory
     * @param tlsAlign its alignment
     */
    public abstract long threadPointer(long tlsStart, long tlsSize, long tlsAlign);

    /** A relocation class: nothing a dynamic link must know about. */
    public static final int CLASS_OTHER = 0;
    /** A pointer-sized absolute address. */
    public static final int CLASS_ABS_WORD = 1;
    /** An absolute address narrower than a pointer: unusable in position-independent outputs. */
    public static final int CLASS_ABS_NARROW = 2;
    /** A PC-relative address (not a branch). */
    public static final int CLASS_PC = 3;
    /** A call or jump, which may go through a PLT entry. */
    public static final int CLASS_BRANCH = 4;
    /** A reference through the target's GOT slot. */
    public static final int CLASS_GOT = 5;
    /** A thread-local access. */
    public static final int CLASS_TLS = 6;
    /** The low bits of an address whose page an ADRP computed PC-relatively. */
    public static final int CLASS_PAGE_OFFSET = 7;

    /** A thread-local symbol in the executable's own block, at an offset from the thread pointer fixed at link time. */
    public static final int TLS_LOCAL_EXEC = 0;
    /** A library's thread-local symbol used by an executable: its offset from the thread pointer is in a GOT slot. */
    public static final int TLS_INITIAL_EXEC = 1;
    /** Any thread-local symbol used by a shared library, whose block the loader places. */
    public static final int TLS_SHARED = 2;

    /** No thread-local GOT entry. */
    public static final int TLS_GOT_NONE = 0;
    /** One slot: the offset from the thread pointer (initial-exec; {@code R_*_TPOFF64}). */
    public static final int TLS_GOT_IE = 1;
    /** Two slots: module id and offset in the module's block, for {@code __tls_get_addr} (general-dynamic). */
    public static final int TLS_GOT_GD = 2;
    /** Two slots: this module's id and 0, for {@code __tls_get_addr} (local-dynamic); one pair per output. */
    public static final int TLS_GOT_LD = 3;
    /** Two slots: a TLS descriptor, resolver and argument, which the loader fills ({@code R_AARCH64_TLSDESC}). */
    public static final int TLS_GOT_DESC = 4;

    /**
     * {@return the operation that implements a thread-local access the way the output needs}: a
     * local-exec relaxation (the operation itself), a relaxation to initial-exec, or the dynamic
     * form through GOT entries
     *
     * @param op a thread-local operation as read
     * @param access one of the TLS_ access constants ({@code TLS_LOCAL_EXEC} and others)
     */
    public int tlsOperation(int op, int access) {
        return op;
    }

    /** {@return the thread-local GOT entry an operation uses: one of the TLS_GOT_ constants} @param op an operation */
    public int tlsGotEntry(int op) {
        return TLS_GOT_NONE;
    }

    /**
     * {@return whether an operation encodes the target's offset in its module's thread-local block};
     * for those, the engine passes that offset as the target's address
     *
     * @param op an operation
     */
    public boolean isModuleRelative(int op) {
        return false;
    }

    /** {@return what a dynamic link must know of an operation: one of the CLASS_ constants} @param op an operation */
    public abstract int relocationClass(int op);

    /**
     * {@return the operation to apply instead of {@code op} when its target is bound at load time:
     * the GOT form without relaxation to a direct reference}
     *
     * @param op an operation for which {@link #needsGot} holds
     */
    public int unrelaxedGotOp(int op) {
        return op;
    }

    /** {@return the size of a lazy-binding PLT's header (PLT0)} */
    public abstract int pltHeaderSize();

    /** {@return the size of one PLT entry} */
    public abstract int pltEntrySize();

    /**
     * Writes the PLT header, which hands a lazy call to the dynamic linker's resolver.
     *
     * @param buf the output
     * @param pos where the header starts in buf
     * @param plt the header's address
     * @param gotPlt the address of {@code .got.plt}, whose first three slots the loader fills
     */
    public abstract void writePltHeader(ByteBuffer buf, int pos, long plt, long gotPlt);

    /**
     * Writes PLT entry {@code index}, which jumps through its {@code .got.plt} slot.
     *
     * @param buf the output
     * @param pos where the entry starts in buf
     * @param entry the entry's address
     * @param slot the address of its slot
     * @param index its index (its JUMP_SLOT relocation's index)
     * @param plt the PLT header's address
     */
    public abstract void writePltEntry(ByteBuffer buf, int pos, long entry, long slot, int index, long plt);

    /**
     * {@return the value a PLT slot holds before it is bound: where the entry continues into the
     * lazy resolver (x86-64: the entry's push; AArch64: the PLT header)}
     *
     * @param entry the entry's address
     * @param plt the header's address
     */
    public abstract long lazyPltSlotValue(long entry, long plt);

    /** {@return whether v fits in a signed field of n bits} */
    static boolean fitsSigned(long v, int n) {
        return v >= -(1L << (n - 1)) && v < (1L << (n - 1));
    }

    static String outOfRange(long v, long min, long max) {
        return "value " + v + " (0x" + Long.toHexString(v) + ") is out of range [" + min + ", " + max + "]";
    }
}
