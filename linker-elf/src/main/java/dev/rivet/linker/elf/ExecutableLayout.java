package dev.rivet.linker.elf;

import dev.rivet.linker.Architecture;
import dev.rivet.linker.SymbolKind;
import dev.rivet.linker.core.output.LinkContext;
import dev.rivet.linker.core.output.OutputPlan;
import dev.rivet.linker.core.output.OutputSection;
import java.util.ArrayList;
import java.util.List;

/**
 * Lays out a static ELF executable the way lld does: a read-only segment with the headers, notes
 * and read-only data, an executable one with code, and a writable one with the thread-local
 * sections first, then init/fini arrays and data, then the sections without bytes. Each segment
 * starts on a new page, and its file offset is congruent to its address modulo the page size, so
 * the file needs no padding between segments. Within a group, sections keep the order in which
 * their names first appear in the inputs.
 */
final class ExecutableLayout {
    private ExecutableLayout() { }

    /** One PT_LOAD or other program header, as laid out. */
    record Segment(int type, int flags, long offset, long address, long fileSize, long memSize, long align) { }

    private static final int PT_DYNAMIC = 2;
    private static final int PT_INTERP = 3;
    private static final int PT_PHDR = 6;
    private static final int PT_GNU_RELRO = 0x6474e552;
    private static final int ET_DYN = 3;
    /** Copies of a library's read-only data: without bytes, yet read-only after relocation (-z relro). */
    static final String RELRO_COPIES = ".bss.rel.ro";
    private static final int READ_ONLY = 0;
    private static final int EXECUTABLE = 100;
    private static final int WRITABLE = 200;
    /** Writable sections ranked below this are relocation-only data, read-only after loading with -z relro. */
    private static final int RELRO_END = WRITABLE + 17;

