package dev.rivet.hello;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rivet.linker.Target;
import dev.rivet.linker.testing.ExternalTools;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A shared library built from builder symbols, loaded into this JVM and called through JNI. */
class NativeMathTest {
    @TempDir
    Path dir;

    @Test
    void aLibraryLinkedInThisProcessIsLoadedAndCalled() {
        Target host = ExternalTools.hostArchitecture().orElseThrow() == dev.rivet.linker.Architecture.AARCH64
                ? Target.AARCH64_LINUX : Target.X86_64_LINUX;
        Path lib = dir.resolve("libnativemath.so");
        NativeMath.link(host, lib);
        System.load(lib.toAbsolutePath().toString());
        assertThat(NativeMath.add(20, 15)).isEqualTo(42);
        assertThat(NativeMath.add(-7, 0)).isEqualTo(0);
    }

    @Test
    void theLibraryHasTheTablesTheLoaderNeeds() {
        for (Target t : List.of(Target.X86_64_LINUX, Target.AARCH64_LINUX)) {
            Path lib = dir.resolve("lib-" + t.architecture() + ".so");
            NativeMath.link(t, lib);
            String readelf = ExternalTools.require("readelf").toString();
            ExternalTools.Result dyn = ExternalTools.run(List.of(readelf, "-d", "--dyn-syms", "-r", "-W", lib.toString()));
            assertThat(dyn.stderr()).isEmpty();
            assertThat(dyn.stdout()).contains("Library soname: [libnativemath.so]", NativeMath.ADD, "RELATIVE");
            ExternalTools.Result h = ExternalTools.run(List.of(readelf, "-h", lib.toString()));
            assertThat(h.stdout()).contains("DYN (Shared object file)");
        }
    }
}
