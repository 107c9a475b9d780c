#!/usr/bin/python3
"""Rewrites a Mach-O file linked with LC_DYLD_INFO fixups to use LC_DYLD_CHAINED_FIXUPS instead.

Only for testing machorun.py's chained-fixup support: ld64.lld-14, the reference linker here,
cannot emit chained fixups. Every rebase, bind, lazy bind (bound eagerly, as chained fixups have
no lazy binding) and weak bind (as a DYLD_CHAINED_IMPORT with the weak-lookup ordinal) becomes a
chain entry written over the pointer; the fixup blob is appended to the file, and the 48-byte
LC_DYLD_INFO_ONLY command is overwritten by LC_DYLD_CHAINED_FIXUPS, LC_DYLD_EXPORTS_TRIE (same trie)
and an empty LC_DATA_IN_CODE, so no other load command moves.

usage: to_chained_fixups.py IN OUT POINTER_FORMAT(2|6) IMPORTS_FORMAT(1|2|3)
"""

import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import machorun as m  # noqa: E402 - reuse the runner's parser and opcode interpreters

LC_DATA_IN_CODE = 0x29
BIND_SPECIAL_DYLIB_WEAK_LOOKUP = -3


def lazy_records(image, stream):
    """Each lazy-bind record ends with DONE; skip through opcodes properly to find the next one."""
    pos = 0
    while pos < len(stream):
        if stream[pos] == 0:  # padding between/after records
            pos += 1
            continue
        rec = next(m.bind_records(image, stream, pos, lazy=True), None)
        if rec is None:
            return
        yield rec
        while stream[pos] != 0:  # to the record's DONE, reading operands so no operand looks like DONE
            op = stream[pos] & 0xF0
            pos += 1
            if op in (0x20, 0x70, 0x80, 0xA0):
                _, pos = m.read_uleb(stream, pos)
            elif op == 0x60:
                _, pos = m.read_sleb(stream, pos)
            elif op == 0x40:
                _, pos = m.read_cstr(stream, pos)
            elif op == 0xC0:
                _, pos = m.read_uleb(stream, pos)
                _, pos = m.read_uleb(stream, pos)
        pos += 1


