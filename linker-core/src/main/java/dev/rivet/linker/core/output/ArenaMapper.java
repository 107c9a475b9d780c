package dev.rivet.linker.core.output;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maps a file into a shared {@code java.lang.foreign.Arena} of Java 22, whose closing unmaps it.
 *
 * <p>This is the Java 17 build of the class: it reaches the API through method handles, and is
 * not {@link #available()} before Java 22. linker-core's jar is multi-release, and carries a Java
 * 22 build of it ({@code src/main/java22}) that calls the API directly: on a cold JVM the handles'
 * adapters are spun at run time (ten hidden classes, about 10 ms of every CLI start on JDK 25).
 * This one serves a JDK 22 or later only when the classes are used unpackaged (tests, an IDE) or
 * the build found no JDK 22 to compile the other.
 */
final class ArenaMapper {
    private static final Logger LOG = LoggerFactory.getLogger(ArenaMapper.class);
    private static final Handles HANDLES = Handles.find();

    private ArenaMapper() { }

    /** {@return whether {@link #map} maps into arenas on this JVM} */
    static boolean available() {
        return HANDLES != null;
    }

    /** {@return how files are mapped, for the log} */
    static String description() {
        return "java.lang.foreign.Arena, through method handles";
    }

    /**
     * Maps the first {@code size} bytes of a file into a new shared arena.
     *
     * @throws IOException if the file cannot be mapped
     * @throws IllegalStateException if not {@link #available()}
     */
    static MappedFiles.Mapping map(FileChannel ch, FileChannel.MapMode mode, long size) throws IOException {
        AutoCloseable arena = newArena();
        try {
            return new MappedFiles.Mapping(mapInto(ch, mode, size, arena), arena);
        } catch (IOException | RuntimeException | Error e) {
            closeQuietly(arena);
            throw e;
        }
    }

    /**
     * {@return a new shared arena, which files can be mapped into together}
     *
     * @throws IOException if it cannot be made
     * @throws IllegalStateException if not {@link #available()}
     */
    static AutoCloseable newArena() throws IOException {
        if (HANDLES == null) {
            throw new IllegalStateException("java.lang.foreign.Arena is not available");
        }
        try {
            return (AutoCloseable) HANDLES.ofShared.invoke();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t);
        }
    }

    /**
     * {@return the first {@code size} bytes of a file, mapped into an arena of {@link #newArena}}
     *
     * @throws IOException if the file cannot be mapped
     */
    static ByteBuffer mapInto(FileChannel ch, FileChannel.MapMode mode, long size, AutoCloseable arena) throws IOException {
        try {
            return (ByteBuffer) HANDLES.asByteBuffer.invoke(HANDLES.map.invoke(ch, mode, 0L, size, arena));
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t);
        }
    }

    private static void closeQuietly(AutoCloseable arena) {
        if (arena != null) {
            try {
                arena.close();
            } catch (Exception ignored) {
                // nothing was mapped into it, or it is closed already
            }
        }
    }

    /** Arena.ofShared, FileChannel.map into an arena, MemorySegment.asByteBuffer; null before 22. */
    private record Handles(MethodHandle ofShared, MethodHandle map, MethodHandle asByteBuffer) {
        static Handles find() {
            if (Runtime.version().feature() < 22) {
                return null; // 21 has the API as a preview only
            }
            try {
                MethodHandles.Lookup l = MethodHandles.publicLookup();
                Class<?> arena = Class.forName("java.lang.foreign.Arena");
                Class<?> segment = Class.forName("java.lang.foreign.MemorySegment");
                return new Handles(
                        l.findStatic(arena, "ofShared", MethodType.methodType(arena)),
                        l.findVirtual(FileChannel.class, "map", MethodType.methodType(segment, FileChannel.MapMode.class, long.class, long.class, arena)),
                        l.findVirtual(segment, "asByteBuffer", MethodType.methodType(ByteBuffer.class)));
            } catch (ReflectiveOperationException | RuntimeException e) {
                LOG.debug("no java.lang.foreign mapping: {}", e.toString());
                return null;
            }
        }
    }
}
