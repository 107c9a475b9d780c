package dev.rivet.linker.core.output;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maps files and releases the mappings now rather than when the garbage collector gets to them.
 * Two reasons: Linux refuses to execute a file while a writable mapping of it exists (ETXTBSY),
 * and a long-running process that links many times would otherwise hold every input it ever
 * mapped until a collection happens to run.
 *
 * <p>On Java 22 and later a file is mapped into a shared {@link java.lang.foreign.Arena} whose
 * closing unmaps it (a buffer used after that throws instead of reading freed memory). Java 17
 * has no public unmap, so there this uses {@code sun.misc.Unsafe.invokeCleaner} (module
 * jdk.unsupported), as Lucene does; on the newer JVMs that call prints a deprecation warning on
 * stderr, which a library must not cause, hence the two ways. Rivet is compiled for Java 17, so
 * the newer API is reached through method handles. A buffer must not be touched after it is
 * released: callers guarantee that no one still uses it.
 */
public final class MappedFiles {
    private static final Logger LOG = LoggerFactory.getLogger(MappedFiles.class);
    private static final Arenas ARENAS = Arenas.find();
    private static final MethodHandle INVOKE_CLEANER = ARENAS == null ? findCleaner() : null;

    private MappedFiles() { }

    /** A mapped file: its bytes, and what releases them. */
    public static final class Mapping {
        private final ByteBuffer buffer;
        private final Object arena; // null: a MappedByteBuffer released with the cleaner
        private boolean released;

        private Mapping(ByteBuffer buffer, Object arena) {
            this.buffer = buffer;
            this.arena = arena;
        }

        /** {@return the mapped bytes (big-endian, as FileChannel.map gives them)} */
        public ByteBuffer buffer() {
            return buffer;
        }

        /** Unmaps the file now; the buffer and every view of it must not be used afterwards. */
        public synchronized void release() {
            if (released) {
                return;
            }
            released = true;
            try {
                if (arena != null) {
                    ARENAS.close.invoke(arena);
                } else if (INVOKE_CLEANER != null) {
                    INVOKE_CLEANER.invokeExact((MappedByteBuffer) buffer);
                }
            } catch (Throwable t) {
                LOG.debug("could not unmap early", t);
            }
        }
    }

    /**
     * Maps the first {@code size} bytes of a file.
     *
     * @param ch the open file
     * @param mode READ_ONLY or READ_WRITE
     * @param size how many bytes
     * @return the mapping, which outlives the channel
     * @throws IOException if the file cannot be mapped
     */
    public static Mapping map(FileChannel ch, FileChannel.MapMode mode, long size) throws IOException {
        if (ARENAS != null) {
            Object arena = null;
            try {
                arena = ARENAS.ofShared.invoke();
                Object segment = ARENAS.map.invoke(ch, mode, 0L, size, arena);
                return new Mapping((ByteBuffer) ARENAS.asByteBuffer.invoke(segment), arena);
            } catch (IOException | RuntimeException | Error e) {
                closeQuietly(arena);
                throw e;
            } catch (Throwable t) {
                closeQuietly(arena);
                throw new IOException(t);
            }
        }
        return new Mapping(ch.map(mode, 0, size), null);
    }

    private static void closeQuietly(Object arena) {
        if (arena != null) {
            try {
                ARENAS.close.invoke(arena);
            } catch (Throwable ignored) {
                // nothing was mapped into it, or it is closed already
            }
        }
    }

    /** Java 22's Arena, FileChannel.map into one, MemorySegment.asByteBuffer; null before 22. */
    private record Arenas(MethodHandle ofShared, MethodHandle map, MethodHandle asByteBuffer, MethodHandle close) {
        static Arenas find() {
            if (Runtime.version().feature() < 22) {
                return null; // 21 has the API as a preview only
            }
            try {
                MethodHandles.Lookup l = MethodHandles.publicLookup();
                Class<?> arena = Class.forName("java.lang.foreign.Arena");
                Class<?> segment = Class.forName("java.lang.foreign.MemorySegment");
                return new Arenas(
                        l.findStatic(arena, "ofShared", MethodType.methodType(arena)),
                        l.findVirtual(FileChannel.class, "map", MethodType.methodType(segment, FileChannel.MapMode.class, long.class, long.class, arena)),
                        l.findVirtual(segment, "asByteBuffer", MethodType.methodType(ByteBuffer.class)),
                        l.findVirtual(arena, "close", MethodType.methodType(void.class)));
            } catch (ReflectiveOperationException | RuntimeException e) {
                LOG.debug("no java.lang.foreign mapping: {}", e.toString());
                return null;
            }
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
