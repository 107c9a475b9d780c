package dev.rivet.linker.macho;

import dev.rivet.linker.Architecture;
import dev.rivet.linker.Diagnostic;
import dev.rivet.linker.LinkException;
import dev.rivet.linker.SymbolKind;
import dev.rivet.linker.core.arch.Arm64;
import dev.rivet.linker.core.output.DynamicLink;
import dev.rivet.linker.core.output.LinkContext;
import dev.rivet.linker.core.output.SyntheticAtoms;
import dev.rivet.linker.core.symbols.InputFile;
import java.nio.ByteBuffer;

/**
 * Lazy binding, as ld64 lays it out (see docs/MACHO-TESTING.md): for every imported function that
 * code calls, a {@code __stubs} entry jumps through its {@code __la_symbol_ptr} slot, which first
 * holds the address of its {@code __stub_helper} entry; that entry pushes the offset of the
 * function's lazy-bind record and jumps to the helper header, which calls
 * {@code dyld_stub_binder} (bound through {@code __got}) with {@code __dyld_private}. The stubs
 * are the core's PLT entries ({@link DynamicLink#placeStubs}), so calls and canonical addresses
 * reach them.
 */
final class MachOStubs {
    static final String STUBS = "__TEXT,__stubs";
    static final String HELPER = "__TEXT,__stub_helper";
    static final String LAZY_POINTERS = "__DATA,__la_symbol_ptr";
    static final String DYLD_PRIVATE = "__DATA,__data";
    static final String BINDER = "dyld_stub_binder";
    private static final String DYLD_PRIVATE_SYMBOL = "__dyld_private";

    final int count;
    final int stubSize;
    final int helperHeaderSize;
    final int helperEntrySize;
    int stubsAtom;
    int helperAtom;
    int pointersAtom;
    int privateAtom;
    /** The binder's symbol, which has a GOT slot. */
    int binder;
    /** Each stub's lazy-bind record offset, set by the layout once the records are encoded. */
    int[] lazyOffset;

    private MachOStubs(int count, boolean x86) {
        this.count = count;
        this.stubSize = x86 ? 6 : 12;
        this.helperHeaderSize = x86 ? 16 : 24;
        this.helperEntrySize = x86 ? 10 : 12;
        this.lazyOffset = new int[count];
    }

    /** Before dead-stripping: the binder needs a GOT slot if the link imports anything from a dylib. */
    static void reserveBinderSlot(LinkContext ctx) {
        if (ctx.options.chainedFixups()) {
            return; // dyld binds every pointer at load: no lazy binding
        }
        int s = ctx.symbols.lookup(BINDER);
        if (s != 0 && ctx.symbols.hasFlag(s, InputFile.SHARED)) {
            ctx.got.add(s);
        }
    }

    /** After the relocation scan: makes the stubs and their tables for the functions the scan gave PLT entries. */
    static MachOStubs create(LinkContext ctx) {
        DynamicLink dyn = ctx.dynamic;
        int n = dyn.pltCount();
        boolean x86 = ctx.target.architecture() == Architecture.X86_64;
        MachOStubs st = new MachOStubs(n, x86);
        if (n == 0) {
            for (String s : new String[] {STUBS, HELPER, LAZY_POINTERS, DYLD_PRIVATE_SYMBOL}) {
                SyntheticAtoms.retire(ctx, s);
            }
            return st;
        }
        st.binder = ctx.symbols.lookup(BINDER);
        boolean lazy = false;
        for (int i = 0; i < n; i++) {
            lazy |= !dyn.isStubbedDefinition(dyn.pltSymbol(i));
        }
        if (!lazy || ctx.options.chainedFixups()) {
            st.binder = 0; // only weak definitions of this image, or chained fixups: nothing is bound lazily
        } else if (st.binder == 0 || !ctx.symbols.hasFlag(st.binder, InputFile.SHARED)) {
            throw new LinkException(Diagnostic.error("calls to dylib functions need dyld_stub_binder, which no input dylib exports")
                    .withHint("link against libSystem (libSystem.tbd)"));
        }
        int align = 4;
        st.stubsAtom = SyntheticAtoms.make(ctx, STUBS, SymbolKind.TEXT, MachO.S_SYMBOL_STUBS,
                MachO.S_ATTR_PURE_INSTRUCTIONS | MachO.S_ATTR_SOME_INSTRUCTIONS, align, (long) st.stubSize * n, out -> st.writeStubs(ctx, out.buffer()));
        st.pointersAtom = SyntheticAtoms.make(ctx, LAZY_POINTERS, SymbolKind.DATA, MachO.S_LAZY_SYMBOL_POINTERS, 0, 8, 8L * n, out -> {
            for (int i = 0; i < n; i++) {
                // Rebased; dyld_stub_binder replaces it. A weak definition here starts bound to itself
                // (dyld may weak-bind it elsewhere). Without lazy binding, dyld binds it at load.
                int s = dyn.pltSymbol(i);
                long v = dyn.isStubbedDefinition(s) ? ctx.symbolAddress[s] : st.binder == 0 ? 0 : st.helperEntry(ctx, i);
                out.buffer().putLong(8 * i, v);
            }
        });
        if (st.binder == 0) {
            SyntheticAtoms.retire(ctx, HELPER);
            SyntheticAtoms.retire(ctx, DYLD_PRIVATE_SYMBOL);
        } else {
            st.helperAtom = SyntheticAtoms.make(ctx, HELPER, SymbolKind.TEXT, MachO.S_REGULAR,
                    MachO.S_ATTR_PURE_INSTRUCTIONS | MachO.S_ATTR_SOME_INSTRUCTIONS, align,
                    st.helperHeaderSize + (long) st.helperEntrySize * n, out -> st.writeHelper(ctx, out.buffer()));
            // An 8-byte word in __data by which dyld_stub_binder knows the image; its symbol is private to the link.
            st.privateAtom = SyntheticAtoms.make(ctx, DYLD_PRIVATE_SYMBOL, SymbolKind.DATA, MachO.S_REGULAR, 0, 8, 8, out -> { });
            ctx.atoms.setSection(st.privateAtom, ctx.loader.sections.intern(DYLD_PRIVATE, SymbolKind.DATA, MachO.S_REGULAR, 0, false));
        }
        dyn.placeStubs(st.stubsAtom, st.stubSize);
        return st;
    }

