package dev.rivet.linker;

/**
 * Architecture-neutral relocations for symbols made with {@link SymbolBuilder}. Each
 * architecture maps them onto its native relocation; a kind that the target's architecture
 * cannot express is rejected when the symbol is built.
 *
 * <p>In the formulas, S is the target symbol's address, A the addend and P the address of the
 * patched field (the instruction, for {@link #BRANCH} on AArch64 and the page kinds).
 */
public enum RelocationKind {
    /** S + A as 8 bytes. ELF {@code R_X86_64_64}, {@code R_AARCH64_ABS64}. */
    ABSOLUTE_64(8),
    /** S + A as 4 bytes; must fit in 32 bits. ELF {@code R_X86_64_32}, {@code R_AARCH64_ABS32}. */
    ABSOLUTE_32(4),
    /**
     * S + A - P as a signed 4-byte value. On x86-64 the CPU adds the address of the NEXT
     * instruction, so pass A = -4 when the field ends the instruction ({@code R_X86_64_PC32}).
     * On AArch64 this is {@code R_AARCH64_PREL32}.
     */
    PC_RELATIVE_32(4),
    /**
     * A call or jump to S + A. On x86-64 the offset names the rel32 field of {@code call} or
     * {@code jmp} and the -4 is applied for you ({@code R_X86_64_PLT32}); on AArch64 it names a
     * {@code bl} or {@code b} instruction ({@code R_AARCH64_CALL26}), with a reach of ±128 MiB.
     */
    BRANCH(4),
    /**
     * AArch64 only: the 4 KiB page of S + A relative to the page of P, patched into an
     * {@code adrp} instruction ({@code R_AARCH64_ADR_PREL_PG_HI21}).
     */
    PAGE(4),
    /**
     * AArch64 only: the low 12 bits of S + A, patched into the {@code add} or load/store
     * instruction at the offset. The scale of a load or store is read from the instruction
     * ({@code R_AARCH64_ADD_ABS_LO12_NC}, {@code R_AARCH64_LDST64_ABS_LO12_NC} and kin).
     */
    PAGE_OFFSET(4);

    private final int width;

    RelocationKind(int width) {
        this.width = width;
    }

    /** {@return how many bytes of the symbol's content the relocation patches} */
    public int width() {
        return width;
    }
}
