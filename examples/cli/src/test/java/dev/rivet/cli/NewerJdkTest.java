package dev.rivet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rivet.linker.Target;
import dev.rivet.linker.macho.testing.MachORunner;
import dev.rivet.linker.testing.ExternalTools;
import dev.rivet.linker.testing.ProcessMaps;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rivet is built for Java 17 and must behave on newer JDKs too: on Java 22 and later it maps files
 * through java.lang.foreign instead of sun.misc.Unsafe, whose use those JVMs warn about on
 * stderr. A link run on the newest JDK installed prints nothing and its program runs, whichever
 * build of linker-core's ArenaMapper that JDK takes.
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
        Path jdk = requireNewerJdk();
        assertThat(linkHello(jdk, RepoFiles.runtimeClassPath(), "")).as("what the JVM or Rivet printed").isEmpty();
    }

    /**
     * linker-core's jar is multi-release: a JVM of 22 or later takes the Java 22 build of
     * ArenaMapper from it, which calls java.lang.foreign directly; without the jar's Multi-Release
     * attribute the same JVM runs the Java 17 build, through method handles. Both link, and both
     * unmap a linker's inputs when it is closed.
     */
    @Test
    void mapsWithTheJava22BuildFromTheMultiReleaseJarOnly() throws Exception {
        Path jdk = requireNewerJdk();
        List<String> cp = RepoFiles.runtimeClassPath();
        String core = cp.stream().filter(e -> e.matches(".*/linker-core[^/]*")).findFirst().orElseThrow();
        String debug = "-Dorg.slf4j.simpleLogger.log.dev.rivet.linker.core.output=debug";
        List<Path> objects = twoObjects();
        for (boolean multiRelease : new boolean[] {true, false}) {
            Path jar = dir.resolve(multiRelease ? "core-mr.jar" : "core-plain.jar");
            // linker-core's classes: a directory, or a jar (read as a zip file system)
            try (FileSystem zip = Files.isDirectory(Path.of(core)) ? null : FileSystems.newFileSystem(Path.of(core))) {
                Path classes = zip == null ? Path.of(core) : zip.getPath("/");
                assertThat(classes.resolve(VERSIONED_MAPPER))
                        .as("the build compiled the Java 22 classes (a JDK 22 or later with javac is installed)").exists();
                copyAsJar(classes, jar, multiRelease);
            }
            List<String> withJar = cp.stream().map(e -> e.equals(core) ? jar.toString() : e).toList();
            String stderr = linkHello(jdk, withJar, debug);
            assertThat(stderr).as("multi-release " + multiRelease).contains("files mapped with java.lang.foreign.Arena, "
                    + (multiRelease ? "called directly (the Java 22 build)" : "through method handles"));
            assertThat(stderr.lines().filter(l -> !l.contains("DEBUG dev.rivet.linker.core.output.MappedFiles - files mapped with")))
                    .as("nothing else printed").isEmpty();
            // Closing a linker unmaps its inputs, which share one arena (MappedFiles.Group).
            List<String> cmd = new java.util.ArrayList<>(List.of(jdk.resolve("bin/java").toString(), "-cp",
                    String.join(java.io.File.pathSeparator, withJar) + java.io.File.pathSeparator + testClasses(),
                    InputsUnmappedOnClose.class.getName()));
            objects.forEach(o -> cmd.add(o.toString()));
            ExternalTools.Result closed = ExternalTools.run(cmd);
            assertThat(closed.exitCode()).as("multi-release " + multiRelease + ": " + closed.stdout() + closed.stderr()).isZero();
            assertThat(closed.stdout()).isEqualTo("unmapped 2\n");
        }
    }

    /** {@return two small x86_64 objects, compiled with gcc} */
    private List<Path> twoObjects() throws Exception {
        List<Path> out = new java.util.ArrayList<>();
        for (String name : List.of("one", "two")) {
            Path src = dir.resolve(name + ".c");
            Files.writeString(src, "int " + name + "(void) { return 1; }\n");
            Path obj = dir.resolve(name + ".o");
            ExternalTools.Result r = ExternalTools.run(List.of(ExternalTools.require("gcc").toString(), "-c", src.toString(), "-o", obj.toString()));
            assertThat(r.exitCode()).as(r.stderr()).isZero();
            out.add(obj);
        }
        return out;
    }

    /** {@return this module's test classes and linker-core's test helpers ({@link ProcessMaps}), for the test programs} */
    private static String testClasses() throws java.net.URISyntaxException {
        return location(InputsUnmappedOnClose.class) + java.io.File.pathSeparator + location(ProcessMaps.class);
    }

    private static String location(Class<?> c) throws java.net.URISyntaxException {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    /**
     * The CLI enables native access, and on Java 22 and later a code signature over 16 MiB or more
     * is then hashed by the system's libcrypto. The program is the same bytes as the JDK's digest
     * makes without native access, neither run prints more than the log asked for (no warning
     * about restricted methods), and the program runs.
     */
    @Test
    void hashesALargeCodeSignatureWithLibcryptoOnlyWhenNativeAccessIsEnabled() throws Exception {
        Path jdk = requireNewerJdk();
        boolean libcrypto = Stream.of("/lib/x86_64-linux-gnu/libcrypto.so.3", "/lib/aarch64-linux-gnu/libcrypto.so.3",
                "/usr/lib64/libcrypto.so.3", "/usr/lib/libcrypto.so.3").anyMatch(f -> Files.isRegularFile(Path.of(f)));
        if (ExternalTools.required()) {
            assertThat(libcrypto).as("OpenSSL 3's libcrypto is installed (Debian: libssl3)").isTrue();
        }
        Assumptions.assumeTrue(libcrypto, "no libcrypto.so.3");
        Path src = dir.resolve("pages.c");
        // 17 MiB of constant data in the file: more pages than PageHashes.NATIVE_FROM
        Files.writeString(src, "const char pages[17 << 20] = {1, 2};\nint main(void) { return pages[1] + 1; }\n");
        List<String> cp = multiReleaseClassPath();
        String debug = "-Dorg.slf4j.simpleLogger.log.dev.rivet.linker.core.output.PageHashes=debug";
        byte[][] outputs = new byte[2][];
        for (int n = 0; n < 2; n++) {
            boolean nativeAccess = n == 0;
            Path run = Files.createDirectories(dir.resolve(nativeAccess ? "native" : "jdk"));
            Path ld64 = RivetLd.wrapperDirectory(run, jdk, cp, (nativeAccess ? "--enable-native-access=ALL-UNNAMED " : "") + debug)
                    .resolve("ld64");
            Path exe = run.resolve("pages");
            ExternalTools.Result r = ExternalTools.run(List.of(Ld64CommandLineTest.clang(), "--target=arm64-apple-macos11",
                    "-L" + MachORunner.libSystemTbd().getParent(), "-fuse-ld=" + ld64, src.toString(), "-o", exe.toString()));
            assertThat(r.exitCode()).as(r.stderr()).isZero();
            assertThat(r.stderr().lines()).as("what the link printed").singleElement().asString()
                    .contains("DEBUG dev.rivet.linker.core.output.PageHashes - native SHA-256: ")
                    .contains(nativeAccess ? "SHA256 of /" : "not used: native access is not enabled");
            outputs[n] = Files.readAllBytes(exe);
            if (nativeAccess) {
                ExternalTools.Result ran = MachORunner.run(List.of(), exe);
                assertThat(ran.exitCode()).as(ran.stderr()).isEqualTo(3);
            }
        }
        assertThat(outputs[0].length).isGreaterThan(17 << 20);
        assertThat(Arrays.equals(outputs[0], outputs[1])).as("the same program either way").isTrue();
    }

    /**
     * A link into memory hashes the pages in a heap buffer, which the downcall takes as it takes
     * a mapped one: the same bytes with libcrypto as with the JDK's digest, and the program runs.
     */
    @Test
    void hashesALargeSignatureInMemoryWithLibcryptoToo() throws Exception {
        Path jdk = requireNewerJdk();
        Assumptions.assumeTrue(Files.isRegularFile(Path.of("/lib/x86_64-linux-gnu/libcrypto.so.3"))
                || Files.isRegularFile(Path.of("/lib/aarch64-linux-gnu/libcrypto.so.3")) || ExternalTools.required(), "no libcrypto.so.3");
        String cp = String.join(java.io.File.pathSeparator, multiReleaseClassPath()) + java.io.File.pathSeparator + testClasses();
        byte[][] outputs = new byte[2][];
        for (int n = 0; n < 2; n++) {
            boolean nativeAccess = n == 0;
            Path out = dir.resolve(nativeAccess ? "native.out" : "jdk.out");
            List<String> cmd = new java.util.ArrayList<>(List.of(jdk.resolve("bin/java").toString(), "-XX:TieredStopAtLevel=1"));
            if (nativeAccess) {
                cmd.add("--enable-native-access=ALL-UNNAMED");
            }
            cmd.addAll(List.of("-Dorg.slf4j.simpleLogger.log.dev.rivet.linker.core.output.PageHashes=debug", "-cp", cp,
                    LargeMachOInMemory.class.getName(), out.toString()));
            ExternalTools.Result r = ExternalTools.run(cmd);
            assertThat(r.exitCode()).as(r.stderr()).isZero();
            assertThat(r.stderr()).contains(nativeAccess ? "native SHA-256: SHA256 of /" : "native SHA-256: not used").doesNotContain("WARNING");
            outputs[n] = Files.readAllBytes(out);
        }
        assertThat(Arrays.equals(outputs[0], outputs[1])).as("the same program either way").isTrue();
        ExternalTools.Result ran = MachORunner.run(List.of(), dir.resolve("native.out"));
        assertThat(ran.exitCode()).as(ran.stderr()).isEqualTo(3);
    }

    /** {@return Rivet's class path with linker-core as a multi-release jar, as the CLI's jar is} */
    private List<String> multiReleaseClassPath() throws IOException {
        List<String> cp = RepoFiles.runtimeClassPath();
        String core = cp.stream().filter(e -> e.matches(".*/linker-core[^/]*")).findFirst().orElseThrow();
        if (!Files.isDirectory(Path.of(core))) {
            return cp;
        }
        Path jar = dir.resolve("core-mr.jar");
        copyAsJar(Path.of(core), jar, true);
        return cp.stream().map(e -> e.equals(core) ? jar.toString() : e).toList();
    }

    private static final String VERSIONED_MAPPER = "META-INF/versions/22/dev/rivet/linker/core/output/ArenaMapper.class";

    private Path requireNewerJdk() {
        Optional<Path> jdk = newerJdk();
        // Skipped even under RIVET_REQUIRE_TOOLS: no Debian 12 package .ci/run could install
        // provides a JDK 22+ (this project's machines come with Temurin's).
        Assumptions.assumeTrue(jdk.isPresent(), "no JDK 22 or later under /usr/lib/jvm");
        return jdk.get();
    }

    /** Links a hello world with gcc and the given Rivet, runs it, and returns what gcc's run printed on stderr. */
    private String linkHello(Path jdk, List<String> classPath, String jvmOptions) throws Exception {
        Path src = dir.resolve("hello.c");
        Files.writeString(src, "#include <stdio.h>\nint main(void) { puts(\"hello from a newer JDK\"); return 5; }\n");
        Path exe = dir.resolve("hello");
        Files.deleteIfExists(exe);
        Path wrapper = RivetLd.wrapperDirectory(dir, jdk, classPath, jvmOptions);
        ExternalTools.Result r = ExternalTools.run(List.of(ExternalTools.require("gcc").toString(), "-static", "-B" + wrapper + "/",
                src.toString(), "-o", exe.toString()));
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        ExternalTools.Result run = ExternalTools.runProgram(Target.X86_64_LINUX, exe);
        assertThat(run.stdout()).isEqualTo("hello from a newer JDK\n");
        assertThat(run.exitCode()).isEqualTo(5);
        return r.stderr();
    }

    /** Copies the class files under {@code root} into a jar, marked multi-release or not. */
    private static void copyAsJar(Path root, Path jar, boolean multiRelease) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        if (multiRelease) {
            manifest.getMainAttributes().put(Attributes.Name.MULTI_RELEASE, "true");
        }
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest);
                Stream<Path> files = Files.walk(root)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                String name = root.relativize(f).toString().replace('\\', '/');
                if (!name.equals("META-INF/MANIFEST.MF")) {
                    out.putNextEntry(new JarEntry(name));
                    out.write(Files.readAllBytes(f));
                    out.closeEntry();
                }
            }
        }
    }
}
