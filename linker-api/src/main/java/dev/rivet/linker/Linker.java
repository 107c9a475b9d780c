package dev.rivet.linker;

import dev.rivet.linker.spi.LinkerProvider;
import dev.rivet.linker.spi.NamedProviders;
import java.nio.file.Path;
import java.util.Objects;
import java.util.ServiceLoader;

/**
 * Links symbols and input files into an executable for one {@link Target}.
 *
 * <pre>{@code
 * Linker linker = Linker.create(Target.parse("x86_64-linux"));
 * Loader ld = linker.loader();
 * int msg = ld.define("msg", SymbolKind.RODATA, b -> b.bytes("hi\n".getBytes()));
 * ld.define("_start", SymbolKind.TEXT, b -> { ...code...; b.relocation(off, RelocationKind.PC_RELATIVE_32, msg, -4); });
 * linker.link(Path.of("hello"));
 * }</pre>
 *
 * <p>A linker may link many times; each link sees the loader as it is then. One linker is used
 * by one thread at a time, except {@link #cancel()}, which any thread may call. Many linkers may
 * work at once in one JVM.
 */
public interface Linker extends AutoCloseable {
    /**
     * Creates a linker with default options.
     *
     * @param target what to link for
     * @return a new linker
     * @throws LinkException if no engine or no format module for the target is available
     */
    static Linker create(Target target) {
        return create(target, LinkOptions.defaults());
    }

    /**
     * Creates a linker.
     *
     * <p>The engine is the first {@link LinkerProvider} that {@link ServiceLoader} finds with the
     * options' class loader (or this interface's), unless the system property
     * {@value NamedProviders#ENGINE_PROPERTY} names its class ({@link NamedProviders}).
     *
     * @param target what to link for
     * @param options how to link
     * @return a new linker
     * @throws LinkException if no engine or no format module for the target is available, or the
     *     engine the system property names cannot be loaded
     */
    static Linker create(Target target, LinkOptions options) {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(options, "options");
        ClassLoader cl = options.classLoader().orElse(Linker.class.getClassLoader());
        java.util.List<String> named = NamedProviders.names(NamedProviders.ENGINE_PROPERTY);
        if (named != null) {
            if (named.size() > 1) {
                throw new LinkException(Diagnostic.error("system property " + NamedProviders.ENGINE_PROPERTY + " names "
                        + named.size() + " classes; it names the one engine to use"));
            }
            return NamedProviders.instantiate(NamedProviders.ENGINE_PROPERTY, named.get(0), LinkerProvider.class, cl,
                    () -> ServiceLoader.load(LinkerProvider.class, cl)).create(target, options);
        }
        for (LinkerProvider p : ServiceLoader.load(LinkerProvider.class, cl)) {
            return p.create(target, options);
        }
        throw new LinkException(Diagnostic.error("no Rivet engine found")
                .withHint("put linker-core (dev.rivet.linker.core) on the class or module path"));
    }

    /** {@return the target} */
    Target target();

    /** {@return the options} */
    LinkOptions options();

    /** {@return the symbol table that symbols are built in} */
    Loader loader();

    /**
     * Adds an input file: for ELF targets a relocatable object ({@code .o}) or an {@code ar}
     * archive ({@code .a}, also thin). Files are mapped, not copied. An object's symbols are
     * resolved against what is loaded before this method returns, so {@link #loader()} sees them.
     * An archive member is loaded when the link starts if it defines a symbol that something
     * refers to and nothing defines, repeatedly until no more are needed, so the order of inputs
     * does not matter; when several archives define a symbol, the first added wins.
     *
     * @param file the file
     * @param options how to use it, such as {@link InputOption#WHOLE_ARCHIVE}
     * @return this linker
     * @throws LinkException if the file cannot be read, is not an input of the target's format
     *     and architecture, or is malformed; the diagnostic names the file (and archive member),
     *     the offset and the reason. Duplicate definitions are reported here too.
     */
    Linker addInput(Path file, InputOption... options);

    /**
     * Adds several input files, as calling {@link #addInput} for each in order would, but reads
     * the relocatable objects among them in parallel on the link's threads
     * ({@link LinkOptions#threads()}) before binding each in order: the way to add a build's
     * objects. Archives, shared libraries and scripts are read in order as {@code addInput} reads
     * them.
     *
     * @param files the files, in command-line order
     * @param options how to use each of them
     * @return this linker
     * @throws LinkException for the first file, in order, that {@code addInput} would have
     *     refused; the files before it are added, it and those after it are not
     */
    default Linker addInputs(java.util.List<Path> files, InputOption... options) {
        for (Path f : files) {
            addInput(f, options);
        }
        return this;
    }

    /**
     * Links into a file. The file is written under a temporary name beside it and renamed into
     * place, so a failed or cancelled link leaves a previous file untouched.
     *
     * @param output the file to write
     * @return what was produced
     * @throws LinkException if the link fails; every problem found is among its diagnostics
     * @throws LinkCancelledException if {@link #cancel()} was called
     */
    LinkResult link(Path output);

    /**
     * Links into memory; {@link LinkResult#bytes()} holds the file's contents.
     *
     * @return what was produced
     * @throws LinkException if the link fails
     * @throws LinkCancelledException if {@link #cancel()} was called
     */
    LinkResult linkToMemory();

    /**
     * Releases the input files this linker mapped (otherwise they stay mapped until the garbage
     * collector runs, which a process that links many times should not wait for). The linker and
     * its loader cannot be used afterwards; results and outputs already produced stay valid.
     * Calling it again does nothing.
     *
     * @throws IllegalStateException if a link is running on another thread
     */
    @Override
    void close();

    /** Asks the link in progress to stop; it ends with {@link LinkCancelledException}. Takes effect
     * for the next link too if none is running, and is cleared when that link ends. */
    void cancel();
}
