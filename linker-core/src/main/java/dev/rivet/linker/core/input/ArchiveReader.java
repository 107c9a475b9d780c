package dev.rivet.linker.core.input;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Reads an {@code ar} archive from its mapped bytes into an {@link Archive}: one pass over the
 * member headers, then one over the symbol index, whose entries name members by the offset of
 * their header.
 *
 * <p>Formats: System V / GNU (short names ending in {@code /}, long names in the {@code //}
 * table referenced as {@code /123}, symbol index {@code /} with 32-bit or {@code /SYM64/} with
 * 64-bit big-endian entries); BSD (names {@code #1/len} stored at the start of the data, symbol
 * index {@code __.SYMDEF}, {@code __.SYMDEF SORTED}, {@code __.SYMDEF_64}, little-endian ranlib
 * entries); GNU thin archives ({@code !<thin>}, members are files named relative to the
 * archive's directory). Everything is range-checked: a malformed archive is a
 * {@link dev.rivet.linker.LinkException} naming the file, the offset and the reason, and nothing
 * is allocated from a size that does not fit in the file.
 */
public final class ArchiveReader {
    private static final int GLOBAL_HEADER = 8;
    private static final int HEADER = 60;
    private static final int NAME = 0;
    private static final int NAME_WIDTH = 16;
    private static final int SIZE = 48;
    private static final int SIZE_WIDTH = 10;
    private static final int FMAG = 58;

    private static final byte[] MAGIC = "!<arch>\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] THIN_MAGIC = "!<thin>\n".getBytes(StandardCharsets.US_ASCII);

    /** Kinds of symbol index. */
    private static final int NONE = 0;
    private static final int GNU32 = 1;
    private static final int GNU64 = 2;
    private static final int BSD32 = 3;
    private static final int BSD64 = 4;

    private final InputBytes in;
    private final Path directory;
    private final ByteBuffer be;
    private final ByteBuffer le;
    private boolean thin;

    // Members, in file order (so header offsets are increasing).
    private int count;
    private String[] names = new String[8];
    private long[] headers = new long[8];
    private long[] dataOffsets = new long[8];
    private long[] sizes = new long[8];

    // The long-name table ("//"), if any.
    private long longNames = -1;
    private long longNamesSize;

    // The symbol index, if any.
    private int indexKind = NONE;
    private long indexHeader;
    private long indexData;
    private long indexSize;
    private int[] symNameOffset = new int[0];
    private int[] symNameLength = new int[0];
    private int[] symMember = new int[0];

    private ArchiveReader(String name, ByteBuffer data, Path directory) {
        this.in = new InputBytes(name, data);
        this.directory = directory;
        this.be = data.duplicate().order(ByteOrder.BIG_ENDIAN);
        this.le = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Reads an archive; a thin archive's members are resolved against the file's directory.
     *
     * @param file the archive's path, also its name in messages
     * @param data its bytes, from offset 0 to the limit
     * @return the archive
     */
    public static Archive read(Path file, ByteBuffer data) {
        Path parent = file.getParent();
        return read(file.toString(), data, parent == null ? Path.of("") : parent);
    }

    /**
     * Reads an archive.
     *
     * @param name the archive's name in messages
     * @param data its bytes, from offset 0 to the limit
     * @param directory what a thin archive's member paths are relative to
     * @return the archive
     */
    public static Archive read(String name, ByteBuffer data, Path directory) {
        return new ArchiveReader(name, data, directory).read();
    }

    private Archive read() {
        readMagic();
        readMembers();
        Path[] paths = thin ? memberPaths() : null;
        switch (indexKind) {
            case GNU32 -> readGnuIndex(4);
            case GNU64 -> readGnuIndex(8);
            case BSD32 -> readBsdIndex(4);
            case BSD64 -> readBsdIndex(8);
            default -> { }
        }
        return new Archive(in.name, in.buf, thin, count, Arrays.copyOf(names, count), Arrays.copyOf(headers, count),
                Arrays.copyOf(dataOffsets, count), Arrays.copyOf(sizes, count), paths, symNameOffset.length, symNameOffset,
                symNameLength, symMember);
    }

    private void readMagic() {
        if (in.size < GLOBAL_HEADER) {
            throw in.error(0, "not an archive: " + in.size + " bytes, too short for the 8-byte !<arch> magic");
        }
        if (startsWith(0, MAGIC)) {
            thin = false;
        } else if (startsWith(0, THIN_MAGIC)) {
            thin = true;
        } else {
            throw in.error(0, "not an archive: bad magic '" + printable(0, GLOBAL_HEADER) + "' (expected !<arch>\\n or !<thin>\\n)");
        }
    }

    private void readMembers() {
        long off = GLOBAL_HEADER;
        boolean first = true;
        while (off < in.size) {
            if (in.size - off < HEADER) {
                throw in.error(off, "truncated member header: " + (in.size - off) + " bytes left, a header is " + HEADER);
            }
            if (in.u8(off + FMAG) != '`' || in.u8(off + FMAG + 1) != '\n') {
                throw in.error(off + FMAG, "bad member header: ends with '" + printable(off + FMAG, 2) + "' instead of '`\\n'");
            }
            long size = decimal(off + SIZE, SIZE_WIDTH, "member size");
            long data = off + HEADER;
            String name = rawName(off);
            boolean external = thin; // a thin archive's ordinary members have no data here
            int special = NONE;
            boolean longNameTable = false;
            if (name.startsWith("#1/")) {
                if (thin) {
                    throw in.error(off, "BSD-style name " + quote(name) + " in a thin archive");
                }
                requireData(off, data, size);
                long len = decimal(off + 3, NAME_WIDTH - 3, "BSD name length");
                if (len > size) {
                    throw in.error(off, "BSD name length " + len + " is larger than the member (" + size + " bytes)");
                }
                name = bsdName(data, (int) len);
                data += len;
                size -= len;
            }
            switch (name) {
                case "/" -> special = GNU32;
                case "/SYM64/" -> special = GNU64;
                case "__.SYMDEF", "__.SYMDEF SORTED" -> special = BSD32;
                case "__.SYMDEF_64", "__.SYMDEF_64 SORTED" -> special = BSD64;
                case "//" -> longNameTable = true;
                default -> { }
            }
            if (special != NONE || longNameTable) {
                requireData(off, data, size);
                if (special != NONE) {
                    if (!first) {
                        throw in.error(off, "symbol index member " + quote(name) + " is not the first member");
                    }
                    indexKind = special;
                    indexHeader = off;
                    indexData = data;
                    indexSize = size;
                } else {
                    if (longNames >= 0) {
                        throw in.error(off, "a second long-name table ('//'); the first is at offset 0x" + Long.toHexString(longNames - HEADER));
                    }
                    longNames = data;
                    longNamesSize = size;
                }
            } else {
                name = memberName(off, name);
                if (!external) {
                    requireData(off, data, size);
                }
                add(name, off, external ? -1 : data, size);
            }
            first = false;
            long next = data + (external && special == NONE && !longNameTable ? 0 : size);
            off = next + (next & 1);
        }
    }

    /** The header's name field, trailing spaces removed. */
    private String rawName(long off) {
        int end = NAME_WIDTH;
        while (end > 0 && in.u8(off + NAME + end - 1) == ' ') {
            end--;
        }
        return utf8(off + NAME, end);
    }

    /** An ordinary member's name from its raw name: GNU short ({@code name/}), GNU long ({@code /123}), or BSD short. */
    private String memberName(long header, String raw) {
        if (raw.isEmpty()) {
            throw in.error(header, "member has an empty name");
        }
        if (raw.charAt(0) == '/') {
            // "/123", and in GNU thin archives also "/123   .../" with a trailing slash: the
            // digits are the reference, as GNU's own reader (BFD) takes them.
            String ref = raw;
            int digitsEnd = 1;
            while (digitsEnd < raw.length() && Character.isDigit(raw.charAt(digitsEnd))) {
                digitsEnd++;
            }
            if (digitsEnd < raw.length() && raw.substring(digitsEnd).strip().equals("/")) {
                ref = raw.substring(0, digitsEnd);
            }
            if (ref.length() == 1 || !allDigits(ref, 1)) {
                throw in.error(header, "member name " + quote(raw) + " is neither a long-name reference (/123) nor a known special member");
            }
            return longName(header, ref);
        }
        int slash = raw.indexOf('/');
        return slash >= 0 ? raw.substring(0, slash) : raw;
    }

    private String longName(long header, String ref) {
        if (longNames < 0) {
            throw in.error(header, "member name " + quote(ref) + " refers to the long-name table, but there is no '//' member before it");
        }
        long index = ref.length() > 11 ? Long.MAX_VALUE : Long.parseLong(ref.substring(1));
        if (index >= longNamesSize) {
            throw in.error(header, "long-name reference " + ref + " is out of range: the long-name table at offset 0x"
                    + Long.toHexString(longNames) + " has " + longNamesSize + " bytes");
        }
        long start = longNames + index;
        long end = longNames + longNamesSize;
        for (long p = start; p < end; p++) {
            if (in.u8(p) == '\n') {
                long stop = p > start && in.u8(p - 1) == '/' ? p - 1 : p;
                if (stop == start) {
                    throw in.error(start, "long-name reference " + ref + " names an empty name");
                }
                return utf8(start, (int) (stop - start));
            }
        }
        throw in.error(start, "long name " + ref + " is not terminated by '/\\n' before the end of the long-name table");
    }

    /** A BSD {@code #1/len} name: the first {@code len} bytes of the data, without the NULs that pad it. */
    private String bsdName(long data, int len) {
        int end = len;
        while (end > 0 && in.u8(data + end - 1) == 0) {
            end--;
        }
        return utf8(data, end);
    }

    private void requireData(long header, long data, long size) {
        if (size > in.size - data) {
            throw in.error(header + SIZE, "member size " + size + " extends past the end of the file: the data at offset 0x"
                    + Long.toHexString(data) + " would end at " + (data + size) + ", the file has " + in.size + " bytes");
        }
    }

    private void add(String name, long header, long data, long size) {
        if (count == names.length) {
            int cap = count * 2;
            names = Arrays.copyOf(names, cap);
            headers = Arrays.copyOf(headers, cap);
            dataOffsets = Arrays.copyOf(dataOffsets, cap);
            sizes = Arrays.copyOf(sizes, cap);
        }
        names[count] = name;
        headers[count] = header;
        dataOffsets[count] = data;
        sizes[count] = size;
        count++;
    }

    private Path[] memberPaths() {
        Path[] paths = new Path[count];
        for (int m = 0; m < count; m++) {
            try {
                paths[m] = directory.resolve(names[m]);
            } catch (InvalidPathException e) {
                throw in.error(headers[m], "thin archive member " + quote(names[m]) + " is not a valid path: " + e.getReason());
            }
        }
        return paths;
    }

    /**
     * The GNU index: a big-endian count, that many member header offsets, then as many
     * NUL-terminated names.
     */
    private void readGnuIndex(int width) {
        String what = width == 8 ? "symbol index /SYM64/" : "symbol index /";
        long end = indexData + indexSize;
        if (indexSize < width) {
            throw in.error(indexHeader + SIZE, what + " has " + indexSize + " bytes, too few for its " + width + "-byte count");
        }
        long n = width == 8 ? be.getLong((int) indexData) : Integer.toUnsignedLong(be.getInt((int) indexData));
        long room = (indexSize - width) / width;
        if (n < 0 || n > room) {
            throw in.error(indexData, what + " has count " + Long.toUnsignedString(n) + ", larger than its member can hold ("
                    + room + " entries in " + indexSize + " bytes)");
        }
        int count = (int) n;
        int[] nameOffset = new int[count];
        int[] nameLength = new int[count];
        int[] member = new int[count];
        long p = indexData + width + (long) width * count;
        for (int k = 0; k < count; k++) {
            long nul = findNul(p, end);
            if (nul < 0) {
                throw in.error(p, what + ": the name of symbol " + k + " runs past the end of the string table (at offset 0x"
                        + Long.toHexString(end) + ")");
            }
            nameOffset[k] = (int) p;
            nameLength[k] = (int) (nul - p);
            p = nul + 1;
        }
        int last = -1;
        for (int k = 0; k < count; k++) {
            long e = indexData + width + (long) width * k;
            long target = width == 8 ? be.getLong((int) e) : Integer.toUnsignedLong(be.getInt((int) e));
            last = memberAt(target, last, e, what, k, nameOffset[k], nameLength[k]);
            member[k] = last;
        }
        symNameOffset = nameOffset;
        symNameLength = nameLength;
        symMember = member;
    }

    /**
     * The BSD index: the size in bytes of an array of ranlib entries (string index, member
     * header offset), the array, the string table's size, the string table; all little-endian.
     */
    private void readBsdIndex(int width) {
        String what = width == 8 ? "symbol index __.SYMDEF_64" : "symbol index __.SYMDEF";
        long end = indexData + indexSize;
        if (indexSize < 2L * width) {
            throw in.error(indexHeader + SIZE, what + " has " + indexSize + " bytes, too few for its two " + width + "-byte sizes");
        }
        long bytes = width == 8 ? le.getLong((int) indexData) : Integer.toUnsignedLong(le.getInt((int) indexData));
        int entry = 2 * width;
        long room = indexSize - 2L * width;
        if (bytes < 0 || bytes > room) {
            throw in.error(indexData, what + " has " + Long.toUnsignedString(bytes) + " bytes of entries (" + Long.toUnsignedString(Long.divideUnsigned(bytes, entry))
                    + " symbols), larger than its member can hold (" + room + " bytes)");
        }
        if (bytes % entry != 0) {
            throw in.error(indexData, what + " has " + bytes + " bytes of entries, not a multiple of the entry size " + entry);
        }
        int count = (int) (bytes / entry);
        long strSizeAt = indexData + width + bytes;
        long strSize = width == 8 ? le.getLong((int) strSizeAt) : Integer.toUnsignedLong(le.getInt((int) strSizeAt));
        long strings = strSizeAt + width;
        if (strSize < 0 || strSize > end - strings) {
            throw in.error(strSizeAt, what + ": string table size " + Long.toUnsignedString(strSize) + " extends past the end of the member ("
                    + (end - strings) + " bytes left)");
        }
        long strEnd = strings + strSize;
        int[] nameOffset = new int[count];
        int[] nameLength = new int[count];
        int[] member = new int[count];
        for (int k = 0; k < count; k++) {
            long e = indexData + width + (long) entry * k;
            long strx = width == 8 ? le.getLong((int) e) : Integer.toUnsignedLong(le.getInt((int) e));
            if (strx < 0 || strx >= strSize) {
                throw in.error(e, what + ": the name of symbol " + k + " starts at " + Long.toUnsignedString(strx)
                        + ", past the end of the string table (" + strSize + " bytes)");
            }
            long nul = findNul(strings + strx, strEnd);
            if (nul < 0) {
                throw in.error(strings + strx, what + ": the name of symbol " + k + " runs past the end of the string table");
            }
            nameOffset[k] = (int) (strings + strx);
            nameLength[k] = (int) (nul - strings - strx);
        }
        int last = -1;
        for (int k = 0; k < count; k++) {
            long e = indexData + width + (long) entry * k + width;
            long target = width == 8 ? le.getLong((int) e) : Integer.toUnsignedLong(le.getInt((int) e));
            last = memberAt(target, last, e, what, k, nameOffset[k], nameLength[k]);
            member[k] = last;
        }
        symNameOffset = nameOffset;
        symNameLength = nameLength;
        symMember = member;
    }

    /** The member whose header is at {@code target}; {@code last} is tried first, as runs of symbols share a member. */
    private int memberAt(long target, int last, long entry, String what, int k, int nameOff, int nameLen) {
        if (last >= 0 && headers[last] == target) {
            return last;
        }
        int m = Archive.memberAtHeader(headers, count, target);
        if (m < 0) {
            throw in.error(entry, what + ": symbol " + k + " (" + quote(utf8(nameOff, nameLen)) + ") points to offset 0x"
                    + Long.toHexString(target) + ", which is not a member header");
        }
        return m;
    }

    private long findNul(long from, long end) {
        return InputBytes.indexOfNul(in.buf, from, end);
    }

    /** A left-aligned, space-padded decimal field. */
    private long decimal(long off, int width, String what) {
        long v = 0;
        int i = 0;
        while (i < width && in.u8(off + i) == ' ') {
            i++; // not what ar writes, but harmless
        }
        int start = i;
        for (; i < width; i++) {
            int c = in.u8(off + i);
            if (c == ' ') {
                break;
            }
            if (c < '0' || c > '9') {
                throw in.error(off, what + " '" + printable(off, width) + "' is not a decimal number");
            }
            v = v * 10 + (c - '0');
        }
        if (i == start) {
            throw in.error(off, what + " '" + printable(off, width) + "' is empty");
        }
        for (; i < width; i++) {
            if (in.u8(off + i) != ' ') {
                throw in.error(off, what + " '" + printable(off, width) + "' is not a decimal number");
            }
        }
        return v;
    }

    private boolean startsWith(long off, byte[] magic) {
        for (int i = 0; i < magic.length; i++) {
            if (in.u8(off + i) != (magic[i] & 0xff)) {
                return false;
            }
        }
        return true;
    }

    private static boolean allDigits(String s, int from) {
        for (int i = from; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    private String utf8(long off, int len) {
        return new String(bytes(off, len), StandardCharsets.UTF_8);
    }

    private byte[] bytes(long off, int len) {
        byte[] b = new byte[len];
        in.buf.get((int) off, b);
        return b;
    }

    /** A name for a message, in quotes, control characters escaped. */
    private static String quote(String s) {
        StringBuilder sb = new StringBuilder("'");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                sb.append(c == '\n' ? "\\n" : String.format("\\x%02x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append('\'').toString();
    }

    /** Bytes for a message: printable ASCII as is, the rest escaped. */
    private String printable(long off, int len) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < len; i++) {
            int c = in.u8(off + i);
            if (c >= 0x20 && c < 0x7f) {
                sb.append((char) c);
            } else if (c == '\n') {
                sb.append("\\n");
            } else {
                sb.append(String.format("\\x%02x", c));
            }
        }
        return sb.toString();
    }
}
