package dev.rivet.linker;

import java.util.Locale;

/** The steps of a link, in the order they run. Progress is reported per phase. */
public enum LinkPhase {
    /** Loading what the link needs from archives; objects and symbols built in memory are loaded when added. */
    LOAD,
    /** Binding every reference to one definition; pulling archive members. */
    RESOLVE,
    /** Marking what is reachable from the roots. */
    DEAD_STRIP,
    /** Deciding which symbols need GOT, PLT or stub entries. */
    SCAN_RELOCATIONS,
    /** Placing sections and assigning addresses. */
    LAYOUT,
    /** Copying contents, applying relocations and writing headers. */
    WRITE;

    /** {@return a lower-case name for messages, such as {@code dead strip}} */
    public String displayName() {
        return name().toLowerCase(Locale.ROOT).replace('_', ' ');
    }
}
