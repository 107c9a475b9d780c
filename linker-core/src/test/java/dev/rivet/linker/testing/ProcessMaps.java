package dev.rivet.linker.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What this JVM has mapped, from {@code /proc/self/maps} (Linux). */
public final class ProcessMaps {
    private ProcessMaps() { }

    /**
     * {@return how many mappings of a file this process holds}
     *
     * @param file the file
     * @throws IOException if the file or the maps cannot be read
     */
    public static long mappingsOf(Path file) throws IOException {
        String real = file.toRealPath().toString();
        return Files.readAllLines(Path.of("/proc/self/maps")).stream().filter(l -> l.endsWith(" " + real)).count();
    }
}
