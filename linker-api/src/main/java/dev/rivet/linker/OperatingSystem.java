package dev.rivet.linker;

/** An operating system whose executables Rivet writes. */
public enum OperatingSystem {
    /** Linux; programs are ELF files. */
    LINUX,
    /** macOS; programs are Mach-O files. */
    MACOS
}
