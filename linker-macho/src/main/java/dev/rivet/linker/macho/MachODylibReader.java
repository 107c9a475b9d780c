package dev.rivet.linker.macho;

import dev.rivet.linker.SymbolKind;
import dev.rivet.linker.core.CoreLinker;
import dev.rivet.linker.core.input.InputBytes;
import dev.rivet.linker.core.symbols.InputFile;
import dev.rivet.linker.core.symbols.SharedLibrary;
import it.unimi.dsi.fastutil.longs.LongArrayList;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads a 64-bit Mach-O dynamic library ({@code MH_DYLIB}) given as input into a
 * {@link SharedLibrary}: its install name and versions from {@code LC_ID_DYLIB}, its exports from
 * the export trie ({@code LC_DYLD_INFO(_ONLY)}'s {@code export_off} or
 * {@code LC_DYLD_EXPORTS_TRIE}), and the install names of the libraries it re-exports
 * ({@code LC_REEXPORT_DYLIB}), whose symbols are found when those libraries are given too.
 *
 * <p>Kinds: thread-local exports are TLS_DATA; others are TEXT when their address lies in a
 * section with instructions, else DATA. {@code EXPORT_SYMBOL_FLAGS_WEAK_DEFINITION} is WEAK. A
 * trie entry that re-exports a symbol of another dylib is offered as this library's.
 */
final class MachODylibReader {
    static final int MH_DYLIB_STUB = 9;
    private static final int LC_ID_DYLIB = 0xd;
    private static final int LC_REEXPORT_DYLIB = 0x8000001f;
    private static final int LC_DYLD_INFO = 0x22;
    private static final int LC_DYLD_INFO_ONLY = 0x80000022;
    private static final int LC_DYLD_EXPORTS_TRIE = 0x80000033;
    private static final int DYLIB_COMMAND_SIZE = 24;

    private final InputBytes in;
    private String installName;
    private int currentVersion;
    private int compatibilityVersion;
    private final List<String> reexports = new ArrayList<>();
    private long trieOffset = -1;
    private long trieSize;
    private long textVmaddr = -1;
    /** Sections with instructions, as [start, end) offsets from the image's start. */
    private final LongArrayList codeRanges = new LongArrayList();

    private MachODylibReader(String name, ByteBuffer data) {
        this.in = new InputBytes(name, data);
    }

    /** {@return whether the bytes are a 64-bit little-endian Mach-O dylib (or dylib stub)} */
    static boolean isDylib(ByteBuffer data) {
        if (data.limit() < MachOObjectReader.HEADER_SIZE || data.getInt(0) != MachOObjectReader.MH_MAGIC_64) {
            return false;
        }
        int type = data.getInt(12);
        return type == MachOObjectReader.MH_DYLIB || type == MH_DYLIB_STUB;
    }

    /**
     * Reads a dylib and adds it to the link.
     *
     * @param linker the linker
     * @param name the file's name for messages
     * @param data its bytes
     * @param asNeeded whether it is needed only when used
     */
    static void read(CoreLinker linker, String name, ByteBuffer data, boolean asNeeded) {
        new MachODylibReader(name, data).read(linker, asNeeded);
    }

