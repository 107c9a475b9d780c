package dev.rivet.linker.macho;

/** Mach-O constants the writer uses (from {@code <mach-o/loader.h>}, {@code <mach-o/nlist.h>}). */
final class MachO {
    private MachO() { }

    static final int MH_MAGIC_64 = 0xfeedfacf;
    static final int CPU_TYPE_X86_64 = 0x01000007;
    static final int CPU_TYPE_ARM64 = 0x0100000c;
    static final int CPU_SUBTYPE_X86_64_ALL = 3;
    static final int CPU_SUBTYPE_ARM64_ALL = 0;
    static final int MH_EXECUTE = 2;
    static final int MH_DYLIB = 6;
    static final int HEADER_SIZE = 32;

    // Header flags.
    static final int MH_NOUNDEFS = 0x1;
    static final int MH_DYLDLINK = 0x4;
    static final int MH_BINDATLOAD = 0x8;
    static final int MH_TWOLEVEL = 0x80;
    static final int MH_WEAK_DEFINES = 0x8000;
    static final int MH_BINDS_TO_WEAK = 0x10000;
    static final int MH_PIE = 0x200000;
    static final int MH_NO_REEXPORTED_DYLIBS = 0x100000;
    static final int MH_HAS_TLV_DESCRIPTORS = 0x800000;

    // Load commands.
    static final int LC_REQ_DYLD = 0x80000000;
    static final int LC_SYMTAB = 0x2;
    static final int LC_DYSYMTAB = 0xb;
    static final int LC_LOAD_DYLIB = 0xc;
    static final int LC_ID_DYLIB = 0xd;
    static final int LC_LOAD_DYLINKER = 0xe;
    static final int LC_LOAD_WEAK_DYLIB = 0x18 | LC_REQ_DYLD;
    static final int LC_SEGMENT_64 = 0x19;
    static final int LC_UUID = 0x1b;
    static final int LC_RPATH = 0x1c | LC_REQ_DYLD;
    static final int LC_CODE_SIGNATURE = 0x1d;
    static final int LC_DYLD_INFO_ONLY = 0x22 | LC_REQ_DYLD;
    static final int LC_FUNCTION_STARTS = 0x26;
    static final int LC_MAIN = 0x28 | LC_REQ_DYLD;
    static final int LC_DATA_IN_CODE = 0x29;
    static final int LC_DYLD_EXPORTS_TRIE = 0x33 | LC_REQ_DYLD;
    static final int LC_DYLD_CHAINED_FIXUPS = 0x34 | LC_REQ_DYLD;
    static final int LC_SOURCE_VERSION = 0x2a;
    static final int LC_BUILD_VERSION = 0x32;
    static final int SEGMENT_SIZE = 72;
    static final int SECTION_SIZE = 80;
    static final int PLATFORM_MACOS = 1;
    static final int TOOL_LD = 3;

    // Protections.
    static final int VM_PROT_READ = 1;
    static final int VM_PROT_WRITE = 2;
    static final int VM_PROT_EXECUTE = 4;

    // Section types and attributes.
    static final int S_REGULAR = 0x0;
    static final int S_ZEROFILL = 0x1;
    static final int S_NON_LAZY_SYMBOL_POINTERS = 0x6;
    static final int S_LAZY_SYMBOL_POINTERS = 0x7;
    static final int S_SYMBOL_STUBS = 0x8;
    static final int S_GB_ZEROFILL = 0xc;
    static final int S_THREAD_LOCAL_REGULAR = 0x11;
    static final int S_THREAD_LOCAL_ZEROFILL = 0x12;
    static final int S_THREAD_LOCAL_VARIABLES = 0x13;
    static final int S_ATTR_PURE_INSTRUCTIONS = 0x80000000;
    static final int S_ATTR_SOME_INSTRUCTIONS = 0x400;

    // nlist.
    static final int NLIST_SIZE = 16;
    static final int N_EXT = 0x01;
    static final int N_PEXT = 0x10;
    static final int N_UNDF = 0x0;
    static final int N_ABS = 0x2;
    static final int N_SECT = 0xe;
    static final int N_WEAK_REF = 0x40;
    static final int N_WEAK_DEF = 0x80;
    static final int DYNAMIC_LOOKUP_ORDINAL = 0xfe;
    static final int INDIRECT_SYMBOL_LOCAL = 0x80000000;
    static final int INDIRECT_SYMBOL_ABS = 0x40000000;

    /** Ordinal of a bind to whatever image defines the symbol (-undefined dynamic_lookup). */
    static final int BIND_SPECIAL_DYLIB_FLAT_LOOKUP = -2;

    /** {@return v rounded up to a multiple of a power of two} */
    static long align(long v, long a) {
        return (v + a - 1) & -a;
    }
}
