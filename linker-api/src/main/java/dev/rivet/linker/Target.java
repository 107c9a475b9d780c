package dev.rivet.linker;

import java.util.List;
import java.util.Objects;

/**
 * What a link produces code for: an architecture, an operating system and the object format
 * that follows from them.
 *
 * <p>Targets are values: {@link #parse(String)} returns one of the {@link #known() known} targets.
 *
 * @param architecture the instruction set
 * @param os the operating system
 * @param format the object format of outputs and inputs
 */
public record Target(Architecture architecture, OperatingSystem os, ObjectFormat format) {

    /** Linux on x86-64, ELF. */
    public static final Target X86_64_LINUX = new Target(Architecture.X86_64, OperatingSystem.LINUX, ObjectFormat.ELF);
    /** Linux on AArch64, ELF. */
    public static final Target AARCH64_LINUX = new Target(Architecture.AARCH64, OperatingSystem.LINUX, ObjectFormat.ELF);
    /** macOS on Apple silicon, Mach-O. */
    public static final Target ARM64_MACOS = new Target(Architecture.AARCH64, OperatingSystem.MACOS, ObjectFormat.MACHO);
    /** macOS on Intel, Mach-O. */
    public static final Target X86_64_MACOS = new Target(Architecture.X86_64, OperatingSystem.MACOS, ObjectFormat.MACHO);

    private static final List<Target> KNOWN = List.of(X86_64_LINUX, AARCH64_LINUX, ARM64_MACOS, X86_64_MACOS);

    /**
     * Creates a target.
     *
     * @param architecture the instruction set
     * @param os the operating system
     * @param format the object format
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if the format does not match the operating system
     */
    public Target {
        Objects.requireNonNull(architecture, "architecture");
        Objects.requireNonNull(os, "os");
        Objects.requireNonNull(format, "format");
        if ((os == OperatingSystem.MACOS) != (format == ObjectFormat.MACHO)) {
            throw new IllegalArgumentException(os + " does not use " + format);
        }
    }

    /** {@return every target Rivet knows, in a fixed order} */
    public static List<Target> known() {
        return KNOWN;
    }

    /**
     * Parses a target string: {@code x86_64-linux}, {@code aarch64-linux}, {@code arm64-macos} or
     * {@code x86_64-macos}. The aliases {@code amd64}, {@code arm64} (on Linux) and {@code aarch64}
     * (on macOS) and the suffixes {@code -gnu} and OS names {@code darwin} are accepted too.
     *
     * @param text the target string
     * @return the target
     * @throws LinkException if the string names no known target; its message lists the known ones
     */
    public static Target parse(String text) {
        Objects.requireNonNull(text, "text");
        String s = text.trim().toLowerCase(java.util.Locale.ROOT);
        String[] parts = s.split("-");
        Architecture arch = null;
        OperatingSystem os = null;
        if (parts.length >= 2) {
            arch = switch (parts[0]) {
                case "x86_64", "amd64", "x86-64" -> Architecture.X86_64;
                case "aarch64", "arm64" -> Architecture.AARCH64;
                default -> null;
            };
            // Accept triples such as x86_64-pc-linux-gnu or arm64-apple-macos11.
            for (int i = 1; i < parts.length && os == null; i++) {
                String p = parts[i];
                if (p.equals("linux")) {
                    os = OperatingSystem.LINUX;
                } else if (p.startsWith("macos") || p.startsWith("darwin") || p.startsWith("macosx")) {
                    os = OperatingSystem.MACOS;
                }
            }
        }
        if (arch == null || os == null) {
            throw new LinkException(Diagnostic.error("unknown target '" + text + "'")
                    .withHint("known targets: " + String.join(", ", KNOWN.stream().map(Target::toString).toList())));
        }
        return new Target(arch, os, os == OperatingSystem.MACOS ? ObjectFormat.MACHO : ObjectFormat.ELF);
    }

    /** {@return the entry symbol programs for this target start at: {@code _start} for ELF, {@code _main} for Mach-O} */
    public String defaultEntry() {
        return format == ObjectFormat.MACHO ? "_main" : "_start";
    }

    /** {@return the canonical target string, such as {@code aarch64-linux} or {@code arm64-macos}} */
    @Override
    public String toString() {
        String arch = (os == OperatingSystem.MACOS && architecture == Architecture.AARCH64)
                ? "arm64" : architecture.canonicalName();
        return arch + "-" + (os == OperatingSystem.LINUX ? "linux" : "macos");
    }
}
