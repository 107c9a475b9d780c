package dev.rivet.linker;

/** An instruction set Rivet links for. */
public enum Architecture {
    /** AMD64 / Intel 64. */
    X86_64("x86_64"),
    /** ARMv8-A in AArch64 state; Apple calls it {@code arm64}. */
    AARCH64("aarch64");

    private final String canonicalName;

    Architecture(String canonicalName) {
        this.canonicalName = canonicalName;
    }

    /** {@return the name used in target strings, such as {@code x86_64}} */
    public String canonicalName() {
        return canonicalName;
    }
}
