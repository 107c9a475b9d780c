package dev.rivet.linker;

import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;

/**
 * A build ID written into the output (ELF's {@code .note.gnu.build-id}), as GNU ld's
 * {@code --build-id}: a hash of the output, a random UUID, given bytes, or none. Immutable.
 */
public final class BuildId {
    /** How the ID is made. */
    public enum Style {
        /** No build ID. */
        NONE,
        /**
         * A fast hash of the output (20 bytes, the length of GNU ld's and mold's IDs): the same
         * inputs give the same ID. XXH64 of each MiB of the output in parallel, then of those
         * hashes, as lld's default ID (which is 8 bytes); as unlikely to collide as a 64-bit hash.
         * Much faster than SHA-1 on a JVM that has not compiled the JDK's SHA-1 with the CPU's
         * instructions yet, such as a command-line link's. What a bare {@code --build-id} of
         * {@code rivet ld} makes.
         */
        FAST,
        /**
         * SHA-1 of the output (20 bytes): the same inputs give the same ID. An output over 1 MiB
         * is hashed a MiB at a time in parallel, and the ID is the SHA-1 of those hashes, as lld
         * and mold make it.
         */
        SHA1,
        /** MD5 of the output (16 bytes), in 1 MiB chunks as SHA-1 when it is larger. */
        MD5,
        /** A random UUID (16 bytes): different on every link. */
        UUID,
        /** Bytes the caller gives. */
        HEX
    }

    private static final BuildId NONE = new BuildId(Style.NONE, new byte[0]);
    private static final BuildId FAST = new BuildId(Style.FAST, new byte[0]);
    private static final BuildId SHA1 = new BuildId(Style.SHA1, new byte[0]);
    private static final BuildId MD5 = new BuildId(Style.MD5, new byte[0]);
    private static final BuildId UUID = new BuildId(Style.UUID, new byte[0]);

    private final Style style;
    private final byte[] value;

    private BuildId(Style style, byte[] value) {
        this.style = style;
        this.value = value;
    }

    /** {@return no build ID} */
    public static BuildId none() {
        return NONE;
    }

    /** {@return a fast hash of the output} */
    public static BuildId fast() {
        return FAST;
    }

    /** {@return a SHA-1 of the output} */
    public static BuildId sha1() {
        return SHA1;
    }

    /** {@return an MD5 of the output} */
    public static BuildId md5() {
        return MD5;
    }

    /** {@return a random UUID} */
    public static BuildId uuid() {
        return UUID;
    }

    /**
     * {@return given bytes as the ID}
     *
     * @param bytes at least one byte
     * @throws IllegalArgumentException if there are none
     */
    public static BuildId of(byte[] bytes) {
        if (bytes.length == 0) {
            throw new IllegalArgumentException("a build ID needs at least one byte");
        }
        return new BuildId(Style.HEX, bytes.clone());
    }

    /**
     * Parses GNU ld's spelling: {@code sha1}, {@code md5}, {@code uuid}, {@code 0xHEX} or
     * {@code none}, and lld's {@code fast} and {@code tree} (which means {@code sha1}).
     *
     * @param text the style
     * @return the build ID
     * @throws IllegalArgumentException naming the text if it is none of these
     */
    public static BuildId parse(String text) {
        String s = Objects.requireNonNull(text, "text").toLowerCase(Locale.ROOT);
        return switch (s) {
            case "none" -> NONE;
            case "fast" -> FAST;
            case "sha1", "tree" -> SHA1;
            case "md5" -> MD5;
            case "uuid" -> UUID;
            default -> {
                if (s.startsWith("0x") && s.length() > 2 && s.length() % 2 == 0 && s.substring(2).matches("[0-9a-f]+")) {
                    yield of(HexFormat.of().parseHex(s.substring(2)));
                }
                throw new IllegalArgumentException("unknown build ID style '" + text + "' (fast, sha1, md5, uuid, 0xHEX or none)");
            }
        };
    }

    /** {@return how the ID is made} */
    public Style style() {
        return style;
    }

    /** {@return the ID's length in bytes, 0 for none} */
    public int length() {
        return switch (style) {
            case NONE -> 0;
            case FAST, SHA1 -> 20;
            case MD5, UUID -> 16;
            case HEX -> value.length;
        };
    }

    /** {@return the given bytes of a {@link Style#HEX} ID, else empty} */
    public byte[] value() {
        return value.clone();
    }

    @Override
    public String toString() {
        return style == Style.HEX ? "0x" + HexFormat.of().formatHex(value) : style.name().toLowerCase(Locale.ROOT);
    }
}
