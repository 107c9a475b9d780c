package dev.rivet.linker.elf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rivet.linker.LinkResult;
import dev.rivet.linker.Linker;
import dev.rivet.linker.SymbolKind;
import dev.rivet.linker.Target;
import dev.rivet.linker.testing.ExternalTools;
import dev.rivet.linker.testing.ProcessMaps;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code Linker.close()} releases the mapped inputs at once, and a closed linker refuses further use. */
class LinkerCloseTest {
    @TempDir
    Path dir;


    @Test
    void closeUnmapsTheInputsAndTheLinkerCannotBeUsedAfterwards() throws Exception {
        ExternalTools.require("gcc");
        List<Path> objects = CompiledPrograms.compile(Target.X86_64_LINUX, dir, List.of(), "main.c", ObjectLinkTest.MAIN,
                "util.c", ObjectLinkTest.UTIL);
        Path exe = dir.resolve("prog");
        LinkResult result;
        try (Linker linker = Linker.create(Target.X86_64_LINUX)) {
            objects.forEach(linker::addInput);
            result = linker.link(exe);
            assertThat(ProcessMaps.mappingsOf(objects.get(0))).as("mapped while the linker is open").isPositive();
            linker.close();
            assertThat(ProcessMaps.mappingsOf(objects.get(0))).as("mapped after close").isZero();
            assertThat(ProcessMaps.mappingsOf(objects.get(1))).isZero();
            assertThatThrownBy(() -> linker.link(dir.resolve("again"))).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("closed");
            assertThatThrownBy(() -> linker.addInput(objects.get(0))).isInstanceOf(IllegalStateException.class);
            int put = linker.loader().lookup("put");
            assertThatThrownBy(() -> linker.loader().update(put, b -> b.kind(SymbolKind.TEXT))).isInstanceOf(IllegalStateException.class);
            assertThat(linker.loader().name(put)).isEqualTo("put"); // reading what was loaded is fine
        } // closing again does nothing
        assertThat(result.address("_start")).isPresent();
        assertThat(ExternalTools.runProgram(Target.X86_64_LINUX, exe).exitCode()).isEqualTo(25);
    }

    @Test
    void closingWhileALinkRunsIsRefusedAndAfterItWorks() throws Exception {
        Linker linker = Linker.create(Target.X86_64_LINUX, dev.rivet.linker.LinkOptions.builder().threads(2).build());
        java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        int slow = linker.loader().define("slow", SymbolKind.RODATA, b -> b.generator(8, o -> {
            started.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        linker.loader().define("_start", SymbolKind.TEXT, b -> b.addAddress(slow, 0));
        Thread t = new Thread(linker::linkToMemory);
        t.start();
        started.await();
        assertThatThrownBy(linker::close).isInstanceOf(IllegalStateException.class).hasMessageContaining("a link is running");
        release.countDown();
        t.join();
        linker.close();
        assertThatThrownBy(linker::linkToMemory).isInstanceOf(IllegalStateException.class);
    }
}
