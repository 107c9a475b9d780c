package dev.rivet.linker.elf;

/** ELF64 constants (from the System V gABI and the x86-64 and AArch64 psABIs). */
final class Elf {
    private Elf() { }

    static final int EHDR_SIZE = 64;
    static final int PHDR_SIZE = 56;
    static final int SHDR_SIZE = 64;
    static final int SYM_SIZE = 24;

    static final int ET_EXEC = 2;
    static final int EM_X86_64 = 62;
    static final int EM_AARCH64 = 183;

    static final int PT_LOAD = 1;
    static final int PT_NOTE = 4;
    static final int PT_TLS = 7;
    static final int PT_GNU_STACK = 0x6474e551;
    static final int PT_GNU_EH_FRAME = 0x6474e550;
    static final int PF_X = 1;
    static final int PF_W = 2;
    static final int PF_R = 4;

    static final int SHT_PROGBITS = 1;
    static final int SHT_SYMTAB = 2;
    static final int SHT_STRTAB = 3;
    static final int SHT_NOTE = 7;
    static final int SHT_NOBITS = 8;
    static final int SHT_INIT_ARRAY = 14;
    static final int SHT_FINI_ARRAY = 15;
    static final int SHT_PREINIT_ARRAY = 16;
    static final long SHF_WRITE = 1;
    static final long SHF_ALLOC = 2;
    static final long SHF_EXECINSTR = 4;
    static final long SHF_TLS = 0x400;

    static final int SHN_ABS = 0xfff1;
    static final int STB_LOCAL = 0;
    static final int STB_GLOBAL = 1;
    static final int STB_WEAK = 2;
    static final int STT_NOTYPE = 0;
    static final int STT_OBJECT = 1;
    static final int STT_FUNC = 2;
    static final int STT_TLS = 6;
    static final int STT_GNU_IFUNC = 10;
    static final int SHT_RELA = 4;
    static final int R_X86_64_IRELATIVE = 37;
    static final int R_AARCH64_IRELATIVE = 1032;
    static final int STV_HIDDEN = 2;
}
