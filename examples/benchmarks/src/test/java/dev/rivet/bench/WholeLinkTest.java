package dev.rivet.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link WholeLink}'s timing of linkers that start a process per link: in turn, round by round. */
class WholeLinkTest {
    @TempDir
    Path dir;

    /** A fake linker: appends its name to the log and writes the file after -o, or fails on its third link. */
    private WholeLink.Tool fake(String name, boolean failsThird) throws Exception {
        Path script = dir.resolve(name + ".sh");
        Files.writeString(script, "#!/bin/sh\n"
                + "echo " + name + " >> log\n"
                + (failsThird ? "[ \"$(grep -c " + name + " log)\" -ge 3 ] && { echo broken; exit 3; }\n" : "")
                + "while [ $# -gt 0 ]; do [ \"$1\" = -o ] && echo linked > \"$2\"; shift; done\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return new WholeLink.Tool(name, name, WholeLink.Kind.EXTERNAL, WholeLink.Format.ELF, List.of(script.toString()),
                List.of(), name + " 1.0");
    }

    @Test
    void linkersAreTimedInTurnAfterAnUntimedRound() throws Exception {
        var w = new WholeLink.Workload("fake", "fake", dir, WholeLink.Format.ELF, List.of("in.o"), 0);
        var rows = WholeLink.measureInTurn(List.of(fake("a", false), fake("b", false), fake("c", true)), w, 3);
        // c fails on its third link (the second timed round) and is left out after it
        assertThat(Files.readAllLines(dir.resolve("log"))).containsExactly("a", "b", "c", "a", "b", "c", "a", "b", "c", "a", "b");
        assertThat(rows).extracting(r -> r.name).containsExactly("a", "b", "c");
        assertThat(rows.get(0).wall).hasSize(3);
        assertThat(rows.get(0).failure).isNull();
        assertThat(rows.get(0).outputBytes).isEqualTo("linked\n".length());
        assertThat(rows.get(2).failure).startsWith("exit 3").contains("broken");
    }
}
