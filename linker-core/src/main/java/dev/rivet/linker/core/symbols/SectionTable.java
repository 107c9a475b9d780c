package dev.rivet.linker.core.symbols;

import dev.rivet.linker.SymbolKind;
import it.unimi.dsi.fastutil.objects.Object2IntOpenHashMap;
import java.util.ArrayList;
import java.util.List;

/**
 * The output sections that input sections are assigned to, by name. Readers register each input
 * section's output name with its format's type and flags; atoms keep the id ({@link
 * AtomTable#section}). Id 0 means "the format's default section for the atom's kind", which is
 * where builder-made symbols go, so builder code and an object's {@code .text} end up together.
 */
public final class SectionTable {
    private final Object2IntOpenHashMap<String> byName = new Object2IntOpenHashMap<>();
    private final List<String> names = new ArrayList<>();
    private final List<SymbolKind> kinds = new ArrayList<>();
    private int[] types = new int[16];
    private long[] flags = new long[16];
    private final Bits keep = new Bits(64);

    /** Creates a table with id 0 reserved for "default". */
    public SectionTable() {
        names.add(null);
        kinds.add(SymbolKind.UNDEFINED);
    }

    /**
     * Returns the id of an output section, registering it on first use. Flags of later
     * registrations are merged in; the first registration's kind and type stand.
     *
     * @param name the output section name
     * @param kind what its content is
     * @param type the format's section type (ELF {@code sh_type})
     * @param sectionFlags the format's flags (ELF {@code sh_flags})
     * @param keepAsRoot whether its atoms are roots of dead-stripping (init arrays, retained sections)
     * @return the id, 1 or more
     */
    public int intern(String name, SymbolKind kind, int type, long sectionFlags, boolean keepAsRoot) {
        int id = byName.getOrDefault(name, 0);
        if (id == 0) {
            id = names.size();
            if (id > AtomTable.MAX_SECTION) {
                // Atoms keep the id in 16 bits.
                throw new dev.rivet.linker.LinkException(dev.rivet.linker.Diagnostic.error("more than " + AtomTable.MAX_SECTION
                        + " distinct output section names (at '" + name + "'), which Rivet does not support yet"));
            }
            names.add(name);
            kinds.add(kind);
            if (id == types.length) {
                types = java.util.Arrays.copyOf(types, id * 2);
                flags = java.util.Arrays.copyOf(flags, id * 2);
            }
            types[id] = type;
            byName.put(name, id);
        }
        flags[id] |= sectionFlags;
        if (keepAsRoot) {
            keep.set(id);
        }
        return id;
    }

    /**
     * Makes a section's atoms roots of dead-stripping.
     *
     * @param id an id, 1 or more
     */
    public void retain(int id) {
        keep.set(id);
    }

    /** {@return the number of ids, including the default id 0} */
    public int count() {
        return names.size();
    }

    /** {@return the id of a section name, or 0} @param name a name */
    public int lookup(String name) {
        return byName.getOrDefault(name, 0);
    }

    /** {@return a section's name} @param id an id, 1 or more */
    public String name(int id) {
        return names.get(id);
    }

    /** {@return the kind of content a section was registered with} @param id an id */
    public SymbolKind kind(int id) {
        return kinds.get(id);
    }

    /** {@return the format's type of a section} @param id an id */
    public int type(int id) {
        return types[id];
    }

    /** {@return the format's flags of a section} @param id an id */
    public long flags(int id) {
        return flags[id];
    }

    /** {@return whether a section's atoms are dead-stripping roots} @param id an id */
    public boolean keep(int id) {
        return keep.get(id);
    }
}
