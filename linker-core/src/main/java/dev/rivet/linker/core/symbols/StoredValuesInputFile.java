package dev.rivet.linker.core.symbols;

import java.util.Arrays;

/**
 * An input file that keeps each symbol's value and size in arrays of its own (an object file, a
 * shared library), as opposed to the payload file, which derives them from its atoms.
 */
public abstract class StoredValuesInputFile extends InputFile {
    private long[] symValue;
    private long[] symSize;

    /**
     * @param name the file's name for messages
     * @param symbolCapacity the initial number of symbol slots
     * @param relocationCapacity the initial number of relocation slots
     */
    protected StoredValuesInputFile(String name, int symbolCapacity, int relocationCapacity) {
        super(name, symbolCapacity, relocationCapacity);
        symValue = new long[symKind.length]; // as many slots as the symbol arrays have
        symSize = new long[symKind.length];
    }

    @Override
    protected void growValuesAndSizes(int n) {
        symValue = Arrays.copyOf(symValue, n);
        symSize = Arrays.copyOf(symSize, n);
    }

    @Override
    public void setValueAndSize(int l, long value, long size) {
        symValue[l] = value;
        symSize[l] = size;
    }

    @Override
    public long value(int l) {
        return symValue[l];
    }

    @Override
    public long size(int l) {
        return symSize[l];
    }
}
