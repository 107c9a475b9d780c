package dev.rivet.linker.core.output;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;

/**
 * SHA-256 from the system's libcrypto (OpenSSL 3's one-shot {@code SHA256}), which uses the CPU's
 * SHA instructions where a cold JVM's {@code MessageDigest} cannot (those are C2's intrinsics, and
 * the CLI runs C1 only): a large Mach-O's code signature hashes in a sixth of the time.
 *
 * <p>The Java 22 build of the class. It is used only where the JVM lets this module make native
 * calls ({@code --enable-native-access=ALL-UNNAMED} on the class path, or naming
 * {@code dev.rivet.linker.core} on the module path; the {@code rivet} launcher passes it), so
 * that an embedding program never gets the JVM's warning about restricted methods. The library
 * is opened by its full path in the system's library directories, never looked for in the
 * working directory, and checked on the digest of nothing before it is trusted.
 */
final class NativeSha256 {
    /** Where Debian, Ubuntu, Fedora and Arch keep OpenSSL 3's libcrypto. */
    private static final String[] LIBRARIES = {
        "/lib/x86_64-linux-gnu/libcrypto.so.3", "/usr/lib/x86_64-linux-gnu/libcrypto.so.3",
        "/lib/aarch64-linux-gnu/libcrypto.so.3", "/usr/lib/aarch64-linux-gnu/libcrypto.so.3",
        "/usr/lib64/libcrypto.so.3", "/usr/lib/libcrypto.so.3",
    };
    private static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    private static String why;
    private static final MethodHandle SHA256 = find();

    private NativeSha256() { }

    /** {@return whether {@link #digest} may be called: native access is enabled and libcrypto was found} */
    static boolean available() {
        return SHA256 != null;
    }

    /** {@return which library hashes, or why none does, for the log} */
    static String description() {
        return why;
    }

    @SuppressWarnings("restricted") // called only when the JVM enables native access for this module
    private static MethodHandle find() {
        if (!NativeSha256.class.getModule().isNativeAccessEnabled()) {
            why = "not used: native access is not enabled for " + NativeSha256.class.getModule();
            return null;
        }
        for (String name : LIBRARIES) {
            Path path = Path.of(name);
            if (!Files.isRegularFile(path)) {
                continue;
            }
            try {
                SymbolLookup lib = SymbolLookup.libraryLookup(path, Arena.global());
                MemorySegment fn = lib.find("SHA256").orElse(null);
                if (fn == null) {
                    why = "not used: " + name + " has no SHA256";
                    continue;
                }
                // critical: no thread-state change around a call of microseconds, and heap
                // buffers (a link into memory) may be passed
                MethodHandle h = Linker.nativeLinker().downcallHandle(fn,
                        FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS),
                        Linker.Option.critical(true));
                byte[] md = new byte[32];
                MemorySegment r = (MemorySegment) h.invokeExact(MemorySegment.ofArray(new byte[1]), 0L, MemorySegment.ofArray(md));
                if (r.equals(MemorySegment.NULL) || !HexFormat.of().formatHex(md).equals(EMPTY_SHA256)) {
                    why = "not used: " + name + "'s SHA256 gave a wrong digest of nothing";
                    continue;
                }
                why = "SHA256 of " + name;
                return h;
            } catch (VirtualMachineError e) {
                throw e;
            } catch (Throwable e) { // a library that will not load or link: the JDK's digest serves
                why = "not used: " + name + ": " + e;
            }
        }
        if (why == null) {
            why = "not used: no libcrypto.so.3 found";
        }
        return null;
    }

    /**
     * Writes the SHA-256 of each page of {@code file}'s bytes [0, limit) from page {@code first}
     * up to {@code end}, 32 bytes each, into {@code out} from offset {@code at} on (the first
     * page's hash at {@code at}). The last page may be short.
     *
     * @throws IllegalStateException if the library fails
     */
    static void digestPages(ByteBuffer file, int limit, int pageSize, int first, int end, ByteBuffer out, int at) {
        // Whole buffers: a segment of a buffer spans its position to its limit
        MemorySegment in = MemorySegment.ofBuffer(file.duplicate().clear());
        MemorySegment slots = MemorySegment.ofBuffer(out.duplicate().clear());
        try {
            for (int p = first; p < end; p++) {
                long from = (long) p * pageSize;
                long length = Math.min(pageSize, limit - from);
                MemorySegment r = (MemorySegment) SHA256.invokeExact(in.asSlice(from, length), length,
                        slots.asSlice(at + (long) (p - first) * 32, 32));
                if (r.equals(MemorySegment.NULL)) {
                    throw new IllegalStateException("libcrypto's SHA256 failed");
                }
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }
}