    private void read(CoreLinker linker, boolean asNeeded) {
        MachOObjectReader.fileType(in, linker.target());
        MachOObjectReader.forEachLoadCommand(in, (cmd, off, cmdsize) -> {
            switch (cmd) {
                case LC_ID_DYLIB -> {
                    if (installName != null) {
                        throw in.error(off, "a second LC_ID_DYLIB");
                    }
                    installName = dylibName(off, cmdsize, "LC_ID_DYLIB");
                    currentVersion = in.buf.getInt((int) off + 16);
                    compatibilityVersion = in.buf.getInt((int) off + 20);
                }
                case LC_REEXPORT_DYLIB -> reexports.add(dylibName(off, cmdsize, "LC_REEXPORT_DYLIB"));
                case LC_DYLD_INFO, LC_DYLD_INFO_ONLY -> {
                    if (cmdsize != 48) {
                        throw in.error(off + 4, "LC_DYLD_INFO has size " + cmdsize + ", not 48");
                    }
                    trie(off, in.u32(off + 40), in.u32(off + 44));
                }
                case LC_DYLD_EXPORTS_TRIE -> {
                    if (cmdsize != 16) {
                        throw in.error(off + 4, "LC_DYLD_EXPORTS_TRIE has size " + cmdsize + ", not 16");
                    }
                    trie(off, in.u32(off + 8), in.u32(off + 12));
                }
                case MachOObjectReader.LC_SEGMENT_64 -> readSegment(off, cmdsize);
                default -> { } // load commands of other dylibs, rpaths, symbol tables...: not needed to link against it
            }
        });
        if (installName == null) {
            throw in.error(16, "dynamic library has no LC_ID_DYLIB, so it has no install name to record");
        }
        List<ExportTrie.Export> exports = trieOffset < 0 ? List.of()
                : ExportTrie.decode(in.name, in.buf, (int) trieOffset, (int) trieSize);

        SharedLibrary lib = new SharedLibrary(in.name, installName, asNeeded, exports.size());
        lib.currentVersion = currentVersion;
        lib.compatibilityVersion = compatibilityVersion;
        lib.reexportedLibraries.addAll(reexports);
        linker.symbolLoader().symbols.addFile(lib);
        List<byte[]> names = new ArrayList<>(exports.size());
        Set<String> seen = new HashSet<>();
        for (ExportTrie.Export e : exports) {
            if (!seen.add(e.name())) {
                continue;
            }
            long flags = e.flags();
            long kindBits = flags & ExportTrie.EXPORT_SYMBOL_FLAGS_KIND_MASK;
            SymbolKind kind;
            if (kindBits == ExportTrie.EXPORT_SYMBOL_FLAGS_KIND_THREAD_LOCAL) {
                kind = SymbolKind.TLS_DATA;
            } else if ((flags & ExportTrie.EXPORT_SYMBOL_FLAGS_REEXPORT) != 0) {
                kind = SymbolKind.TEXT;
            } else if (kindBits == ExportTrie.EXPORT_SYMBOL_FLAGS_KIND_ABSOLUTE) {
                kind = SymbolKind.DATA;
            } else {
                kind = isCode(e.address()) ? SymbolKind.TEXT : SymbolKind.DATA;
            }
            int symFlags = (flags & ExportTrie.EXPORT_SYMBOL_FLAGS_WEAK_DEFINITION) != 0 ? InputFile.WEAK : 0;
            boolean addressed = (flags & ExportTrie.EXPORT_SYMBOL_FLAGS_REEXPORT) == 0;
            lib.addExport(kind, symFlags, addressed ? e.address() : 0, 0, null, false);
            names.add(e.name().getBytes(StandardCharsets.UTF_8));
        }
        linker.addInput(lib, names.toArray(new byte[0][]));
    }

    private void trie(long cmd, long off, long size) {
        if (trieOffset >= 0) {
            throw in.error(cmd, "a second export trie (LC_DYLD_INFO and LC_DYLD_EXPORTS_TRIE together)");
        }
        if (size == 0) {
            return;
        }
        in.require(off, size, "the export trie");
        trieOffset = off;
        trieSize = size;
    }

    /** The name of a {@code dylib_command}, NUL-terminated inside the command. */
    private String dylibName(long off, long cmdsize, String what) {
        if (cmdsize < DYLIB_COMMAND_SIZE) {
            throw in.error(off + 4, what + " has size " + cmdsize + ", less than the " + DYLIB_COMMAND_SIZE + " of its fields");
        }
        long nameOffset = in.u32(off + 8);
        if (nameOffset < DYLIB_COMMAND_SIZE || nameOffset >= cmdsize) {
            throw in.error(off + 8, what + "'s name starts at " + nameOffset + ", outside the command's "
                    + DYLIB_COMMAND_SIZE + ".." + cmdsize + " bytes");
        }
        String name = in.string(off + nameOffset, cmdsize - nameOffset, 0, what + "'s name");
        if (name.isEmpty()) {
            throw in.error(off + nameOffset, what + "'s name is empty");
        }
        return name;
    }

    private void readSegment(long off, long cmdsize) {
        if (cmdsize < MachOObjectReader.SEGMENT_SIZE) {
            throw in.error(off + 4, "LC_SEGMENT_64 has size " + cmdsize + ", less than the " + MachOObjectReader.SEGMENT_SIZE + " of its header");
        }
        long n = in.u32(off + 64);
        if (MachOObjectReader.SEGMENT_SIZE + n * MachOObjectReader.SECTION_SIZE != cmdsize) {
            throw in.error(off + 64, "LC_SEGMENT_64 says it has " + n + " sections, which do not fill its " + cmdsize + " bytes");
        }
        long vmaddr = in.u64(off + 24);
        long fileoff = in.u64(off + 40);
        if (fileoff == 0 && textVmaddr < 0) {
            textVmaddr = vmaddr; // the segment that maps the header: exports are offsets from it
        }
        for (int k = 0; k < n; k++) {
            long h = off + MachOObjectReader.SEGMENT_SIZE + (long) k * MachOObjectReader.SECTION_SIZE;
            int flags = in.buf.getInt((int) h + 64);
            if ((flags & (MachOObjectReader.S_ATTR_PURE_INSTRUCTIONS | MachOObjectReader.S_ATTR_SOME_INSTRUCTIONS)) != 0) {
                codeRanges.add(in.u64(h + 32));
                codeRanges.add(in.u64(h + 32) + in.u64(h + 40));
            }
        }
    }

    private boolean isCode(long address) {
        long a = address + Math.max(textVmaddr, 0);
        for (int i = 0; i < codeRanges.size(); i += 2) {
            if (Long.compareUnsigned(a, codeRanges.getLong(i)) >= 0 && Long.compareUnsigned(a, codeRanges.getLong(i + 1)) < 0) {
                return true;
            }
        }
        return false;
    }
}
