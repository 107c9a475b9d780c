package dev.rivet.linker;

/** A container format for programs and object files. */
public enum ObjectFormat {
    /** The Executable and Linkable Format of Linux and most Unix systems. */
    ELF,
    /** Apple's Mach object format. */
    MACHO
}
