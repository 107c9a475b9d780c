package dev.rivet.linker.core.output;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Maps a file into a shared {@link Arena}, whose closing unmaps it. The Java 22 build of the class,
 * which JVMs of 22 and later take from linker-core's multi-release jar: it calls the API directly,
 * where the Java 17 build (src/main/java) goes through method handles whose adapters a cold JVM
 * spins at run time. The two builds have the same members.
 */
final class ArenaMapper {
    private ArenaMapper() { }

    /** {@return true: this build is only loaded on Java 22 and later} */
    static boolean available() {
        return true;
    }

    /** {@return how files are mapped, for the log} */
    static String description() {
        return "java.lang.foreign.Arena, called directly (the Java 22 build)";
    }

    /**
     * Maps the first {@code size} bytes of a file into a new shared arena.
     *
     * @throws IOException if the file cannot be mapped
     */
    static MappedFiles.Mapping map(FileChannel ch, FileChannel.MapMode mode, long size) throws IOException {
        Arena arena = Arena.ofShared();
        try {
            return new MappedFiles.Mapping(mapInto(ch, mode, size, arena), arena);
        } catch (IOException | RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /**
     * {@return a new shared arena, which files can be mapped into together}
     *
     * @throws IOException never, here: the Java 17 build's may
     */
    static AutoCloseable newArena() throws IOException {
        return Arena.ofShared();
    }

    /**
     * {@return the first {@code size} bytes of a file, mapped into an arena of {@link #newArena}}
     *
     * @throws IOException if the file cannot be mapped
     */
    static ByteBuffer mapInto(FileChannel ch, FileChannel.MapMode mode, long size, AutoCloseable arena) throws IOException {
        return ch.map(mode, 0L, size, (Arena) arena).asByteBuffer();
    }
}
