package dev.rivet.linker.core.output;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Releases file mappings now rather than when the garbage collector gets to them: Java 17 has no
 * public unmap, so this uses {@code sun.misc.Unsafe.invokeCleaner} (module jdk.unsupported), as
 * Lucene does. Two reasons: Linux refuses to execute a file while a writable mapping of it
 * exists (ETXTBSY), and a long-running process that links many times would otherwise hold every
 * input it ever mapped until a collection happens to run. A buffer must not be touched after
 * it is unmapped: callers guarantee that no one still uses it.
 */
public final class MappedFiles {
    private static final Logger LOG = LoggerFactory.getLogger(MappedFiles.class);
    private static final MethodHandle INVOKE_CLEANER = findCleaner();

    private MappedFiles() { }

    /**
     * Unmaps a buffer returned by {@code FileChannel.map} (not a slice or duplicate of one).
     *
     * @param map the mapping
     */
    public static void unmap(MappedByteBuffer map) {
        if (INVOKE_CLEANER == null) {
            return;
        }
        try {
            INVOKE_CLEANER.invokeExact(map);
        } catch (Throwable t) {
            LOG.debug("could not unmap early", t);
        }
    }

    private static MethodHandle findCleaner() {
        try {
            Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
            java.lang.reflect.Field f = unsafeClass.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            Object unsafe = f.get(null);
            MethodHandle h = MethodHandles.lookup().findVirtual(unsafeClass, "invokeCleaner",
                    MethodType.methodType(void.class, ByteBuffer.class));
            return h.bindTo(unsafe).asType(MethodType.methodType(void.class, MappedByteBuffer.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.warn("cannot unmap files early ({}); running a program right after linking it may fail with ETXTBSY", e.toString());
            return null;
        }
    }
}
