package dev.rivet.linker.macho;

import dev.rivet.linker.Architecture;
import dev.rivet.linker.Diagnostic;
import dev.rivet.linker.LinkException;
import dev.rivet.linker.OutputKind;
import dev.rivet.linker.SymbolKind;
import dev.rivet.linker.core.output.LinkContext;
import dev.rivet.linker.core.output.OutputPlan;
import dev.rivet.linker.core.output.OutputSection;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Lays out a Mach-O executable ({@code MH_EXECUTE}, always position-independent, after a 4 GiB
 * {@code __PAGEZERO}) or dylib ({@code MH_DYLIB}, at 0) as ld64.lld does: {@code __TEXT} from file
 * offset 0 with the header and load commands, then {@code __DATA_CONST}, {@code __DATA}, any other
 * segment the inputs name, and {@code __LINKEDIT}. Segments start on a page (16 KiB on arm64, 4 KiB
 * on x86_64) in memory and in the file; within one, sections without bytes come last, so the
 * thread-local template ({@code __thread_data}, then {@code __thread_bss}) is contiguous.
 */
final class MachOLayout {
    private MachOLayout() { }

    /** One output section with its Mach-O names and header fields. */
    static final class Section {
        final OutputSection out;
        final String segname;
        final String sectname;
        final int flags;
        /** 1-based, across all segments: an nlist's {@code n_sect}. */
        int index;
        int reserved1;
        int reserved2;

        Section(OutputSection out, String segname, String sectname, int flags) {
            this.out = out;
            this.segname = segname;
            this.sectname = sectname;
            this.flags = flags;
        }

        int type() {
            return flags & 0xff;
        }

        boolean zerofill() {
            int t = type();
            return t == MachO.S_ZEROFILL || t == MachO.S_GB_ZEROFILL || t == MachO.S_THREAD_LOCAL_ZEROFILL || out.noBits();
        }

        boolean code() {
            return (flags & MachO.S_ATTR_PURE_INSTRUCTIONS) != 0;
        }
    }

    /** One LC_SEGMENT_64. */
    static final class Segment {
        final String name;
        final List<Section> sections = new ArrayList<>();
        long vmaddr;
        long vmsize;
        long fileoff;
        long filesize;
        int prot;

        Segment(String name) {
            this.name = name;
        }
    }

    static OutputPlan plan(LinkContext ctx) {
        MachOState state = MachOState.of(ctx);
        boolean dylib = ctx.options.outputKind() == OutputKind.SHARED_LIBRARY;
        long page = ctx.target.architecture() == Architecture.X86_64 ? 0x1000 : 0x4000;
        List<OutputSection> collected = OutputSection.collect(ctx, MachOLayout::defaultName);
        Section[] byOutput = new Section[collected.size()];
        Map<String, Segment> segmentsByName = new LinkedHashMap<>();
        for (String n : new String[] {"__TEXT", "__DATA_CONST", "__DATA"}) {
            segmentsByName.put(n, new Segment(n));
        }
        OutputSection text = null;
        OutputSection islands = null;
        for (int i = 0; i < collected.size(); i++) {
            OutputSection out = collected.get(i);
            if (out.name.equals(MachOThunks.ISLAND)) {
                islands = out; // inside __text: no section header of its own
                byOutput[i] = new Section(out, "__TEXT", "__text", MachO.S_REGULAR);
                continue;
            }
            text = out.name.equals(MachOThunks.TEXT) ? out : text;
            Section s = describe(out);
            byOutput[i] = s;
            segmentsByName.computeIfAbsent(s.segname, Segment::new).sections.add(s);
        }
        if (islands != null) {
            MachOThunks.openGaps(ctx, text, state.islands);
        }
        List<Segment> segments = new ArrayList<>();
        if (!dylib) {
            Segment zero = new Segment("__PAGEZERO");
            zero.vmsize = 0x1_0000_0000L;
            segments.add(zero);
        }
        for (Segment seg : segmentsByName.values()) {
            if (seg.name.equals("__TEXT") || !seg.sections.isEmpty()) {
                seg.sections.sort((a, b) -> Integer.compare(rank(a), rank(b))); // stable; see ExecutableLayout
                seg.prot = seg.name.equals("__TEXT") ? MachO.VM_PROT_READ | MachO.VM_PROT_EXECUTE
                        : MachO.VM_PROT_READ | MachO.VM_PROT_WRITE;
                segments.add(seg);
            }
        }
        Segment linkedit = new Segment("__LINKEDIT");
        linkedit.prot = MachO.VM_PROT_READ;
        segments.add(linkedit);
        int sectionIndex = 1;
        for (Segment seg : segments) {
            for (Section s : seg.sections) {
                s.index = sectionIndex++;
            }
        }

        MachOPlan plan = new MachOPlan(ctx, state, segments, byOutput, dylib, page);
        plan.startSymbols();
        try {
            long headerSize = MachO.HEADER_SIZE + plan.loadCommandsSize();
            long base = dylib ? 0 : 0x1_0000_0000L; // a program's first 4 GiB are __PAGEZERO
            List<OutputSection> placed = place(ctx, segments, linkedit, text, islands, headerSize, base, page);
            assignHeaderSymbols(ctx, base);
            plan.layoutDone(placed, threadLocalStart(segments));
        } catch (RuntimeException | Error e) {
            plan.abandon(e);
            throw e;
        }
        linkedit.filesize = plan.linkeditSize();
        linkedit.vmsize = MachO.align(linkedit.filesize, page);
        return plan;
    }

