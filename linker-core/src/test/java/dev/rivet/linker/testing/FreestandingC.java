package dev.rivet.linker.testing;

/**
 * C for test programs that run without a C library: {@code syscall3(n, a, b, c)} and the
 * {@code SYS_WRITE} and {@code SYS_EXIT} numbers for x86-64 and AArch64 Linux.
 */
public final class FreestandingC {
    private FreestandingC() { }

    /** Defines {@code syscall3} and {@code SYS_WRITE}/{@code SYS_EXIT} for the architecture compiled for. */
    public static final String SYSCALLS = """
            typedef unsigned long size_t;
            static long syscall3(long n, long a, long b, long c) {
            #if defined(__x86_64__)
                long ret;
                __asm__ volatile ("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
                return ret;
            #else
                register long x8 __asm__("x8") = n;
                register long x0 __asm__("x0") = a;
                register long x1 __asm__("x1") = b;
                register long x2 __asm__("x2") = c;
                __asm__ volatile ("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
                return x0;
            #endif
            }
            #if defined(__x86_64__)
            enum { SYS_WRITE = 1, SYS_EXIT = 60 };
            #else
            enum { SYS_WRITE = 64, SYS_EXIT = 93 };
            #endif
            """;
}