    long stub(LinkContext ctx, int i) {
        return ctx.atomAddress[stubsAtom] + (long) stubSize * i;
    }

    long pointer(LinkContext ctx, int i) {
        return ctx.atomAddress[pointersAtom] + 8L * i;
    }

    long helperEntry(LinkContext ctx, int i) {
        return ctx.atomAddress[helperAtom] + helperHeaderSize + (long) helperEntrySize * i;
    }

    private void writeStubs(LinkContext ctx, ByteBuffer b) {
        for (int i = 0; i < count; i++) {
            int pos = stubSize * i;
            long at = stub(ctx, i);
            long slot = pointer(ctx, i);
            if (stubSize == 6) {
                b.put(pos, (byte) 0xff);
                b.put(pos + 1, (byte) 0x25);
                b.putInt(pos + 2, (int) (slot - (at + 6)));                     // jmp *slot(%rip)
            } else {
                b.putInt(pos, 0x90000010);                                       // adrp x16, slot@PAGE
                b.putInt(pos + 4, 0xf9400210);                                   // ldr x16, [x16, slot@PAGEOFF]
                b.putInt(pos + 8, 0xd61f0200);                                   // br x16
                pageAndOffset(ctx, b, pos, at, slot);
            }
        }
    }

    private void writeHelper(LinkContext ctx, ByteBuffer b) {
        long header = ctx.atomAddress[helperAtom];
        long priv = ctx.atomAddress[privateAtom];
        long binderSlot = ctx.got.entryAddress(ctx, binder);
        if (stubSize == 6) {
            b.put(0, (byte) 0x4c).put(1, (byte) 0x8d).put(2, (byte) 0x1d);
            b.putInt(3, (int) (priv - (header + 7)));                           // lea __dyld_private(%rip), %r11
            b.put(7, (byte) 0x41).put(8, (byte) 0x53);                           // push %r11
            b.put(9, (byte) 0xff).put(10, (byte) 0x25);
            b.putInt(11, (int) (binderSlot - (header + 15)));                   // jmp *dyld_stub_binder@GOT(%rip)
            b.put(15, (byte) 0x90);                                              // nop
        } else {
            b.putInt(0, 0x90000011);                                             // adrp x17, __dyld_private@PAGE
            b.putInt(4, 0x91000231);                                             // add x17, x17, __dyld_private@PAGEOFF
            pageAndOffset(ctx, b, 0, header, priv);
            b.putInt(8, 0xa9bf47f0);                                             // stp x16, x17, [sp, #-16]!
            b.putInt(12, 0x90000010);                                            // adrp x16, dyld_stub_binder@GOTPAGE
            b.putInt(16, 0xf9400210);                                            // ldr x16, [x16, dyld_stub_binder@GOTPAGEOFF]
            pageAndOffset(ctx, b, 12, header + 12, binderSlot);
            b.putInt(20, 0xd61f0200);                                            // br x16
        }
        for (int i = 0; i < count; i++) {
            int pos = helperHeaderSize + helperEntrySize * i;
            long at = helperEntry(ctx, i);
            if (stubSize == 6) {
                b.put(pos, (byte) 0x68);
                b.putInt(pos + 1, lazyOffset[i]);                                // push $lazy_bind_offset
                b.put(pos + 5, (byte) 0xe9);
                b.putInt(pos + 6, (int) (header - (at + 10)));                  // jmp helper header
            } else {
                b.putInt(pos, 0x18000050);                                       // ldr w16, #8
                b.putInt(pos + 4, 0x14000000 | (int) (((header - (at + 4)) >> 2) & 0x3ffffff)); // b helper header
                b.putInt(pos + 8, lazyOffset[i]);
            }
        }
    }

    /** Patches an adrp at pos and the add or load after it to reach target. */
    private static void pageAndOffset(LinkContext ctx, ByteBuffer b, int pos, long at, long target) {
        ctx.arch.apply(b, pos, Arm64.ADR_PREL_PG_HI21, target, 0, at, 0);
        ctx.arch.apply(b, pos + 4, Arm64.ABS_LO12_ANY, target, 0, at + 4, 0);
    }
}
