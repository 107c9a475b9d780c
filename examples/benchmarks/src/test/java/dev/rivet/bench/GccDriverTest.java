package dev.rivet.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rivet.linker.testing.ExternalTools;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The benchmarks give every linker the argument list gcc would give its own. */
class GccDriverTest {
    @TempDir
    Path dir;

    @Test
    void wordsInDoubleQuotesKeepTheirSpacesAndEscapes() {
        assertThat(GccDriver.split(" /usr/lib/gcc/collect2 -plugin /p.so \"-plugin-opt=-fresolution=/tmp/a b.res\""
                + " \"--hash-style=gnu\" \"a\\\"b\"  -o t main.o"))
                .containsExactly("/usr/lib/gcc/collect2", "-plugin", "/p.so", "-plugin-opt=-fresolution=/tmp/a b.res",
                        "--hash-style=gnu", "a\"b", "-o", "t", "main.o");
    }

    @Test
    void linkArgumentsAreCollect2sWithoutPluginAndOutput() throws Exception {
        ExternalTools.require("gcc");

        List<String> args = GccDriver.linkArguments("gcc", dir, List.of("-pie", "-Wl,--gc-sections", "-Wl,-z,now", "main.o"));

        assertThat(args).contains("-pie", "--gc-sections", "now", "main.o", "-lc", "-dynamic-linker")
                .doesNotContain("-plugin", "-o", "a.out")
                .noneMatch(a -> a.startsWith("-plugin-opt="));
        assertThat(args.indexOf("main.o")).isLessThan(args.indexOf("-lc"));
        assertThat(args).anyMatch(a -> a.endsWith("Scrt1.o")).anyMatch(a -> a.endsWith("crtendS.o"));
    }
}
