package dev.rivet.linker.elf;

import dev.rivet.linker.Architecture;
import dev.rivet.linker.SymbolKind;
import dev.rivet.linker.core.output.LinkContext;
import dev.rivet.linker.core.output.OutputPlan;
import dev.rivet.linker.core.output.OutputSection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Lays out a static ELF executable the way lld does: a read-only segment with the headers and
 * {@code .rodata}, an executable one with {@code .text}, and a writable one with
 * {@code .tdata .tbss .data .bss}. Each segment starts on a new page, and its file offset is
 * congruent to its address modulo the page size, so the file needs no padding between segments.
 */
final class ExecutableLayout {
    private ExecutableLayout() { }

    /** One PT_LOAD or other program header, as laid out. */
    record Segment(int type, int flags, long offset, long address, long fileSize, long memSize, long align) { }

    static OutputPlan plan(LinkContext ctx) {
        boolean x86 = ctx.target.architecture() == Architecture.X86_64;
        long base = 0x400000;
        // AArch64 kernels may use 64 KiB pages; GNU ld and lld align its segments to 64 KiB too.
        long page = x86 ? 0x1000 : 0x10000;

        Map<SymbolKind, OutputSection> byKind = OutputSection.collect(ctx, ExecutableLayout::sectionName);
        OutputSection rodata = byKind.get(SymbolKind.RODATA);
        OutputSection text = byKind.get(SymbolKind.TEXT);
        OutputSection tdata = byKind.get(SymbolKind.TLS_DATA);
        OutputSection tbss = byKind.get(SymbolKind.TLS_BSS);
        OutputSection data = byKind.get(SymbolKind.DATA);
        OutputSection bss = byKind.get(SymbolKind.BSS);
        boolean hasTls = tdata != null || tbss != null;
        boolean hasRw = hasTls || data != null || bss != null;

        int phnum = 1 + (text != null ? 1 : 0) + (hasRw ? 1 : 0) + (hasTls ? 1 : 0) + 1;
        List<OutputSection> sections = new ArrayList<>();
        List<Segment> segments = new ArrayList<>();

        // Segment 1 (R): headers and .rodata.
        Cursor c = new Cursor(ctx, sections, base, Elf.EHDR_SIZE + (long) phnum * Elf.PHDR_SIZE);
        c.place(rodata);
        segments.add(new Segment(Elf.PT_LOAD, Elf.PF_R, 0, base, c.off, c.off, page));

        // Segment 2 (RX): .text.
        if (text != null) {
            c.newPage(page);
            c.place(text);
            segments.add(new Segment(Elf.PT_LOAD, Elf.PF_R | Elf.PF_X, text.fileOffset, text.address, text.size, text.size, page));
        }

        // Segment 3 (RW): .tdata .tbss .data .bss.
        long tlsBase = 0;
        Segment tls = null;
        if (hasRw) {
            c.newPage(page);
            // The segment starts at its first section, aligned as that section needs.
            long segAlign = hasTls ? Math.max(alignOf(tdata), alignOf(tbss)) : data != null ? data.alignment : bss.alignment;
            c.align(segAlign);
            long segOff = c.off;
            long segAddr = c.addr;
            if (hasTls) {
                tlsBase = c.addr;
                c.place(tdata);
                long tlsEnd = c.addr;
                if (tbss != null) {
                    // .tbss takes no room in the segment, only in each thread's block: the
                    // cursor does not move past it.
                    long tb = align(c.addr, tbss.alignment);
                    tbss.place(ctx, tb, c.off);
                    sections.add(tbss);
                    tlsEnd = tb + tbss.size;
                }
                tls = new Segment(Elf.PT_TLS, Elf.PF_R, segOff, tlsBase, c.addr - tlsBase, tlsEnd - tlsBase, segAlign);
            }
            c.place(data);
            long fileEnd = c.off;
            c.place(bss);
            segments.add(new Segment(Elf.PT_LOAD, Elf.PF_R | Elf.PF_W, segOff, segAddr, fileEnd - segOff, c.addr - segAddr, page));
        }
        if (tls != null) {
            segments.add(tls);
        }
        segments.add(new Segment(Elf.PT_GNU_STACK, Elf.PF_R | Elf.PF_W, 0, 0, 0, 0, 16));

        int shndx = 1;
        for (OutputSection s : sections) {
            s.index = shndx++;
        }
        long entry = ctx.entrySymbol == 0 ? 0 : ctx.addressOf(ctx.entrySymbol);
        SymtabWriter symtab = SymtabWriter.plan(ctx, byKind);
        return new ExecutablePlan(ctx.target.architecture(), sections, segments, symtab, c.off, entry, tlsBase);
    }

    /**
     * The next free address and file offset. Within a segment both advance together; a new
     * segment moves to a new page, keeping the offset congruent to the address.
     */
    private static final class Cursor {
        private final LinkContext ctx;
        private final List<OutputSection> placed;
        long addr;
        long off;

        Cursor(LinkContext ctx, List<OutputSection> placed, long base, long off) {
            this.ctx = ctx;
            this.placed = placed;
            this.addr = base + off;
            this.off = off;
        }

        void newPage(long page) {
            addr = ExecutableLayout.align(addr, page) + (off % page);
        }

        void align(long alignment) {
            long pad = ExecutableLayout.align(addr, alignment) - addr;
            addr += pad;
            off += pad;
        }

        /** Places a section (if present) here; one without bytes takes address space only. */
        void place(OutputSection s) {
            if (s == null) {
                return;
            }
            if (s.noBits()) {
                addr = ExecutableLayout.align(addr, s.alignment);
                s.place(ctx, addr, off);
                addr += s.size;
            } else {
                align(s.alignment);
                s.place(ctx, addr, off);
                addr += s.size;
                off += s.size;
            }
            placed.add(s);
        }
    }

    static String sectionName(SymbolKind k) {
        return switch (k) {
            case TEXT -> ".text";
            case RODATA -> ".rodata";
            case DATA -> ".data";
            case BSS -> ".bss";
            case TLS_DATA -> ".tdata";
            case TLS_BSS -> ".tbss";
            default -> throw new IllegalArgumentException("no section for " + k);
        };
    }

    static long align(long v, long a) {
        return (v + a - 1) & -a;
    }

    private static long alignOf(OutputSection s) {
        return s == null ? 1 : s.alignment;
    }
}