    /**
     * Places the segments' sections from address {@code base}, bytes first, then zero-fill, and
     * __LINKEDIT's start after them; {@return the sections placed with file bytes, in file order}
     */
    private static List<OutputSection> place(LinkContext ctx, List<Segment> segments, Segment linkedit, OutputSection text,
            OutputSection islands, long headerSize, long base, long page) {
        long addr = base;
        long off = 0;
        List<OutputSection> placed = new ArrayList<>();
        for (Segment seg : segments) {
            if (seg.name.equals("__PAGEZERO") || seg == linkedit) {
                continue;
            }
            seg.vmaddr = addr;
            seg.fileoff = off;
            long cursor = seg.name.equals("__TEXT") ? headerSize : 0;
            for (Section s : seg.sections) {
                if (!s.zerofill()) {
                    cursor = MachO.align(cursor, s.out.alignment);
                    s.out.place(ctx, seg.vmaddr + cursor, seg.fileoff + cursor);
                    if (s.out == text && islands != null) {
                        islands.place(ctx, seg.vmaddr + cursor, seg.fileoff + cursor); // in the gaps left for them
                        placed.add(islands);
                    }
                    cursor += s.out.size;
                    placed.add(s.out);
                }
            }
            seg.filesize = MachO.align(cursor, page);
            for (Section s : seg.sections) {
                if (s.zerofill()) {
                    cursor = MachO.align(cursor, s.out.alignment);
                    s.out.place(ctx, seg.vmaddr + cursor, 0);
                    cursor += s.out.size;
                }
            }
            seg.vmsize = MachO.align(Math.max(cursor, 1), page);
            if (seg.filesize == 0 && !seg.name.equals("__TEXT")) {
                seg.fileoff = 0; // zero-fill only: no file bytes
            }
            addr += seg.vmsize;
            off += seg.filesize;
        }
        linkedit.vmaddr = addr;
        linkedit.fileoff = off;
        return placed;
    }

    /** The symbols for the Mach-O header that programs may refer to; defined only when referenced. */
    private static final String[] HEADER_SYMBOLS = {"__mh_execute_header", "__mh_dylib_header", "___dso_handle"};

    /** Before dead-stripping: defines the header's symbols that something refers to (C++ uses ___dso_handle). */
    static void declareHeaderSymbols(LinkContext ctx) {
        boolean dylib = ctx.options.outputKind() == OutputKind.SHARED_LIBRARY;
        for (String n : HEADER_SYMBOLS) {
            if (!n.equals(dylib ? "__mh_execute_header" : "__mh_dylib_header")) {
                ctx.loader.defineLinkerSymbol(n, n.equals("___dso_handle"));
            }
        }
    }

