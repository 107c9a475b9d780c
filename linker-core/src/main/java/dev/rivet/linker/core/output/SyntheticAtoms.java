package dev.rivet.linker.core.output;

import dev.rivet.linker.SymbolGenerator;
import dev.rivet.linker.SymbolKind;
import dev.rivet.linker.core.symbols.InputFile;
import dev.rivet.linker.core.symbols.SymbolLoader;

/**
 * Linker-made atoms (GOT, IFUNC stubs and slots, relocation tables): each is the content of a
 * static symbol that the loader keeps by name, remade for every link with a generator that writes
 * it straight into the output, and placed in an output section of its own.
 */
public final class SyntheticAtoms {
    private SyntheticAtoms() { }

    /**
     * Makes (or, in a later link, remakes) a linker-owned atom, live for this link.
     *
     * @param ctx the link
     * @param section its output section's name
     * @param kind what it holds
     * @param type the format's section type
     * @param flags the format's section flags
     * @param align its alignment
     * @param size its size
     * @param generator writes its content after layout
     * @return the atom
     */
    public static int make(LinkContext ctx, String section, SymbolKind kind, int type, long flags, int align, long size,
            SymbolGenerator generator) {
        SymbolLoader ld = ctx.loader;
        int sym = ld.syntheticSymbol(section);
        if (kind.hasBytes()) {
            ld.update(sym, b -> b.kind(kind).alignment(align).generator(size, generator));
        } else {
            ld.update(sym, b -> b.kind(kind).alignment(align).size(size)); // zero-filled: nothing to generate
        }
        int slot = ld.symbols.local[sym];
        ld.payload.symFlags[slot] |= InputFile.NOT_IN_SYMTAB;
        int atom = ld.payload.symAtom[slot];
        ctx.atoms.setSection(atom, ld.sections.intern(section, kind, type, flags, false));
        ctx.atoms.alive.set(atom);
        ctx.atoms.discarded.clear(atom);
        ctx.growAtomAddresses();
        return atom;
    }

    /**
     * Leaves out a linker-owned atom that an earlier link made and this one does not need.
     *
     * @param ctx the link
     * @param section the atom's section name
     */
    public static void retire(LinkContext ctx, String section) {
        int sym = ctx.loader.syntheticSymbolIfCreated(section);
        if (sym != 0 && ctx.symbols.atom(sym) != 0) {
            ctx.atoms.alive.clear(ctx.symbols.atom(sym));
        }
    }
}
