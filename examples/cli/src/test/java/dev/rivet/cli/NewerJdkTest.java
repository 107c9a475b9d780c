package dev.rivet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rivet.linker.Target;
import dev.rivet.linker.testing.ExternalTools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rivet is built for Java 17 and must behave on newer JDKs too: on Java 22 and later it maps files
 * through java.lang.foreign instead of sun.misc.Unsafe, whose use those JVMs warn about on
 * stderr. A link run on the newest JDK installed prints nothing and its program runs.
 */
class NewerJdkTest {
    @TempDir
    Path dir;

    /** The newest JDK of version 22 or later under /usr/lib/jvm (Temurin's, on this project's machines). */
    static Optional<Path> newerJdk() {
        try (Stream<Path> homes = Files.list(Path.of("/usr/lib/jvm"))) {
            return homes.filter(h -> Files.isExecutable(h.resolve("bin/java")) && featureVersion(h) >= 22)
                    .max(java.util.Comparator.comparingInt(NewerJdkTest::featureVersion).thenComparing(Path::toString));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static int featureVersion(Path home) {
        try {
            for (String line : Files.readAllLines(home.resolve("release"))) {
                if (line.startsWith("JAVA_VERSION=")) {
                    String v = line.substring("JAVA_VERSION=".length()).replace("\"", "");
                    return Integer.parseInt(v.split("[.+-]")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not a JDK we can read
        }
        return 0;
    }

    @Test
    void linksWithoutWarningsOnJava22AndLater() throws Exception {
        Optional<Path> jdk = newerJdk();
        // Skipped even under RIVET_REQUIRE_TOOLS: no Debian 12 package .ci/run could install
        // provides a JDK 22+ (this project's machines come with Temurin's).
        Assumptions.assumeTrue(jdk.isPresent(), "no JDK 22 or later under /usr/lib/jvm");
        Path src = dir.resolve("hello.c");
        Files.writeString(src, "#include <stdio.h>\nint main(void) { puts(\"hello from a newer JDK\"); return 5; }\n");
        Path exe = dir.resolve("hello");
        Path wrapper = RivetLd.wrapperDirectory(dir, jdk.get());
        ExternalTools.Result r = ExternalTools.run(List.of(ExternalTools.require("gcc").toString(), "-static", "-B" + wrapper + "/",
                src.toString(), "-o", exe.toString()));
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        assertThat(r.stderr()).as("what the JVM or Rivet printed").isEmpty();
        ExternalTools.Result run = ExternalTools.runProgram(Target.X86_64_LINUX, exe);
        assertThat(run.stdout()).isEqualTo("hello from a newer JDK\n");
        assertThat(run.exitCode()).isEqualTo(5);
    }
}
