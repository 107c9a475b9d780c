package dev.rivet.linker.core.input;

import dev.rivet.linker.core.CoreLinker;
import dev.rivet.linker.core.symbols.Bits;
import dev.rivet.linker.core.symbols.LazyArchive;
import dev.rivet.linker.core.symbols.ParsedInput;
import java.nio.ByteBuffer;

/**
 * An {@code ar} archive of a format's objects, loaded member by member on demand: the format
 * gives its object reader, the archive its index. Members are named {@code archive(member)} in
 * messages, as GNU ld, ld64 and lld do; members of thin archives are mapped from their own files.
 */
public final class ArchiveInput implements LazyArchive {
    /** How a format reads one member. */
    @FunctionalInterface
    public interface MemberReader {
        /**
         * Parses a member without changing anything the linker shares, so that several members
         * can be parsed at once; it is bound later, in input order, if it is still wanted.
         *
         * @param linker the linker
         * @param name the member's name for messages, {@code archive(member)}
         * @param data its bytes, little-endian, from index 0
         * @return what binds the member; it throws the errors the parse found
         */
        ParsedInput parse(CoreLinker linker, String name, ByteBuffer data);
    }

    private final CoreLinker linker;
    private final java.nio.file.Path path;
    private final ByteBuffer data;
    private final MemberReader reader;
    private final long position;
    private Archive archive;
    private Bits loaded;
    private int loadedCount;

    /**
     * Reads an archive and registers it with the linker, whose link loads the members it needs;
     * with {@link dev.rivet.linker.InputOption#WHOLE_ARCHIVE}, every member is loaded now.
     *
     * @param linker the linker
     * @param path the archive, also its name in messages
     * @param data its bytes
     * @param options how to use the input
     * @param reader the format's object reader
     */
    public static void add(CoreLinker linker, java.nio.file.Path path, ByteBuffer data,
            java.util.Set<dev.rivet.linker.InputOption> options, MemberReader reader) {
        ArchiveInput archive = new ArchiveInput(linker, path, data, reader);
        if (options.contains(dev.rivet.linker.InputOption.WHOLE_ARCHIVE)) {
            archive.open();
            archive.loadAll();
        }
        linker.addLazyArchive(archive);
    }

    /** {@return whether the bytes start as an archive does, with {@code !<arch>\n} or {@code !<thin>\n}} @param data an input's bytes */
    public static boolean isArchive(ByteBuffer data) {
        if (data.limit() < 8) {
            return false;
        }
        long magic = data.duplicate().order(java.nio.ByteOrder.BIG_ENDIAN).getLong(0);
        return magic == 0x213c617263683e0aL || magic == 0x213c7468696e3e0aL;
    }

    /**
     * An archive whose member headers and symbol index are read when {@link #open} is called: the
     * link opens every archive at its start, on its threads, one archive a thread.
     *
     * @param linker the linker the members are loaded into
     * @param path the archive, also its name in messages
     * @param data its bytes
     * @param reader the format's object reader
     */
    public ArchiveInput(CoreLinker linker, java.nio.file.Path path, ByteBuffer data, MemberReader reader) {
        this.linker = linker;
        this.path = path;
        this.data = data;
        this.reader = reader;
        this.position = linker.symbolLoader().symbols.nextInputPosition();
    }

    @Override
    public String name() {
        return path.toString();
    }

    /**
     * Reads the member headers and the symbol index, once.
     *
     * @throws dev.rivet.linker.LinkException if the archive is malformed
     */
    @Override
    public void open() {
        if (archive == null) {
            Archive a = ArchiveReader.read(path, data);
            loaded = new Bits(a.memberCount());
            archive = a;
        }
    }

    @Override
    public int memberDefining(byte[] name, int offset, int length) {
        int k = archive.findSymbol(name, offset, length);
        return k < 0 ? -1 : archive.symbolMember(k);
    }

    @Override
    public int memberDefining(byte[] name, int offset, int length, int hash) {
        int k = archive.findSymbol(name, offset, length, hash);
        return k < 0 ? -1 : archive.symbolMember(k);
    }

    @Override
    public boolean isLoaded(int member) {
        return loaded.get(member);
    }

    @Override
    public void load(int member) {
        loaded.set(member);
        String name = memberName(member);
        ByteBuffer data = archive.thin() ? linker.map(archive.memberPath(member)) : archive.memberData(member);
        // Members are laid out at the archive's place among the inputs, in the order they load.
        reader.parse(linker, name, data).bind(position + (++loadedCount));
    }

    private String memberName(int member) {
        return archive.name() + "(" + archive.memberName(member) + ")";
    }

    @Override
    public long memberSize(int member) {
        return archive.memberSize(member);
    }

    @Override
    public ParsedInput parse(int member) {
        if (archive.thin()) {
            return null; // mapping a thin member's file changes the linker's list of mappings
        }
        return reader.parse(linker, memberName(member), archive.memberData(member));
    }

    @Override
    public void load(int member, ParsedInput parsed) {
        if (parsed == null) {
            load(member);
            return;
        }
        loaded.set(member);
        parsed.bind(position + (++loadedCount));
    }

    /** Loads every member not loaded yet, in archive order ({@code --whole-archive}, {@code -all_load}). */
    public void loadAll() {
        for (int m = 0; m < archive.memberCount(); m++) {
            if (!loaded.get(m)) {
                load(m);
            }
        }
    }

    /** {@return how many members have been loaded} */
    public int loadedCount() {
        return loadedCount;
    }
}
