#!/usr/bin/python3
"""machorun: runs macOS Mach-O programs (arm64, x86_64) on Linux, for Rivet's tests.

Nothing runs Mach-O on Linux, so this is a minimal dyld on top of the Unicorn CPU emulator:
it maps the executable (and any --dylib) at a slide, applies the rebase/bind/weak-bind opcodes
(or chained fixups), binds lazy pointers through the program's own __stub_helper and an emulated
dyld_stub_binder, runs initializers, then calls main. libSystem is emulated in Python: each
import resolves to a distinct address in a reserved region holding a return instruction, and a
code hook on that region does the function's work before the return executes.

The point is to test a linker's output, so the runner is strict: anything it does not understand
is an error (exit 126, "machorun: ..."), a call to a libSystem function it does not emulate exits
127 naming the function, and a program that runs too long exits 124.

Usage: machorun.py [--slide HEX] [--dylib PATH]... [--timeout SECONDS] [--trace] program [args...]
"""

import struct
import sys
import time

try:
    import unicorn as uc_mod
    from unicorn import Uc, UcError
    from unicorn import arm64_const as A64
    from unicorn import x86_const as X86
except ImportError:  # Unicorn lives in Debian's python3-unicorn, for /usr/bin/python3
    sys.stderr.write("machorun: the Python 'unicorn' module is missing (apt install python3-unicorn; "
                     "run with /usr/bin/python3)\n")
    sys.exit(126)

EXIT_RUNNER_ERROR = 126
EXIT_UNIMPLEMENTED = 127
EXIT_TIMEOUT = 124
EXIT_ABORT = 134  # what a shell reports for SIGABRT, as abort() gives on macOS

MASK64 = (1 << 64) - 1
PAGE = 0x1000  # Unicorn's mapping granularity; Mach-O segments are 4 KiB or 16 KiB aligned

# Where things live in the emulated address space. The executable keeps its own vmaddr (usually
# 0x100000000) plus the slide; everything else sits well above it.
DYLIB_BASE = 0x200000000
LIBSYSTEM_CODE = 0x300000000  # one return instruction per emulated function / import
LIBSYSTEM_CODE_SIZE = 0x10000
LIBSYSTEM_DATA = 0x300100000  # data symbols (___stack_chk_guard...), FILE stand-ins, ProgramVars
LIBSYSTEM_DATA_SIZE = 0x10000
HEAP_BASE = 0x400000000
HEAP_CHUNK = 0x1000000  # the heap grows by mapping more of these, contiguously
STACK_TOP = 0x600000000
STACK_SIZE = 8 << 20
NEVER = 0x10  # an "until" address no program executes: __PAGEZERO is never mapped

DEFAULT_SLIDE = 0x4000000
DEFAULT_TIMEOUT = 20.0


class RunnerError(Exception):
    """Something the runner cannot handle: malformed input, unsupported feature, emulation fault."""


class ProgramExit(Exception):
    """The program ended (exit, return from main, abort...) with this status."""

    def __init__(self, status):
        super().__init__(status)
        self.status = status


class InitializerReturned(Exception):
    """An initializer (or any function the runner called directly) returned to the runner."""


# ---------------------------------------------------------------------------------------------
# Byte-level helpers
# ---------------------------------------------------------------------------------------------

def read_uleb(data, pos):
    """Decodes an unsigned LEB128 at pos; returns (value, next position)."""
    result = 0
    shift = 0
    while True:
        if pos >= len(data):
            raise RunnerError("truncated ULEB128 in LINKEDIT data")
        b = data[pos]
        pos += 1
        if shift < 64:
            result |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return result & MASK64, pos


def read_sleb(data, pos):
    """Decodes a signed LEB128 at pos; returns (value, next position)."""
    result = 0
    shift = 0
    while True:
        if pos >= len(data):
            raise RunnerError("truncated SLEB128 in LINKEDIT data")
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            if b & 0x40:
                result -= 1 << shift
            return result, pos


def read_cstr(data, pos):
    """Reads a NUL-terminated name at pos; returns (str, position after the NUL)."""
    end = data.find(b"\0", pos)
    if end < 0:
        raise RunnerError("unterminated string in LINKEDIT data")
    return data[pos:end].decode("utf-8", "replace"), end + 1


def align_up(v, a):
    return (v + a - 1) & ~(a - 1)


def signed(v, bits):
    v &= (1 << bits) - 1
    return v - (1 << bits) if v >> (bits - 1) else v


# ---------------------------------------------------------------------------------------------
# Mach-O parsing
# ---------------------------------------------------------------------------------------------

MH_MAGIC_64 = 0xFEEDFACF
MH_EXECUTE = 2
MH_DYLIB = 6
CPU_TYPE_X86_64 = 0x01000007
CPU_TYPE_ARM64 = 0x0100000C

LC_REQ_DYLD = 0x80000000
LC_SYMTAB = 0x2
LC_UNIXTHREAD = 0x5
LC_LOAD_DYLIB = 0xC
LC_ID_DYLIB = 0xD
LC_SEGMENT_64 = 0x19
LC_LAZY_LOAD_DYLIB = 0x20
LC_DYLD_INFO = 0x22
LC_DYLD_INFO_ONLY = 0x22 | LC_REQ_DYLD
LC_LOAD_WEAK_DYLIB = 0x18 | LC_REQ_DYLD
LC_REEXPORT_DYLIB = 0x1F | LC_REQ_DYLD
LC_LOAD_UPWARD_DYLIB = 0x23 | LC_REQ_DYLD
LC_MAIN = 0x28 | LC_REQ_DYLD
LC_DYLD_EXPORTS_TRIE = 0x33 | LC_REQ_DYLD
LC_DYLD_CHAINED_FIXUPS = 0x34 | LC_REQ_DYLD
# Every one of these takes a library ordinal, in load-command order.
DYLIB_LOAD_COMMANDS = (LC_LOAD_DYLIB, LC_LOAD_WEAK_DYLIB, LC_REEXPORT_DYLIB, LC_LAZY_LOAD_DYLIB,
                       LC_LOAD_UPWARD_DYLIB)

SECTION_TYPE = 0xFF
S_ZEROFILL = 0x1
S_MOD_INIT_FUNC_POINTERS = 0x9
S_THREAD_LOCAL_REGULAR = 0x11
S_THREAD_LOCAL_ZEROFILL = 0x12
S_THREAD_LOCAL_VARIABLES = 0x13
S_INIT_FUNC_OFFSETS = 0x16

SG_READ_ONLY = 0x10  # dyld makes the segment read-only once fixups are done

N_STAB = 0xE0
N_TYPE = 0x0E
N_SECT = 0xE


class Section:
    def __init__(self, sectname, segname, addr, size, offset, flags):
        self.sectname, self.segname = sectname, segname
        self.addr, self.size, self.offset, self.flags = addr, size, offset, flags

    @property
    def type(self):
        return self.flags & SECTION_TYPE


class Segment:
    def __init__(self, name, vmaddr, vmsize, fileoff, filesize, initprot, flags=0):
        self.name, self.vmaddr, self.vmsize = name, vmaddr, vmsize
        self.fileoff, self.filesize, self.initprot, self.flags = fileoff, filesize, initprot, flags
        self.sections = []


class DylibRef:
    """One LC_LOAD_DYLIB-like command: ordinal n refers to the n-th of these."""

    def __init__(self, name, weak):
        self.name, self.weak = name, weak
        self.target = None  # an Image or the LibSystem, once resolved


def cstring_field(raw):
    return raw.split(b"\0", 1)[0].decode("utf-8", "replace")


