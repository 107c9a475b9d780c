package dev.rivet.linker.elf;

import dev.rivet.linker.core.CoreLinker;
import dev.rivet.linker.core.symbols.Bits;
import dev.rivet.linker.core.symbols.LazyArchive;
import java.nio.ByteBuffer;

/**
 * An {@code ar} archive of ELF objects, loaded member by member on demand. Members are named
 * {@code archive(member)} in messages, as GNU ld and lld do; members of thin archives are mapped
 * from their own files.
 */
final class ElfArchive implements LazyArchive {
    private final CoreLinker linker;
    private final Archive archive;
    private final Bits loaded;
    private final long position;
    private int loadedCount;

    ElfArchive(CoreLinker linker, Archive archive) {
        this.linker = linker;
        this.archive = archive;
        this.loaded = new Bits(archive.memberCount());
        this.position = linker.symbolLoader().symbols.nextInputPosition();
    }

    @Override
    public String name() {
        return archive.name();
    }

    @Override
    public int memberDefining(byte[] name, int offset, int length) {
        int k = archive.findSymbol(name, offset, length);
        return k < 0 ? -1 : archive.symbolMember(k);
    }

    @Override
    public boolean isLoaded(int member) {
        return loaded.get(member);
    }

    @Override
    public void load(int member) {
        loaded.set(member);
        String name = archive.name() + "(" + archive.memberName(member) + ")";
        ByteBuffer data = archive.thin() ? linker.map(archive.memberPath(member)) : archive.memberData(member);
        // Members are laid out at the archive's place among the inputs, in the order they load.
        ObjectReader.read(linker, name, data, position + (++loadedCount));
    }

    /** Loads every member not loaded yet, in archive order ({@code --whole-archive}). */
    void loadAll() {
        for (int m = 0; m < archive.memberCount(); m++) {
            if (!loaded.get(m)) {
                load(m);
            }
        }
    }
}
