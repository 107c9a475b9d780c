package dev.rivet.linker.elf;

import dev.rivet.linker.SymbolKind;
import dev.rivet.linker.core.output.LinkContext;
import dev.rivet.linker.core.output.OutputSection;
import dev.rivet.linker.core.symbols.AtomTable;
import dev.rivet.linker.core.symbols.InputFile;
import dev.rivet.linker.core.symbols.SymbolTable;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * The {@code .symtab} and {@code .strtab} of an output: every live symbol, locals first (static
 * and hidden ones, as lld does), then globals, each group in symbol index order.
 */
final class SymtabWriter {
    // The symbols written: chosen[0, locals) in order, then globals from chosen's end backwards
    // (an array the linker keeps for the link, so no list of symbols is made per link).
    private final int[] chosen;
    private final int locals;
    private final int globals;
    final int firstGlobal;
    final long strtabSize;
    private final List<OutputSection> collected;

    private SymtabWriter(int[] chosen, int locals, int globals, long strtabSize, List<OutputSection> collected) {
        this.chosen = chosen;
        this.locals = locals;
        this.globals = globals;
        this.firstGlobal = locals + 1;
        this.strtabSize = strtabSize;
        this.collected = collected;
    }

    /** Chooses the symbols; section indices are read when writing, after they are numbered. */
    static SymtabWriter plan(LinkContext ctx, List<OutputSection> collected) {
        SymbolTable st = ctx.symbols;
        AtomTable at = ctx.atoms;
        // Locals from the front of a scratch array the linker keeps, globals from its back.
        int[] chosen = ctx.symbolScratch();
        int locals = 0;
        int globals = 0;
        long strtab = 1;
        for (int s = 1; s < st.count; s++) {
            if (!st.isDefined(s) || st.hasFlag(s, InputFile.NOT_IN_SYMTAB) || st.hasFlag(s, InputFile.SHARED)) {
                continue;
            }
            int atom = st.atom(s);
            if (atom != 0 && !at.alive.get(atom)) {
                continue;
            }
            if (isLocal(st, s)) {
                chosen[locals++] = s;
            } else {
                chosen[chosen.length - 1 - globals++] = s;
            }
            strtab += st.nameLength(s) + 1;
        }
        return new SymtabWriter(chosen, locals, globals, strtab, collected);
    }

    long symtabSize() {
        return (long) (locals + globals + 1) * Elf.SYM_SIZE;
    }

    /** Writes both tables. */
    void write(LinkContext ctx, ByteBuffer out, long symtabOff, long strtabOff) {
        SymbolTable st = ctx.symbols;
        // Names go straight into the output's string table through one small buffer, not
        // through a copy of the whole table.
        byte[] name = new byte[256];
        int strBase = (int) strtabOff;
        out.put(strBase, (byte) 0);
        int strPos = 1;
        int pos = (int) symtabOff + Elf.SYM_SIZE; // entry 0 stays all zero
        for (int i = 0; i < locals + globals; i++) {
            int s = i < locals ? chosen[i] : chosen[chosen.length - 1 - (i - locals)];
            SymbolKind k = st.kind(s);
            int type = st.hasFlag(s, InputFile.IFUNC) ? Elf.STT_GNU_IFUNC : switch (k) {
                case TEXT -> Elf.STT_FUNC;
                case TLS_DATA, TLS_BSS -> Elf.STT_TLS;
                case ABSOLUTE -> Elf.STT_NOTYPE;
                default -> Elf.STT_OBJECT;
            };
            int bind = isLocal(st, s) ? Elf.STB_LOCAL : st.hasFlag(s, InputFile.WEAK) ? Elf.STB_WEAK : Elf.STB_GLOBAL;
            int other = st.hasFlag(s, InputFile.HIDDEN) ? Elf.STV_HIDDEN : 0;
            int atom = st.atom(s);
            // The section is the one the atom was placed in; the symbol's own kind only says FUNC or OBJECT.
            int shndx = atom == 0 ? Elf.SHN_ABS : collected.get(ctx.atomOutput[atom]).index;
            out.putInt(pos, strPos);
            out.put(pos + 4, (byte) ((bind << 4) | type));
            out.put(pos + 5, (byte) other);
            out.putShort(pos + 6, (short) shndx);
            out.putLong(pos + 8, ctx.reportedAddress[s]);
            out.putLong(pos + 16, st.size(s));
            pos += Elf.SYM_SIZE;
            int len = st.nameLength(s);
            if (len > name.length) {
                name = new byte[Math.max(len, name.length * 2)];
            }
            st.copyName(s, name, 0);
            out.put(strBase + strPos, name, 0, len);
            out.put(strBase + strPos + len, (byte) 0);
            strPos += len + 1;
        }
    }

    private static boolean isLocal(SymbolTable st, int s) {
        return st.isStatic.get(s) || st.hasFlag(s, InputFile.HIDDEN);
    }
}
