package dev.rivet.linker.core.input;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A parsed {@code ar} archive ({@link ArchiveReader}): its ordinary members (the symbol index and
 * the long-name table are not members) and its symbol index, as parallel arrays. Symbol names
 * are not copied: each is an offset and a length in the archive's bytes, as the reader found them.
 * A thin archive's members are files beside it: they have a path and no data here.
 *
 * <p>Immutable once built, so it may be read from any thread.
 */
public final class Archive {
    private final String name;
    private final ByteBuffer buf;
    private final boolean thin;

    private final int memberCount;
    private final String[] memberName;
    private final long[] headerOffset;
    private final long[] dataOffset;
    private final long[] size;
    private final Path[] memberPath;

    private final int symbolCount;
    private final int[] symbolNameOffset;
    private final int[] symbolNameLength;
    private final int[] symbolMember;
    /** Open addressing on the name's hash: symbol index + 1, 0 = empty; the first symbol of each name. */
    private final int[] table;
    /** The full hash of each table slot's name, so that a probe compares names only when the hashes are equal. */
    private final int[] tableHash;

    Archive(String name, ByteBuffer buf, boolean thin, int memberCount, String[] memberName, long[] headerOffset,
            long[] dataOffset, long[] size, Path[] memberPath, int symbolCount, int[] symbolNameOffset,
            int[] symbolNameLength, int[] symbolMember) {
        this.name = name;
        this.buf = buf;
        this.thin = thin;
        this.memberCount = memberCount;
        this.memberName = memberName;
        this.headerOffset = headerOffset;
        this.dataOffset = dataOffset;
        this.size = size;
        this.memberPath = memberPath;
        this.symbolCount = symbolCount;
        this.symbolNameOffset = symbolNameOffset;
        this.symbolNameLength = symbolNameLength;
        this.symbolMember = symbolMember;
        int cap = symbolCount == 0 ? 0 : Integer.highestOneBit(Math.max(4, symbolCount) * 2 - 1) << 1;
        this.table = new int[cap];
        this.tableHash = new int[cap];
        fillTable();
    }

    /** {@return the archive's display name, as given to the reader} */
    public String name() {
        return name;
    }

    /** {@return the archive's bytes} Symbol names and member data are offsets into them. */
    public ByteBuffer buffer() {
        return buf;
    }

    /** {@return whether this is a thin archive ({@code !<thin>}): members are files named by {@link #memberPath}} */
    public boolean thin() {
        return thin;
    }

    /** {@return the number of ordinary members} */
    public int memberCount() {
        return memberCount;
    }

    /** {@return member {@code m}'s name; in a thin archive, its path as stored (relative to the archive's directory)} */
    public String memberName(int m) {
        return memberName[m];
    }

    /** {@return the offset of member {@code m}'s 60-byte header in the archive} */
    public long headerOffset(int m) {
        return headerOffset[m];
    }

    /**
     * {@return where member {@code m}'s data starts in the archive (after a BSD {@code #1/} name),
     * or -1 in a thin archive}
     */
    public long dataOffset(int m) {
        return dataOffset[m];
    }

    /** {@return member {@code m}'s size in bytes (in a thin archive, the size recorded for the external file)} */
    public long size(int m) {
        return size[m];
    }

    /** {@return in a thin archive, member {@code m}'s file, resolved against the archive's directory; otherwise null} */
    public Path memberPath(int m) {
        return memberPath == null ? null : memberPath[m];
    }

