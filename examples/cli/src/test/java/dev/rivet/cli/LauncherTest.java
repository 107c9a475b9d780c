package dev.rivet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rivet.linker.testing.ExternalTools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ./rivet} launcher's choice of JVM and archive, on a copy of it in a scratch tree with
 * fake JDKs (17, 21 and 25) whose {@code java} records its arguments and writes the archive it is
 * asked for, so that the build's training step and the start-up command can be checked without
 * building or starting a JVM.
 */
class LauncherTest {
    @TempDir
    Path dir;

    private Path rivet;
    private Path jdks;
    private Path pathBin;
    private Path log;

    @BeforeEach
    void scratchTree() throws IOException {
        rivet = dir.resolve("rivet");
        Files.copy(RepoFiles.root().resolve("rivet"), rivet, StandardCopyOption.COPY_ATTRIBUTES);
        Files.copy(RepoFiles.root().resolve("build/jdks.sh"), Files.createDirectories(dir.resolve("build")).resolve("jdks.sh"));
        Path target = Files.createDirectories(dir.resolve("examples/cli/target"));
        Files.writeString(target.resolve("rivet.jar"), "");
        Files.writeString(target.resolve(".rivet-built"), "");
        log = dir.resolve("java.log");
        jdks = Files.createDirectories(dir.resolve("jdks"));
        for (String v : List.of("17.0.15", "21.0.2", "25.0.3")) {
            fakeJdk(jdks.resolve("jdk-" + v.substring(0, 2)), v);
        }
        // "java" on the PATH is JDK 17 by another path, as Debian's /usr/bin/java is.
        pathBin = Files.createDirectories(dir.resolve("bin"));
        Files.createSymbolicLink(pathBin.resolve("java"), jdks.resolve("jdk-17/bin/java"));
    }