class Image:
    """One parsed Mach-O file (the executable or a dylib) and, once mapped, its slide."""

    def __init__(self, path, data):
        self.path = path
        self.data = data
        self.short = path.rsplit("/", 1)[-1]
        self.segments = []
        self.dylibs = []
        self.install_name = None
        self.entryoff = None
        self.dyld_info = None  # (rebase_off, rebase_size, bind..., weak..., lazy..., export...)
        self.exports_trie = None  # (off, size) from LC_DYLD_EXPORTS_TRIE
        self.chained_fixups = None  # (off, size)
        self.symtab = None  # (symoff, nsyms, stroff, strsize)
        self.slide = 0
        self._exports = None
        self._symbols = None
        try:
            self._parse()
        except (struct.error, IndexError, ValueError) as e:
            raise RunnerError("%s: malformed Mach-O (%s)" % (path, e))

    def _parse(self):
        d = self.data
        if len(d) < 32:
            raise RunnerError("%s: not a Mach-O file (too short: %d bytes)" % (self.path, len(d)))
        magic, cputype, _sub, filetype, ncmds, sizeofcmds, _flags, _res = struct.unpack_from("<8I", d, 0)
        if magic == 0xCAFEBABE or magic == 0xBEBAFECA:
            raise RunnerError("%s: universal (fat) files are not supported; pass a thin Mach-O" % self.path)
        if magic != MH_MAGIC_64:
            raise RunnerError("%s: not a 64-bit little-endian Mach-O file (magic 0x%08x)" % (self.path, magic))
        if cputype not in (CPU_TYPE_ARM64, CPU_TYPE_X86_64):
            raise RunnerError("%s: unsupported CPU type 0x%x" % (self.path, cputype))
        if filetype not in (MH_EXECUTE, MH_DYLIB):
            raise RunnerError("%s: unsupported file type %d (want MH_EXECUTE or MH_DYLIB)" % (self.path, filetype))
        self.cputype, self.filetype = cputype, filetype
        if 32 + sizeofcmds > len(d):
            raise RunnerError("%s: truncated: load commands end at %d, file has %d bytes"
                              % (self.path, 32 + sizeofcmds, len(d)))
        pos = 32
        end = 32 + sizeofcmds
        for i in range(ncmds):
            if pos + 8 > end:
                raise RunnerError("%s: load command %d lies past sizeofcmds" % (self.path, i))
            cmd, cmdsize = struct.unpack_from("<2I", d, pos)
            if cmdsize < 8 or pos + cmdsize > end or cmdsize % 8:
                raise RunnerError("%s: load command %d (0x%x) has bad size %d" % (self.path, i, cmd, cmdsize))
            self._load_command(cmd, d[pos:pos + cmdsize])
            pos += cmdsize
        if not any(s.name != "__PAGEZERO" for s in self.segments):
            raise RunnerError("%s: no segments" % self.path)
        for s in self.segments:
            if s.filesize and s.fileoff + s.filesize > len(d):
                raise RunnerError("%s: truncated: segment %s needs file bytes up to %d, file has %d"
                                  % (self.path, s.name, s.fileoff + s.filesize, len(d)))
            if s.filesize > s.vmsize:
                raise RunnerError("%s: segment %s has filesize > vmsize" % (self.path, s.name))
        for what, rng in (("LC_DYLD_INFO", self.dyld_info), ("LC_DYLD_EXPORTS_TRIE", self.exports_trie),
                          ("LC_DYLD_CHAINED_FIXUPS", self.chained_fixups)):
            if rng:
                for off, size in zip(rng[0::2], rng[1::2]):
                    if size and off + size > len(d):
                        raise RunnerError("%s: truncated: %s data at %d+%d is past the end of the file"
                                          % (self.path, what, off, size))
        if self.filetype == MH_EXECUTE and self.entryoff is None:
            raise RunnerError("%s: executable without LC_MAIN (LC_UNIXTHREAD is not supported)" % self.path)

    def _load_command(self, cmd, lc):
        if cmd == LC_SEGMENT_64:
            segname = cstring_field(lc[8:24])
            vmaddr, vmsize, fileoff, filesize, _maxprot, initprot, nsects, flags = \
                struct.unpack_from("<4Q4I", lc, 24)
            seg = Segment(segname, vmaddr, vmsize, fileoff, filesize, initprot, flags)
            if 72 + 80 * nsects > len(lc):
                raise RunnerError("%s: segment %s: %d sections do not fit its load command"
                                  % (self.path, segname, nsects))
            for k in range(nsects):
                s = lc[72 + 80 * k:152 + 80 * k]
                addr, size, offset, _align, _reloff, _nreloc, flags = struct.unpack_from("<2Q5I", s, 32)
                seg.sections.append(Section(cstring_field(s[0:16]), cstring_field(s[16:32]),
                                            addr, size, offset, flags))
            self.segments.append(seg)
        elif cmd in (LC_DYLD_INFO, LC_DYLD_INFO_ONLY):
            self.dyld_info = struct.unpack_from("<10I", lc, 8)
        elif cmd == LC_DYLD_EXPORTS_TRIE:
            self.exports_trie = struct.unpack_from("<2I", lc, 8)
        elif cmd == LC_DYLD_CHAINED_FIXUPS:
            self.chained_fixups = struct.unpack_from("<2I", lc, 8)
        elif cmd == LC_SYMTAB:
            self.symtab = struct.unpack_from("<4I", lc, 8)
        elif cmd == LC_MAIN:
            self.entryoff = struct.unpack_from("<Q", lc, 8)[0]
        elif cmd in DYLIB_LOAD_COMMANDS or cmd == LC_ID_DYLIB:
            name_off = struct.unpack_from("<I", lc, 8)[0]
            if name_off >= len(lc):
                raise RunnerError("%s: dylib load command with bad name offset" % self.path)
            name = cstring_field(lc[name_off:])
            if cmd == LC_ID_DYLIB:
                self.install_name = name
            else:
                self.dylibs.append(DylibRef(name, cmd == LC_LOAD_WEAK_DYLIB))
        elif cmd == LC_UNIXTHREAD:
            raise RunnerError("%s: LC_UNIXTHREAD executables are not supported (need LC_MAIN)" % self.path)
        # Everything else (UUID, build version, code signature, function starts...) does not
        # matter for running the program.

    # --- addresses ---------------------------------------------------------------------------

    @property
    def text_vmaddr(self):
        """The unslid address of the Mach-O header: the __TEXT segment's, which maps file offset 0."""
        for s in self.segments:
            if s.fileoff == 0 and s.filesize:
                return s.vmaddr
        raise RunnerError("%s: no segment maps the Mach-O header" % self.path)

    @property
    def base(self):
        """The slid address of the Mach-O header, which export-trie and entry offsets are relative to."""
        return self.text_vmaddr + self.slide

    def mapped_segments(self):
        return [s for s in self.segments if s.name != "__PAGEZERO" and s.vmsize]

    def span(self):
        segs = self.mapped_segments()
        return min(s.vmaddr for s in segs), max(s.vmaddr + s.vmsize for s in segs)

    def contains(self, addr):
        return any(s.vmaddr + self.slide <= addr < s.vmaddr + self.slide + s.vmsize
                   for s in self.mapped_segments())

    def sections(self):
        for seg in self.segments:
            yield from seg.sections

    def segment_address(self, index, offset):
        """The slid address of offset in segment number index, as fixup opcodes name places."""
        if index >= len(self.segments):
            raise RunnerError("%s: fixup names segment %d, the file has %d" % (self.path, index, len(self.segments)))
        seg = self.segments[index]
        if offset >= seg.vmsize:
            raise RunnerError("%s: fixup at offset 0x%x is past the end of segment %s (size 0x%x)"
                              % (self.path, offset, seg.name, seg.vmsize))
        return seg.vmaddr + self.slide + offset

    def linkedit(self, off, size):
        return self.data[off:off + size]

    # --- exports -----------------------------------------------------------------------------

    def exports(self):
        """{name: (flags, value, other)} from the export trie (LC_DYLD_INFO or LC_DYLD_EXPORTS_TRIE)."""
        if self._exports is None:
            if self.exports_trie:
                trie = self.linkedit(*self.exports_trie)
            elif self.dyld_info:
                trie = self.linkedit(self.dyld_info[8], self.dyld_info[9])
            else:
                trie = b""
            self._exports = parse_export_trie(trie, self.path)
        return self._exports

    # --- symbols, for fault reports ------------------------------------------------------------

    def symbols(self):
        """Sorted [(slid address, name)] of the defined symbols in LC_SYMTAB."""
        if self._symbols is None:
            syms = []
            if self.symtab:
                symoff, nsyms, stroff, strsize = self.symtab
                strtab = self.data[stroff:stroff + strsize]
                for k in range(nsyms):
                    off = symoff + 16 * k
                    if off + 16 > len(self.data):
                        break
                    strx, ntype, _sect, _desc, value = struct.unpack_from("<IBBHQ", self.data, off)
                    if ntype & N_STAB or ntype & N_TYPE != N_SECT or strx >= len(strtab):
                        continue
                    end = strtab.find(b"\0", strx)
                    name = strtab[strx:end if end >= 0 else len(strtab)].decode("utf-8", "replace")
                    syms.append((value + self.slide, name))
            syms.sort()
            self._symbols = syms
        return self._symbols


EXPORT_SYMBOL_FLAGS_KIND_MASK = 0x03
EXPORT_SYMBOL_FLAGS_KIND_ABSOLUTE = 0x02
EXPORT_SYMBOL_FLAGS_WEAK_DEFINITION = 0x04
EXPORT_SYMBOL_FLAGS_REEXPORT = 0x08
EXPORT_SYMBOL_FLAGS_STUB_AND_RESOLVER = 0x10


def parse_export_trie(trie, path):
    """Walks a whole export trie into {name: (flags, value, other)}.

    value is the image offset (or absolute value, or re-export ordinal); other is the re-exported
    name or the resolver offset. Every node is visited once, so a malformed cyclic trie ends.
    """
    exports = {}
    if not trie:
        return exports
    seen = set()
    stack = [(0, b"")]
    while stack:
        node, prefix = stack.pop()
        if node in seen or node >= len(trie):
            if node >= len(trie):
                raise RunnerError("%s: export trie node offset %d is out of range" % (path, node))
            continue
        seen.add(node)
        terminal_size, pos = read_uleb(trie, node)
        children = pos + terminal_size
        if terminal_size:
            flags, p = read_uleb(trie, pos)
            name = prefix.decode("utf-8", "replace")
            if flags & EXPORT_SYMBOL_FLAGS_REEXPORT:
                ordinal, p = read_uleb(trie, p)
                other, p = read_cstr(trie, p)
                exports[name] = (flags, ordinal, other or name)
            elif flags & EXPORT_SYMBOL_FLAGS_STUB_AND_RESOLVER:
                stub, p = read_uleb(trie, p)
                resolver, p = read_uleb(trie, p)
                exports[name] = (flags, stub, resolver)
            else:
                addr, p = read_uleb(trie, p)
                exports[name] = (flags, addr, None)
        if children >= len(trie):
            raise RunnerError("%s: export trie node at %d is truncated" % (path, node))
        count = trie[children]
        pos = children + 1
        for _ in range(count):
            end = trie.find(b"\0", pos)
            if end < 0:
                raise RunnerError("%s: export trie edge label is unterminated" % path)
            label = trie[pos:end]
            child, pos = read_uleb(trie, end + 1)
            stack.append((child, prefix + label))
    return exports


# ---------------------------------------------------------------------------------------------
# Fixup opcode interpreters (LC_DYLD_INFO)
# ---------------------------------------------------------------------------------------------

REBASE_TYPE_POINTER = 1
REBASE_TYPE_TEXT_ABSOLUTE32 = 2

BIND_TYPE_POINTER = 1
BIND_TYPE_TEXT_ABSOLUTE32 = 2
BIND_SYMBOL_FLAGS_WEAK_IMPORT = 0x1
BIND_SYMBOL_FLAGS_NON_WEAK_DEFINITION = 0x8
BIND_SPECIAL_DYLIB_SELF = 0
BIND_SPECIAL_DYLIB_MAIN_EXECUTABLE = -1
BIND_SPECIAL_DYLIB_FLAT_LOOKUP = -2
BIND_SPECIAL_DYLIB_WEAK_LOOKUP = -3


