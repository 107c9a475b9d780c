package dev.rivet.linker.core.symbols;

import dev.rivet.linker.RelocationKind;
import dev.rivet.linker.SymbolBuilder;
import dev.rivet.linker.SymbolGenerator;
import dev.rivet.linker.SymbolKind;
import dev.rivet.linker.core.arch.Arch;
import java.util.Arrays;

/**
 * Collects one symbol's definition before {@link SymbolLoader} commits it to the payload; the
 * staging lets the duplicate rules see the whole definition first. Reused across calls.
 */
final class PayloadSymbolBuilder implements SymbolBuilder {
    private final Arch arch;
    private final SymbolTable symbols;

    int symbol;
    SymbolKind kind;
    int alignment;
    boolean alignmentSet;
    byte[] buf = new byte[64];
    int length;
    long explicitSize;
    long value;
    int flags;
    boolean makeLocal;
    SymbolGenerator generator;
    long generatorSize;
    boolean inUse;

    int[] relOffset = new int[8];
    byte[] relOp = new byte[8];
    int[] relTarget = new int[8];
    long[] relAddend = new long[8];
    int relCount;

    PayloadSymbolBuilder(Arch arch, SymbolTable symbols) {
        this.arch = arch;
        this.symbols = symbols;
    }

    void reset(int sym, SymbolKind k) {
        symbol = sym;
        kind = k;
        alignment = 1;
        alignmentSet = false;
        length = 0;
        explicitSize = -1;
        value = 0;
        flags = 0;
        makeLocal = false;
        generator = null;
        generatorSize = 0;
        relCount = 0;
    }

    /** The size the symbol ends up with. */
    long finalSize() {
        if (generator != null) {
            return generatorSize;
        }
        return explicitSize >= 0 ? explicitSize : length;
    }

    @Override
    public int symbol() {
        return symbol;
    }

    @Override
    public SymbolBuilder kind(SymbolKind k) {
        if (k == null || k == SymbolKind.UNDEFINED) {
            throw new IllegalArgumentException("a definition needs a kind other than " + k);
        }
        kind = k;
        return this;
    }

    @Override
    public SymbolBuilder alignment(int a) {
        if (a <= 0 || a > (1 << 30) || Integer.bitCount(a) != 1) {
            throw new IllegalArgumentException("alignment of '" + symbols.name(symbol) + "' must be a power of two from 1 to 2^30: " + a);
        }
        alignment = a;
        alignmentSet = true;
        return this;
    }

    @Override
    public SymbolBuilder size(long size) {
        if (size < 0) {
            throw new IllegalArgumentException("size of '" + symbols.name(symbol) + "' is negative: " + size);
        }
        explicitSize = size;
        if (size < length) {
            length = (int) size;
        }
        return this;
    }

    @Override
    public SymbolBuilder value(long v) {
        if (kind != SymbolKind.ABSOLUTE) {
            throw new IllegalStateException("'" + symbols.name(symbol) + "' is " + kind + ", not ABSOLUTE: it has no value to set");
        }
        value = v;
        return this;
    }

    @Override
    public SymbolBuilder bytes(byte[] bytes) {
        length = 0;
        explicitSize = -1;
        addBytes(bytes);
        return this;
    }

    @Override
    public long addBytes(byte[] bytes) {
        int at = reserve(bytes.length);
        System.arraycopy(bytes, 0, buf, at, bytes.length);
        return at;
    }

    @Override
    public long addUint8(int v) {
        int at = reserve(1);
        buf[at] = (byte) v;
        return at;
    }

    @Override
    public long addUint16(int v) {
        int at = reserve(2);
        buf[at] = (byte) v;
        buf[at + 1] = (byte) (v >>> 8);
        return at;
    }

    @Override
    public long addUint32(long v) {
        int at = reserve(4);
        for (int i = 0; i < 4; i++) {
            buf[at + i] = (byte) (v >>> (8 * i));
        }
        return at;
    }

    @Override
    public long addUint64(long v) {
        int at = reserve(8);
        for (int i = 0; i < 8; i++) {
            buf[at + i] = (byte) (v >>> (8 * i));
        }
        return at;
    }

    @Override
    public long addAddress(int target, long addend) {
        long at = addUint64(0);
        relocation(at, RelocationKind.ABSOLUTE_64, target, addend);
        return at;
    }

