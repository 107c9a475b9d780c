package dev.rivet.linker.core.symbols;

import dev.rivet.linker.Diagnostic;
import dev.rivet.linker.SymbolKind;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The global symbol index space, as in Go's loader: {@code int} handles, 0 = nil. Each symbol's
 * definition is the pair ({@link #file}, {@link #local}) into an {@link InputFile}; a name that
 * several files mention has one index, and which file's symbol wins is settled once, in
 * {@link #bind}, so no access ever goes through a redirect.
 *
 * <p>Names are kept as UTF-8 bytes in an arena and hashed from those bytes; the name table is an
 * open-addressing {@code int[]} of symbol indices. Static symbols get indices and names but are
 * not in the name table.
 */
public final class SymbolTable {
    private static final int TOMBSTONE = -1;

    private final ByteArena names = new ByteArena();
    private int[] nameRef;
    // Name lengths in 16 bits; a name of WIDE_LENGTH bytes or more has WIDE_LENGTH here and its length in wideLength.
    private char[] nameLen;
    private static final char WIDE_LENGTH = Character.MAX_VALUE;
    private final it.unimi.dsi.fastutil.ints.Int2IntOpenHashMap wideLength = new it.unimi.dsi.fastutil.ints.Int2IntOpenHashMap();
    private int[] nameHash;

    /** Number of symbols, including the nil symbol 0. */
    public int count = 1;
    /** The file that owns each symbol's definition (or, while undefined, its first reference); 0 = none. */
    public int[] file;
    /** The symbol's local index in {@link #file}. */
    public int[] local;
    /** File-local (static) symbols. */
    public final Bits isStatic = new Bits(1024);
    /** Roots of dead-stripping. */
    public final Bits keep = new Bits(64);

    // The name table in SHARDS parts, chosen by a name hash's top bits, so that each part can be
    // filled by its own thread (BatchBinder); in each, linear probing from the hash's low bits.
    static final int SHARD_BITS = 6;
    static final int SHARDS = 1 << SHARD_BITS;
    private final int[][] slots = new int[SHARDS][];
    private final int[] used = new int[SHARDS];
    private final int[] tombstones = new int[SHARDS];

    private InputFile[] files = new InputFile[8];
    private int fileCount = 1;

    /** @param capacity the initial number of symbols */
    public SymbolTable(int capacity) {
        int n = Math.max(capacity, 16);
        nameRef = new int[n];
        nameLen = new char[n];
        nameHash = new int[n];
        file = new int[n];
        local = new int[n];
        int s = Integer.highestOneBit(Math.max(n * 2 / SHARDS, 16) - 1) << 1;
        for (int i = 0; i < SHARDS; i++) {
            slots[i] = new int[s];
        }
    }

    // ---- files ----

    /**
     * Registers a file and gives it an index.
     *
     * @return the index
     */
    public int addFile(InputFile f) {
        if (f.order < 0) {
            f.order = nextInputPosition();
        }
        if (fileCount == files.length) {
            files = Arrays.copyOf(files, fileCount * 2);
        }
        f.index = fileCount;
        files[fileCount] = f;
        return fileCount++;
    }

    private long inputPositions;

    /**
     * {@return the layout position for the next input: inputs are 2^32 apart, so an archive's
     * members fit between it and the next input}
     */
    public long nextInputPosition() {
        return (inputPositions++) << 32;
    }

    /** {@return the file with index i} @param i a file index, 1 or more */
    public InputFile file(int i) {
        return files[i];
    }

    /** {@return the number of file slots, including the nil file 0} */
    public int fileCount() {
        return fileCount;
    }

    /** {@return the file owning symbol s's definition, or null} @param s a symbol */
    public InputFile owner(int s) {
        return files[file[s]];
    }

    // ---- attributes through the owning file ----

    /** {@return whether symbol s has a definition} @param s a symbol */
    public boolean isDefined(int s) {
        int f = file[s];
        return f != 0 && files[f].isDefined(local[s]);
    }

    /** {@return the kind of s's definition} @param s a symbol */
    public SymbolKind kind(int s) {
        int f = file[s];
        return f == 0 ? SymbolKind.UNDEFINED : files[f].kind(local[s]);
    }

    /** {@return the atom holding s's definition, 0 for none} @param s a symbol */
    public int atom(int s) {
        int f = file[s];
        return f == 0 ? 0 : files[f].symAtom[local[s]];
    }

    /** {@return s's offset in its atom, or its absolute value} @param s a symbol */
    public long value(int s) {
        int f = file[s];
        return f == 0 ? 0 : files[f].value(local[s]);
    }

    /** {@return s's size} @param s a symbol */
    public long size(int s) {
        int f = file[s];
        return f == 0 ? 0 : files[f].size(local[s]);
    }

    /** {@return whether s has flag f in its owning file} @param s a symbol @param f an {@link InputFile} flag */
    public boolean hasFlag(int s, int f) {
        int fi = file[s];
        return fi != 0 && files[fi].hasFlag(local[s], f);
    }

    // ---- names ----

    /** {@return the name of symbol s} @param s a symbol */
    public String name(int s) {
        int ref = nameRef[s];
        if (ref < 0) {
            byte[] b = new byte[nameLength(s)];
            files[file[s]].nameBytes().get(-1 - ref, b);
            return new String(b, StandardCharsets.UTF_8);
        }
        return new String(names.compactChunk(ref), ByteArena.compactOffset(ref), nameLength(s), StandardCharsets.UTF_8);
    }

    /** {@return the {@link ByteHash} of s's name} @param s a symbol */
    public int nameHash(int s) {
        return nameHash[s];
    }

    /** {@return the length of s's name in UTF-8 bytes} @param s a symbol */
    public int nameLength(int s) {
        char n = nameLen[s];
        return n != WIDE_LENGTH ? n : wideLength.get(s);
    }

    /**
     * Copies s's name, as UTF-8, into a buffer.
     *
     * @param s a symbol
     * @param dst the destination
     * @param pos where in it
     */
    public void copyName(int s, byte[] dst, int pos) {
        int ref = nameRef[s];
        if (ref < 0) {
            files[file[s]].nameBytes().get(-1 - ref, dst, pos, nameLength(s));
            return;
        }
        System.arraycopy(names.compactChunk(ref), ByteArena.compactOffset(ref), dst, pos, nameLength(s));
    }

    /**
     * Copies s's name, as UTF-8, into a buffer: from the input's mapped bytes or the name arena
     * straight to the output, with no copy in between.
     *
     * @param s a symbol
     * @param dst the destination
     * @param pos where in it (absolute)
     */
    public void putName(int s, ByteBuffer dst, int pos) {
        int ref = nameRef[s];
        if (ref < 0) {
            dst.put(pos, files[file[s]].nameBytes(), -1 - ref, nameLength(s));
            return;
        }
        dst.put(pos, names.compactChunk(ref), ByteArena.compactOffset(ref), nameLength(s));
    }

    /** {@return the global symbol with this name, or 0} @param name a name */
    public int lookup(String name) {
        ByteBuffer b = ByteBuffer.wrap(name.getBytes(StandardCharsets.UTF_8));
        return find(b, 0, b.limit(), ByteHash.of(b, 0, b.limit()));
    }

    /** {@return the global symbol with this name, made undefined if new} @param name a name */
    public int lookupOrCreate(String name) {
        byte[] b = name.getBytes(StandardCharsets.UTF_8);
        return intern(b, 0, b.length);
    }

    /**
     * {@return the global symbol whose name is the given UTF-8 bytes, made undefined if new}
     *
     * @param b the bytes
     * @param off where the name starts
     * @param len its length
     */
    public int intern(byte[] b, int off, int len) {
        return intern(ByteBuffer.wrap(b), off, len);
    }

    /** {@return a new static symbol} @param name its name */
    public int createStatic(String name) {
        byte[] b = name.getBytes(StandardCharsets.UTF_8);
        return createStatic(ByteBuffer.wrap(b), 0, b.length);
    }

    /**
     * {@return the global symbol whose name is the given UTF-8 bytes of a buffer (a mapped
     * input's string table), made undefined if new}: the name is hashed and compared in place
     * and copied only when it is new
     *
     * @param b the buffer
     * @param off the absolute index where the name starts
     * @param len its length
     */
    public int intern(ByteBuffer b, int off, int len) {
        return intern(b, off, len, ByteHash.of(b, off, len));
    }

    /**
     * {@return the global symbol named by UTF-8 bytes of a buffer, as {@link #intern(ByteBuffer,
     * int, int)} does, given the name's {@link ByteHash} (computed where the file was parsed)}
     *
     * @param b the buffer
     * @param off the absolute index where the name starts
     * @param len its length
     * @param h {@code ByteHash.of(b, off, len)}
     */
    public int intern(ByteBuffer b, int off, int len, int h) {
        int s = find(b, off, len, h);
        if (s != 0) {
            return s;
        }
        s = newSymbol(h, len);
        nameRef[s] = names.addCompact(b, off, len);
        insert(s);
        return s;
    }

    /** {@return a new static symbol named by UTF-8 bytes of a buffer} */
    public int createStatic(ByteBuffer b, int off, int len) {
        return createStatic(b, off, len, ByteHash.of(b, off, len));
    }

    /**
     * {@return a new static symbol named by bytes of its own file's {@link InputFile#nameBytes},
     * which are not copied} Half of an object's symbols are file-local, mostly section symbols
     * with long names: copying them all was a tenth of binding an archive member. The symbol
     * must be given to that file ({@link #take}) before its name is read.
     *
     * @param off where the name starts in the file's bytes
     * @param len its length
     * @param h its {@link ByteHash}
     */
    public int createStaticInFile(int off, int len, int h) {
        int s = newSymbol(h, len);
        nameRef[s] = -1 - off;
        isStatic.set(s);
        return s;
    }

    /** {@return a new static symbol named by UTF-8 bytes of a buffer, given their {@link ByteHash}} */
    public int createStatic(ByteBuffer b, int off, int len, int h) {
        int s = newSymbol(h, len);
        nameRef[s] = names.addCompact(b, off, len);
        isStatic.set(s);
        return s;
    }

    /**
     * {@return the global symbol with this name, or 0, without creating it} Safe on several
     * threads at once while no thread changes the table (readers resolve an archive member's
     * names while members are parsed in parallel).
     *
     * @param b the buffer holding the name
     * @param off where it starts
     * @param len its length
     * @param h its {@link ByteHash}
     */
    public int find(ByteBuffer b, int off, int len, int h) {
        int[] slots = this.slots[shard(h)];
        int mask = slots.length - 1;
        for (int i = h & mask; ; i = (i + 1) & mask) {
            int s = slots[i];
            if (s == 0) {
                return 0;
            }
            if (s != TOMBSTONE && nameHash[s] == h && (nameLen[s] != WIDE_LENGTH ? nameLen[s] : wideLength.get(s)) == len) {
                int ref = nameRef[s];
                if (ByteHash.equal(names.compactChunk(ref), ByteArena.compactOffset(ref), b, off, len)) {
                    return s;
                }
            }
        }
    }

    /** {@return a new static symbol named by UTF-8 bytes} */
    public int createStatic(byte[] b, int off, int len) {
        return createStatic(ByteBuffer.wrap(b), off, len);
    }

    /** Makes a global symbol static: it leaves the name table and keeps its index. @param s a symbol */
    public void makeStatic(int s) {
        if (isStatic.get(s)) {
            return;
        }
        int shard = shard(nameHash[s]);
        int[] slots = this.slots[shard];
        int mask = slots.length - 1;
        for (int i = nameHash[s] & mask; ; i = (i + 1) & mask) {
            int t = slots[i];
            if (t == 0) {
                break;
            }
            if (t == s) {
                slots[i] = TOMBSTONE;
                used[shard]--;
                tombstones[shard]++;
                break;
            }
        }
        isStatic.set(s);
    }


    /** {@return the part of the name table that a name with hash h is in} */
    static int shard(int h) {
        return h >>> (32 - SHARD_BITS);
    }

    /** Makes room for n more symbols, so that adding them does not grow the arrays. */
    void ensureCapacity(int n) {
        if (count + n > file.length) {
            grow(count + n);
        }
    }

    private void grow(int min) {
        int n = Math.max(min, count + (count >> 1) + 16);
        nameRef = Arrays.copyOf(nameRef, n);
        nameLen = Arrays.copyOf(nameLen, n);
        nameHash = Arrays.copyOf(nameHash, n);
        file = Arrays.copyOf(file, n);
        local = Arrays.copyOf(local, n);
    }

    /**
     * {@return a new global symbol whose name's bytes are reserved but not yet copied, nor the
     * symbol in the name table} {@link #fillName} and {@link #insert} finish it, on the thread
     * that owns its shard.
     */
    int newGlobalUnfilled(int h, int len) {
        int s = newSymbol(h, len);
        nameRef[s] = names.allocate(len);
        return s;
    }

    /** Copies the name of a symbol made by {@link #newGlobalUnfilled} from an array. */
    void fillName(int s, byte[] b, int off) {
        int ref = nameRef[s];
        System.arraycopy(b, off, names.compactChunk(ref), ByteArena.compactOffset(ref), nameLength(s));
    }

    /** Makes room in one shard of the name table for n more names. */
    void reserve(int shard, int n) {
        int[] t = slots[shard];
        if ((used[shard] + tombstones[shard] + n) * 2 > t.length) {
            int capacity = t.length;
            while ((used[shard] + n) * 2 > capacity) {
                capacity *= 2;
            }
            rehash(shard, capacity);
        }
    }

    /** A new symbol slot with its hash and length; the caller stores its name. */
    private int newSymbol(int h, int len) {
        if (count == file.length) {
            grow(count + 1);
        }
        int s = count++;
        if (len < WIDE_LENGTH) {
            nameLen[s] = (char) len;
        } else {
            nameLen[s] = WIDE_LENGTH;
            wideLength.put(s, len);
        }
        nameHash[s] = h;
        return s;
    }


    /** Puts a symbol in its shard of the name table. */
    void insert(int s) {
        int shard = shard(nameHash[s]);
        int[] slots = this.slots[shard];
        if ((used[shard] + tombstones[shard] + 1) * 2 > slots.length) {
            slots = rehash(shard, used[shard] * 4 > slots.length ? slots.length * 2 : slots.length);
        }
        int mask = slots.length - 1;
        int i = nameHash[s] & mask;
        while (slots[i] > 0) {
            i = (i + 1) & mask;
        }
        if (slots[i] == TOMBSTONE) {
            tombstones[shard]--;
        }
        slots[i] = s;
        used[shard]++;
    }

    private int[] rehash(int shard, int capacity) {
        int[] old = slots[shard];
        int[] slots = new int[capacity];
        int mask = capacity - 1;
        for (int s : old) {
            if (s > 0) {
                int i = nameHash[s] & mask;
                while (slots[i] != 0) {
                    i = (i + 1) & mask;
                }
                slots[i] = s;
            }
        }
        tombstones[shard] = 0;
        this.slots[shard] = slots;
        return slots;
    }


    // ---- resolution ----

    /**
     * Offers file f's local symbol l as the definition of (or a reference to) global symbol s and
     * keeps whichever wins: a definition beats a reference; of two definitions, a strong one
     * over a weak one, then the first if either is dupok, then one with content over one without
     * (BSS, common), and the larger of two without content.
     *
     * @param s the global symbol
     * @param f the file
     * @param l the local index in f
     * @param strictDupok whether duplicate dupok definitions must have equal content
     * @param atoms the atom table, to compare dupok contents
     * @return null, or the error for two strong definitions with content (or unequal dupok ones)
     */
    public Diagnostic bind(int s, InputFile f, int l, boolean strictDupok, AtomTable atoms) {
        f.localToGlobal[l] = s;
        int of = file[s];
        if (of == 0) {
            take(s, f, l);
            return null;
        }
        InputFile old = files[of];
        int ol = local[s];
        boolean newDef = f.isDefined(l);
        boolean oldDef = old.isDefined(ol);
        if (!newDef) {
            // Keep the first reference as owner, but prefer a strong reference to a weak one so
            // that "is every reference weak" can be read off the owner.
            if (!oldDef && old.hasFlag(ol, InputFile.WEAK) && !f.hasFlag(l, InputFile.WEAK)) {
                take(s, f, l);
            }
            return null;
        }
        if (!oldDef) {
            take(s, f, l);
            return null;
        }
        // A regular definition beats a shared library's; of two libraries, the first wins.
        boolean oldShared = old.hasFlag(ol, InputFile.SHARED);
        if (oldShared || f.hasFlag(l, InputFile.SHARED)) {
            if (oldShared && !f.hasFlag(l, InputFile.SHARED)) {
                take(s, f, l);
            }
            return null;
        }
        boolean newContent = hasContent(f, l);
        boolean oldContent = hasContent(old, ol);
        // Strong beats weak first, so a weak dupok (COMDAT inline) copy never hides a strong one.
        boolean oldWeak = old.hasFlag(ol, InputFile.WEAK);
        boolean newWeak = f.hasFlag(l, InputFile.WEAK);
        if (oldWeak != newWeak) {
            if (oldWeak) {
                take(s, f, l);
            }
            return null;
        }
        if (old.hasFlag(ol, InputFile.DUPOK) || f.hasFlag(l, InputFile.DUPOK)) {
            if (!oldContent && newContent) {
                take(s, f, l);
            } else if (strictDupok && oldContent && newContent && !sameContent(s, old, ol, f, l, atoms)) {
                return Diagnostic.error("duplicate symbol with different contents: " + name(s)
                        + "\n>>> defined in " + old.name + "\n>>> defined in " + f.name);
            }
            return null;
        }
        if (oldContent && newContent) {
            if (oldWeak) {
                return null; // two weak definitions: the first wins
            }
            return Diagnostic.error("duplicate symbol: " + name(s)
                    + "\n>>> defined in " + old.name + "\n>>> defined in " + f.name);
        }
        if (newContent || (!oldContent && f.size(l) > old.size(ol))) {
            take(s, f, l);
        }
        return null;
    }

    /** Makes (f, l) the definition of s unconditionally, as an updater does. */
    public void take(int s, InputFile f, int l) {
        if (nameRef[s] < 0 && file[s] != 0 && file[s] != f.index) {
            // Its name is in the file it leaves: copy it before the link to that file is lost.
            ByteBuffer from = files[file[s]].nameBytes();
            nameRef[s] = names.addCompact(from, -1 - nameRef[s], nameLength(s));
        }
        file[s] = f.index;
        local[s] = l;
        f.localToGlobal[l] = s;
    }

    private static boolean hasContent(InputFile f, int l) {
        SymbolKind k = f.kind(l);
        return k != SymbolKind.BSS && k != SymbolKind.TLS_BSS;
    }

    private static boolean sameContent(int s, InputFile a, int la, InputFile b, int lb, AtomTable atoms) {
        if (a.size(la) != b.size(lb) || a.symKind[la] != b.symKind[lb]) {
            return false;
        }
        int aa = a.symAtom[la];
        int ab = b.symAtom[lb];
        if (aa == 0 || ab == 0) {
            return aa == ab && a.value(la) == b.value(lb);
        }
        if (atoms.generators.containsKey(aa) || atoms.generators.containsKey(ab)) {
            return false;
        }
        int n = (int) Math.min(a.size(la), Integer.MAX_VALUE - 8);
        if (n == 0) {
            return true;
        }
        ByteBuffer x = ByteBuffer.allocate(n);
        ByteBuffer y = ByteBuffer.allocate(n);
        a.copyAtomBytes(atoms, aa, a.value(la), x, 0, n);
        b.copyAtomBytes(atoms, ab, b.value(lb), y, 0, n);
        return x.equals(y);
    }

    /** {@return every file, for iteration: index 1 to {@link #fileCount()} - 1} */
    public List<InputFile> files() {
        List<InputFile> list = new ArrayList<>(fileCount - 1);
        for (int i = 1; i < fileCount; i++) {
            list.add(files[i]);
        }
        return list;
    }

    /** {@return bytes held for names} */
    public long nameBytes() {
        return names.bytesUsed();
    }
}
