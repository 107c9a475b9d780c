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
 * closing unmaps it (a buffer used after that throws instead of reading freed memory): see
 * {@link ArenaMapper}. Java 17 has no public unmap, so there this uses
 * {@code sun.misc.Unsafe.invokeCleaner} (module jdk.unsupported), as Lucene does; on the newer
 * JVMs that call prints a deprecation warning on stderr, which a library must not cause, hence the
 * two ways. A buffer must not be touched after it is released: callers guarantee that no one
 * still uses it.
 */
public final class MappedFiles {
    private static final Logger LOG = LoggerFactory.getLogger(MappedFiles.class);
    private static final boolean ARENAS = ArenaMapper.available();
    private static final MethodHandle INVOKE_CLEANER = ARENAS ? null : findCleaner();

    static {
        LOG.debug("files mapped with {}", ARENAS ? ArenaMapper.description() : "FileChannel.map, unmapped by sun.misc.Unsafe.invokeCleaner");
    }

    private MappedFiles() { }

    /** A mapped file: its bytes, and what releases them. */
    public static final class Mapping {
        private final ByteBuffer buffer;
        private final AutoCloseable arena; // null: a MappedByteBuffer released with the cleaner
        private boolean released;

        Mapping(ByteBuffer buffer, AutoCloseable arena) {
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
                    arena.close();
                } else if (INVOKE_CLEANER != null) {
                    INVOKE_CLEANER.invokeExact((MappedByteBuffer) buffer);
                }
            } catch (Throwable t) {
                LOG.debug("could not unmap early", t);
            }
        }
    }

    /**
     * Files mapped to be released together: a linker's inputs. On Java 22 and later they share one
     * arena, whose closing costs one handshake with every thread for them all rather than one
     * each (static-large's 601 inputs: 20-50 ms closed one by one, 5-15 ms together).
     */
    public static final class Group {
        private AutoCloseable arena; // made at the first mapping; never without arenas
        private final java.util.List<Mapping> separate = new java.util.ArrayList<>(); // without arenas
        private boolean released;

        /** Creates an empty group. */
        public Group() { }

        /**
         * Maps the first {@code size} bytes of a file for reading, until the group is released.
         *
         * @param ch the open file
         * @param size how many bytes
         * @return the mapped bytes (big-endian), which outlive the channel
         * @throws IOException if the file cannot be mapped
         * @throws IllegalStateException if the group is released
         */
        public synchronized ByteBuffer map(FileChannel ch, long size) throws IOException {
            if (released) {
                throw new IllegalStateException("these mappings are released");
            }
            if (ARENAS) {
                if (arena == null) {
                    arena = ArenaMapper.newArena();
                }
                return ArenaMapper.mapInto(ch, FileChannel.MapMode.READ_ONLY, size, arena);
            }
            Mapping m = MappedFiles.map(ch, FileChannel.MapMode.READ_ONLY, size);
            separate.add(m);
            return m.buffer();
        }

        /**
         * Unmaps every file of the group now; their buffers must not be used afterwards. If the
         * arena cannot be closed (a thread still uses it), the files stay mapped, and a later
         * call tries again.
         */
        public synchronized void release() {
            if (released) {
                return;
            }
            if (arena != null) {
                try {
                    arena.close();
                } catch (Exception e) {
                    LOG.warn("could not unmap the input files yet: {}", e.toString());
                    return;
                }
            }
            released = true;
            separate.forEach(Mapping::release);
            separate.clear();
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
        if (ARENAS) {
            return ArenaMapper.map(ch, mode, size);
        }
        return new Mapping(ch.map(mode, 0, size), null);
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