    private void fakeJdk(Path home, String version) throws IOException {
        Path java = Files.createDirectories(home.resolve("bin")).resolve("java");
        Files.writeString(home.resolve("release"), "IMPLEMENTOR=\"Test\"\nJAVA_VERSION=\"" + version + "\"\n");
        Files.writeString(java, """
                #!/bin/sh
                echo "$0 $*" >> '%s'
                for a in "$@"; do
                  # A JVM without the diagnostic switch (or another JDK's) refuses to start.
                  [ "$a" = -XX:-AOTRecordTraining ] && [ -f "$(dirname "$0")/../no-training-switch" ] && exit 1
                  case "$a" in
                    -XX:ArchiveClassesAtExit=*) : > "${a#*=}" ;;
                    -XX:AOTConfiguration=*) conf="${a#*=}" ;;
                    -XX:AOTMode=record) record=1 ;;
                    -XX:AOTCache=*) [ -f "$conf" ] && : > "${a#*=}" ;;
                  esac
                done
                [ -n "$record" ] && : > "$conf"
                exit 0
                """.formatted(log));
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private ExternalTools.Result launcher(Map<String, String> env, String... args) {
        Map<String, String> e = new HashMap<>(env);
        e.put("RIVET_NO_BUILD", "1");
        e.putIfAbsent("RIVET_JDKS", jdks.toString());
        e.put("PATH", pathBin + ":/usr/bin:/bin");
        for (String v : List.of("JAVA_HOME", "RIVET_JAVA", "RIVET_JAVA_OPTS", "RIVET_TRAIN")) {
            e.putIfAbsent(v, ""); // not the test JVM's
        }
        List<String> cmd = new ArrayList<>(List.of(rivet.toString()));
        cmd.addAll(List.of(args));
        ExternalTools.Result r = ExternalTools.run(cmd, e);
        assertThat(r.exitCode()).as(r.stdout() + r.stderr()).isZero();
        return r;
    }

    private Path archives() {
        return dir.resolve("examples/cli/target/archives");
    }

    private static String key(Path java) {
        return java.toString().substring(1).replace('/', '_');
    }

    @Test
    void trainingMakesAnAotCacheForTheNewestJdkAndCdsArchivesForTheBuildsAndThePathsJava() throws IOException {
        Path jdk17 = jdks.resolve("jdk-17/bin/java").toRealPath();
        Path jdk25 = jdks.resolve("jdk-25/bin/java").toRealPath();
        launcher(Map.of("RIVET_TRAIN", "1", "JAVA_HOME", jdks.resolve("jdk-17").toRealPath().toString()));

        assertThat(Files.readString(archives().resolve("default-java")).strip()).isEqualTo(jdk25.toString());
        assertThat(archives().resolve(key(jdk25) + ".aot")).exists();
        assertThat(archives().resolve(key(jdk25) + ".aotconf")).doesNotExist();
        assertThat(archives().resolve(key(jdk17) + ".jsa")).exists();
        // The PATH's java is the same JVM: a link to its archive, not a second training run.
        Path pathArchive = archives().resolve(key(pathBin.resolve("java")) + ".jsa");
        assertThat(Files.isSymbolicLink(pathArchive)).isTrue();
        assertThat(pathArchive.toRealPath()).isEqualTo(archives().resolve(key(jdk17) + ".jsa").toRealPath());
        List<String> runs = Files.readAllLines(log);
        assertThat(runs).hasSize(4);
        // Whether the JVM takes the switch that leaves the training run's compiled methods out.
        assertThat(runs.get(0)).isEqualTo(jdk25 + " -XX:+UnlockDiagnosticVMOptions -XX:-AOTRecordTraining -version");
        // Native access (libcrypto's SHA-256) with an AOT cache only, made and used with it alike.
        assertThat(runs.get(1)).startsWith(jdk25 + " ").contains("-XX:AOTMode=record", "cds-training --links-only",
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED",
                "-XX:+UnlockDiagnosticVMOptions -XX:-AOTRecordTraining");
        assertThat(runs.get(2)).startsWith(jdk25 + " ").contains("-XX:AOTMode=create", "-XX:AOTCache=",
                "--enable-native-access=ALL-UNNAMED").doesNotContain("AOTRecordTraining");
        assertThat(runs.get(3)).startsWith(jdk17 + " ").contains("-XX:ArchiveClassesAtExit=").endsWith("cds-training")
                .doesNotContain("--enable-native-access", "AOTRecordTraining");
        assertThat(dir.resolve("examples/cli/target/.rivet-built")).exists();
    }

    @Test
    void aJvmWithoutTheSwitchForTrainingDataStillGetsItsAotCache() throws IOException {
        Files.writeString(jdks.resolve("jdk-25/no-training-switch"), "");
        Path jdk25 = jdks.resolve("jdk-25/bin/java").toRealPath();
        launcher(Map.of("RIVET_TRAIN", "1"));

        assertThat(archives().resolve(key(jdk25) + ".aot")).exists();
        List<String> runs = Files.readAllLines(log).stream().filter(r -> r.startsWith(jdk25 + " ")).toList();
        assertThat(runs).hasSize(3);
        assertThat(runs.get(1)).contains("-XX:AOTMode=record").doesNotContain("AOTRecordTraining", "UnlockDiagnosticVMOptions");
    }

    @Test
    void startsTheNewestJdkWithItsAotCacheUnlessJavaHomeOrRivetJavaSayOtherwise() throws IOException {
        Path jdk17Home = jdks.resolve("jdk-17").toRealPath();
        Path jdk25 = jdks.resolve("jdk-25/bin/java").toRealPath();
        launcher(Map.of("RIVET_TRAIN", "1", "JAVA_HOME", jdk17Home.toString()));
        String jar = dir.resolve("examples/cli/target/rivet.jar").toString();

        List<String> byDefault = launcher(Map.of(), "launch-command").stdout().lines().toList();
        assertThat(byDefault.get(0)).isEqualTo(jdk25.toString());
        assertThat(byDefault).contains("-XX:AOTCache=" + archives().resolve(key(jdk25) + ".aot"), "-cp", jar,
                "--enable-native-access=ALL-UNNAMED").endsWith("dev.rivet.cli.Main");

        List<String> javaHome = launcher(Map.of("JAVA_HOME", jdk17Home.toString()), "launch-command").stdout().lines().toList();
        assertThat(javaHome.get(0)).isEqualTo(jdk17Home + "/bin/java");
        assertThat(javaHome).contains("-XX:SharedArchiveFile=" + archives().resolve(key(jdk17Home.resolve("bin/java")) + ".jsa"))
                .noneMatch(w -> w.startsWith("-XX:AOTCache") || w.startsWith("--enable-native-access"));

        Path jdk21 = jdks.resolve("jdk-21/bin/java");
        List<String> forced = launcher(Map.of("RIVET_JAVA", jdk21.toString(), "JAVA_HOME", jdk17Home.toString()),
                "launch-command").stdout().lines().toList();
        assertThat(forced.get(0)).isEqualTo(jdk21.toString());
        assertThat(forced).noneMatch(w -> w.startsWith("-XX:AOTCache") || w.startsWith("-XX:SharedArchiveFile"));

        assertThat(launcher(Map.of("RIVET_JAVA_OPTS", "-Xmx1g -Dx=y"), "launch-command").stdout().lines())
                .containsSubsequence("-Xmx1g", "-Dx=y", "-cp");
        assertThat(launcher(Map.of(), "classpath").stdout().strip()).isEqualTo(jar);
    }

    @Test
    void withoutANewerJdkOrArchivesItRunsThePathsJava() {
        List<String> cmd = launcher(Map.of("RIVET_JDKS", dir.resolve("none").toString()), "launch-command").stdout().lines().toList();
        assertThat(cmd.get(0)).isEqualTo(pathBin.resolve("java").toString());
        assertThat(cmd).noneMatch(w -> w.startsWith("-XX:AOTCache") || w.startsWith("-XX:SharedArchiveFile"));
    }
}
