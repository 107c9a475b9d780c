package dev.rivet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rivet.linker.OutputKind;
import dev.rivet.linker.Target;
import dev.rivet.linker.testing.ExternalTools;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import org.junit.jupiter.api.Test;

/** The training run behind the CLI's class-data-sharing archive and AOT cache. */
class CdsTrainingTest {
    @Test
    void loadsRivetsClassesAndLinksEveryLinuxTargetAndKind() {
        int[] counts = CdsTraining.train(true);
        assertThat(counts[0]).as("classes loaded").isGreaterThan(100);
        long linuxTargets = Target.known().stream().filter(t -> t.os() == dev.rivet.linker.OperatingSystem.LINUX).count();
        assertThat(counts[1]).as("links").isGreaterThanOrEqualTo((int) linuxTargets * OutputKind.values().length);
    }

    @Test
    void linksAPieAStaticProgramASharedLibraryAndALargeProgramTwiceThroughRivetLdAndAMacProgramThroughRivetLd64() {
        ExternalTools.require("cc");
        ExternalTools.require("ar");
        ExternalTools.require("clang");
        int[] counts = CdsTraining.train(false);
        assertThat(counts[0]).as("classes loaded up front").isZero();
        assertThat(counts[2]).as("rivet ld and ld64 links that succeeded").isEqualTo(8);
    }

    @Test
    void isACommandThatPrintsNothing() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertThat(Main.run(new String[] {"cds-training"}, new PrintStream(out), new PrintStream(err))).isZero();
        assertThat(Main.run(new String[] {"cds-training", "--links-only"}, new PrintStream(out), new PrintStream(err))).isZero();
        assertThat(Main.run(new String[] {"cds-training", "--bogus"}, new PrintStream(out), new PrintStream(err))).isEqualTo(2);
        assertThat(out.size() + err.size()).isZero();
    }
}
