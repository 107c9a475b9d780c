package dev.rivet.linker.elf;

import dev.rivet.linker.Architecture;
import dev.rivet.linker.core.output.LinkContext;
import dev.rivet.linker.core.output.OutputPlan;
import dev.rivet.linker.core.output.OutputSection;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A laid-out static executable: the loaded sections the engine writes, and the ELF header,
 * program headers, symbol table and section headers this class writes after them.
 */
final class ExecutablePlan implements OutputPlan {
    private final Architecture arch;
    private final List<OutputSection> sections;
    private final List<ExecutableLayout.Segment> segments;
    private final SymtabWriter symtab;
    private final long entry;
    private final long tlsBase;
    private final long threadPointer;
    private final long symtabOff;
    private final long strtabOff;
    private final long shstrtabOff;
    private final byte[] shstrtab;
    private final int[] nameOffsets;
    private final long shdrOff;
    private final long fileSize;
    private final int elfType;
    private final DynamicSections dynamic;

    ExecutablePlan(Architecture arch, List<OutputSection> sections, List<ExecutableLayout.Segment> segments,
            SymtabWriter symtab, long loadedEnd, long entry, long tlsBase, long threadPointer, int elfType,
            DynamicSections dynamic) {
        this.elfType = elfType;
        this.dynamic = dynamic;
        this.arch = arch;
        this.sections = sections;
        this.segments = segments;
        this.symtab = symtab;
        this.entry = entry;
        this.tlsBase = tlsBase;
        this.threadPointer = threadPointer;
        // Non-loaded sections follow the loaded ones; names: loaded sections, then the three tables.
        StringBuilder names = new StringBuilder("\0");
        nameOffsets = new int[sections.size() + 3];
        for (int i = 0; i < sections.size(); i++) {
            nameOffsets[i] = names.length();
            names.append(sections.get(i).name).append('\0');
        }
        String[] extra = {".symtab", ".strtab", ".shstrtab"};
        for (int i = 0; i < 3; i++) {
            nameOffsets[sections.size() + i] = names.length();
            names.append(extra[i]).append('\0');
        }
        shstrtab = names.toString().getBytes(StandardCharsets.US_ASCII);
        symtabOff = ExecutableLayout.align(loadedEnd, 8);
        strtabOff = symtabOff + symtab.symtabSize();
        shstrtabOff = strtabOff + symtab.strtabSize;
        shdrOff = ExecutableLayout.align(shstrtabOff + shstrtab.length, 8);
        fileSize = shdrOff + (long) (sections.size() + 4) * Elf.SHDR_SIZE;
    }

    @Override
    public long fileSize() {
        return fileSize;
    }

    @Override
    public List<OutputSection> sections() {
        return sections;
    }

    @Override
    public long entryAddress() {
        return entry;
    }

    @Override
    public long tlsBase() {
        return tlsBase;
    }

    @Override
    public void finish(LinkContext ctx, ByteBuffer out) {
        EhFrameHeader.finish(sections, out);
        BuildIdNote.finish(ctx, sections, out); // last: the ID hashes everything else
    }

    @Override
    public long threadPointer() {
        return threadPointer;
    }

    @Override
    public boolean executable() {
        return true;
    }