    /**
     * {@return member {@code m}'s bytes, a little-endian view of the archive's}
     *
     * @throws IllegalStateException in a thin archive, where the data is in {@link #memberPath}
     */
    public ByteBuffer memberData(int m) {
        if (thin) {
            throw new IllegalStateException(name + ": member " + memberName[m] + " of a thin archive is the file " + memberPath[m]);
        }
        return buf.slice((int) dataOffset[m], (int) size[m]).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** {@return member {@code m}'s size in bytes, as its header gives it} */
    public long memberSize(int m) {
        return size[m];
    }

    /** {@return the member whose header starts at {@code offset}, or -1} */
    public int memberAtHeader(long offset) {
        return memberAtHeader(headerOffset, memberCount, offset);
    }

    static int memberAtHeader(long[] headerOffset, int count, long offset) {
        int lo = 0;
        int hi = count - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long h = headerOffset[mid];
            if (h < offset) {
                lo = mid + 1;
            } else if (h > offset) {
                hi = mid - 1;
            } else {
                return mid;
            }
        }
        return -1;
    }

    /** {@return the number of entries in the symbol index (0 if the archive has none)} */
    public int symbolCount() {
        return symbolCount;
    }

    /** {@return where symbol {@code k}'s name starts in {@link #buffer()}} */
    public int symbolNameOffset(int k) {
        return symbolNameOffset[k];
    }

    /** {@return the length in bytes of symbol {@code k}'s name} */
    public int symbolNameLength(int k) {
        return symbolNameLength[k];
    }

    /** {@return the member that defines symbol {@code k}} */
    public int symbolMember(int k) {
        return symbolMember[k];
    }

    /** {@return a copy of symbol {@code k}'s name bytes} */
    public byte[] symbolName(int k) {
        byte[] out = new byte[symbolNameLength[k]];
        buf.get(symbolNameOffset[k], out);
        return out;
    }

    /** {@return symbol {@code k}'s name, decoded as UTF-8} */
    public String symbolNameString(int k) {
        return new String(symbolName(k), StandardCharsets.UTF_8);
    }

    /** {@return the first index entry with this name, or -1} @param name the name's UTF-8 bytes */
    public int findSymbol(byte[] name) {
        return findSymbol(name, 0, name.length);
    }

    /**
     * Looks a name up in the symbol index.
     *
     * @param name bytes holding the name
     * @param off where it starts
     * @param len its length
     * @return the first index entry with this name, or -1
     */
    public int findSymbol(byte[] name, int off, int len) {
        return findSymbol(name, off, len, dev.rivet.linker.core.symbols.ByteHash.of(name, off, len));
    }

    /**
     * Looks a name up in the symbol index, given its hash.
     *
     * @param name bytes holding the name
     * @param off where it starts
     * @param len its length
     * @param hash {@code ByteHash.of(name, off, len)}
     * @return the first index entry with this name, or -1
     */
    public int findSymbol(byte[] name, int off, int len, int hash) {
        if (symbolCount == 0) {
            return -1;
        }
        int mask = table.length - 1;
        for (int slot = hash & mask; ; slot = (slot + 1) & mask) {
            int e = table[slot];
            if (e == 0) {
                return -1;
            }
            if (tableHash[slot] == hash && nameEquals(e - 1, name, off, len)) {
                return e - 1;
            }
        }
    }

    /** {@return the member the symbol index names for this symbol, or -1} @param name the name's UTF-8 bytes */
    public int memberDefining(byte[] name) {
        int k = findSymbol(name);
        return k < 0 ? -1 : symbolMember[k];
    }

    private void fillTable() {
        int mask = table.length - 1;
        for (int k = 0; k < symbolCount; k++) {
            int hash = dev.rivet.linker.core.symbols.ByteHash.of(buf, symbolNameOffset[k], symbolNameLength[k]);
            int slot = hash & mask;
            while (true) {
                int e = table[slot];
                if (e == 0) {
                    table[slot] = k + 1;
                    tableHash[slot] = hash;
                    break;
                }
                if (tableHash[slot] == hash && sameName(e - 1, k)) {
                    break; // keep the first entry of a name (C++ archives index an inline function in every member that has it)
                }
                slot = (slot + 1) & mask;
            }
        }
    }

    private boolean sameName(int a, int b) {
        int len = symbolNameLength[a];
        return len == symbolNameLength[b]
                && dev.rivet.linker.core.symbols.ByteHash.equal(buf, symbolNameOffset[a], buf, symbolNameOffset[b], len);
    }

    private boolean nameEquals(int k, byte[] name, int off, int len) {
        if (symbolNameLength[k] != len) {
            return false;
        }
        return dev.rivet.linker.core.symbols.ByteHash.equal(name, off, buf, symbolNameOffset[k], len);
    }


}
