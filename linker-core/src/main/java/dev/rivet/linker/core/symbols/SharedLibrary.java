package dev.rivet.linker.core.symbols;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A shared library given as input (ELF shared object, Mach-O dylib): it contributes no atoms,
 * only the symbols it exports, which the output imports at load time. Its symbols carry
 * {@link #SHARED}; a definition in a regular input always wins over one here, and an archive
 * member is not loaded for a symbol a library already defines, as in GNU ld.
 */
public final class SharedLibrary extends StoredValuesInputFile {
    /** The name the output records as needed ({@code DT_SONAME}, or the file name). */
    public final String soname;
    /** Whether the library is needed only if the output uses one of its symbols ({@code --as-needed}). */
    public final boolean asNeeded;
    /** Set during a link when a live reference resolves to one of its symbols. */
    public volatile boolean used;
    /** Each symbol's version name, null for none (unversioned or the base version). */
    private String[] symVersion = new String[symKind.length];
    /** Each symbol's ELF visibility was protected: it may not be copied into an executable. */
    private boolean[] symProtected = new boolean[symKind.length];
    /** Symbols in memory the library's loader makes read-only (read-only or RELRO segments), by local index. */
    private final java.util.BitSet readOnly = new java.util.BitSet();
    /** Names the library refers to but does not define: an executable exports its definitions of these. */
    public final List<byte[]> undefinedNames = new ArrayList<>();
    /** Mach-O: the current version from the library's {@code LC_ID_DYLIB} or stub, packed xxxx.yy.zz (16.8.8 bits); 0 otherwise. */
    public int currentVersion;
    /** Mach-O: its compatibility version, packed the same way; 0 otherwise. */
    public int compatibilityVersion;
    /**
     * Mach-O: install names of the libraries it re-exports whose symbols it does not list itself
     * ({@code LC_REEXPORT_DYLIB}, or a stub's re-export not found in the same file); their
     * symbols are found only when those libraries are given too.
     */
    public final List<String> reexportedLibraries = new ArrayList<>();

    /**
     * @param name the file's name for messages
     * @param soname the name recorded as needed
     * @param asNeeded whether it is needed only when used
     * @param symbolCapacity the expected number of symbols
     */
    public SharedLibrary(String name, String soname, boolean asNeeded, int symbolCapacity) {
        super(name, symbolCapacity, 0);
        this.soname = soname;
        this.asNeeded = asNeeded;
    }

    /**
     * Adds a symbol the library defines.
     *
     * @param kind what it is (TEXT for functions, DATA for objects, TLS_DATA for thread-local ones)
     * @param flags {@link #WEAK}, {@link #IFUNC}; {@link #SHARED} is added
     * @param value its address in the library (to find aliases of a copied object)
     * @param size its size
     * @param version its version name, null for none
     * @param isProtected whether its visibility is protected
     * @return its local index
     */
    public int addExport(dev.rivet.linker.SymbolKind kind, int flags, long value, long size, String version, boolean isProtected) {
        int l = addSymbolSlot(kind, flags | SHARED, 0, value, size);
        symVersion[l] = version;
        symProtected[l] = isProtected;
        return l;
    }

    @Override
    public String version(int l) {
        return symVersion[l];
    }

    /** {@return whether local symbol l has protected visibility} @param l a local index */
    public boolean isProtected(int l) {
        return symProtected[l];
    }

    /** Records that local symbol l lies in memory that is read-only after loading. @param l a local index */
    public void markReadOnly(int l) {
        readOnly.set(l);
    }

    /**
     * {@return whether local symbol l lies in memory that is read-only after loading, so that a
     * copy of it belongs in read-only-after-relocation memory too}
     *
     * @param l a local index
     */
    public boolean isReadOnly(int l) {
        return readOnly.get(l);
    }

    @Override
    protected void growValuesAndSizes(int n) {
        super.growValuesAndSizes(n);
        symVersion = Arrays.copyOf(symVersion, n);
        symProtected = Arrays.copyOf(symProtected, n);
    }

    @Override
    public void copyAtomBytes(AtomTable atoms, int atom, long from, ByteBuffer out, int outPos, int length) {
        throw new IllegalStateException("a shared library has no atoms");
    }
}