    @Override
    public SymbolBuilder relocation(long offset, RelocationKind k, int target, long addend) {
        if (target <= 0 || target >= symbols.count) {
            throw new IllegalArgumentException("relocation in '" + symbols.name(symbol) + "' names no symbol: " + target);
        }
        int op = arch.builderOp(k);
        if (op < 0) {
            throw new IllegalArgumentException(k + " relocations do not exist on " + arch.architecture().canonicalName()
                    + " (in '" + symbols.name(symbol) + "')");
        }
        if (offset < 0 || offset > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("relocation offset " + offset + " is outside '" + symbols.name(symbol) + "'");
        }
        if (relCount == relOffset.length) {
            int n = relCount * 2;
            relOffset = Arrays.copyOf(relOffset, n);
            relOp = Arrays.copyOf(relOp, n);
            relTarget = Arrays.copyOf(relTarget, n);
            relAddend = Arrays.copyOf(relAddend, n);
        }
        relOffset[relCount] = (int) offset;
        relOp[relCount] = (byte) op;
        relTarget[relCount] = target;
        relAddend[relCount] = arch.builderAddend(k, addend);
        relCount++;
        return this;
    }

    /** Adds a relocation already in architecture form (used when cloning an object symbol). */
    void rawRelocation(int offset, int op, int target, long addend) {
        relocation(offset, RelocationKind.ABSOLUTE_64, target, 0);
        relOp[relCount - 1] = (byte) op;
        relAddend[relCount - 1] = addend;
    }

    @Override
    public SymbolBuilder generator(long size, SymbolGenerator g) {
        if (size < 0) {
            throw new IllegalArgumentException("size of generated '" + symbols.name(symbol) + "' is negative: " + size);
        }
        generator = java.util.Objects.requireNonNull(g, "generator");
        generatorSize = size;
        length = 0;
        explicitSize = -1;
        return this;
    }

    @Override
    public SymbolBuilder local() {
        makeLocal = true;
        flags |= InputFile.LOCAL;
        return this;
    }

    @Override
    public SymbolBuilder hidden() {
        flags |= InputFile.HIDDEN;
        return this;
    }

    @Override
    public SymbolBuilder dupok() {
        flags |= InputFile.DUPOK;
        return this;
    }

    /** Checks what only the whole definition can tell; throws IllegalArgumentException on misuse. */
    void validate() {
        if (!alignmentSet && kind == SymbolKind.TEXT) {
            alignment = arch.defaultTextAlignment();
        }
        if (generator != null && !kind.hasBytes()) {
            throw new IllegalArgumentException("'" + symbols.name(symbol) + "' is " + kind
                    + ": only kinds with bytes (TEXT, RODATA, DATA, TLS_DATA) can be generated");
        }
        if (relCount > 0 && !kind.hasBytes()) {
            throw new IllegalArgumentException("'" + symbols.name(symbol) + "' is " + kind
                    + ": it has no bytes for relocations to patch");
        }
        long size = finalSize();
        if (!kind.hasBytes() && length > 0) {
            for (int i = 0; i < length; i++) {
                if (buf[i] != 0) {
                    throw new IllegalArgumentException("'" + symbols.name(symbol) + "' is " + kind + " but has non-zero bytes; use DATA");
                }
            }
        }
        if (kind.hasBytes() && generator == null && size > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("'" + symbols.name(symbol) + "' is larger than 2 GiB; use a generator");
        }
        if (generator != null && relCount > 0) {
            throw new IllegalArgumentException("generated '" + symbols.name(symbol) + "' cannot also have relocations");
        }
        if (kind == SymbolKind.ABSOLUTE && (relCount > 0 || length > 0)) {
            throw new IllegalArgumentException("absolute '" + symbols.name(symbol) + "' cannot have content or relocations");
        }
        for (int i = 0; i < relCount; i++) {
            long end = (long) relOffset[i] + arch.width(relOp[i]);
            if (end > size) {
                throw new IllegalArgumentException("relocation " + arch.opName(relOp[i]) + " at offset " + relOffset[i]
                        + " lies outside '" + symbols.name(symbol) + "' (size " + size + ")");
            }
        }
    }

    private int reserve(int n) {
        if (generator != null) {
            throw new IllegalStateException("'" + symbols.name(symbol) + "' is generated: it cannot also have bytes");
        }
        // Appending continues after the content, including zero padding set with size().
        long start = Math.max(length, explicitSize);
        if (start > Integer.MAX_VALUE - 16 - (long) n) {
            throw new IllegalArgumentException("'" + symbols.name(symbol) + "' would exceed 2 GiB of bytes");
        }
        int at = (int) start;
        long end = (long) at + n;
        if (end > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("'" + symbols.name(symbol) + "' would exceed 2 GiB of bytes");
        }
        if (end > buf.length) {
            buf = Arrays.copyOf(buf, (int) Math.min(Integer.MAX_VALUE - 16, Math.max(end, buf.length * 2L)));
        }
        Arrays.fill(buf, length, at, (byte) 0); // the padding may hold bytes of a truncated earlier content
        length = (int) end;
        if (explicitSize >= 0 && explicitSize < length) {
            explicitSize = length;
        }
        return at;
    }
}
