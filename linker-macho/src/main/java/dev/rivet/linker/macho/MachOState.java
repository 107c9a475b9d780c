package dev.rivet.linker.macho;

import dev.rivet.linker.core.output.LinkContext;

/** What the Mach-O format keeps for one link between its hooks ({@link LinkContext#formatState}). */
final class MachOState {
    /** The lazy-binding stubs, made after the relocation scan. */
    MachOStubs stubs;
    /** Range-extension thunk islands in __text, in address order (none for most programs). */
    java.util.List<MachOThunks.Island> islands = java.util.List.of();

    static MachOState of(LinkContext ctx) {
        if (!(ctx.formatState instanceof MachOState)) {
            ctx.formatState = new MachOState();
        }
        return (MachOState) ctx.formatState;
    }
}