def convert(data, pointer_format, imports_format):
    image = m.Image("input", bytes(data))  # slide 0: addresses are the file's vmaddrs
    info = image.dyld_info
    if not info:
        raise SystemExit("input has no LC_DYLD_INFO")
    fixups = {}  # vmaddr -> ("rebase", target vmaddr) | ("bind", import index, addend)
    for addr, _ in m.rebase_places(image, image.linkedit(info[0], info[1])):
        fixups[addr] = ("rebase", struct.unpack_from("<Q", data, file_offset(image, addr))[0])
    records = list(m.bind_records(image, image.linkedit(info[2], info[3])))
    records += lazy_records(image, image.linkedit(info[6], info[7]))
    if info[5]:
        for r in m.bind_records(image, image.linkedit(info[4], info[5])):
            if not r.flags & m.BIND_SYMBOL_FLAGS_NON_WEAK_DEFINITION:
                r.ordinal = BIND_SPECIAL_DYLIB_WEAK_LOOKUP
                records.append(r)
    imports = {}
    for r in records:
        if not 0 <= r.addend < 256 and imports_format == m.DYLD_CHAINED_IMPORT:
            raise SystemExit("addend %d needs an imports format with addends" % r.addend)
        key = (r.ordinal, r.name, r.flags & m.BIND_SYMBOL_FLAGS_WEAK_IMPORT,
               0 if imports_format == m.DYLD_CHAINED_IMPORT else r.addend)
        index = imports.setdefault(key, len(imports))
        fixups[r.address] = ("bind", index, r.addend if imports_format == m.DYLD_CHAINED_IMPORT else 0)

    page = 0x4000 if image.cputype == m.CPU_TYPE_ARM64 else 0x1000
    base = image.text_vmaddr
    seg_starts = []
    for seg in image.segments:
        addrs = sorted(a for a in fixups if seg.vmaddr <= a < seg.vmaddr + seg.vmsize)
        if not addrs:
            seg_starts.append(None)
            continue
        pages = (seg.vmsize + page - 1) // page
        page_starts = []
        for p in range(pages):
            lo = seg.vmaddr + p * page
            here = [a for a in addrs if lo <= a < lo + page]
            page_starts.append(here[0] - lo if here else m.DYLD_CHAINED_PTR_START_NONE)
            for k, a in enumerate(here):
                nxt = (here[k + 1] - a) // 4 if k + 1 < len(here) else 0
                kind, x, y = (fixups[a] + (None,))[:3]
                if kind == "rebase":
                    v = (x - base if pointer_format == m.DYLD_CHAINED_PTR_64_OFFSET else x) | nxt << 51
                else:
                    v = x | (y & 0xFF) << 24 | nxt << 51 | 1 << 63
                struct.pack_into("<Q", data, file_offset(image, a), v)
        seg_starts.append(struct.pack("<IHHQIH", 22 + 2 * pages, page, pointer_format, seg.vmaddr - base, 0, pages)
                          + b"".join(struct.pack("<H", s) for s in page_starts))

    # dyld_chained_starts_in_image: seg_count, seg_info_offset[] (0 = no fixups), then the segments.
    starts = bytearray(struct.pack("<I", len(seg_starts)) + bytes(4 * len(seg_starts)))
    for i, s in enumerate(seg_starts):
        if s is not None:
            starts += bytes(-len(starts) % 8)
            struct.pack_into("<I", starts, 4 + 4 * i, len(starts))
            starts += s
    names = bytearray(b"\0")
    table = bytearray()
    for (ordinal, name, weak, addend), _ in sorted(imports.items(), key=lambda kv: kv[1]):
        off = len(names)
        names += name.encode() + b"\0"
        if imports_format == m.DYLD_CHAINED_IMPORT:
            table += struct.pack("<I", ordinal & 0xFF | weak << 8 | off << 9)
        elif imports_format == m.DYLD_CHAINED_IMPORT_ADDEND:
            table += struct.pack("<Ii", ordinal & 0xFF | weak << 8 | off << 9, addend)
        else:
            table += struct.pack("<Qq", ordinal & 0xFFFF | weak << 16 | off << 32, addend)
    starts_off = 32
    imports_off = starts_off + len(starts) + (-len(starts) % 8)
    symbols_off = imports_off + len(table)
    blob = bytearray(struct.pack("<7I", 0, starts_off, imports_off, symbols_off, len(imports), imports_format, 0))
    blob += bytes(starts_off - len(blob)) + starts
    blob += bytes(imports_off - len(blob)) + table + names

    data += bytes(-len(data) % 8)
    blob_off = len(data)
    data += blob
    ncmds = struct.unpack_from("<I", data, 16)[0]
    pos = 32
    for _ in range(ncmds):
        cmd, size = struct.unpack_from("<2I", data, pos)
        if cmd == m.LC_DYLD_INFO_ONLY and size == 48:
            struct.pack_into("<4I", data, pos, m.LC_DYLD_CHAINED_FIXUPS, 16, blob_off, len(blob))
            struct.pack_into("<4I", data, pos + 16, m.LC_DYLD_EXPORTS_TRIE, 16, info[8], info[9])
            struct.pack_into("<4I", data, pos + 32, LC_DATA_IN_CODE, 16, 0, 0)
            struct.pack_into("<I", data, 16, ncmds + 2)
            return data
        pos += size
    raise SystemExit("input has no 48-byte LC_DYLD_INFO_ONLY")


def file_offset(image, addr):
    for seg in image.segments:
        if seg.vmaddr <= addr < seg.vmaddr + seg.filesize:
            return seg.fileoff + addr - seg.vmaddr
    raise SystemExit("fixup at 0x%x is not backed by file content" % addr)


if __name__ == "__main__":
    if len(sys.argv) != 5:
        raise SystemExit(__doc__.strip().splitlines()[-1])
    with open(sys.argv[1], "rb") as f:
        out = convert(bytearray(f.read()), int(sys.argv[3]), int(sys.argv[4]))
    with open(sys.argv[2], "wb") as f:
        f.write(out)
