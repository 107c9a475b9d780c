package dev.rivet.linker.testing;

import dev.rivet.linker.Linker;
import dev.rivet.linker.SymbolKind;
import dev.rivet.linker.core.CoreLinker;
import dev.rivet.linker.core.symbols.InputFile;
import dev.rivet.linker.core.symbols.ObjectFile;
import dev.rivet.linker.core.symbols.SymbolLoader;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * An object file made in memory, for tests that need the file-facing rules of the loader
 * (N:1 binding, duplicates, weak, dupok, common/BSS, statics) without a format reader.
 *
 * <pre>{@code
 * TestObject o = TestObject.named("a.o");
 * int text = o.section(SymbolKind.TEXT, 16, bytes);
 * int main = o.define("main", text, 0, bytes.length, 0);
 * int puts = o.undefined("puts", 0);
 * o.relocation(text, 1, X86_64.PLT32, puts, -4);
 * TestObject.Loaded a = o.addTo(linker);
 * int g = a.global(main);
 * }</pre>
 *
 * Symbol flags are {@link InputFile#LOCAL}, {@link InputFile#WEAK}, {@link InputFile#HIDDEN} and
 * {@link InputFile#DUPOK}; relocation operations are those of {@code dev.rivet.linker.core.arch}.
 * Section and symbol numbers are local to the object, in the order they were declared.
 */
public final class TestObject {
    private record Section(SymbolKind kind, int alignment, byte[] bytes, long size) { }

    private record Sym(String name, SymbolKind kind, int flags, int section, long value, long size) { }

    private record Reloc(int section, int offset, int op, int target, long addend) { }

    private final String name;
    private final List<Section> sections = new ArrayList<>();
    private final List<Sym> symbols = new ArrayList<>();
    private final List<Reloc> relocations = new ArrayList<>();

    private TestObject(String name) {
        this.name = name;
    }

    /** {@return an empty object} @param name its name in messages, such as {@code a.o} */
    public static TestObject named(String name) {
        return new TestObject(name);
    }

    /**
     * Adds a section with bytes.
     *
     * @param kind TEXT, RODATA, DATA or TLS_DATA
     * @param alignment a power of two
     * @param bytes its content
     * @return the section's number in this object
     */
    public int section(SymbolKind kind, int alignment, byte[] bytes) {
        if (!kind.hasBytes()) {
            throw new IllegalArgumentException(kind + " has no bytes; use zeroSection");
        }
        sections.add(new Section(kind, alignment, bytes.clone(), bytes.length));
        return sections.size() - 1;
    }

    /**
     * Adds a section without bytes.
     *
     * @param kind BSS or TLS_BSS
     * @param alignment a power of two
     * @param size its size
     * @return the section's number in this object
     */
    public int zeroSection(SymbolKind kind, int alignment, long size) {
        if (kind.hasBytes()) {
            throw new IllegalArgumentException(kind + " has bytes; use section");
        }
        sections.add(new Section(kind, alignment, null, size));
        return sections.size() - 1;
    }

    /**
     * Defines a symbol in a section; its kind is the section's.
     *
     * @param symbolName the name
     * @param section a section number
     * @param value the offset in the section
     * @param size the size
     * @param flags {@link InputFile} flags, or 0 for a strong global
     * @return the symbol's local index
     */
    public int define(String symbolName, int section, long value, long size, int flags) {
        symbols.add(new Sym(symbolName, sections.get(section).kind(), flags, section, value, size));
        return symbols.size() - 1;
    }

    /**
     * Declares a reference to a symbol defined elsewhere.
     *
     * @param symbolName the name
     * @param flags {@link InputFile#WEAK} for a weak reference, or 0
     * @return the symbol's local index
     */
    public int undefined(String symbolName, int flags) {
        symbols.add(new Sym(symbolName, SymbolKind.UNDEFINED, flags, -1, 0, 0));
        return symbols.size() - 1;
    }

    /**
     * Defines an absolute symbol.
     *
     * @param symbolName the name
     * @param value its value
     * @param flags {@link InputFile} flags
     * @return the symbol's local index
     */
    public int absolute(String symbolName, long value, int flags) {
        symbols.add(new Sym(symbolName, SymbolKind.ABSOLUTE, flags, -1, value, 0));
        return symbols.size() - 1;
    }

    /**
     * Adds a relocation.
     *
     * @param section the section patched
     * @param offset where in it
     * @param op an architecture operation, such as {@code X86_64.PC32}
     * @param target the local index of the target symbol
     * @param addend the addend
     * @return this object
     */
    public TestObject relocation(int section, int offset, int op, int target, long addend) {
        relocations.add(new Reloc(section, offset, op, target, addend));
        return this;
    }

    /**
     * Adds the object to a linker made by the engine: registers it, creates its sections' atoms
     * and symbols, and binds its symbols by name.
     *
     * @param linker a linker from {@code Linker.create}
     * @return the object as loaded
     * @throws dev.rivet.linker.LinkException for duplicate definitions (the object stays registered)
     */
    public Loaded addTo(Linker linker) {
        CoreLinker core = (CoreLinker) linker;
        SymbolLoader loader = core.symbolLoader();
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        long[] offsets = new long[sections.size()];
        for (int i = 0; i < sections.size(); i++) {
            Section s = sections.get(i);
            offsets[i] = data.size();
            if (s.bytes() != null) {
                data.writeBytes(s.bytes());
            }
        }
        ByteBuffer buf = ByteBuffer.wrap(data.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
        ObjectFile file = new ObjectFile(name, buf, loader.atoms);
        loader.symbols.addFile(file);
        int[] atoms = new int[sections.size()];
        for (int i = 0; i < sections.size(); i++) {
            Section s = sections.get(i);
            atoms[i] = file.addSection(s.kind(), s.alignment(), offsets[i], s.size());
        }
        byte[][] names = new byte[symbols.size()][];
        for (int l = 0; l < symbols.size(); l++) {
            Sym s = symbols.get(l);
            int atom = s.section() < 0 ? 0 : atoms[s.section()];
            file.addSymbol(s.kind(), s.flags(), atom, s.value(), s.size());
            names[l] = s.name().getBytes(StandardCharsets.UTF_8);
        }
        // An atom's relocations must be contiguous: add them section by section.
        for (int sec = 0; sec < sections.size(); sec++) {
            for (Reloc r : relocations) {
                if (r.section() == sec) {
                    file.addRelocation(atoms[sec], r.offset(), r.op(), r.target(), r.addend());
                }
            }
        }
        core.addInput(file, names);
        return new Loaded(file, atoms);
    }

    /**
     * An object added to a linker.
     *
     * @param file the object file
     * @param atoms the atom of each section
     */
    public record Loaded(ObjectFile file, int[] atoms) {
        /** {@return the global index of a local symbol} @param local the local index */
        public int global(int local) {
            return file.localToGlobal[local];
        }

        /** {@return the atom of a section} @param section a section number */
        public int atom(int section) {
            return atoms[section];
        }
    }
}
