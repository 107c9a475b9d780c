package dev.rivet.cli;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** Where the repository and the test JVM's class path are, for tests that look across modules. */
final class RepoFiles {
    private RepoFiles() { }

    /** {@return the repository root (set by the build as RIVET_REPO_ROOT, else found upwards)} */
    static Path root() {
        String env = System.getenv("RIVET_REPO_ROOT");
        if (env != null && Files.isRegularFile(Path.of(env, "rivet"))) {
            return Path.of(env);
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("rivet")) && Files.isDirectory(p.resolve("linker-api"))) {
                return p;
            }
        }
        throw new AssertionError("cannot find the repository root from " + Path.of("").toAbsolutePath());
    }

    /** {@return the entries of the test class path that Rivet itself needs at run time} */
    static List<String> runtimeClassPath() {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return Arrays.stream(cp.split(File.pathSeparator))
                .filter(e -> !e.endsWith("test-classes") && !e.endsWith("-tests.jar"))
                .filter(e -> e.matches(".*(/linker-(api|core|elf|macho)|/hello|/cli|fastutil|slf4j-api|slf4j-simple).*"))
                .toList();
    }
}
