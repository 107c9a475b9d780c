package dev.rivet.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** A directory holding an {@code ld} that runs this build of {@code rivet ld}, for {@code gcc -B DIR/}. */
final class RivetLd {
    private RivetLd() { }

    /**
     * Writes the wrapper (the CLI jar is not packaged yet when tests run, so it runs the classes).
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
        Path bin = Files.createDirectories(dir.resolve("rivet-bin"));
        Path ld = bin.resolve("ld");
        String javaCommand = javaHome.resolve("bin").resolve("java").toString();
        String cp = String.join(java.io.File.pathSeparator, RepoFiles.runtimeClassPath());
        Files.writeString(ld, "#!/bin/sh\nexec '" + javaCommand + "' -XX:TieredStopAtLevel=1 -cp '" + cp
                + "' dev.rivet.cli.Main ld \"$@\"\n");
        Files.setPosixFilePermissions(ld, PosixFilePermissions.fromString("rwxr-xr-x"));
        return bin;
    }
}
