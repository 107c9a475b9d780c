package dev.rivet.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rivet.linker.LinkResult;
import dev.rivet.linker.Linker;
import dev.rivet.linker.Target;
import dev.rivet.linker.testing.ExternalTools;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The frontend case's objects hold the builder program: Rivet and mold link them to the same code. */
class ElfObjectWriterTest {
    private static final int N = 3000;
    private static final int FILES = 3;

    @TempDir
    Path dir;

    private List<Path> writeObjects() throws Exception {
        List<Path> objects = new ArrayList<>();
        for (int f = 0; f < FILES; f++) {
            Path p = dir.resolve("o" + f + ".o");
            ElfObjectWriter.write(p, N, N * f / FILES, N * (f + 1) / FILES, f == 0);
            objects.add(p);
        }
        return objects;
    }

    @Test
    void rivetLinksTheObjectsAsItLinksTheBuilderProgram() throws Exception {
        LinkResult fromObjects;
        try (Linker linker = Linker.create(Target.X86_64_LINUX)) {
            for (Path o : writeObjects()) {
                linker.addInput(o);
            }
            fromObjects = linker.link(dir.resolve("from-objects"));
        }
        LinkResult fromBuilder;
        try (Linker linker = Linker.create(Target.X86_64_LINUX)) {
            SyntheticProgram.define(linker, N);
            fromBuilder = linker.link(dir.resolve("from-builder"));
        }

        assertThat(fromObjects.statistics().liveAtoms()).isEqualTo(N + 1);
        assertThat(fromObjects.statistics().deadAtoms()).isZero();
        assertThat(fromObjects.statistics().relocations()).isEqualTo(3L * N + 1);
        assertThat(fromObjects.statistics().relocations()).isEqualTo(fromBuilder.statistics().relocations());
        // From the objects, _start (last in object 0) is followed by padding to the next function.
        assertThat(FrontendLink.executableBytes(dir.resolve("from-builder"))).isEqualTo(SyntheticProgram.contentBytes(N));
        assertThat(FrontendLink.executableBytes(dir.resolve("from-objects")))
                .isBetween(SyntheticProgram.contentBytes(N), SyntheticProgram.contentBytes(N) + 15);
    }

    @Test
    void moldLinksTheObjects() throws Exception {
        Path mold = ExternalTools.require("mold");
        List<String> cmd = new ArrayList<>(List.of(mold.toString(), "--no-fork"));
        cmd.addAll(WholeLink.FLAGS);
        cmd.addAll(List.of("-o", dir.resolve("out").toString()));
        for (Path o : writeObjects()) {
            cmd.add(o.toString());
        }

        Processes.Run r = Processes.run(cmd, dir, 120);

        assertThat(r.exit()).as(r.output()).isZero();
        // mold keeps each object's order, so _start (last in object 0) may be followed by padding.
        assertThat(FrontendLink.executableBytes(dir.resolve("out")))
                .isBetween(SyntheticProgram.contentBytes(N), SyntheticProgram.contentBytes(N) + 15);
    }

    @Test
    void tooManyFunctionsForOneObjectAreRefused() {
        assertThatThrownBy(() -> ElfObjectWriter.bytes(100_000, 0, 40_000, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("use more objects");
    }
}
