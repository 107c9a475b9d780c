package dev.rivet.linker.elf;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rivet.linker.Target;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code __thread} variables in static executables: local-exec accesses, and initial-exec ones
 * (an extern variable under PIE) relaxed to local-exec, on both architectures. Without a C
 * library the program sets up its own thread pointer from PT_TLS, as libc would.
 */
class ThreadLocalLinkTest {
    @TempDir
    Path dir;

    static final String TLS = CompiledPrograms.SYSCALLS + """
            extern char __ehdr_start[];
            typedef struct { unsigned int type, flags; unsigned long offset, vaddr, paddr, filesz, memsz, align; } Phdr;
            static char block[4096] __attribute__((aligned(64)));
            __thread int counter = 40;
            __thread long zeroed[4];
            extern __thread int shared;
            int read_shared(void);
            static void setup_tls(void) {
                unsigned long phoff = *(unsigned long *) (__ehdr_start + 32);
                unsigned short phnum = *(unsigned short *) (__ehdr_start + 56);
                Phdr *ph = (Phdr *) (__ehdr_start + phoff);
                for (int i = 0; i < phnum; i++) {
                    if (ph[i].type != 7) continue;
                    unsigned long align = ph[i].align ? ph[i].align : 1;
                    char *image = (char *) ph[i].vaddr;
            #if defined(__x86_64__)
                    char *tp = block + 2048;                        /* variant II: block ends at tp */
                    char *start = tp - ((ph[i].memsz + align - 1) & -align);
                    *(char **) tp = tp;                             /* %fs:0 points to itself */
            #else
                    char *tp = block;                               /* variant I: 16-byte TCB, then the block */
                    char *start = tp + ((16 + align - 1) & -align);
            #endif
                    for (unsigned long k = 0; k < ph[i].memsz; k++) start[k] = k < ph[i].filesz ? image[k] : 0;
            #if defined(__x86_64__)
                    syscall3(158, 0x1002, (long) tp, 0);            /* arch_prctl(ARCH_SET_FS, tp) */
            #else
                    __asm__ volatile ("msr tpidr_el0, %0" : : "r"(tp));
            #endif
                }
            }
            void _start(void) {
                setup_tls();
                counter += 2;
                zeroed[2] = 5;
                shared += 1;
                if (read_shared() == 101) syscall3(SYS_WRITE, 1, (long) "tls ok\\n", 7);
                syscall3(SYS_EXIT, counter + (int) zeroed[2] + (int) zeroed[1] + shared - 100, 0, 0);
                for (;;) { }
            }
            """;
    static final String OTHER = "__thread int shared = 100;\nint read_shared(void) { return shared; }\n";

    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> cases() {
        return ObjectLinkTest.targetsAndCodeModels();
    }

    @ParameterizedTest
    @MethodSource("cases")
    void threadLocalsWorkAsInGnuLdsBuild(Target t, List<String> codeModel) {
        List<Path> objects = CompiledPrograms.compile(t, dir, codeModel, "tls.c", TLS, "other.c", OTHER);
        CompiledPrograms.Runs runs = CompiledPrograms.runBoth(t, dir, objects);
        assertThat(runs.reference().stdout()).isEqualTo("tls ok\n");
        assertThat(runs.reference().exitCode()).isEqualTo(48);
    }
}