    /** After placement: they all are the header's address. */
    private static void assignHeaderSymbols(LinkContext ctx, long header) {
        for (String n : HEADER_SYMBOLS) {
            int s = ctx.symbols.lookup(n);
            if (s != 0 && ctx.symbols.hasFlag(s, dev.rivet.linker.core.symbols.InputFile.LINKER_DEFINED)) {
                ctx.loader.setLinkerDefinedValue(s, header);
            }
        }
    }

    /** The start of the thread-local template: the first thread-local section's address, 0 for none. */
    private static long threadLocalStart(List<Segment> segments) {
        for (Segment seg : segments) {
            for (Section s : seg.sections) {
                if (s.type() == MachO.S_THREAD_LOCAL_REGULAR || s.type() == MachO.S_THREAD_LOCAL_ZEROFILL) {
                    return s.out.address;
                }
            }
        }
        return 0;
    }

    /** The Mach-O segment, section and flags of an output section. */
    private static Section describe(OutputSection out) {
        String name = out.name;
        if (name.equals(".got")) {
            return new Section(out, "__DATA_CONST", "__got", MachO.S_NON_LAZY_SYMBOL_POINTERS);
        }
        int comma = name.indexOf(',');
        if (comma < 0) {
            throw new LinkException(Diagnostic.error("section " + name + " has no place in a Mach-O output"));
        }
        String seg = name.substring(0, comma);
        String sect = name.substring(comma + 1);
        if (seg.equals("__DATA") && (sect.equals("__const") || sect.equals("__mod_init_func") || sect.equals("__mod_term_func")
                || sect.equals("__cfstring") || sect.equals("__got"))) {
            seg = "__DATA_CONST"; // written only by dyld, as ld64.lld moves them
        }
        if (seg.length() > 16 || sect.length() > 16) {
            throw new LinkException(Diagnostic.error("section name " + name + " is longer than Mach-O's 16 characters"));
        }
        int type = out.type;
        int flags = (int) out.flags;
        if (type == 0 && flags == 0) {
            // A builder's section: its kind says what it is.
            switch (out.kind) {
                case TEXT -> flags = MachO.S_ATTR_PURE_INSTRUCTIONS | MachO.S_ATTR_SOME_INSTRUCTIONS;
                case BSS -> type = MachO.S_ZEROFILL;
                case TLS_DATA -> type = MachO.S_THREAD_LOCAL_REGULAR;
                case TLS_BSS -> type = MachO.S_THREAD_LOCAL_ZEROFILL;
                default -> { }
            }
        }
        return new Section(out, seg, sect, (flags & ~0xff) | (type & 0xff));
    }

    /** Orders sections within a segment: code first, lazy-binding pieces, data, thread-locals, zero-fill last. */
    private static int rank(Section s) {
        if (s.zerofill()) {
            return s.type() == MachO.S_THREAD_LOCAL_ZEROFILL ? 100 : 101;
        }
        return switch (s.sectname) {
            case "__text" -> 0;
            case "__stubs" -> 2;
            case "__stub_helper" -> 3;
            case "__got", "__la_symbol_ptr" -> 0;
            case "__thread_vars" -> 60;
            case "__thread_ptrs" -> 61;
            case "__thread_data" -> 62;
            default -> s.code() ? 1 : s.type() == MachO.S_THREAD_LOCAL_REGULAR ? 62 : 10;
        };
    }

    static String defaultName(SymbolKind k) {
        return switch (k) {
            case TEXT -> "__TEXT,__text";
            case RODATA -> "__TEXT,__const";
            case DATA -> "__DATA,__data";
            case BSS -> "__DATA,__bss";
            case TLS_DATA -> "__DATA,__thread_data";
            case TLS_BSS -> "__DATA,__thread_bss";
            default -> throw new IllegalArgumentException("no section for " + k);
        };
    }
}