def rebase_places(image, opcodes):
    """Runs REBASE_OPCODE_* and yields (address, type) for every place to slide."""
    pos = 0
    rtype = REBASE_TYPE_POINTER
    seg = off = 0
    have_addr = False  # until a SET_SEGMENT_AND_OFFSET_ULEB

    def here():
        if not have_addr:
            raise RunnerError("%s: rebase before REBASE_OPCODE_SET_SEGMENT_AND_OFFSET_ULEB" % image.path)
        return image.segment_address(seg, off)

    while pos < len(opcodes):
        byte = opcodes[pos]
        pos += 1
        op, imm = byte & 0xF0, byte & 0x0F
        if op == 0x00:  # DONE
            return
        elif op == 0x10:  # SET_TYPE_IMM
            rtype = imm
        elif op == 0x20:  # SET_SEGMENT_AND_OFFSET_ULEB
            seg = imm
            off, pos = read_uleb(opcodes, pos)
            have_addr = True
        elif op == 0x30:  # ADD_ADDR_ULEB
            v, pos = read_uleb(opcodes, pos)
            off = (off + v) & MASK64
        elif op == 0x40:  # ADD_ADDR_IMM_SCALED
            off = (off + imm * 8) & MASK64
        elif op == 0x50:  # DO_REBASE_IMM_TIMES
            for _ in range(imm):
                yield here(), rtype
                off += 8
        elif op == 0x60:  # DO_REBASE_ULEB_TIMES
            n, pos = read_uleb(opcodes, pos)
            for _ in range(n):
                yield here(), rtype
                off += 8
        elif op == 0x70:  # DO_REBASE_ADD_ADDR_ULEB
            v, pos = read_uleb(opcodes, pos)
            yield here(), rtype
            off = (off + 8 + v) & MASK64
        elif op == 0x80:  # DO_REBASE_ULEB_TIMES_SKIPPING_ULEB
            n, pos = read_uleb(opcodes, pos)
            skip, pos = read_uleb(opcodes, pos)
            for _ in range(n):
                yield here(), rtype
                off = (off + 8 + skip) & MASK64
        else:
            raise RunnerError("%s: unknown rebase opcode 0x%02x at offset %d" % (image.path, byte, pos - 1))


class BindRecord:
    __slots__ = ("address", "ordinal", "name", "flags", "type", "addend")

    def __init__(self, address, ordinal, name, flags, btype, addend):
        self.address, self.ordinal, self.name = address, ordinal, name
        self.flags, self.type, self.addend = flags, btype, addend


def bind_records(image, opcodes, start=0, lazy=False):
    """Runs BIND_OPCODE_* from start and yields a BindRecord per bind.

    A regular or weak bind stream ends at BIND_OPCODE_DONE; a lazy stream uses DONE to end each
    symbol's record, so with lazy=True this stops at the first DONE after a bind.
    """
    pos = start
    ordinal = 0
    name = None
    flags = 0
    btype = BIND_TYPE_POINTER
    addend = 0
    seg = off = 0
    have_addr = False

    def record():
        if not have_addr:
            raise RunnerError("%s: bind before BIND_OPCODE_SET_SEGMENT_AND_OFFSET_ULEB" % image.path)
        if name is None:
            raise RunnerError("%s: bind without a symbol name" % image.path)
        return BindRecord(image.segment_address(seg, off), ordinal, name, flags, btype, addend)

    while pos < len(opcodes):
        byte = opcodes[pos]
        pos += 1
        op, imm = byte & 0xF0, byte & 0x0F
        if op == 0x00:  # DONE
            if not lazy or name is not None:
                return
        elif op == 0x10:  # SET_DYLIB_ORDINAL_IMM
            ordinal = imm
        elif op == 0x20:  # SET_DYLIB_ORDINAL_ULEB
            ordinal, pos = read_uleb(opcodes, pos)
        elif op == 0x30:  # SET_DYLIB_SPECIAL_IMM: 0, or a negative number in the low bits
            ordinal = signed(0xF0 | imm, 8) if imm else 0
        elif op == 0x40:  # SET_SYMBOL_TRAILING_FLAGS_IMM
            flags = imm
            name, pos = read_cstr(opcodes, pos)
        elif op == 0x50:  # SET_TYPE_IMM
            btype = imm
        elif op == 0x60:  # SET_ADDEND_SLEB
            addend, pos = read_sleb(opcodes, pos)
        elif op == 0x70:  # SET_SEGMENT_AND_OFFSET_ULEB
            seg = imm
            off, pos = read_uleb(opcodes, pos)
            have_addr = True
        elif op == 0x80:  # ADD_ADDR_ULEB (a "negative" ULEB wraps around)
            v, pos = read_uleb(opcodes, pos)
            off = (off + v) & MASK64
        elif op == 0x90:  # DO_BIND
            yield record()
            off = (off + 8) & MASK64
        elif op == 0xA0:  # DO_BIND_ADD_ADDR_ULEB
            v, pos = read_uleb(opcodes, pos)
            yield record()
            off = (off + 8 + v) & MASK64
        elif op == 0xB0:  # DO_BIND_ADD_ADDR_IMM_SCALED
            yield record()
            off = (off + 8 + imm * 8) & MASK64
        elif op == 0xC0:  # DO_BIND_ULEB_TIMES_SKIPPING_ULEB
            n, pos = read_uleb(opcodes, pos)
            skip, pos = read_uleb(opcodes, pos)
            for _ in range(n):
                yield record()
                off = (off + 8 + skip) & MASK64
        elif op == 0xD0:  # THREADED (arm64e)
            raise RunnerError("%s: BIND_OPCODE_THREADED (arm64e) is not supported" % image.path)
        else:
            raise RunnerError("%s: unknown bind opcode 0x%02x at offset %d" % (image.path, byte, pos - 1))


# ---------------------------------------------------------------------------------------------
# Architectures: registers, calling conventions, the instructions the runner plants
# ---------------------------------------------------------------------------------------------

class VarArgs:
    """Reads a variadic function's arguments in order, as the architecture's ABI passes them."""

    def __init__(self, cpu, gp_used, fp_used):
        self.cpu = cpu
        self.gp = gp_used
        self.fp = fp_used
        self.stack = cpu.arch.first_stack_arg(cpu.uc)

    def _stack_slot(self):
        v = self.cpu.read_u64(self.stack)
        self.stack += 8
        return v

    def next_int(self):
        arch = self.cpu.arch
        if arch.varargs_in_registers and self.gp < len(arch.int_regs):
            v = self.cpu.uc.reg_read(arch.int_regs[self.gp])
            self.gp += 1
            return v
        return self._stack_slot()

    def next_double(self):
        arch = self.cpu.arch
        if arch.varargs_in_registers and self.fp < 8:
            v = arch.read_fp(self.cpu.uc, self.fp)
            self.fp += 1
        else:
            v = self._stack_slot()
        return struct.unpack("<d", struct.pack("<Q", v & MASK64))[0]


class Arm64:
    name = "arm64"
    uc_arch, uc_mode, uc_cpu_model = uc_mod.UC_ARCH_ARM64, uc_mod.UC_MODE_ARM, A64.UC_CPU_ARM64_MAX
    int_regs = [A64.UC_ARM64_REG_X0 + i for i in range(8)]
    # Apple's arm64 ABI differs from AAPCS64 here: variadic arguments always go on the stack.
    varargs_in_registers = False
    RET = struct.pack("<I", 0xD65F03C0)  # ret (to x30)
    JUMP_SCRATCH = struct.pack("<I", 0xD61F0200)  # br x16: x16 is IP0, free for stubs to clobber
    SP, PC = A64.UC_ARM64_REG_SP, A64.UC_ARM64_REG_PC
    page_size = 0x4000

    @staticmethod
    def read_fp(uc, i):
        return uc.reg_read(A64.UC_ARM64_REG_D0 + i)

    @staticmethod
    def first_stack_arg(uc):
        return uc.reg_read(A64.UC_ARM64_REG_SP)

    @staticmethod
    def return_address(uc, cpu):
        return uc.reg_read(A64.UC_ARM64_REG_X30)

    @staticmethod
    def binder_frame(uc, cpu):
        """The __stub_helper pushed (x16 = lazy-bind offset, x17 = &dyld_private) with one stp."""
        sp = uc.reg_read(A64.UC_ARM64_REG_SP)
        return cpu.read_u64(sp) & 0xFFFFFFFF, cpu.read_u64(sp + 8)

    @staticmethod
    def finish_binder(uc, target):
        # Pop the helper's 16 bytes; the planted "br x16" then enters the target with the
        # caller's argument registers and x30 untouched.
        uc.reg_write(A64.UC_ARM64_REG_SP, uc.reg_read(A64.UC_ARM64_REG_SP) + 16)
        uc.reg_write(A64.UC_ARM64_REG_X16, target)

    @staticmethod
    def prepare_call(uc, cpu, sp, args, return_to):
        sp &= ~0xF
        uc.reg_write(A64.UC_ARM64_REG_SP, sp)
        for i, a in enumerate(args):
            uc.reg_write(A64.UC_ARM64_REG_X0 + i, a & MASK64)
        uc.reg_write(A64.UC_ARM64_REG_X29, 0)
        uc.reg_write(A64.UC_ARM64_REG_X30, return_to)

    @staticmethod
    def set_return(uc, value):
        uc.reg_write(A64.UC_ARM64_REG_X0, value & MASK64)

    @staticmethod
    def return_value(uc):
        return uc.reg_read(A64.UC_ARM64_REG_X0)

    @staticmethod
    def setup(uc):
        # Allow FP/SIMD at EL0/EL1 (CPACR_EL1.FPEN = 0b11) so printf("%f") callers can run.
        uc.reg_write(A64.UC_ARM64_REG_CPACR_EL1, uc.reg_read(A64.UC_ARM64_REG_CPACR_EL1) | (3 << 20))


