package dev.rivet.linker.core.output;

import java.nio.ByteBuffer;

/**
 * SHA-256 from the system's libcrypto, which uses the CPU's SHA instructions where a cold JVM's
 * {@code MessageDigest} cannot (those are C2's intrinsics, and the CLI runs C1 only).
 *
 * <p>This is the Java 17 build of the class, which never finds the library: it would need
 * java.lang.foreign's downcalls, final in Java 22. linker-core's jar carries a Java 22 build
 * ({@code src/main/java22}) with the same members.
 */
final class NativeSha256 {
    private NativeSha256() { }

    /** {@return false: without Java 22's downcalls there is no native SHA-256} */
    static boolean available() {
        return false;
    }

    /** {@return why the native SHA-256 is not used, for the log} */
    static String description() {
        return "not on this JVM (java.lang.foreign's downcalls need Java 22)";
    }

    /**
     * Would write the SHA-256 of each page of {@code file}'s bytes [0, limit) from page
     * {@code first} up to {@code end} into {@code out} from offset {@code at} on.
     *
     * @throws UnsupportedOperationException always: this build is never {@link #available()}
     */
    static void digestPages(ByteBuffer file, int limit, int pageSize, int first, int end, ByteBuffer out, int at) {
        throw new UnsupportedOperationException("no native SHA-256 before Java 22");
    }
}
