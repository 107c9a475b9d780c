package dev.rivet.linker.elf;

import dev.rivet.linker.core.output.LinkContext;
import dev.rivet.linker.core.output.OutputSection;
import dev.rivet.linker.core.symbols.SymbolLoader;
import java.util.List;

/**
 * The symbols GNU ld's default linker script provides and programs and C libraries rely on: the
 * bounds of the init/fini arrays, {@code __start_SEC} and {@code __stop_SEC} for sections whose
 * names are C identifiers, the ends of text, data and BSS, and the ELF header's address. Each is
 * defined only when something refers to it and nothing else defines it.
 */
final class LinkerSymbols {
    private static final String[] ARRAYS = {"__preinit_array", "__init_array", "__fini_array"};
    private static final String[] ARRAY_SECTIONS = {".preinit_array", ".init_array", ".fini_array"};

    private LinkerSymbols() { }

    /** Before dead-stripping: define the placeholders that are wanted. */
    static void declare(LinkContext ctx) {
        SymbolLoader ld = ctx.loader;
        for (String a : ARRAYS) {
            ld.defineLinkerSymbol(a + "_start", true);
            ld.defineLinkerSymbol(a + "_end", true);
        }
        for (String n : new String[] {"__ehdr_start", "__executable_start", "__rela_iplt_start", "__rela_iplt_end",
            "_GLOBAL_OFFSET_TABLE_", "_DYNAMIC"}) {
            ld.defineLinkerSymbol(n, true);
        }
        for (String n : new String[] {"_etext", "etext", "__etext", "_edata", "edata", "_end", "end", "__bss_start"}) {
            ld.defineLinkerSymbol(n, false);
        }
        var sections = ld.sections;
        for (int id = 1; id < sections.count(); id++) {
            String name = sections.name(id);
            if (isCIdentifier(name)) {
                int start = ld.defineLinkerSymbol("__start_" + name, false);
                int stop = ld.defineLinkerSymbol("__stop_" + name, false);
                if (start != 0 || stop != 0) {
                    // A program that walks a section through its bounds uses all of it (lld, GNU ld).
                    sections.retain(id);
                }
            }
        }
    }

    /** After layout: give every defined placeholder its address. */
    static void assign(LinkContext ctx, List<OutputSection> placed, List<ExecutableLayout.Segment> segments, long base) {
        SymbolLoader ld = ctx.loader;
        long textEnd = base;
        long dataEnd = base;
        long end = base;
        long bssStart = -1;
        for (ExecutableLayout.Segment seg : segments) {
            if (seg.type() != Elf.PT_LOAD) {
                continue;
            }
            if ((seg.flags() & Elf.PF_X) != 0) {
                textEnd = seg.address() + seg.memSize();
            }
            if ((seg.flags() & Elf.PF_W) != 0) {
                dataEnd = seg.address() + seg.fileSize();
            }
            end = Math.max(end, seg.address() + seg.memSize());
        }
        for (OutputSection s : placed) {
            if (s.noBits() && !s.kind.isThreadLocal() && !s.name.equals(ExecutableLayout.RELRO_COPIES) && bssStart < 0) {
                bssStart = s.address;
            }
        }
        set(ld, "__ehdr_start", base);
        set(ld, "__executable_start", base);
        for (String n : new String[] {"_etext", "etext", "__etext"}) {
            set(ld, n, textEnd);
        }
        for (String n : new String[] {"_edata", "edata"}) {
            set(ld, n, dataEnd);
        }
        set(ld, "_end", end);
        set(ld, "end", end);
        set(ld, "__bss_start", bssStart >= 0 ? bssStart : dataEnd);
        // The IRELATIVE records that static C libraries apply at startup (empty without IFUNCs).
        OutputSection irel = find(placed, IrelativeTable.SECTION);
        set(ld, "__rela_iplt_start", irel != null ? irel.address : base);
        set(ld, "__rela_iplt_end", irel != null ? irel.address + irel.size : base);
        OutputSection dynamic = find(placed, DynamicSections.DYNAMIC);
        set(ld, "_DYNAMIC", dynamic != null ? dynamic.address : 0);
        // x86-64 code addresses the GOT from .got.plt's start when there is one (as GNU ld and lld do).
        OutputSection got = ctx.target.architecture() == dev.rivet.linker.Architecture.X86_64 && find(placed, ".got.plt") != null
                ? find(placed, ".got.plt") : find(placed, ".got");
        set(ld, "_GLOBAL_OFFSET_TABLE_", got != null ? got.address : dataEnd);
        for (int i = 0; i < ARRAYS.length; i++) {
            OutputSection s = find(placed, ARRAY_SECTIONS[i]);
            long start = s != null ? s.address : dataEnd;
            set(ld, ARRAYS[i] + "_start", start);
            set(ld, ARRAYS[i] + "_end", s != null ? s.address + s.size : start);
        }
        for (OutputSection s : placed) {
            if (isCIdentifier(s.name)) {
                set(ld, "__start_" + s.name, s.address);
                set(ld, "__stop_" + s.name, s.address + s.size);
            }
        }
    }

    private static void set(SymbolLoader ld, String name, long value) {
        int s = ld.symbols.lookup(name);
        if (s != 0 && ld.symbols.hasFlag(s, dev.rivet.linker.core.symbols.InputFile.LINKER_DEFINED)) {
            ld.setLinkerDefinedValue(s, value);
        }
    }

    private static OutputSection find(List<OutputSection> placed, String name) {
        for (OutputSection s : placed) {
            if (s.name.equals(name)) {
                return s;
            }
        }
        return null;
    }

    static boolean isCIdentifier(String s) {
        if (s.isEmpty() || !(Character.isLetter(s.charAt(0)) || s.charAt(0) == '_') || s.charAt(0) > 127) {
            return false;
        }
        for (int i = 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c > 127 || !(Character.isLetterOrDigit(c) || c == '_')) {
                return false;
            }
        }
        return true;
    }
}
