package dev.rivet.linker.core.symbols;

/**
 * An input file that keeps each symbol's value and size in arrays of its own (an object file, a
 * shared library), as opposed to the payload file, which derives them from its atoms.
 *
 * <p>Values and sizes are section offsets and object sizes, which fit in 32 bits all but always,
 * so they are kept in {@link NarrowLongs}, half the heap of {@code long[]}s.
 */
public abstract class StoredValuesInputFile extends InputFile {
    private final NarrowLongs symValue;
    private final NarrowLongs symSize;

    /**
     * @param name the file's name for messages
     * @param symbolCapacity the initial number of symbol slots
     * @param relocationCapacity the initial number of relocation slots
     */
    protected StoredValuesInputFile(String name, int symbolCapacity, int relocationCapacity) {
        super(name, symbolCapacity, relocationCapacity);
        symValue = new NarrowLongs(symKind.length); // as many slots as the symbol arrays have
        symSize = new NarrowLongs(symKind.length);
    }

    @Override
    protected void growValuesAndSizes(int n) {
        symValue.grow(n);
        symSize.grow(n);
    }

    @Override
    public void setValueAndSize(int l, long value, long size) {
        symValue.set(l, value);
        symSize.set(l, size);
    }

    @Override
    public long value(int l) {
        return symValue.get(l);
    }

    @Override
    public long size(int l) {
        return symSize.get(l);
    }
}