    @Override
    public void writeFormatData(LinkContext ctx, ByteBuffer out) {
        int shnum = sections.size() + 4;
        // ELF header
        out.putInt(0, 0x464c457f);                 // \x7fELF
        out.put(4, (byte) 2);                        // ELFCLASS64
        out.put(5, (byte) 1);                        // ELFDATA2LSB
        out.put(6, (byte) 1);                        // EV_CURRENT
        // ELFOSABI_GNU when GNU extensions (IFUNC symbols) are used, as GNU ld does.
        out.put(7, (byte) (ctx.ifuncs.size() > 0 ? 3 : 0));
        out.putShort(16, (short) elfType);
        out.putShort(18, (short) (arch == Architecture.X86_64 ? Elf.EM_X86_64 : Elf.EM_AARCH64));
        out.putInt(20, 1);
        out.putLong(24, entry);
        out.putLong(32, Elf.EHDR_SIZE);
        out.putLong(40, shdrOff);
        out.putInt(48, 0);
        out.putShort(52, (short) Elf.EHDR_SIZE);
        out.putShort(54, (short) Elf.PHDR_SIZE);
        out.putShort(56, (short) segments.size());
        out.putShort(58, (short) Elf.SHDR_SIZE);
        out.putShort(60, (short) shnum);
        out.putShort(62, (short) (shnum - 1));

        int p = Elf.EHDR_SIZE;
        for (ExecutableLayout.Segment s : segments) {
            out.putInt(p, s.type());
            out.putInt(p + 4, s.flags());
            out.putLong(p + 8, s.offset());
            out.putLong(p + 16, s.address());
            out.putLong(p + 24, s.address());
            out.putLong(p + 32, s.fileSize());
            out.putLong(p + 40, s.memSize());
            out.putLong(p + 48, s.align());
            p += Elf.PHDR_SIZE;
        }

        symtab.write(ctx, out, symtabOff, strtabOff);
        out.put((int) shstrtabOff, shstrtab);

        int sh = (int) shdrOff + Elf.SHDR_SIZE; // header 0 stays all zero
        for (int i = 0; i < sections.size(); i++) {
            OutputSection s = sections.get(i);
            // Input flags that describe how sections are combined (merge, strings, group, link
            // order) do not carry over to the output.
            long flags = Elf.SHF_ALLOC | (s.flags & (Elf.SHF_WRITE | Elf.SHF_EXECINSTR | Elf.SHF_TLS));
            switch (s.kind) {
                case TEXT -> flags |= Elf.SHF_EXECINSTR;
                case DATA, BSS -> flags |= Elf.SHF_WRITE;
                case TLS_DATA, TLS_BSS -> flags |= Elf.SHF_WRITE | Elf.SHF_TLS;
                default -> { }
            }
            int type = s.noBits() ? Elf.SHT_NOBITS : s.type != 0 && s.type != Elf.SHT_NOBITS ? s.type : Elf.SHT_PROGBITS;
            long entsize = switch (type) {
                case Elf.SHT_INIT_ARRAY, Elf.SHT_FINI_ARRAY, Elf.SHT_PREINIT_ARRAY -> 8;
                case Elf.SHT_RELA, DynamicSections.SHT_DYNSYM -> 24;
                case DynamicSections.SHT_DYNAMIC -> 16;
                case DynamicSections.SHT_HASH -> 4;
                case DynamicSections.SHT_GNU_VERSYM -> 2;
                default -> 0;
            };
            int[] linkInfo = dynamic != null ? dynamic.linkAndInfo(s) : null;
            section(out, sh, nameOffsets[i], type, flags, s.address, s.fileOffset, s.size, linkInfo == null ? 0 : linkInfo[0],
                    linkInfo == null ? 0 : linkInfo[1], s.alignment, entsize);
            sh += Elf.SHDR_SIZE;
        }
        int strtabIndex = sections.size() + 2;
        section(out, sh, nameOffsets[sections.size()], Elf.SHT_SYMTAB, 0, 0, symtabOff, symtab.symtabSize(),
                strtabIndex, symtab.firstGlobal, 8, Elf.SYM_SIZE);
        sh += Elf.SHDR_SIZE;
        section(out, sh, nameOffsets[sections.size() + 1], Elf.SHT_STRTAB, 0, 0, strtabOff, symtab.strtabSize, 0, 0, 1, 0);
        sh += Elf.SHDR_SIZE;
        section(out, sh, nameOffsets[sections.size() + 2], Elf.SHT_STRTAB, 0, 0, shstrtabOff, shstrtab.length, 0, 0, 1, 0);
    }

    private static void section(ByteBuffer out, int at, int name, int type, long flags, long addr, long offset,
            long size, int link, int info, long align, long entsize) {
        out.putInt(at, name);
        out.putInt(at + 4, type);
        out.putLong(at + 8, flags);
        out.putLong(at + 16, addr);
        out.putLong(at + 24, offset);
        out.putLong(at + 32, size);
        out.putInt(at + 40, link);
        out.putInt(at + 44, info);
        out.putLong(at + 48, align);
        out.putLong(at + 56, entsize);
    }
}