    static OutputPlan plan(LinkContext ctx) {
        boolean x86 = ctx.target.architecture() == Architecture.X86_64;
        DynamicSections dynamic = DynamicSections.of(ctx);
        boolean pic = ctx.dynamic != null && ctx.dynamic.pic;
        long base = pic ? 0 : 0x400000;
        // AArch64 kernels may use 64 KiB pages; GNU ld and lld align its segments to 64 KiB too.
        long page = x86 ? 0x1000 : 0x10000;

        List<OutputSection> collected = OutputSection.collect(ctx, ExecutableLayout::sectionName);
        List<OutputSection> ordered = new ArrayList<>(collected);
        // Stable: first appearance within a rank. A lambda of ours, not Comparator.comparingInt's: the
        // AOT cache of ./rivet did not keep that one, and making it cost each cold link a few ms.
        ordered.sort((a, b) -> Integer.compare(rank(a), rank(b)));
        List<OutputSection> ro = new ArrayList<>();
        List<OutputSection> rx = new ArrayList<>();
        List<OutputSection> rw = new ArrayList<>();
        for (OutputSection s : ordered) {
            int r = rank(s);
            (r < EXECUTABLE ? ro : r < WRITABLE ? rx : rw).add(s);
        }
        boolean hasTls = rw.stream().anyMatch(s -> s.kind.isThreadLocal());
        OutputSection ehHdr = ro.stream().filter(s -> s.name.equals(EhFrameHeader.SECTION)).findFirst().orElse(null);
        OutputSection interp = ro.stream().filter(s -> s.name.equals(DynamicSections.INTERP)).findFirst().orElse(null);
        OutputSection dynamicSection = rw.stream().filter(s -> s.name.equals(DynamicSections.DYNAMIC)).findFirst().orElse(null);
        // With -z relro, what only relocations write goes first in its own segment, made read-only after loading.
        // Static programs too: glibc protects the range at start-up (_dl_non_dynamic_init), as with GNU ld.
        boolean relro = ctx.options.relro() && !rw.isEmpty() && rank(rw.get(0)) < RELRO_END;
        boolean splitRw = relro && rank(rw.get(rw.size() - 1)) >= RELRO_END;
        // One PT_NOTE per run of notes of one alignment: readers step through a segment's notes by its alignment.
        List<List<OutputSection>> noteRuns = new ArrayList<>();
        for (OutputSection s : ro) {
            if (s.type == Elf.SHT_NOTE) {
                List<OutputSection> last = noteRuns.isEmpty() ? null : noteRuns.get(noteRuns.size() - 1);
                if (last == null || last.get(0).alignment != s.alignment) {
                    noteRuns.add(last = new ArrayList<>());
                }
                last.add(s);
            }
        }
        OutputSection property = ro.stream().filter(s -> s.name.equals(GnuPropertyNote.SECTION)).findFirst().orElse(null);
        int phnum = 1 + (rx.isEmpty() ? 0 : 1) + (rw.isEmpty() ? 0 : 1) + (hasTls ? 1 : 0) + noteRuns.size() + (property != null ? 1 : 0)
                + (ehHdr != null ? 1 : 0) + 1 + (interp != null ? 2 : 0) + (dynamicSection != null ? 1 : 0)
                + (relro ? 1 : 0) + (splitRw ? 1 : 0);
        List<OutputSection> sections = new ArrayList<>();
        List<Segment> segments = new ArrayList<>();

        // Segment 1 (R): headers, notes, read-only data.
        long headers = Elf.EHDR_SIZE + (long) phnum * Elf.PHDR_SIZE;
        Cursor c = new Cursor(ctx, sections, base, headers);
        if (interp != null) {
            // The loader finds the program's headers (and so its load bias) through PT_PHDR.
            segments.add(new Segment(PT_PHDR, Elf.PF_R, Elf.EHDR_SIZE, base + Elf.EHDR_SIZE, headers - Elf.EHDR_SIZE,
                    headers - Elf.EHDR_SIZE, 8));
        }
        ro.forEach(c::place);
        if (interp != null) {
            segments.add(new Segment(PT_INTERP, Elf.PF_R, interp.fileOffset, interp.address, interp.size, interp.size, 1));
        }
        segments.add(new Segment(Elf.PT_LOAD, Elf.PF_R, 0, base, c.off, c.off, page));

        // Segment 2 (RX): code.
        if (!rx.isEmpty()) {
            c.newPage(page);
            c.align(rx.get(0).alignment);
            long segOff = c.off;
            long segAddr = c.addr;
            rx.forEach(c::place);
            segments.add(new Segment(Elf.PT_LOAD, Elf.PF_R | Elf.PF_X, segOff, segAddr, c.off - segOff, c.addr - segAddr, page));
        }

        // Segment 3 (RW): .tdata .tbss, init/fini arrays, data, then .bss.
        long tlsBase = 0;
        long threadPointer = 0;
        Segment tls = null;
        Segment relroSegment = null;
        if (!rw.isEmpty()) {
            c.newPage(page);
            long tlsAlign = 1;
            for (OutputSection s : rw) {
                if (s.kind.isThreadLocal()) {
                    tlsAlign = Math.max(tlsAlign, s.alignment);
                }
            }
            // The segment starts at its first section, aligned as it (or the TLS block) needs.
            c.align(hasTls ? tlsAlign : rw.get(0).alignment);
            long segOff = c.off;
            long segAddr = c.addr;
            int i = 0;
            if (hasTls) {
                tlsBase = c.addr;
                while (i < rw.size() && rw.get(i).kind.isThreadLocal() && !rw.get(i).noBits()) {
                    c.place(rw.get(i++));
                }
                long tlsFileEnd = c.addr;
                // Thread-local sections without bytes take no room in the segment, only in each
                // thread's block: they follow one another but the cursor does not move past them.
                long tbss = c.addr;
                while (i < rw.size() && rw.get(i).kind.isThreadLocal()) {
                    OutputSection s = rw.get(i++);
                    tbss = align(tbss, s.alignment);
                    s.place(ctx, tbss, c.off);
                    sections.add(s);
                    tbss += s.size;
                }
                tls = new Segment(Elf.PT_TLS, Elf.PF_R, segOff, tlsBase, tlsFileEnd - tlsBase, tbss - tlsBase, tlsAlign);
                threadPointer = ctx.arch.threadPointer(tlsBase, tbss - tlsBase, tlsAlign);
            }
            long fileEnd = c.off;
            for (; i < rw.size() && (!splitRw || rank(rw.get(i)) < RELRO_END); i++) {
                c.place(rw.get(i));
                if (!rw.get(i).noBits()) {
                    fileEnd = c.off;
                }
            }
            if (relro) {
                // The loader rounds the protected range down to pages; ending the segment on a
                // page boundary protects all of it.
                long end = align(c.addr, 0x1000);
                segments.add(new Segment(Elf.PT_LOAD, Elf.PF_R | Elf.PF_W, segOff, segAddr, fileEnd - segOff, end - segAddr, page));
                relroSegment = new Segment(PT_GNU_RELRO, Elf.PF_R, segOff, segAddr, fileEnd - segOff, end - segAddr, 1);
                if (splitRw) {
                    c.addr = end;
                    c.newPage(page);
                    c.align(rw.get(i).alignment);
                    segOff = c.off;
                    segAddr = c.addr;
                    fileEnd = c.off;
                    for (; i < rw.size(); i++) {
                        c.place(rw.get(i));
                        if (!rw.get(i).noBits()) {
                            fileEnd = c.off;
                        }
                    }
                    segments.add(new Segment(Elf.PT_LOAD, Elf.PF_R | Elf.PF_W, segOff, segAddr, fileEnd - segOff, c.addr - segAddr, page));
                }
            } else {
                segments.add(new Segment(Elf.PT_LOAD, Elf.PF_R | Elf.PF_W, segOff, segAddr, fileEnd - segOff, c.addr - segAddr, page));
            }
        }
        if (dynamicSection != null) {
            segments.add(new Segment(PT_DYNAMIC, Elf.PF_R | Elf.PF_W, dynamicSection.fileOffset, dynamicSection.address,
                    dynamicSection.size, dynamicSection.size, 8));
        }
        if (relroSegment != null) {
            segments.add(relroSegment);
        }
        if (tls != null) {
            segments.add(tls);
        }
        for (List<OutputSection> notes : noteRuns) {
            // The notes rank first in the read-only segment, so each run is contiguous.
            OutputSection first = notes.get(0);
            OutputSection last = notes.get(notes.size() - 1);
            long size = last.address + last.size - first.address;
            segments.add(new Segment(Elf.PT_NOTE, Elf.PF_R, first.fileOffset, first.address, size, size, first.alignment));
        }
        if (property != null) {
            segments.add(new Segment(GnuPropertyNote.PT_GNU_PROPERTY, Elf.PF_R, property.fileOffset, property.address,
                    property.size, property.size, property.alignment));
        }
        if (ehHdr != null) {
            segments.add(new Segment(Elf.PT_GNU_EH_FRAME, Elf.PF_R, ehHdr.fileOffset, ehHdr.address, ehHdr.size, ehHdr.size, 4));
        }
        int stack = Elf.PF_R | Elf.PF_W | (ctx.options.executableStack() ? Elf.PF_X : 0);
        segments.add(new Segment(Elf.PT_GNU_STACK, stack, 0, 0, 0, 0, 16));

        int shndx = 1;
        for (OutputSection s : sections) {
            s.index = shndx++;
        }
        if (dynamic != null) {
            dynamic.placed(sections, collected);
        }
        LinkerSymbols.assign(ctx, sections, segments, base);
        long entry = ctx.entrySymbol == 0 ? 0 : ctx.addressOf(ctx.entrySymbol);
        SymtabWriter symtab = SymtabWriter.plan(ctx, collected);
        return new ExecutablePlan(ctx.target.architecture(), sections, segments, symtab, c.off, entry, tlsBase, threadPointer,
                pic ? ET_DYN : Elf.ET_EXEC, dynamic);
    }

