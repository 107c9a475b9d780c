package dev.rivet.bench;

import dev.rivet.linker.Linker;
import dev.rivet.linker.Loader;
import dev.rivet.linker.RelocationKind;
import dev.rivet.linker.SymbolBuilder;
import dev.rivet.linker.SymbolKind;
import java.util.function.Consumer;

/**
 * A large synthetic x86-64 program built only through {@link dev.rivet.linker.SymbolBuilder}, as
 * a compiler frontend would: {@code n} functions {@code f0 .. f(n-1)} of 16 bytes each,
 *
 * <pre>
 *   e8 rel32    call f(i+1 mod n)     BRANCH
 *   e8 rel32    call f(random)        BRANCH
 *   e8 rel32    call f(random)        BRANCH
 *   c3          ret
 * </pre>
 *
 * and a {@code _start} that calls {@code f0}. The first call of every function goes to the next
 * one, so the whole chain is reachable from {@code _start} and dead-stripping keeps every symbol;
 * the two other targets are pseudo-random but deterministic (a hash of the index and a fixed seed),
 * so nothing per symbol has to be kept outside the linker.
 *
 * <p>The program links and is a valid ELF executable, but it is not meant to run: the chain of
 * calls recurses until the stack overflows.
 *
 * <p>All names are interned first ({@link Loader#lookupOrCreate}) so that forward references have
 * handles, then every function is {@link Loader#define defined}. Names are made on the fly.
 */
public final class SyntheticProgram {
    /** Bytes of code per function. */
    static final int FUNCTION_SIZE = 16;
    /** Relocations per function. */
    static final int RELOCATIONS = 3;
    /** The seed of the pseudo-random call targets. */
    static final long SEED = 0x5EED_2026_0001L;

    /** The code of {@code _start}: a call of {@code f0} (relocated at offset 1), then the exit system call. */
    static final byte[] START_CODE = {
        (byte) 0xe8, 0, 0, 0, 0,                      // call f0
        (byte) 0xb8, 0x3c, 0, 0, 0,                    // mov eax, 60 (exit)
        0x31, (byte) 0xff,                             // xor edi, edi
        0x0f, 0x05,                                    // syscall
    };

    private SyntheticProgram() { }

    /** {@return the name of function i} @param i an index */
    static String name(int i) {
        return "f" + i;
    }

    /**
     * {@return the target of call j (1 or 2) of function i: uniformly spread over [0, n)}
     *
     * @param i the function
     * @param j which call
     * @param n the number of functions
     */
    static int randomTarget(int i, int j, int n) {
        long z = SEED + (3L * i + j) * 0x9E3779B97F4A7C15L;   // splitmix64
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        return (int) Long.remainderUnsigned(z, n);
    }

    /**
     * {@return the function that call j (0 to 2) of function i calls: the next one (the last
     * calls the first), then two pseudo-random ones}
     *
     * @param i the function
     * @param j which call
     * @param n the number of functions
     */
    static int callee(int i, int j, int n) {
        return j == 0 ? (i + 1 == n ? 0 : i + 1) : randomTarget(i, j, n);
    }

    /** {@return the bytes of content the program's symbols carry in all} @param n the number of functions */
    static long contentBytes(int n) {
        return (long) n * FUNCTION_SIZE + START_CODE.length;
    }

    /** {@return the UTF-8 bytes of the program's symbol names in all} @param n the number of functions */
    static long nameBytes(int n) {
        long total = "_start".length();
        for (int i = 0; i < n; i++) {
            total += stringSize(i) + 1;
        }
        return total;
    }

    /** {@return the number of decimal digits of i} @param i a non-negative number */
    static int stringSize(int i) {
        int d = 1;
        for (int v = i; v >= 10; v /= 10) {
            d++;
        }
        return d;
    }

    /**
     * Defines the program in a linker's loader.
     *
     * @param linker a linker for x86-64, with nothing defined yet
     * @param n the number of functions, at least 1
     * @return the handle of {@code f0}; function i has handle {@code f0 + i}
     */
    public static int define(Linker linker, int n) {
        if (n < 1) {
            throw new IllegalArgumentException("need at least one function: " + n);
        }
        Loader ld = linker.loader();
        // Pass 1: handles for every name, so that calls can refer forward.
        int first = ld.lookupOrCreate(name(0));
        for (int i = 1; i < n; i++) {
            int h = ld.lookupOrCreate(name(i));
            if (h != first + i) {
                throw new IllegalStateException("expected consecutive handles: " + name(i) + " is " + h + ", not " + (first + i));
            }
        }
        // Pass 2: the definitions. One body object, reused, so the loop allocates only names.
        Body body = new Body(first, n);
        for (int i = 0; i < n; i++) {
            body.index = i;
            ld.define(name(i), SymbolKind.TEXT, body);
        }
        ld.define("_start", SymbolKind.TEXT, b -> {
            b.alignment(16);
            b.bytes(START_CODE);
            b.relocation(1, RelocationKind.BRANCH, first, 0);
        });
        return first;
    }

    /** The body of function {@link #index}. */
    private static final class Body implements Consumer<SymbolBuilder> {
        private final int first;
        private final int n;
        int index;

        Body(int first, int n) {
            this.first = first;
            this.n = n;
        }

        @Override
        public void accept(SymbolBuilder b) {
            int i = index;
            long c0 = b.addUint8(0xe8) + 1;
            b.addUint32(0);
            long c1 = b.addUint8(0xe8) + 1;
            b.addUint32(0);
            long c2 = b.addUint8(0xe8) + 1;
            b.addUint32(0);
            b.addUint8(0xc3);
            b.relocation(c0, RelocationKind.BRANCH, first + callee(i, 0, n), 0);
            b.relocation(c1, RelocationKind.BRANCH, first + callee(i, 1, n), 0);
            b.relocation(c2, RelocationKind.BRANCH, first + callee(i, 2, n), 0);
        }
    }
}
