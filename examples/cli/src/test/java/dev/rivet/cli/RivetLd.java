package dev.rivet.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * A directory holding an {@code ld} that runs this build of {@code rivet ld}, for {@code gcc -B DIR/},
 * and an {@code ld64} that runs {@code rivet ld64}, for {@code clang -fuse-ld=DIR/ld64}.
 */
final class RivetLd {
    private RivetLd() { }

    /**
     * Writes the wrappers (the CLI jar is not packaged yet when tests run, so they run the classes).
     *
     * @param dir a scratch directory
     * @return the directory to pass as {@code -B DIR/}
     */
    static Path wrapperDirectory(Path dir) throws IOException {
        return wrapperDirectory(dir, Path.of(System.getProperty("java.home")));
    }

    /**
     * Writes the wrapper for a JDK of the caller's choice.
     *
     * @param dir a scratch directory
     * @param javaHome the JDK that runs Rivet
     * @return the directory to pass as {@code -B DIR/}
     */
    static Path wrapperDirectory(Path dir, Path javaHome) throws IOException {
        return wrapperDirectory(dir, javaHome, RepoFiles.runtimeClassPath(), "");
    }

    /**
     * Writes the wrapper for a JDK, class path and JVM options of the caller's choice.
     *
     * @param dir a scratch directory
     * @param javaHome the JDK that runs Rivet
     * @param classPath Rivet's class path
     * @param jvmOptions more JVM options, separated by spaces (each word quoted as it is)
     * @return the directory to pass as {@code -B DIR/}
     */
    static Path wrapperDirectory(Path dir, Path javaHome, List<String> classPath, String jvmOptions) throws IOException {
        Path bin = Files.createDirectories(dir.resolve("rivet-bin"));
        String javaCommand = javaHome.resolve("bin").resolve("java").toString();
        String cp = String.join(java.io.File.pathSeparator, classPath);
        for (String command : new String[] {"ld", "ld64"}) {
            Path script = bin.resolve(command);
            Files.writeString(script, "#!/bin/sh\nexec '" + javaCommand + "' -XX:TieredStopAtLevel=1 " + jvmOptions + " -cp '" + cp
                    + "' dev.rivet.cli.Main " + command + " \"$@\"\n");
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        return bin;
    }
}