class X86_64:
    name = "x86_64"
    uc_arch, uc_mode, uc_cpu_model = uc_mod.UC_ARCH_X86, uc_mod.UC_MODE_64, X86.UC_CPU_X86_NEHALEM
    int_regs = [X86.UC_X86_REG_RDI, X86.UC_X86_REG_RSI, X86.UC_X86_REG_RDX,
                X86.UC_X86_REG_RCX, X86.UC_X86_REG_R8, X86.UC_X86_REG_R9]
    # System V: variadic arguments go where named ones would (%al = vector registers used).
    varargs_in_registers = True
    RET = b"\xC3"
    JUMP_SCRATCH = b"\x41\xFF\xE3"  # jmp *%r11: r11 is scratch, the stub helper already used it
    SP, PC = X86.UC_X86_REG_RSP, X86.UC_X86_REG_RIP
    page_size = 0x1000
    XMM = [X86.UC_X86_REG_XMM0 + i for i in range(8)]

    @classmethod
    def read_fp(cls, uc, i):
        return uc.reg_read(cls.XMM[i]) & MASK64

    @staticmethod
    def first_stack_arg(uc):
        return uc.reg_read(X86.UC_X86_REG_RSP) + 8  # above the return address

    @staticmethod
    def return_address(uc, cpu):
        return cpu.read_u64(uc.reg_read(X86.UC_X86_REG_RSP))

    @staticmethod
    def binder_frame(uc, cpu):
        """The __stub_helper pushed the lazy-bind offset (push imm32), then &dyld_private (r11)."""
        rsp = uc.reg_read(X86.UC_X86_REG_RSP)
        return cpu.read_u64(rsp + 8) & 0xFFFFFFFF, cpu.read_u64(rsp)

    @staticmethod
    def finish_binder(uc, target):
        uc.reg_write(X86.UC_X86_REG_RSP, uc.reg_read(X86.UC_X86_REG_RSP) + 16)
        uc.reg_write(X86.UC_X86_REG_R11, target)

    @classmethod
    def prepare_call(cls, uc, cpu, sp, args, return_to):
        # At a function's first instruction rsp + 8 is 16-byte aligned: a call pushed the return.
        sp = (sp & ~0xF) - 8
        cpu.write_u64(sp, return_to)
        uc.reg_write(X86.UC_X86_REG_RSP, sp)
        uc.reg_write(X86.UC_X86_REG_RBP, 0)
        for i, a in enumerate(args):
            uc.reg_write(cls.int_regs[i], a & MASK64)
        uc.reg_write(X86.UC_X86_REG_RAX, 0)

    @staticmethod
    def set_return(uc, value):
        uc.reg_write(X86.UC_X86_REG_RAX, value & MASK64)

    @staticmethod
    def return_value(uc):
        return uc.reg_read(X86.UC_X86_REG_RAX)

    @staticmethod
    def setup(uc):
        pass


ARCHES = {CPU_TYPE_ARM64: Arm64, CPU_TYPE_X86_64: X86_64}


# ---------------------------------------------------------------------------------------------
# The emulated CPU and its memory
# ---------------------------------------------------------------------------------------------

class Cpu:
    """The Unicorn instance plus memory helpers that turn bad accesses into RunnerErrors."""

    def __init__(self, arch):
        self.arch = arch
        self.uc = Uc(arch.uc_arch, arch.uc_mode)
        # The most capable CPU model: clang targets Apple CPUs (arm64: LSE atomics and more; x86_64:
        # SSE4.1 by default), which Unicorn's default models (Cortex-A72, qemu64) lack. Nehalem has SSE4.2
        # but no AVX, which this Unicorn (QEMU 5 based) cannot execute anyway.
        self.uc.ctl_set_cpu_model(arch.uc_cpu_model)
        arch.setup(self.uc)

    def map(self, addr, size, what):
        try:
            self.uc.mem_map(addr, align_up(size, PAGE), uc_mod.UC_PROT_ALL)
        except UcError as e:
            raise RunnerError("cannot map %s at 0x%x (+0x%x): %s" % (what, addr, size, e))

    def read(self, addr, size):
        try:
            return bytes(self.uc.mem_read(addr, size))
        except UcError:
            raise RunnerError("bad memory read of %d bytes at 0x%x" % (size, addr))

    def write(self, addr, data):
        try:
            self.uc.mem_write(addr, bytes(data))
        except UcError:
            raise RunnerError("bad memory write of %d bytes at 0x%x" % (len(data), addr))

    def read_u64(self, addr):
        return struct.unpack("<Q", self.read(addr, 8))[0]

    def write_u64(self, addr, v):
        self.write(addr, struct.pack("<Q", v & MASK64))

    def read_u32(self, addr):
        return struct.unpack("<I", self.read(addr, 4))[0]

    def write_u32(self, addr, v):
        self.write(addr, struct.pack("<I", v & 0xFFFFFFFF))

    def read_cstring(self, addr, limit=None):
        """Reads a C string, a page-bounded chunk at a time so it never reads unmapped memory it
        does not need; stops after limit bytes (for %.Ns) when given."""
        out = bytearray()
        while limit is None or len(out) < limit:
            n = PAGE - (addr & (PAGE - 1))
            if limit is not None:
                n = min(n, limit - len(out))
            chunk = self.read(addr, n)
            z = chunk.find(b"\0")
            if z >= 0:
                out += chunk[:z]
                return bytes(out)
            out += chunk
            addr += n
            if len(out) > 256 << 20:
                raise RunnerError("unterminated string at 0x%x" % addr)
        return bytes(out)

    def arg(self, i):
        """Named integer/pointer argument i (only the first few are ever needed)."""
        regs = self.arch.int_regs
        if i >= len(regs):
            raise RunnerError("emulated function needs stack argument %d" % i)
        return self.uc.reg_read(regs[i])

    @property
    def pc(self):
        return self.uc.reg_read(self.arch.PC)


# ---------------------------------------------------------------------------------------------
# printf-style formatting
# ---------------------------------------------------------------------------------------------

def _pad(body, width, left, prefix=b"", zero=False):
    """C's field padding: spaces on the left or right, or zeros between sign/prefix and digits."""
    n = width - len(prefix) - len(body)
    if n <= 0:
        return prefix + body
    if left:
        return prefix + body + b" " * n
    if zero:
        return prefix + b"0" * n + body
    return b" " * n + prefix + body


def format_printf(cpu, fmt, va):
    """Formats like C's printf: flags -+ #0, width and precision (numbers or *), length
    modifiers hh h l ll q j z t L, conversions d i u o x X c s p f F e E g G a A n %."""
    out = bytearray()
    i = 0
    n = len(fmt)
    while i < n:
        c = fmt[i]
        if c != 0x25:  # '%'
            j = fmt.find(b"%", i)
            j = n if j < 0 else j
            out += fmt[i:j]
            i = j
            continue
        i += 1
        flags = set()
        while i < n and fmt[i:i + 1] in (b"-", b"+", b" ", b"#", b"0"):
            flags.add(fmt[i:i + 1])
            i += 1
        width = 0
        if i < n and fmt[i:i + 1] == b"*":
            width = signed(va.next_int(), 32)
            if width < 0:
                flags.add(b"-")
                width = -width
            i += 1
        else:
            while i < n and 0x30 <= fmt[i] <= 0x39:
                width = width * 10 + fmt[i] - 0x30
                i += 1
        prec = None
        if i < n and fmt[i:i + 1] == b".":
            i += 1
            if i < n and fmt[i:i + 1] == b"*":
                prec = signed(va.next_int(), 32)
                if prec < 0:
                    prec = None
                i += 1
            else:
                prec = 0
                while i < n and 0x30 <= fmt[i] <= 0x39:
                    prec = prec * 10 + fmt[i] - 0x30
                    i += 1
        bits = 32
        for mod, b in ((b"hh", 8), (b"ll", 64), (b"h", 16), (b"l", 64), (b"q", 64), (b"j", 64),
                       (b"z", 64), (b"t", 64), (b"L", 64)):
            if fmt[i:i + len(mod)] == mod:
                bits = b
                i += len(mod)
                break
        if i >= n:
            break
        conv = chr(fmt[i])
        i += 1
        left = b"-" in flags
        if conv in "di":
            v = signed(va.next_int(), bits)
            sign = b"-" if v < 0 else b"+" if b"+" in flags else b" " if b" " in flags else b""
            out += _int_field(abs(v), 10, False, prec, width, left, sign, b"0" in flags)
        elif conv in "uoxX":
            v = va.next_int() & ((1 << bits) - 1)
            base = {"u": 10, "o": 8}.get(conv, 16)
            prefix = b""
            if b"#" in flags and v:
                prefix = b"0x" if conv == "x" else b"0X" if conv == "X" else b""
            digits_prec = prec
            if conv == "o" and b"#" in flags:
                # '#o' makes the first digit a 0, via the precision if need be.
                digits = b"%o" % v
                if not digits.startswith(b"0"):
                    digits_prec = max(prec or 0, len(digits) + 1)
            out += _int_field(v, base, conv == "X", digits_prec, width, left, prefix, b"0" in flags)
        elif conv == "c":
            out += _pad(bytes([va.next_int() & 0xFF]), width, left)
        elif conv == "s":
            p = va.next_int()
            s = b"(null)" if p == 0 else cpu.read_cstring(p, prec)
            if prec is not None:
                s = s[:prec]
            out += _pad(s, width, left)
        elif conv == "p":
            out += _pad(b"%x" % va.next_int(), width, left, b"0x")
        elif conv in "fFeEgGaA":
            v = va.next_double()
            if conv in "aA":
                body = v.hex().encode()
                body = body.replace(b"0x1.0p", b"0x1p")  # C prints 0x1p+0 for 1.0
                out += _pad(body.upper() if conv == "A" else body, width, left)
            else:
                spec = "%" + "".join(sorted(f.decode() for f in flags)) + (str(width) if width else "")
                spec += ("." + str(prec)) if prec is not None else ""
                out += ((spec + conv) % v).encode("ascii")
        elif conv == "n":
            va.next_int()  # the pointer; writing back a count is not emulated
        elif conv == "%":
            out += b"%"
        else:
            out += b"%" + conv.encode("latin-1")
    return bytes(out)


def _int_field(v, base, upper, prec, width, left, prefix, zero):
    digits = {10: b"%d", 8: b"%o", 16: b"%X" if upper else b"%x"}[base] % v
    if prec is not None:
        digits = b"" if prec == 0 and v == 0 else digits.rjust(prec, b"0")
        zero = False  # C ignores the 0 flag when a precision is given
    return _pad(digits, width, left, prefix, zero)



# ---------------------------------------------------------------------------------------------
# The emulated libSystem
# ---------------------------------------------------------------------------------------------

