package dev.rivet.linker.elf;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rivet.linker.Target;
import dev.rivet.linker.testing.ExternalTools;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * GNU indirect functions in static executables: calls go through an IPLT stub whose slot the
 * startup code fills from {@code .rela.iplt} (here the program does it, as glibc's static startup
 * does); a pointer to the function is the same wherever it is taken.
 */
class IfuncLinkTest {
    @TempDir
    Path dir;

    static final String IFUNC = CompiledPrograms.SYSCALLS + """
            typedef int (*op_t)(int);
            static int add_one(int x) { return x + 1; }
            static int add_two(int x) { return x + 2; }
            static op_t resolve_op(void) { return add_two; }
            int op(int) __attribute__((ifunc("resolve_op")));
            struct rela { unsigned long offset, info; long addend; };
            extern const struct rela __rela_iplt_start[], __rela_iplt_end[];
            op_t op_pointer = op;
            op_t other_pointer(void);
            void _start(void) {
                int n = 0;
                for (const struct rela *r = __rela_iplt_start; r < __rela_iplt_end; r++, n++) {
                    *(unsigned long *) r->offset = ((unsigned long (*)(void)) r->addend)();
                }
                int v = op(40) + op_pointer(1);                   /* 42 + 3 */
                if (op_pointer == other_pointer() && n == 1) syscall3(SYS_WRITE, 1, (long) "same\\n", 5);
                syscall3(SYS_EXIT, v + (add_one(0) - 1), 0, 0);
                for (;;) { }
            }
            """;
    static final String OTHER = "int op(int);\ntypedef int (*op_t)(int);\nop_t other_pointer(void) { return op; }\n";

    @ParameterizedTest
    @MethodSource("dev.rivet.linker.elf.ObjectLinkTest#targetsAndCodeModels")
    void indirectFunctionsRunAsInGnuLdsBuild(Target t, List<String> codeModel) {
        List<Path> objects = CompiledPrograms.compile(t, dir, codeModel, "ifunc.c", IFUNC, "other.c", OTHER);
        CompiledPrograms.Runs runs = CompiledPrograms.runBoth(t, dir, objects);
        assertThat(runs.reference().exitCode()).isEqualTo(45);
        assertThat(runs.reference().stdout()).isEqualTo("same\n");
        Path exe = runs.rivet();
        String readelf = ExternalTools.run(List.of(ExternalTools.require("readelf").toString(), "-a", "-W", exe.toString())).stdout();
        assertThat(readelf).containsPattern("IFUNC +GLOBAL +DEFAULT +\\d+ op\\b")
                .containsPattern("Relocation section '\\.rela\\.iplt' .* contains 1 entr")
                .containsPattern("R_(X86_64|AARCH64)_IRELATIVE")
                .doesNotContainIgnoringCase("warning");
    }
}
