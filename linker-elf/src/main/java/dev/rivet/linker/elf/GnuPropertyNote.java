package dev.rivet.linker.elf;

import dev.rivet.linker.Architecture;
import dev.rivet.linker.SymbolKind;
import dev.rivet.linker.core.output.LinkContext;
import dev.rivet.linker.core.output.SyntheticAtoms;
import dev.rivet.linker.core.symbols.InputFile;
import java.nio.ByteBuffer;

/**
 * {@code .note.gnu.property} and its PT_GNU_PROPERTY segment: the program properties the inputs
 * declare, merged as GNU ld merges them. A FEATURE_1_AND bit (x86 IBT/SHSTK, AArch64 BTI/PAC) is
 * set only when every object sets it, since one object without it makes the protection unsafe to
 * turn on; x86 ISA_1_NEEDED levels are or-ed, since the program needs what any part needs.
 * Objects' own property notes are read (see {@link #read}) and never copied.
 */
final class GnuPropertyNote {
    static final String SECTION = ".note.gnu.property";
    static final int PT_GNU_PROPERTY = 0x6474e553;
    private static final int NT_GNU_PROPERTY_TYPE_0 = 5;
    static final int X86_FEATURE_1_AND = 0xc0000002;
    static final int X86_ISA_1_NEEDED = 0xc0008002;
    static final int AARCH64_FEATURE_1_AND = 0xc0000000;
    private static final int X86_IBT = 1;
    private static final int AARCH64_BTI = 1;

    private GnuPropertyNote() { }

    /**
     * Reads an object's property note into its file.
     *
     * @param in the object's bytes, for errors
     * @param offset where the section starts
     * @param size its size
     */
    static void read(ElfBytes in, ElfObjectFile file, Architecture arch, long offset, long size) {
        long pos = 0;
        while (pos + 12 <= size) {
            long namesz = in.u32(offset + pos);
            long descsz = in.u32(offset + pos + 4);
            int type = (int) in.u32(offset + pos + 8);
            long desc = pos + 12 + align(namesz, 4);
            if (namesz > size || descsz > size || desc + descsz > size) {
                throw in.error(offset + pos, ".note.gnu.property note at offset 0x" + Long.toHexString(pos)
                        + " does not fit in the section (" + size + " bytes)");
            }
            boolean gnu = namesz == 4 && in.u32(offset + pos + 12) == 0x00554e47; // "GNU\0"
            if (gnu && type == NT_GNU_PROPERTY_TYPE_0) {
                long p = desc;
                while (p + 8 <= desc + descsz) {
                    int prType = (int) in.u32(offset + p);
                    long prSize = in.u32(offset + p + 4);
                    if (p + 8 + prSize > desc + descsz) {
                        throw in.error(offset + p, "property 0x" + Integer.toHexString(prType) + " of .note.gnu.property has size "
                                + prSize + ", past its note");
                    }
                    int value = prSize >= 4 ? (int) in.u32(offset + p + 8) : 0;
                    if (prType == (arch == Architecture.X86_64 ? X86_FEATURE_1_AND : AARCH64_FEATURE_1_AND)) {
                        file.featureAnd = value;
                        file.hasFeatureAnd = true;
                    } else if (arch == Architecture.X86_64 && prType == X86_ISA_1_NEEDED) {
                        file.isaNeeded |= value;
                    }
                    p += 8 + align(prSize, 8);
                }
            }
            pos = desc + align(descsz, 4);
        }
    }

    /** Makes the output's note when the merged properties are not empty. */
    static void create(LinkContext ctx) {
        int and = -1;
        int isa = 0;
        boolean any = false;
        for (int fi = 1; fi < ctx.symbols.fileCount(); fi++) {
            InputFile f = ctx.symbols.file(fi);
            if (f instanceof ElfObjectFile o) {
                any = true;
                and &= o.hasFeatureAnd ? o.featureAnd : 0;
                isa |= o.isaNeeded;
            } else if (f == ctx.loader.payload && definesCode(ctx, f)) {
                and = 0; // code made with the builder declares no features
            }
        }
        if (!any) {
            and = 0;
        }
        boolean x86 = ctx.arch.architecture() == Architecture.X86_64;
        boolean stubs = (ctx.dynamic != null && ctx.dynamic.pltCount() + ctx.dynamic.pltGotCount() > 0) || ctx.ifuncs.size() > 0;
        if (stubs) {
            // Rivet's PLT and IFUNC stubs start without a landing pad (endbr64, bti c): indirect
            // branch tracking would fault on them, so it is not declared. (GNU ld writes IBT PLTs.)
            and &= x86 ? ~X86_IBT : ~AARCH64_BTI;
        }
        int n = (and != 0 ? 1 : 0) + (isa != 0 ? 1 : 0);
        if (n == 0) {
            SyntheticAtoms.retire(ctx, SECTION);
            return;
        }
        int featureType = x86 ? X86_FEATURE_1_AND : AARCH64_FEATURE_1_AND;
        int features = and;
        int isaLevels = isa;
        SyntheticAtoms.make(ctx, SECTION, SymbolKind.RODATA, Elf.SHT_NOTE, Elf.SHF_ALLOC, 8, 16 + 16L * n, out -> {
            ByteBuffer b = out.buffer();
            b.putInt(0, 4);
            b.putInt(4, 16 * n);
            b.putInt(8, NT_GNU_PROPERTY_TYPE_0);
            b.put(12, new byte[] {'G', 'N', 'U', 0});
            int p = 16;
            // Properties are sorted by type.
            if (features != 0) {
                b.putInt(p, featureType).putInt(p + 4, 4).putInt(p + 8, features);
                p += 16;
            }
            if (isaLevels != 0) {
                b.putInt(p, X86_ISA_1_NEEDED).putInt(p + 4, 4).putInt(p + 8, isaLevels);
            }
        });
    }

    /** Whether builder-made code is in the output (the linker's own atoms are not in the symbol table). */
    private static boolean definesCode(LinkContext ctx, InputFile f) {
        for (int l = 0; l < f.symCount; l++) {
            int a = f.symAtom[l];
            if (a != 0 && ctx.atoms.alive.get(a) && f.kind(l) == SymbolKind.TEXT && (f.symFlags[l] & InputFile.NOT_IN_SYMTAB) == 0) {
                return true;
            }
        }
        return false;
    }

    private static long align(long v, long a) {
        return (v + a - 1) & -a;
    }
}