class Heap:
    """malloc's memory: a bump allocator with exact-size free lists, growing by mapping more.

    Each block has a 16-byte header (size, state) so free/realloc can find its size and catch
    pointers malloc never returned, as macOS's allocator does (it aborts)."""

    LIVE = 0x4D414C4C4F434544  # "MALLOCED"
    FREE = 0x4652454544424C4B  # "FREEDBLK"

    def __init__(self, cpu):
        self.cpu = cpu
        self.top = HEAP_BASE
        self.mapped_end = HEAP_BASE
        self.free_lists = {}

    def alloc(self, n):
        size = align_up(max(n, 1), 16)
        if size > 1 << 36:
            return 0
        lst = self.free_lists.get(size)
        if lst:
            p = lst.pop()
        else:
            p = self.top + 16
            self.top = p + size
            while self.top > self.mapped_end:
                self.cpu.map(self.mapped_end, HEAP_CHUNK, "heap")
                self.mapped_end += HEAP_CHUNK
        self.cpu.write(p - 16, struct.pack("<QQ", size, self.LIVE))
        return p

    def block_size(self, p, who):
        if not (HEAP_BASE + 16 <= p < self.top) or p & 15:
            raise ProgramAbort("%s(): pointer 0x%x was not allocated" % (who, p))
        size, state = struct.unpack("<QQ", self.cpu.read(p - 16, 16))
        if state != self.LIVE:
            raise ProgramAbort("%s(): pointer 0x%x was not allocated (or was already freed)" % (who, p))
        return size

    def free(self, p):
        if p == 0:
            return
        size = self.block_size(p, "free")
        self.cpu.write(p - 8, struct.pack("<Q", self.FREE))
        self.free_lists.setdefault(size, []).append(p)


class ProgramAbort(Exception):
    """The program hit something libSystem aborts on (abort(), stack smashing, bad free)."""


# Data symbols: imports that must resolve to real memory, at these offsets in LIBSYSTEM_DATA.
DATA_SYMBOLS = {
    "___stack_chk_guard": 0x00,
    "___stdinp": 0x08,
    "___stdoutp": 0x10,
    "___stderrp": 0x18,
    "_environ": 0x20,
    "_NXArgc": 0x28,
    "_NXArgv": 0x30,
    "___progname": 0x38,
}
FILE_STDIN, FILE_STDOUT, FILE_STDERR = LIBSYSTEM_DATA + 0x100, LIBSYSTEM_DATA + 0x200, LIBSYSTEM_DATA + 0x300
PROGRAM_VARS = LIBSYSTEM_DATA + 0x400
STACK_GUARD_VALUE = 0x00_5A_A5_C3_3C_5A_A5_00  # a zero byte, like the real one, stops string overruns
SLOT = 16  # bytes per emulated-function address in LIBSYSTEM_CODE