    /**
     * Orders sections: read-only (notes first), executable, then writable: thread-local with bytes,
     * thread-local without, the init/fini arrays, data, and last the sections without bytes.
     */
    static int rank(OutputSection s) {
        boolean exec = s.kind == SymbolKind.TEXT || (s.flags & Elf.SHF_EXECINSTR) != 0;
        boolean tls = s.kind.isThreadLocal();
        boolean write = tls || s.kind == SymbolKind.DATA || s.kind == SymbolKind.BSS || (s.flags & Elf.SHF_WRITE) != 0;
        if (exec) {
            return switch (s.name) {
                case ".plt" -> EXECUTABLE + 1;
                case ".plt.got" -> EXECUTABLE + 2;
                case ".iplt" -> EXECUTABLE + 3;
                default -> EXECUTABLE;
            };
        }
        if (!write) {
            // As GNU ld orders them: the interpreter, notes, dynamic tables, read-only data, then the unwind tables.
            if (s.type == Elf.SHT_NOTE) {
                return s.name.equals(GnuPropertyNote.SECTION) ? READ_ONLY - 1 : READ_ONLY;
            }
            return switch (s.name) {
                case DynamicSections.INTERP -> READ_ONLY - 2;
                case DynamicSections.DYNSYM -> READ_ONLY + 1;
                case DynamicSections.VERSYM -> READ_ONLY + 2;
                case DynamicSections.VERDEF -> READ_ONLY + 3;
                case DynamicSections.VERNEED -> READ_ONLY + 4;
                case DynamicSections.GNU_HASH -> READ_ONLY + 5;
                case DynamicSections.HASH -> READ_ONLY + 6;
                case DynamicSections.DYNSTR -> READ_ONLY + 7;
                case DynamicSections.RELA_DYN -> READ_ONLY + 8;
                case DynamicSections.RELA_PLT -> READ_ONLY + 9;
                case EhFrameHeader.SECTION -> READ_ONLY + 11;
                case ".eh_frame" -> READ_ONLY + 12;
                case ".gcc_except_table" -> READ_ONLY + 13;
                default -> READ_ONLY + 10;
            };
        }
        if (tls) {
            return s.noBits() ? WRITABLE + 1 : WRITABLE;
        }
        if (s.name.equals(RELRO_COPIES)) {
            return WRITABLE + 16; // last of the relocation-only data: the file's bytes end before it
        }
        if (s.noBits()) {
            return WRITABLE + 60;
        }
        return switch (s.type) {
            case Elf.SHT_PREINIT_ARRAY -> WRITABLE + 10;
            case Elf.SHT_INIT_ARRAY -> WRITABLE + 11;
            case Elf.SHT_FINI_ARRAY -> WRITABLE + 12;
            default -> switch (s.name) {
                case ".data.rel.ro" -> WRITABLE + 13;
                case DynamicSections.DYNAMIC -> WRITABLE + 14;
                case ".got" -> WRITABLE + 15;
                case ".got.plt" -> WRITABLE + 17;
                case ".igot" -> WRITABLE + 18;
                default -> WRITABLE + 20;
            };
        };
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

        /** Places a section here; one without bytes takes address space only. */
        void place(OutputSection s) {
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
}
