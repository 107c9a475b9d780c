package dev.rivet.linker.elf;

import dev.rivet.linker.SymbolKind;
import dev.rivet.linker.core.output.LinkContext;
import dev.rivet.linker.core.output.OutputSection;
import dev.rivet.linker.core.symbols.AtomTable;
import dev.rivet.linker.core.symbols.Bits;
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
    // Symbol indices are cut into chunks, planned and written in parallel: per chunk, where its
    // locals and globals start among the chosen and in the string table.
    private final int chunks;
    private final int[] localStart;
    private final int[] globalStart;
    private final long[] localNames;
    private final long[] globalNames;

    private SymtabWriter(int[] chosen, int chunks, int[] localStart, int[] globalStart, long[] localNames,
            long[] globalNames, List<OutputSection> collected) {
        this.chosen = chosen;
        this.chunks = chunks;
        this.localStart = localStart;
        this.globalStart = globalStart;
        this.localNames = localNames;
        this.globalNames = globalNames;
        this.locals = localStart[chunks];
        this.globals = globalStart[chunks];
        this.firstGlobal = locals + 1;
        this.strtabSize = 1 + localNames[chunks] + globalNames[chunks];
        this.collected = collected;
    }

    /** {@return where chunk c of n symbols starts: a multiple of 64, so chunks share no word of a bitmap} */
    private static int chunkStart(int n, int chunks, int c) {
        return c == chunks ? n : (int) ((long) n * c / chunks) & ~63;
    }

    /** Chooses the symbols; section indices are read when writing, after they are numbered. */
    static SymtabWriter plan(LinkContext ctx, List<OutputSection> collected) {
        SymbolTable st = ctx.symbols;
        AtomTable at = ctx.atoms;
        int n = st.count;
        int chunks = Math.max(1, Math.min(ctx.parallelism() * 4, n / 16384));
        // Which symbols are written and which of them are locals (static or hidden ones), then
        // how many locals and globals (and name bytes) each chunk has.
        Bits written = new Bits(n);
        Bits local = new Bits(n);
        int[] localCount = new int[chunks + 1];
        int[] globalCount = new int[chunks + 1];
        long[] localBytes = new long[chunks + 1];
        long[] globalBytes = new long[chunks + 1];
        ctx.parallelFor(chunks, c -> {
            for (int s = Math.max(1, chunkStart(n, chunks, c)), to = chunkStart(n, chunks, c + 1); s < to; s++) {
                // The owning file and local index read once, as in writeRun.
                int f = st.file[s];
                if (f == 0) {
                    continue;
                }
                InputFile file = st.file(f);
                int l = st.local[s];
                int flags = file.symFlags[l];
                if (!file.isDefined(l) || (flags & (InputFile.NOT_IN_SYMTAB | InputFile.SHARED)) != 0) {
                    continue;
                }
                int atom = file.symAtom[l];
                if (atom != 0 && !at.alive.get(atom)) {
                    continue;
                }
                written.set(s);
                if ((flags & InputFile.HIDDEN) != 0 || st.isStatic.get(s)) {
                    local.set(s);
                    localCount[c + 1]++;
                    localBytes[c + 1] += st.nameLength(s) + 1;
                } else {
                    globalCount[c + 1]++;
                    globalBytes[c + 1] += st.nameLength(s) + 1;
                }
            }
        });
        for (int c = 0; c < chunks; c++) {
            localCount[c + 1] += localCount[c];
            globalCount[c + 1] += globalCount[c];
            localBytes[c + 1] += localBytes[c];
            globalBytes[c + 1] += globalBytes[c];
        }
        // Locals from the front of a scratch array the linker keeps, globals from its back.
        int[] chosen = ctx.symbolScratch();
        ctx.parallelFor(chunks, c -> {
            int l = localCount[c];
            int g = globalCount[c];
            for (int s = written.nextSetBit(chunkStart(n, chunks, c)), to = chunkStart(n, chunks, c + 1); s >= 0 && s < to;
                    s = written.nextSetBit(s + 1)) {
                if (local.get(s)) {
                    chosen[l++] = s;
                } else {
                    chosen[chosen.length - 1 - g++] = s;
                }
            }
        });
        return new SymtabWriter(chosen, chunks, localCount, globalCount, localBytes, globalBytes, collected);
    }

    long symtabSize() {
        return (long) (locals + globals + 1) * Elf.SYM_SIZE;
    }

    /** Writes both tables, each chunk's locals and globals in parallel. */
    void write(LinkContext ctx, ByteBuffer out, long symtabOff, long strtabOff) {
        out.put((int) strtabOff, (byte) 0); // entry 0 of .symtab stays all zero
        ctx.parallelFor(chunks * 2, task -> {
            int c = task >> 1;
            boolean local = (task & 1) == 0;
            int first = local ? localStart[c] : locals + globalStart[c];
            int last = local ? localStart[c + 1] : locals + globalStart[c + 1];
            long str = 1 + (local ? localNames[c] : localNames[chunks] + globalNames[c]);
            writeRun(ctx, out, symtabOff, strtabOff, first, last, (int) str);
        });
    }

    /** Writes entries [first, last) of the chosen, their names from strtab offset strPos. */
    private void writeRun(LinkContext ctx, ByteBuffer out, long symtabOff, long strtabOff, int first, int last, int strPos) {
        SymbolTable st = ctx.symbols;
        int[] atomOutput = ctx.atomOutput;
        int strBase = (int) strtabOff;
        int pos = (int) symtabOff + (first + 1) * Elf.SYM_SIZE;
        for (int i = first; i < last; i++) {
            int s = i < locals ? chosen[i] : chosen[chosen.length - 1 - (i - locals)];
            // Every chosen symbol is defined: its file and local index are read once, where
            // each SymbolTable query would read them again (a cold link runs C1's code, which
            // does not share loads across calls).
            InputFile file = st.file(st.file[s]);
            int l = st.local[s];
            int flags = file.symFlags[l];
            int type = (flags & InputFile.IFUNC) != 0 ? Elf.STT_GNU_IFUNC : switch (file.kind(l)) {
                case TEXT -> Elf.STT_FUNC;
                case TLS_DATA, TLS_BSS -> Elf.STT_TLS;
                case ABSOLUTE -> Elf.STT_NOTYPE;
                default -> Elf.STT_OBJECT;
            };
            boolean hidden = (flags & InputFile.HIDDEN) != 0;
            int bind = i < locals ? Elf.STB_LOCAL : (flags & InputFile.WEAK) != 0 ? Elf.STB_WEAK : Elf.STB_GLOBAL;
            int atom = file.symAtom[l];
            // The section is the one the atom was placed in; the symbol's own kind only says FUNC or OBJECT.
            int shndx = atom == 0 ? Elf.SHN_ABS : collected.get(atomOutput[atom]).index;
            out.putInt(pos, strPos);
            out.put(pos + 4, (byte) ((bind << 4) | type));
            out.put(pos + 5, (byte) (hidden ? Elf.STV_HIDDEN : 0));
            out.putShort(pos + 6, (short) shndx);
            out.putLong(pos + 8, ctx.reportedAddress[s]);
            out.putLong(pos + 16, file.size(l));
            pos += Elf.SYM_SIZE;
            int len = st.nameLength(s);
            st.putName(s, out, strBase + strPos);
            out.put(strBase + strPos + len, (byte) 0);
            strPos += len + 1;
        }
    }
}