class LibSystem:
    """/usr/lib/libSystem.B.dylib, emulated: functions are Python methods named fn_<symbol>."""

    def __init__(self, runner):
        self.runner = runner
        self.cpu = runner.cpu
        self.arch = runner.cpu.arch
        self.heap = Heap(self.cpu)
        self.stdout = bytearray()  # stdio's buffer for stdout, flushed at exit as on a pipe
        self.slots = {}  # name -> address
        self.handlers = {}  # address -> (name, callable)
        self.next_slot = LIBSYSTEM_CODE
        cpu = self.cpu
        cpu.map(LIBSYSTEM_CODE, LIBSYSTEM_CODE_SIZE, "libSystem code")
        # Every slot holds the architecture's return; the code hook does the work first.
        cpu.write(LIBSYSTEM_CODE, (self.arch.RET * (LIBSYSTEM_CODE_SIZE // len(self.arch.RET) + 1))
                  [:LIBSYSTEM_CODE_SIZE])
        cpu.map(LIBSYSTEM_DATA, LIBSYSTEM_DATA_SIZE, "libSystem data")
        cpu.write_u64(LIBSYSTEM_DATA + DATA_SYMBOLS["___stack_chk_guard"], STACK_GUARD_VALUE)
        cpu.write_u64(LIBSYSTEM_DATA + DATA_SYMBOLS["___stdinp"], FILE_STDIN)
        cpu.write_u64(LIBSYSTEM_DATA + DATA_SYMBOLS["___stdoutp"], FILE_STDOUT)
        cpu.write_u64(LIBSYSTEM_DATA + DATA_SYMBOLS["___stderrp"], FILE_STDERR)
        # Internal return addresses: where main and initializers return to.
        self.main_return = self._slot("<return from main>", self.on_main_return)
        self.call_return = self._slot("<return to runner>", self.on_call_return)
        cpu.uc.hook_add(uc_mod.UC_HOOK_CODE, self._on_code, begin=LIBSYSTEM_CODE,
                        end=LIBSYSTEM_CODE + LIBSYSTEM_CODE_SIZE - 1)

    # --- symbol lookup --------------------------------------------------------------------

    def defines(self, name):
        return name in DATA_SYMBOLS or hasattr(self, "fn_" + name)

    def address_of(self, name):
        """The address an import of name binds to: data, an emulated function, or a trap."""
        if name in DATA_SYMBOLS:
            return LIBSYSTEM_DATA + DATA_SYMBOLS[name]
        if name in self.slots:
            return self.slots[name]
        fn = getattr(self, "fn_" + name, None)
        if fn is None:
            def fn(name=name):
                self.runner.report("call to unimplemented import %s" % name)
                raise ProgramExit(EXIT_UNIMPLEMENTED)
        addr = self._slot(name, fn)
        if name == "dyld_stub_binder":
            # Not a return: the binder continues at the bound function through a scratch register.
            self.cpu.write(addr, self.arch.JUMP_SCRATCH)
        return addr

    def _slot(self, name, fn):
        if self.next_slot + SLOT > LIBSYSTEM_CODE + LIBSYSTEM_CODE_SIZE:
            raise RunnerError("too many distinct libSystem imports")
        addr = self.next_slot
        self.next_slot += SLOT
        self.slots[name] = addr
        self.handlers[addr] = (name, fn)
        return addr

    def name_at(self, addr):
        h = self.handlers.get(addr & ~(SLOT - 1))
        return h[0] if h else None

    def _on_code(self, uc, address, size, user_data):
        h = self.handlers.get(address)
        if h is None:
            raise RunnerError("jump into the emulated libSystem at 0x%x, which is no function" % address)
        name, fn = h
        if self.runner.tracing and not name.startswith("<") and name != "dyld_stub_binder":
            self.runner.trace("call %s from 0x%x" % (name, self.arch.return_address(uc, self.cpu)))
        try:
            fn()
        except RunnerError as e:
            raise RunnerError("in %s (called from 0x%x): %s" % (name, self.arch.return_address(uc, self.cpu), e))

    # --- helpers --------------------------------------------------------------------------

    def ret(self, v):
        self.arch.set_return(self.cpu.uc, v)

    def arg(self, i):
        return self.cpu.arg(i)

    def out(self, stream, data):
        """Writes through stdio: stdout is buffered (flushed at exit), stderr is not."""
        if stream == FILE_STDERR:
            sys.stderr.buffer.write(data)
            sys.stderr.buffer.flush()
        elif stream == FILE_STDOUT:
            self.stdout += data
            if len(self.stdout) >= 1 << 16:
                self.flush()
        else:
            raise RunnerError("stdio output to an unknown FILE* 0x%x" % stream)

    def flush(self):
        if self.stdout:
            sys.stdout.buffer.write(self.stdout)
            self.stdout = bytearray()
        sys.stdout.buffer.flush()

    def printf_to(self, stream, fmt_arg, named):
        data = format_printf(self.cpu, self.cpu.read_cstring(self.arg(fmt_arg)), VarArgs(self.cpu, named, 0))
        self.out(stream, data)
        self.ret(len(data))

    def store_formatted(self, buf, size, fmt_arg, named):
        data = format_printf(self.cpu, self.cpu.read_cstring(self.arg(fmt_arg)), VarArgs(self.cpu, named, 0))
        if size is None:
            self.cpu.write(buf, data + b"\0")
        elif size > 0:
            self.cpu.write(buf, data[:size - 1] + b"\0")
        self.ret(len(data))

    # --- dyld's part ----------------------------------------------------------------------

    def fn_dyld_stub_binder(self):
        self.runner.bind_lazy()

    def fn___tlv_bootstrap(self):
        self.ret(self.runner.tlv_address(self.arg(0)))

    def on_main_return(self):
        self.fn__exit(signed(self.arch.return_value(self.cpu.uc), 32))

    def on_call_return(self):
        raise InitializerReturned()

    # --- process ----------------------------------------------------------------------------

    def fn__exit(self, status=None):
        if status is None:
            status = signed(self.arg(0), 32)
        self.flush()
        raise ProgramExit(status & 0xFF)

    def fn___exit(self):
        # _exit does not flush stdio: what printf buffered is lost, as on macOS.
        self.stdout = bytearray()
        raise ProgramExit(self.arg(0) & 0xFF)

    def fn__abort(self):
        raise ProgramAbort("abort() called")

    def fn____stack_chk_fail(self):
        raise ProgramAbort("stack buffer overflow detected (___stack_chk_fail)")

    # --- stdio ----------------------------------------------------------------------------

    def fn__printf(self):
        self.printf_to(FILE_STDOUT, 0, 1)

    def fn__fprintf(self):
        self.printf_to(self.arg(0), 1, 2)

    def fn__sprintf(self):
        self.store_formatted(self.arg(0), None, 1, 2)

    def fn__snprintf(self):
        self.store_formatted(self.arg(0), self.arg(1), 2, 3)

    def fn__puts(self):
        self.out(FILE_STDOUT, self.cpu.read_cstring(self.arg(0)) + b"\n")
        self.ret(0)

    def fn__fputs(self):
        self.out(self.arg(1), self.cpu.read_cstring(self.arg(0)))
        self.ret(0)

    def fn__putchar(self):
        c = self.arg(0) & 0xFF
        self.out(FILE_STDOUT, bytes([c]))
        self.ret(c)

    def fn__fputc(self):
        c = self.arg(0) & 0xFF
        self.out(self.arg(1), bytes([c]))
        self.ret(c)

    def fn__fwrite(self):
        ptr, size, count, stream = (self.arg(i) for i in range(4))
        self.out(stream, self.cpu.read(ptr, size * count))
        self.ret(count)

    def fn__fflush(self):
        if self.arg(0) in (0, FILE_STDOUT):
            self.flush()
        self.ret(0)

    def fn__write(self):
        fd, buf, n = self.arg(0), self.arg(1), self.arg(2)
        data = self.cpu.read(buf, n)
        if fd == 1:
            # write(2) bypasses stdio's buffer, so it comes out before still-buffered printf output.
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        elif fd == 2:
            sys.stderr.buffer.write(data)
            sys.stderr.buffer.flush()
        else:
            self.ret(-1)
            return
        self.ret(n)

    # --- memory ---------------------------------------------------------------------------

    def fn__malloc(self):
        self.ret(self.heap.alloc(self.arg(0)))

    def fn__calloc(self):
        n = self.arg(0) * self.arg(1)
        p = self.heap.alloc(n)
        if p:
            self.cpu.write(p, bytes(align_up(max(n, 1), 16)))
        self.ret(p)

    def fn__realloc(self):
        old, n = self.arg(0), self.arg(1)
        p = self.heap.alloc(n)
        if old and p:
            keep = min(self.heap.block_size(old, "realloc"), n)
            self.cpu.write(p, self.cpu.read(old, keep))
            self.heap.free(old)
        self.ret(p)

    def fn__free(self):
        self.heap.free(self.arg(0))

    def fn__memcpy(self):
        d, s, n = self.arg(0), self.arg(1), self.arg(2)
        if n:
            self.cpu.write(d, self.cpu.read(s, n))
        self.ret(d)

    fn__memmove = fn__memcpy  # reading all before writing makes overlap harmless

    def fn__memset(self):
        d, c, n = self.arg(0), self.arg(1), self.arg(2)
        if n:
            self.cpu.write(d, bytes([c & 0xFF]) * n)
        self.ret(d)

    def fn__bzero(self):
        if self.arg(1):
            self.cpu.write(self.arg(0), bytes(self.arg(1)))

    fn____bzero = fn__bzero

    def fn__memcmp(self):
        n = self.arg(2)
        a, b = self.cpu.read(self.arg(0), n), self.cpu.read(self.arg(1), n)
        self.ret(_compare(a, b))

    # --- strings --------------------------------------------------------------------------

    def fn__strlen(self):
        self.ret(len(self.cpu.read_cstring(self.arg(0))))

    def fn__strcmp(self):
        self.ret(_compare(self.cpu.read_cstring(self.arg(0)) + b"\0", self.cpu.read_cstring(self.arg(1)) + b"\0"))

    def fn__strncmp(self):
        n = self.arg(2)
        a = (self.cpu.read_cstring(self.arg(0), n) + b"\0")[:n]
        b = (self.cpu.read_cstring(self.arg(1), n) + b"\0")[:n]
        self.ret(_compare(a, b))

    def fn__strcpy(self):
        d = self.arg(0)
        self.cpu.write(d, self.cpu.read_cstring(self.arg(1)) + b"\0")
        self.ret(d)

    def fn__strncpy(self):
        d, n = self.arg(0), self.arg(2)
        s = self.cpu.read_cstring(self.arg(1), n)
        self.cpu.write(d, s + bytes(n - len(s)))
        self.ret(d)

    def fn__strcat(self):
        d = self.arg(0)
        self.cpu.write(d + len(self.cpu.read_cstring(d)), self.cpu.read_cstring(self.arg(1)) + b"\0")
        self.ret(d)

    def fn__strchr(self):
        s, c = self.arg(0), self.arg(1) & 0xFF
        data = self.cpu.read_cstring(s) + b"\0"
        k = data.find(bytes([c]))
        self.ret(s + k if k >= 0 else 0)

    def fn__strrchr(self):
        s, c = self.arg(0), self.arg(1) & 0xFF
        data = self.cpu.read_cstring(s) + b"\0"
        k = data.rfind(bytes([c]))
        self.ret(s + k if k >= 0 else 0)

    def fn__atoi(self):
        s = self.cpu.read_cstring(self.arg(0)).lstrip(b" \t\n\v\f\r")
        neg = s[:1] == b"-"
        if s[:1] in (b"-", b"+"):
            s = s[1:]
        v = 0
        for ch in s:
            if not 0x30 <= ch <= 0x39:
                break
            v = v * 10 + ch - 0x30
        self.ret(signed(-v if neg else v, 32))

    def fn__abs(self):
        self.ret(abs(signed(self.arg(0), 32)))

    def fn__labs(self):
        self.ret(abs(signed(self.arg(0), 64)))


def _compare(a, b):
    """memcmp/strcmp's result: the difference of the first differing bytes, as unsigned chars."""
    for x, y in zip(a, b):
        if x != y:
            return x - y
    return 0


# ---------------------------------------------------------------------------------------------
# Chained fixups (LC_DYLD_CHAINED_FIXUPS)
# ---------------------------------------------------------------------------------------------

DYLD_CHAINED_PTR_64 = 2
DYLD_CHAINED_PTR_64_OFFSET = 6
DYLD_CHAINED_PTR_START_NONE = 0xFFFF
DYLD_CHAINED_IMPORT = 1
DYLD_CHAINED_IMPORT_ADDEND = 2
DYLD_CHAINED_IMPORT_ADDEND64 = 3


def chained_imports(image, blob):
    """[(ordinal, name, weak, addend)] from a dyld_chained_fixups_header's imports table."""
    (_version, _starts, imports_off, symbols_off, count, fmt, symbols_fmt) = struct.unpack_from("<7I", blob, 0)
    if symbols_fmt != 0:
        raise RunnerError("%s: compressed chained-fixup symbol names are not supported" % image.path)
    result = []
    for k in range(count):
        # lib_ordinal is unsigned, but its top values are the special (negative) ordinals.
        if fmt == DYLD_CHAINED_IMPORT:
            v = struct.unpack_from("<I", blob, imports_off + 4 * k)[0]
            addend = 0
            ordinal, weak, name_off = _special(v & 0xFF, 8), (v >> 8) & 1, v >> 9
        elif fmt == DYLD_CHAINED_IMPORT_ADDEND:
            v, addend = struct.unpack_from("<Ii", blob, imports_off + 8 * k)
            ordinal, weak, name_off = _special(v & 0xFF, 8), (v >> 8) & 1, v >> 9
        elif fmt == DYLD_CHAINED_IMPORT_ADDEND64:
            v, addend = struct.unpack_from("<Qq", blob, imports_off + 16 * k)
            ordinal, weak, name_off = _special(v & 0xFFFF, 16), (v >> 16) & 1, v >> 32
        else:
            raise RunnerError("%s: unsupported chained imports format %d" % (image.path, fmt))
        name, _ = read_cstr(blob, symbols_off + name_off)
        result.append((ordinal, name, weak, addend))
    return result


def _special(ordinal, bits):
    return signed(ordinal, bits) if ordinal >= (1 << bits) - 15 else ordinal


def chained_fixups(image, blob, cpu):
    """Walks every page's chain; yields ("rebase", address, target) or ("bind", address, import
    index, addend) for DYLD_CHAINED_PTR_64 and DYLD_CHAINED_PTR_64_OFFSET chains."""
    starts_off = struct.unpack_from("<I", blob, 4)[0]
    seg_count = struct.unpack_from("<I", blob, starts_off)[0]
    for seg_index in range(seg_count):
        info_off = struct.unpack_from("<I", blob, starts_off + 4 + 4 * seg_index)[0]
        if info_off == 0:
            continue
        base = starts_off + info_off
        _size, page_size, fmt, seg_offset, _max, page_count = struct.unpack_from("<IHHQIH", blob, base)
        if fmt not in (DYLD_CHAINED_PTR_64, DYLD_CHAINED_PTR_64_OFFSET):
            raise RunnerError("%s: unsupported chained pointer format %d" % (image.path, fmt))
        if seg_index >= len(image.segments):
            raise RunnerError("%s: chained fixups for missing segment %d" % (image.path, seg_index))
        # dyld locates pages by segment_offset (from the Mach-O header), not by the segment command.
        seg_addr = image.base + seg_offset
        for page in range(page_count):
            start = struct.unpack_from("<H", blob, base + 22 + 2 * page)[0]
            if start == DYLD_CHAINED_PTR_START_NONE:
                continue
            if start & 0x8000:
                raise RunnerError("%s: DYLD_CHAINED_PTR_START_MULTI is not supported" % image.path)
            yield from _walk_chain(image, cpu, fmt, seg_addr + page * page_size + start)


def _walk_chain(image, cpu, fmt, addr):
    while True:
        v = cpu.read_u64(addr)
        nxt = (v >> 51) & 0xFFF
        if v >> 63:  # bind: ordinal:24 addend:8 reserved:19 next:12 bind:1
            yield ("bind", addr, v & 0xFFFFFF, (v >> 24) & 0xFF)
        else:  # rebase: target:36 high8:8 reserved:7 next:12 bind:1
            target = v & 0xFFFFFFFFF
            high8 = (v >> 36) & 0xFF
            if fmt == DYLD_CHAINED_PTR_64_OFFSET:
                target += image.base
            else:
                target += image.slide
            yield ("rebase", addr, target | (high8 << 56))
        if nxt == 0:
            return
        addr += nxt * 4


# ---------------------------------------------------------------------------------------------
# The loader and the run
# ---------------------------------------------------------------------------------------------

def is_libsystem(install_name):
    return install_name.startswith("/usr/lib/libSystem") or install_name.startswith("/usr/lib/system/")


class Runner:
    def __init__(self, exe_path, dylib_paths, slide, timeout, tracing):
        self.tracing = tracing
        self.deadline = None
        self.timeout = timeout
        self.last_bad_access = None
        self.exe = load_image(exe_path)
        if self.exe.filetype != MH_EXECUTE:
            raise RunnerError("%s: not an executable (MH_EXECUTE)" % exe_path)
        self.dylibs = [load_image(p) for p in dylib_paths]
        for d in self.dylibs:
            if d.filetype != MH_DYLIB:
                raise RunnerError("%s: not a dylib (MH_DYLIB)" % d.path)
            if d.cputype != self.exe.cputype:
                raise RunnerError("%s: built for another architecture than %s" % (d.path, exe_path))
        self.images = [self.exe] + self.dylibs
        self.cpu = Cpu(ARCHES[self.exe.cputype])
        self.libsystem = LibSystem(self)
        self.tlv_blocks = {}
        self.cpu.uc.hook_add(uc_mod.UC_HOOK_MEM_INVALID, self._on_bad_access)
        self._map(self.exe, slide)
        cursor = DYLIB_BASE
        for d in self.dylibs:
            lo, hi = d.span()
            self._map(d, cursor - lo)
            cursor = align_up(cursor + (hi - lo), 0x100000)
        for im in self.images:
            self._link_dylibs(im)

    def trace(self, msg):
        if self.tracing:
            sys.stderr.write("machorun: trace: %s\n" % msg)
            sys.stderr.flush()

    def report(self, msg):
        """A runner message on stderr, after the program's buffered output so the order makes sense."""
        self.libsystem.flush()
        sys.stderr.write("machorun: %s\n" % msg)
        sys.stderr.flush()

    # --- mapping --------------------------------------------------------------------------

    def _map(self, image, slide):
        # macOS maps segments in whole pages of the architecture: 16 KiB on arm64, 4 KiB on x86_64.
        # Unicorn would accept 4 KiB everywhere; insisting on the real page size catches layouts
        # that only work here.
        page = self.cpu.arch.page_size
        if slide % page:
            raise RunnerError("slide 0x%x is not a multiple of the 0x%x-byte %s page" % (slide, page, self.cpu.arch.name))
        image.slide = slide
        for seg in image.mapped_segments():
            addr = seg.vmaddr + slide
            if seg.vmaddr % page or (seg.filesize and seg.fileoff % page):
                raise RunnerError("%s: segment %s (vmaddr 0x%x, fileoff 0x%x) is not aligned to the 0x%x-byte %s page"
                                  % (image.path, seg.name, seg.vmaddr, seg.fileoff, page, self.cpu.arch.name))
            self.cpu.map(addr, seg.vmsize, "%s segment %s" % (image.short, seg.name))
            if seg.filesize:
                # The rest, up to vmsize, stays zero as Unicorn maps fresh memory zeroed.
                self.cpu.write(addr, image.data[seg.fileoff:seg.fileoff + seg.filesize])
        self.trace("mapped %s at slide 0x%x (header at 0x%x)" % (image.path, slide, image.base))

    def _link_dylibs(self, image):
        """Points each of image's dylib ordinals at a --dylib (by install name) or libSystem."""
        for ref in image.dylibs:
            match = [d for d in self.dylibs if d.install_name == ref.name]
            if not match:
                base = ref.name.rsplit("/", 1)[-1]
                match = [d for d in self.dylibs if d.install_name and d.install_name.rsplit("/", 1)[-1] == base]
            if match:
                ref.target = match[0]
            elif is_libsystem(ref.name):
                ref.target = self.libsystem
            elif not ref.weak:
                raise RunnerError("library not loaded: %s (needed by %s); pass it with --dylib"
                                  % (ref.name, image.path))
            self.trace("%s: dylib %s -> %s" % (image.short, ref.name,
                                                 getattr(ref.target, "path", "emulated libSystem")
                                                 if ref.target else "(missing weak dylib)"))

    # --- symbol resolution ----------------------------------------------------------------

    def resolve(self, image, ordinal, name, weak_import):
        """The address a bind of name with this library ordinal in image gets (two-level namespace)."""
        if ordinal > 0:
            if ordinal > len(image.dylibs):
                raise RunnerError("%s: bind of %s uses library ordinal %d, but there are %d dylibs"
                                  % (image.path, name, ordinal, len(image.dylibs)))
            target = image.dylibs[ordinal - 1].target
            if target is None:
                return 0
            return self.lookup(target, name, weak_import, image)
        if ordinal == BIND_SPECIAL_DYLIB_SELF:
            return self.lookup(image, name, weak_import, image)
        if ordinal == BIND_SPECIAL_DYLIB_MAIN_EXECUTABLE:
            return self.lookup(self.exe, name, weak_import, image)
        if ordinal in (BIND_SPECIAL_DYLIB_FLAT_LOOKUP, BIND_SPECIAL_DYLIB_WEAK_LOOKUP):
            found = self.first_definition(name)
            if found is None:
                return self.lookup(self.libsystem, name, weak_import, image)
            return found
        raise RunnerError("%s: unknown special library ordinal %d" % (image.path, ordinal))

    def lookup(self, target, name, weak_import, referrer, depth=0):
        if target is self.libsystem:
            return self.libsystem.address_of(name)
        found = self.export_address(target, name, depth)
        if found is not None:
            return found
        if weak_import:
            return 0
        raise RunnerError("symbol not found: %s, expected in %s (needed by %s)" % (name, target.path, referrer.path))

    def export_address(self, image, name, depth=0):
        e = image.exports().get(name)
        if e is None:
            return None
        flags, value, other = e
        if flags & EXPORT_SYMBOL_FLAGS_REEXPORT:
            if depth > 8 or not 0 < value <= len(image.dylibs):
                raise RunnerError("%s: bad re-export of %s" % (image.path, name))
            target = image.dylibs[value - 1].target
            return None if target is None else self.lookup(target, other, False, image, depth + 1)
        if flags & EXPORT_SYMBOL_FLAGS_KIND_MASK == EXPORT_SYMBOL_FLAGS_KIND_ABSOLUTE:
            return value
        return image.base + value  # a stub-and-resolver export binds to its stub, no resolver run

    def first_definition(self, name):
        """Where a weak (or flat) lookup finds name: the executable, then dylibs, then libSystem."""
        for im in self.images:
            a = self.export_address(im, name)
            if a is not None:
                return a
        if self.libsystem.defines(name):
            return self.libsystem.address_of(name)
        return None

    # --- fixups ---------------------------------------------------------------------------

    def apply_fixups(self):
        for im in self.images:
            if im.chained_fixups:
                self._apply_chained(im)
            if im.dyld_info:
                self._apply_dyld_info(im)
        for im in self.images:  # weak binds see every image's definitions, as dyld's do
            if im.dyld_info and im.dyld_info[5]:
                for r in bind_records(im, im.linkedit(im.dyld_info[4], im.dyld_info[5])):
                    if r.flags & BIND_SYMBOL_FLAGS_NON_WEAK_DEFINITION:
                        continue
                    target = self.first_definition(r.name)
                    if target is not None:
                        self._write_bind(im, r, target)

    def protect(self):
        """Gives each segment its initprot (and SG_READ_ONLY segments read-only) once fixups are
        applied, so a program writing its __TEXT or running data faults as it would on macOS.
        (Unicorn's mem_write, which the runner itself uses, ignores protections.)"""
        for im in self.images:
            for seg in im.mapped_segments():
                prot = seg.initprot & 7  # VM_PROT_READ/WRITE/EXECUTE have Unicorn's UC_PROT_* values
                if seg.flags & SG_READ_ONLY:
                    prot &= ~2
                try:
                    self.cpu.uc.mem_protect(seg.vmaddr + im.slide, align_up(seg.vmsize, PAGE), prot)
                except UcError as e:
                    raise RunnerError("%s: cannot protect segment %s: %s" % (im.path, seg.name, e))
        self.cpu.uc.mem_protect(LIBSYSTEM_CODE, LIBSYSTEM_CODE_SIZE, uc_mod.UC_PROT_READ | uc_mod.UC_PROT_EXEC)

    def _apply_dyld_info(self, im):
        rebase_off, rebase_size, bind_off, bind_size = im.dyld_info[0:4]
        cpu = self.cpu
        count = 0
        for addr, rtype in rebase_places(im, im.linkedit(rebase_off, rebase_size)):
            if rtype == REBASE_TYPE_POINTER:
                cpu.write_u64(addr, cpu.read_u64(addr) + im.slide)
            elif rtype == REBASE_TYPE_TEXT_ABSOLUTE32:
                cpu.write_u32(addr, cpu.read_u32(addr) + im.slide)
            else:
                raise RunnerError("%s: unsupported rebase type %d" % (im.path, rtype))
            count += 1
        self.trace("%s: %d rebases" % (im.short, count))
        for r in bind_records(im, im.linkedit(bind_off, bind_size)):
            target = self.resolve(im, r.ordinal, r.name, r.flags & BIND_SYMBOL_FLAGS_WEAK_IMPORT)
            self._write_bind(im, r, target)

    def _write_bind(self, im, r, target):
        value = target + r.addend if target else 0
        if r.type == BIND_TYPE_POINTER:
            self.cpu.write_u64(r.address, value)
        elif r.type == BIND_TYPE_TEXT_ABSOLUTE32:
            self.cpu.write_u32(r.address, value)
        else:
            raise RunnerError("%s: unsupported bind type %d for %s" % (im.path, r.type, r.name))
        self.trace("%s: bind 0x%x = %s (0x%x)" % (im.short, r.address, r.name, value))

    def _apply_chained(self, im):
        blob = im.linkedit(*im.chained_fixups)
        try:
            imports = chained_imports(im, blob)
            targets = [None] * len(imports)
            for fix in chained_fixups(im, blob, self.cpu):
                if fix[0] == "rebase":
                    self.cpu.write_u64(fix[1], fix[2])
                    continue
                _, addr, index, addend8 = fix
                if index >= len(imports):
                    raise RunnerError("%s: chained bind to import %d of %d" % (im.path, index, len(imports)))
                ordinal, name, weak, addend = imports[index]
                if targets[index] is None:
                    targets[index] = self.resolve(im, ordinal, name, weak)
                value = targets[index] + addend + addend8 if targets[index] else 0
                self.cpu.write_u64(addr, value)
                self.trace("%s: chained bind 0x%x = %s (0x%x)" % (im.short, addr, name, value))
        except (struct.error, IndexError) as e:
            raise RunnerError("%s: malformed chained fixups (%s)" % (im.path, e))

    def bind_lazy(self):
        """dyld_stub_binder: the __stub_helper left the lazy-bind offset and &__dyld_private of its
        image on the stack; bind that one lazy pointer and continue in the target."""
        uc = self.cpu.uc
        lazy_off, dyld_private = self.cpu.arch.binder_frame(uc, self.cpu)
        im = self.image_at(dyld_private)
        if im is None or not im.dyld_info:
            raise RunnerError("dyld_stub_binder: 0x%x (the stub helper's dyld_private) is in no image "
                              "with LC_DYLD_INFO" % dyld_private)
        lazy_start, lazy_size = im.dyld_info[6], im.dyld_info[7]
        if lazy_off >= lazy_size:
            raise RunnerError("%s: dyld_stub_binder: lazy-bind offset 0x%x is past the lazy-bind info (0x%x bytes)"
                              % (im.path, lazy_off, lazy_size))
        try:
            r = next(bind_records(im, im.linkedit(lazy_start, lazy_size), lazy_off, lazy=True))
        except StopIteration:
            raise RunnerError("%s: no lazy bind at lazy-bind offset 0x%x" % (im.path, lazy_off))
        target = self.resolve(im, r.ordinal, r.name, r.flags & BIND_SYMBOL_FLAGS_WEAK_IMPORT)
        value = target + r.addend
        self.cpu.write_u64(r.address, value)
        self.trace("dyld_stub_binder: %s lazy-bind offset 0x%x: %s -> 0x%x (slot 0x%x)"
                   % (im.short, lazy_off, r.name, value, r.address))
        self.cpu.arch.finish_binder(uc, value)

    def image_at(self, addr):
        for im in self.images:
            if im.contains(addr):
                return im
        return None

    # --- thread-local variables -----------------------------------------------------------

    def tlv_address(self, descriptor):
        """_tlv_bootstrap(descriptor): the variable's address in this (only) thread's block for the
        image; the block is a copy of the image's __thread_data + __thread_bss template."""
        im = self.image_at(descriptor)
        if im is None:
            raise RunnerError("_tlv_bootstrap called with 0x%x, which is in no image" % descriptor)
        block = self.tlv_blocks.get(im.path)
        if block is None:
            tsects = [s for s in im.sections() if s.type in (S_THREAD_LOCAL_REGULAR, S_THREAD_LOCAL_ZEROFILL)]
            if not tsects:
                raise RunnerError("%s: thread-local variable without __thread_data/__thread_bss" % im.path)
            start = min(s.addr for s in tsects)
            end = max(s.addr + s.size for s in tsects)
            block = self.libsystem.heap.alloc(end - start)
            template = bytearray(end - start)
            for s in tsects:
                if s.type == S_THREAD_LOCAL_REGULAR and s.size:
                    template[s.addr - start:s.addr - start + s.size] = self.cpu.read(s.addr + im.slide, s.size)
            self.cpu.write(block, template)
            self.tlv_blocks[im.path] = block
            self.trace("%s: thread-local block of %d bytes at 0x%x" % (im.short, end - start, block))
        return block + self.cpu.read_u64(descriptor + 16)

    # --- running --------------------------------------------------------------------------

    def run(self, args):
        self.deadline = time.monotonic() + self.timeout
        self.apply_fixups()
        self.protect()
        argv_ptrs, envp, apple, stack_top = self._build_stack(args)
        pv = PROGRAM_VARS
        cpu = self.cpu
        cpu.write_u64(LIBSYSTEM_DATA + DATA_SYMBOLS["_NXArgc"], len(args))
        cpu.write_u64(LIBSYSTEM_DATA + DATA_SYMBOLS["_NXArgv"], argv_ptrs)
        cpu.write_u64(LIBSYSTEM_DATA + DATA_SYMBOLS["_environ"], envp)
        cpu.write_u64(LIBSYSTEM_DATA + DATA_SYMBOLS["___progname"], cpu.read_u64(argv_ptrs))
        cpu.write(pv, struct.pack("<5Q", self.exe.base, *(LIBSYSTEM_DATA + DATA_SYMBOLS[n] for n in
                                                         ("_NXArgc", "_NXArgv", "_environ", "___progname"))))
        init_args = (len(args), argv_ptrs, envp, apple, pv)
        for im in self.dylibs + [self.exe]:  # dylibs' initializers first, as they load first
            for fn in self.initializers(im):
                self.trace("%s: initializer 0x%x" % (im.short, fn))
                self.call(fn, init_args, stack_top, self.libsystem.call_return)
        main = self.exe.base + self.exe.entryoff
        self.trace("main at 0x%x" % main)
        self.call(main, init_args[:4], stack_top, self.libsystem.main_return)
        raise RunnerError("main returned to the runner without exiting")

    def initializers(self, im):
        for s in im.sections():
            if s.type == S_MOD_INIT_FUNC_POINTERS:
                for k in range(s.size // 8):
                    yield self.cpu.read_u64(s.addr + im.slide + 8 * k)
            elif s.type == S_INIT_FUNC_OFFSETS:
                for k in range(s.size // 4):
                    yield im.base + self.cpu.read_u32(s.addr + im.slide + 4 * k)

    def _build_stack(self, args):
        """Maps the stack; puts argv strings, argv[], envp[] (empty) and apple[] at its top."""
        cpu = self.cpu
        cpu.map(STACK_TOP - STACK_SIZE, STACK_SIZE, "stack")
        strings = [a.encode("utf-8", "surrogateescape") + b"\0" for a in args]
        strings.append(b"executable_path=" + args[0].encode("utf-8", "surrogateescape") + b"\0")
        p = STACK_TOP - 16 - sum(len(s) for s in strings)
        p &= ~0xF
        addrs = []
        q = p
        for s in strings:
            cpu.write(q, s)
            addrs.append(q)
            q += len(s)
        vec = addrs[:-1] + [0] + [0] + [addrs[-1], 0]  # argv..., NULL, envp: NULL, apple..., NULL
        base = (p - 8 * len(vec)) & ~0xF
        cpu.write(base, b"".join(struct.pack("<Q", v) for v in vec))
        argv = base
        envp = base + 8 * len(args) + 8
        apple = envp + 8
        return argv, envp, apple, base - 64

    def call(self, fn, args, sp, return_to):
        """Runs fn(args...) until it returns to return_to (whose hook stops emulation)."""
        uc = self.cpu.uc
        self.cpu.arch.prepare_call(uc, self.cpu, sp, args, return_to)
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise ProgramTimeout()
        try:
            uc.emu_start(fn, NEVER, timeout=int(remaining * 1e6))
        except InitializerReturned:
            return
        except UcError as e:
            raise RunnerError("emulation fault (%s) at pc 0x%x%s%s"
                              % (e, self.cpu.pc, self.describe(self.cpu.pc), self._bad_access_text()))
        if time.monotonic() >= self.deadline - 0.01:
            raise ProgramTimeout()
        raise RunnerError("emulation stopped unexpectedly at pc 0x%x%s" % (self.cpu.pc, self.describe(self.cpu.pc)))

    def _on_bad_access(self, uc, access, address, size, value, user_data):
        kinds = {uc_mod.UC_MEM_READ_UNMAPPED: "reading unmapped", uc_mod.UC_MEM_WRITE_UNMAPPED: "writing unmapped",
                 uc_mod.UC_MEM_FETCH_UNMAPPED: "executing unmapped", uc_mod.UC_MEM_WRITE_PROT: "writing protected",
                 uc_mod.UC_MEM_READ_PROT: "reading protected", uc_mod.UC_MEM_FETCH_PROT: "executing protected"}
        self.last_bad_access = "%s memory at 0x%x%s" % (kinds.get(access, "bad access to"), address,
                                                         self.describe(address))
        return False

    def _bad_access_text(self):
        return "; " + self.last_bad_access if self.last_bad_access else ""

    def describe(self, addr):
        """ ' (_main+0x1c in hello)' for an address in an image, or the libSystem function's name."""
        name = self.libsystem.name_at(addr) if LIBSYSTEM_CODE <= addr < LIBSYSTEM_CODE + LIBSYSTEM_CODE_SIZE else None
        if name:
            return " (%s in emulated libSystem)" % name
        im = self.image_at(addr)
        if im is None:
            if addr < 0x1000 or (addr < self.exe.text_vmaddr and self.exe.segments[0].name == "__PAGEZERO"):
                return " (in __PAGEZERO: a null or unslid pointer?)"
            return ""
        best = None
        for a, n in im.symbols():
            if a > addr:
                break
            best = (a, n)
        if best is None:
            return " (in %s)" % im.short
        return " (%s+0x%x in %s)" % (best[1], addr - best[0], im.short)


class ProgramTimeout(Exception):
    pass


def load_image(path):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise RunnerError("cannot read %s: %s" % (path, e.strerror or e))
    return Image(path, data)


# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------

USAGE = "usage: machorun.py [--slide HEX] [--dylib PATH]... [--timeout SECONDS] [--trace] program [args...]"


def parse_args(argv):
    """Options come before the program; everything after it belongs to the program."""
    opts = {"slide": DEFAULT_SLIDE, "dylibs": [], "timeout": DEFAULT_TIMEOUT, "trace": False}
    i = 0
    while i < len(argv) and argv[i].startswith("-"):
        a = argv[i]
        if a == "--":
            i += 1
            break
        if a == "--trace":
            opts["trace"] = True
            i += 1
            continue
        key, eq, val = a.partition("=")
        if key not in ("--slide", "--dylib", "--timeout"):
            raise RunnerError("unknown option %s\n%s" % (a, USAGE))
        if not eq:
            if i + 1 >= len(argv):
                raise RunnerError("%s needs a value\n%s" % (a, USAGE))
            val = argv[i + 1]
            i += 1
        i += 1
        try:
            if key == "--slide":
                opts["slide"] = int(val, 16)
            elif key == "--timeout":
                opts["timeout"] = float(val)
            else:
                opts["dylibs"].append(val)
        except ValueError:
            raise RunnerError("bad value for %s: %s" % (key, val))
    if i >= len(argv):
        raise RunnerError("no program given\n" + USAGE)
    return opts, argv[i:]


def main(argv):
    runner = None
    trace = "--trace" in argv
    try:
        opts, args = parse_args(argv)
        runner = Runner(args[0], opts["dylibs"], opts["slide"], opts["timeout"], opts["trace"])
        runner.run(args)
        return EXIT_RUNNER_ERROR  # not reached: run ends by an exception
    except ProgramExit as e:
        if runner:
            runner.libsystem.flush()
        return e.status
    except ProgramAbort as e:
        runner.report(str(e))
        return EXIT_ABORT
    except ProgramTimeout:
        runner.report("timed out after %g s (--timeout)" % runner.timeout)
        return EXIT_TIMEOUT
    except RunnerError as e:
        if runner:
            runner.report(str(e))
        else:
            sys.stderr.write("machorun: %s\n" % e)
        return EXIT_RUNNER_ERROR
    except Exception as e:  # a runner bug: still no traceback unless tracing
        if trace:
            import traceback
            traceback.print_exc()
        try:
            if runner:
                runner.libsystem.flush()
        except Exception:
            pass
        sys.stderr.write("machorun: internal error: %s: %s\n" % (type(e).__name__, e))
        return EXIT_RUNNER_ERROR


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
