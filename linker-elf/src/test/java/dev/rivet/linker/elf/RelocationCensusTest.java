package dev.rivet.linker.elf;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rivet.linker.Architecture;
import dev.rivet.linker.testing.ExternalTools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every relocation type in Debian's static C and C++ runtime libraries and gcc's start files is
 * one the engine handles: the census is taken from the installed libraries at test time.
 */
class RelocationCensusTest {
    private static List<Path> libraries(Architecture a) {
        List<String> x86 = List.of("/usr/lib/x86_64-linux-gnu/libc.a", "/usr/lib/x86_64-linux-gnu/libm-2.36.a",
                "/usr/lib/gcc/x86_64-linux-gnu/12/libstdc++.a", "/usr/lib/gcc/x86_64-linux-gnu/12/libgcc.a",
                "/usr/lib/gcc/x86_64-linux-gnu/12/libgcc_eh.a", "/usr/lib/x86_64-linux-gnu/crt1.o",
                "/usr/lib/gcc/x86_64-linux-gnu/12/crtbeginT.o", "/usr/lib/x86_64-linux-gnu/libz.a");
        List<String> arm = List.of("/usr/aarch64-linux-gnu/lib/libc.a", "/usr/aarch64-linux-gnu/lib/libm.a",
                "/usr/lib/gcc-cross/aarch64-linux-gnu/12/libstdc++.a", "/usr/lib/gcc-cross/aarch64-linux-gnu/12/libgcc.a",
                "/usr/lib/gcc-cross/aarch64-linux-gnu/12/libgcc_eh.a", "/usr/aarch64-linux-gnu/lib/crt1.o",
                "/usr/lib/gcc-cross/aarch64-linux-gnu/12/crtbeginT.o", "/usr/lib/aarch64-linux-gnu/libz.a");
        return (a == Architecture.X86_64 ? x86 : arm).stream().map(Path::of).toList();
    }

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void everyTypeInDebiansStaticLibrariesIsHandled(Architecture a) {
        String readelf = ExternalTools.require("readelf").toString();
        Pattern type = Pattern.compile("\\b(R_(?:X86_64|AARCH64)_[A-Z0-9_]+)\\b");
        TreeSet<String> seen = new TreeSet<>();
        List<Path> present = new ArrayList<>();
        for (Path lib : libraries(a)) {
            if (!Files.exists(lib)) {
                if (ExternalTools.required()) {
                    throw new AssertionError(lib + " is missing (RIVET_REQUIRE_TOOLS=1)");
                }
                continue;
            }
            present.add(lib);
            Matcher m = type.matcher(ExternalTools.run(List.of(readelf, "-r", "-W", lib.toString())).stdout());
            while (m.find()) {
                seen.add(m.group(1));
            }
        }
        org.junit.jupiter.api.Assumptions.assumeFalse(present.isEmpty(), "no libraries for " + a);
        assertThat(seen).hasSizeGreaterThan(5);
        RelocationTypes types = RelocationTypes.of(a);
        List<String> unhandled = new ArrayList<>();
        for (String name : seen) {
            int number = types.number(name);
            if (number < 0 || types.op(number) < 0) {
                unhandled.add(name);
            }
        }
        assertThat(unhandled).as("relocation types in " + present + " that Rivet does not handle").isEmpty();
    }
}
