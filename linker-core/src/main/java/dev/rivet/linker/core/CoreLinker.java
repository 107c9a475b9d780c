package dev.rivet.linker.core;

import dev.rivet.linker.Diagnostic;
import dev.rivet.linker.LinkException;
import dev.rivet.linker.LinkListener;
import dev.rivet.linker.LinkOptions;
import dev.rivet.linker.LinkPhase;
import dev.rivet.linker.LinkResult;
import dev.rivet.linker.Linker;
import dev.rivet.linker.Loader;
import dev.rivet.linker.Target;
import dev.rivet.linker.core.arch.Arch;
import dev.rivet.linker.core.output.AtomWriter;
import dev.rivet.linker.core.output.DynamicLink;
import dev.rivet.linker.core.output.LinkArrays;
import dev.rivet.linker.core.output.LinkContext;
import dev.rivet.linker.core.output.MappedFiles;
import dev.rivet.linker.core.output.OutputFile;
import dev.rivet.linker.core.output.OutputFormat;
import dev.rivet.linker.core.output.OutputPlan;
import dev.rivet.linker.core.passes.DeadStrip;
import dev.rivet.linker.core.passes.RelocationScan;
import dev.rivet.linker.core.symbols.InputFile;
import dev.rivet.linker.core.symbols.LazyArchive;
import dev.rivet.linker.core.symbols.SymbolTable;
import dev.rivet.linker.core.symbols.SymbolLoader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's {@link Linker}: runs the pipeline (resolve, dead-strip, scan, layout, write) over
 * its loader's tables and hands layout and headers to the target's {@link OutputFormat}.
 */
public final class CoreLinker implements Linker {
    private static final Logger LOG = LoggerFactory.getLogger(CoreLinker.class);
    private static final AtomicInteger POOL_ID = new AtomicInteger();

    private final Target target;
    private final LinkOptions options;
    private final OutputFormat format;
    private final SymbolLoader loader;
    private volatile boolean cancelRequested;
    private final List<LazyArchive> archives = new ArrayList<>();
    private final MappedFiles.Group inputMappings = new MappedFiles.Group();
    private final LinkArrays linkArrays = new LinkArrays();
    private volatile boolean closed;
    private final java.util.concurrent.atomic.AtomicInteger linksRunning = new java.util.concurrent.atomic.AtomicInteger();

    CoreLinker(Target target, LinkOptions options, OutputFormat format) {
        this.target = target;
        this.options = options;
        this.format = format;
        this.loader = new SymbolLoader(Arch.of(target.architecture()), options.strictDupok());
    }

    @Override
    public Target target() {
        return target;
    }

    @Override
    public LinkOptions options() {
        return options;
    }

    @Override
    public Loader loader() {
        return loader;
    }

    /** {@return the loader's tables, for format modules and tests inside the engine} */
    public SymbolLoader symbolLoader() {
        return loader;
    }

    /**
     * Adds an input file whose sections and symbols a reader has filled in; its symbols are bound
     * by name against what is already loaded.
     *
     * @param file a file created against {@link #symbolLoader()}'s atom table and registered with
     *     its symbol table
     * @param names each local symbol's name as UTF-8
     * @throws LinkException listing every duplicate definition
     */
    public void addInput(InputFile file, byte[][] names) {
        loader.bindFileSymbols(file, names);
    }

    /**
     * Adds an input file whose symbol names are read in place from a buffer (its mapped string
     * tables), as {@link #addInput(InputFile, byte[][])} does otherwise.
     *
     * @param file the file
     * @param names the buffer holding the names
     * @param offset each local symbol's name's absolute index in it
     * @param length each name's length
     * @throws LinkException listing every duplicate definition
     */
    public void addInput(InputFile file, ByteBuffer names, int[] offset, int[] length) {
        loader.bindFileSymbols(file, names, offset, length);
    }

    /**
     * Adds an input file as {@link #addInput(InputFile, ByteBuffer, int[], int[])} does, given
     * its names' hashes ({@code ByteHash}), computed where it was parsed.
     *
     * @param file the file
     * @param names the buffer holding the names
     * @param offset each local symbol's name's absolute index in it
     * @param length each name's length
     * @param hash each name's hash
     * @throws LinkException listing every duplicate definition
     */
    public void addInput(InputFile file, ByteBuffer names, int[] offset, int[] length, int[] hash) {
        loader.bindFileSymbols(file, names, offset, length, hash);
    }

    /**
     * Adds an input file as {@link #addInput(InputFile, ByteBuffer, int[], int[], int[])} does,
     * given the global symbols found for its names while it was parsed.
     *
     * @param file the file
     * @param names the buffer holding the names
     * @param offset each local symbol's name's absolute index in it
     * @param length each name's length
     * @param hash each name's hash
     * @param found each global's symbol if {@link SymbolTable#find} found it, else 0
     * @throws LinkException listing every duplicate definition
     */
    public void addInput(InputFile file, ByteBuffer names, int[] offset, int[] length, int[] hash, int[] found) {
        loader.bindFileSymbols(file, names, offset, length, hash, found);
    }

    /**
     * Adds an input file as {@link #addInput(InputFile, ByteBuffer, int[], int[], int[], int[])}
     * does, then runs {@code afterBind}, which may read the file's global symbols: while
     * {@link #addInputs} binds a batch of files together, that is when the batch is bound.
     *
     * @param file the file
     * @param names the buffer holding the names
     * @param offset each local symbol's name's absolute index in it
     * @param length each name's length
     * @param hash each name's hash
     * @param found each global's symbol if {@link SymbolTable#find} found it, else 0
     * @param afterBind what to run once the file's symbols are bound
     * @throws LinkException listing every duplicate definition
     */
    public void addInput(InputFile file, ByteBuffer names, int[] offset, int[] length, int[] hash, int[] found,
            Runnable afterBind) {
        loader.bindFileSymbols(file, names, offset, length, hash, found, afterBind);
    }

    @Override
    public Linker addInput(Path file, dev.rivet.linker.InputOption... options) {
        Objects.requireNonNull(file, "file");
        requireOpen();
        format.readInput(this, file, map(file), optionSet(options));
        return this;
    }

    @Override
    public Linker addInputs(List<Path> files, dev.rivet.linker.InputOption... inputOptions) {
        Objects.requireNonNull(files, "files");
        requireOpen();
        java.util.Set<dev.rivet.linker.InputOption> opts = optionSet(inputOptions);
        int n = files.size();
        ByteBuffer[] data = new ByteBuffer[n];
        Path[] paths = new Path[n];
        dev.rivet.linker.core.symbols.ParsedInput[] parsed = new dev.rivet.linker.core.symbols.ParsedInput[n];
        int mapped = 0;
        try {
            for (; mapped < n; mapped++) {
                paths[mapped] = Objects.requireNonNull(files.get(mapped), "file");
                data[mapped] = map(paths[mapped]);
            }
        } catch (LinkException e) {
            // Added up to the one that cannot be mapped, as one addInput after another would.
            readInOrder(paths, data, parsed, opts, 0, mapped);
            throw e;
        }
        long started = System.nanoTime();
        // Parsing touches nothing shared, so files are parsed on the link's threads, a window at
        // a time (ParseWindows), and the next window is parsed while this thread binds the one
        // before, in order; their symbols are bound together once every window is read, on the
        // threads again.
        withExecutor(executor -> {
            LinkContext ctx = new LinkContext(target, options, loader, executor, () -> false);
            ctx.enter(LinkPhase.LOAD);
            loader.deferBinding(ctx::parallelFor);
            Throwable failed = null;
            LinkContext.Started parsing = null;
            try {
                int from = 0;
                int to = ParseWindows.end(0, n, ctx.parallelism(), i -> data[i].remaining());
                parsing = startParsing(ctx, paths, data, parsed, opts, 0, to);
                while (from < n) {
                    parsing.await();
                    parsing = null;
                    loader.parseBesideBinding(false);
                    int next = to < n ? ParseWindows.end(to, n, ctx.parallelism(), i -> data[i].remaining()) : n;
                    // Not beside a window with an input read in its turn (a library, a script, an
                    // archive): reading it changes the symbol table, which a parse may read.
                    if (next > to && ctx.parallelism() > 1 && eachParsed(parsed, from, to)) {
                        loader.parseBesideBinding(true);
                        parsing = startParsing(ctx, paths, data, parsed, opts, to, next);
                    }
                    readInOrder(paths, data, parsed, opts, from, to);
                    if (parsing == null && next > to) {
                        parsing = startParsing(ctx, paths, data, parsed, opts, to, next);
                    }
                    from = to;
                    to = next;
                }
            } catch (RuntimeException | Error e) {
                failed = e;
            } finally {
                if (parsing != null) { // only after a failure: the parses read the mapped inputs
                    parsing.awaitAfterFailure(failed);
                    loader.parseBesideBinding(false);
                }
                // The files before a failed one are bound, as by one addInput after another; their
                // own errors come first, as they would.
                loader.bindDeferred();
            }
            if (failed instanceof RuntimeException e) {
                throw e;
            }
            if (failed != null) {
                throw (Error) failed;
            }
            return null;
        });
        LOG.debug("read {} inputs in {} ms", n, (System.nanoTime() - started) / 1_000_000);
        return this;
    }

    private LinkContext.Started startParsing(LinkContext ctx, Path[] paths, ByteBuffer[] data,
            dev.rivet.linker.core.symbols.ParsedInput[] parsed, java.util.Set<dev.rivet.linker.InputOption> opts, int from, int to) {
        return ctx.start(to - from, k -> parsed[from + k] = format.parseInput(this, paths[from + k], data[from + k], opts));
    }

    private static boolean eachParsed(dev.rivet.linker.core.symbols.ParsedInput[] parsed, int from, int to) {
        for (int i = from; i < to; i++) {
            if (parsed[i] == null) {
                return false;
            }
        }
        return true;
    }

    private static java.util.Set<dev.rivet.linker.InputOption> optionSet(dev.rivet.linker.InputOption... options) {
        java.util.Set<dev.rivet.linker.InputOption> opts = java.util.EnumSet.noneOf(dev.rivet.linker.InputOption.class);
        for (dev.rivet.linker.InputOption o : options) {
            opts.add(Objects.requireNonNull(o, "option"));
        }
        return opts;
    }

    private void readInOrder(Path[] paths, ByteBuffer[] data, dev.rivet.linker.core.symbols.ParsedInput[] parsed,
            java.util.Set<dev.rivet.linker.InputOption> opts, int from, int to) {
        for (int i = from; i < to; i++) {
            if (parsed[i] != null) {
                dev.rivet.linker.core.symbols.ParsedInput p = parsed[i];
                parsed[i] = null; // what bind copied into the tables is garbage from here
                p.bind(-1);
            } else {
                loader.bindDeferredSoFar(); // a library or script reads the table as it is
                format.readInput(this, paths[i], data[i], opts);
            }
        }
    }

    /**
     * Unmaps the inputs now. The linker and its loader refuse further use, since their tables
     * point into the mapped inputs; outputs already written are not affected.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (linksRunning.get() > 0) {
            // Unmapping under a running link would crash the JVM.
            throw new IllegalStateException("a link is running; close the linker after it ends");
        }
        closed = true;
        loader.close();
        inputMappings.release();
        linkArrays.release();
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("this linker is closed");
        }
    }

    /**
     * Maps a file for reading; it stays mapped, not copied, for as long as its input is used.
     *
     * @param file the file
     * @return its bytes, little-endian
     * @throws LinkException if it cannot be read, is empty or is larger than 2 GiB
     */
    public ByteBuffer map(Path file) {
        requireOpen();
        String name = file.toString();
        ByteBuffer data;
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.READ)) {
            long size = ch.size();
            if (size == 0) {
                throw new LinkException(Diagnostic.error("input file is empty").withInput(name));
            }
            if (size > Integer.MAX_VALUE) {
                throw new LinkException(Diagnostic.error("input file of " + size + " bytes is larger than 2 GiB, which Rivet cannot read yet")
                        .withInput(name));
            }
            // A read-only mapping outlives the channel; the input stays mapped, not copied.
            data = inputMappings.map(ch, size).duplicate().order(ByteOrder.LITTLE_ENDIAN);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new LinkException(Diagnostic.error("cannot open input: no such file").withInput(name), e);
        } catch (java.io.IOException e) {
            throw new LinkException(Diagnostic.error("cannot read input: " + e).withInput(name), e);
        }
        return data;
    }

    /**
     * Registers an archive whose members are loaded on demand when the link resolves symbols.
     *
     * @param archive the archive
     */
    public void addLazyArchive(LazyArchive archive) {
        // (The archive took its input position when it was created; see LazyArchive users.)
        archives.add(archive);
    }

    @Override
    public LinkResult link(Path output) {
        Objects.requireNonNull(output, "output");
        requireOpen();
        return run(output);
    }

    @Override
    public LinkResult linkToMemory() {
        requireOpen();
        return run(null);
    }

    @Override
    public void cancel() {
        cancelRequested = true;
    }

    private LinkResult run(Path output) {
        linksRunning.incrementAndGet();
        try {
            return runWithExecutor(output);
        } finally {
            linksRunning.decrementAndGet();
        }
    }

    private LinkResult runWithExecutor(Path output) {
        try {
            return withExecutor(executor -> runPhases(output, executor));
        } finally {
            cancelRequested = false;
        }
    }

    /**
     * Runs work with the executor the options give, or with a pool of {@code threads()} made for
     * it and shut down after (null when one thread is asked for).
     */
    private <T> T withExecutor(java.util.function.Function<ExecutorService, T> work) {
        ExecutorService executor = options.executor().orElse(null);
        boolean ownExecutor = false;
        if (executor == null && options.threads() > 1) {
            executor = Executors.newFixedThreadPool(options.threads(), daemonThreads());
            ownExecutor = true;
        }
        try {
            return work.apply(executor);
        } finally {
            if (ownExecutor) {
                executor.shutdownNow();
            }
        }
    }

    private LinkResult runPhases(Path output, ExecutorService executor) {
        LinkListener listener = options.listener();
        Map<LinkPhase, Long> times = new EnumMap<>(LinkPhase.class);
        LinkContext ctx = new LinkContext(target, options, loader, executor, () -> cancelRequested, linkArrays);
        ctx.output = output;

        long t = start(ctx, listener, LinkPhase.LOAD);
        loadArchiveMembers(ctx);
        ctx.startAtomAddresses();
        finish(listener, times, LinkPhase.LOAD, t);

        loader.sizeMergeTables();
        t = start(ctx, listener, LinkPhase.RESOLVE);
        List<Diagnostic> errors = new ArrayList<>();
        String entryName = options.entry().orElse(target.defaultEntry());
        int entry = loader.symbols.lookup(entryName);
        boolean library = options.outputKind() == dev.rivet.linker.OutputKind.SHARED_LIBRARY;
        if (library && (entry == 0 || !loader.symbols.isDefined(entry))) {
            // A shared library has no entry point unless one is named and defined.
            if (options.entry().isPresent()) {
                errors.add(Diagnostic.error("entry symbol '" + entryName + "' is not defined"));
            }
        } else if (entry == 0 || !loader.symbols.isDefined(entry)) {
            errors.add(Diagnostic.error("entry symbol '" + entryName + "' is not defined")
                    .withHint("define it, or choose another with LinkOptions.builder().entry(name)"));
        } else {
            ctx.entrySymbol = entry;
            if (loader.symbols.kind(entry) != dev.rivet.linker.SymbolKind.TEXT) {
                listener.diagnostic(Diagnostic.warning("entry symbol '" + entryName + "' is "
                        + loader.symbols.kind(entry) + ", not TEXT: the program will start in data"));
            }
        }
        format.defineLinkerSymbols(ctx);
        ctx.dynamic = new DynamicLink(ctx);
        ctx.extraRoots = ctx.dynamic.decideExports();
        ctx.computeSymbolAtoms();
        finish(listener, times, LinkPhase.RESOLVE, t);

        t = start(ctx, listener, LinkPhase.DEAD_STRIP);
        DeadStrip.run(ctx);
        format.trimLiveAtoms(ctx);
        finish(listener, times, LinkPhase.DEAD_STRIP, t);

        t = start(ctx, listener, LinkPhase.SCAN_RELOCATIONS);
        errors.addAll(RelocationScan.scan(ctx));
        if (!errors.isEmpty()) {
            throw new LinkException(errors);
        }
        ctx.materializeSyntheticAtoms();
        format.createSyntheticAtoms(ctx);
        finish(listener, times, LinkPhase.SCAN_RELOCATIONS, t);

        t = start(ctx, listener, LinkPhase.LAYOUT);
        OutputPlan plan = format.plan(ctx);
        ctx.tlsBase = plan.tlsBase();
        ctx.threadPointer = plan.threadPointer();
        ctx.computeSymbolAddresses();
        finish(listener, times, LinkPhase.LAYOUT, t);

        t = start(ctx, listener, LinkPhase.WRITE);
        byte[] bytes = null;
        if (output != null) {
            OutputFile.write(output, plan.fileSize(), plan.executable(), buf -> writeImage(ctx, plan, buf));
        } else {
            if (plan.fileSize() > Integer.MAX_VALUE - 16) {
                throw new LinkException(Diagnostic.error("output of " + plan.fileSize() + " bytes is too large to link into memory"));
            }
            bytes = new byte[(int) plan.fileSize()];
            writeImage(ctx, plan, ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN));
        }
        finish(listener, times, LinkPhase.WRITE, t);

        loader.publishAddresses(ctx.reportedAddress);
        int live = ctx.atoms.alive.cardinality();
        LinkResult.Statistics stats = new LinkResult.Statistics(loader.symbolCount(), live,
                ctx.atoms.count - 1 - live, ctx.relocationsApplied);
        LOG.debug("linked {} for {}: {} bytes, {}", output == null ? "<memory>" : output, target, plan.fileSize(), times);
        return new CoreLinkResult(target, output, bytes, plan.fileSize(), plan.entryAddress(), times, stats,
                loader.symbols, ctx.reportedAddress);
    }

    /**
     * Loads archive members to a fixpoint: a member is loaded when it defines a symbol that is
     * referred to strongly and defined nowhere; its own references may pull in more. Each round
     * visits the symbols in index order and, for each one undefined, picks the first archive's
     * member that defines it; the picked members are parsed in parallel, then read in that order,
     * each only if the symbol it was picked for is still undefined (an earlier member of the round
     * may have defined it), and their symbols are bound together as if one after another
     * ({@link SymbolLoader#deferBinding}). So the result is the same on every run and with any
     * thread count.
     */
    private void loadArchiveMembers(LinkContext ctx) {
        if (archives.isEmpty()) {
            return;
        }
        // Archives' indexes are read here, in parallel, rather than one by one as they are added.
        ctx.parallelFor(archives.size(), a -> archives.get(a).open());
        SymbolTable st = loader.symbols;
        // Symbols that every archive was asked for without a member to load: archives do not
        // change during the loop, so asking again in a later round would give the same answer.
        dev.rivet.linker.core.symbols.Bits exhausted = new dev.rivet.linker.core.symbols.Bits(st.count);
        it.unimi.dsi.fastutil.ints.IntArrayList wantSymbol = new it.unimi.dsi.fastutil.ints.IntArrayList();
        it.unimi.dsi.fastutil.ints.IntArrayList wantArchive = new it.unimi.dsi.fastutil.ints.IntArrayList();
        it.unimi.dsi.fastutil.ints.IntArrayList wantMember = new it.unimi.dsi.fastutil.ints.IntArrayList();
        it.unimi.dsi.fastutil.longs.LongOpenHashSet picked = new it.unimi.dsi.fastutil.longs.LongOpenHashSet();
        boolean pulled = true;
        while (pulled) {
            pulled = false;
            wantSymbol.clear();
            wantArchive.clear();
            wantMember.clear();
            picked.clear();
            // Which member each undefined symbol wants is looked up on several threads (nothing
            // changes while they look); the picks are then taken in symbol order.
            int count = st.count;
            int chunks = ctx.parallelism() == 1 ? 1 : ctx.parallelism() * 8;
            it.unimi.dsi.fastutil.ints.IntArrayList[] found = new it.unimi.dsi.fastutil.ints.IntArrayList[chunks];
            ctx.parallelFor(chunks, c -> found[c] = membersWanted(st, exhausted,
                    1 + (int) ((long) (count - 1) * c / chunks), 1 + (int) ((long) (count - 1) * (c + 1) / chunks)));
            for (it.unimi.dsi.fastutil.ints.IntArrayList triples : found) {
                for (int k = 0; k < triples.size(); k += 3) {
                    int s = triples.getInt(k);
                    int a = triples.getInt(k + 1);
                    int m = triples.getInt(k + 2);
                    if (a < 0) {
                        exhausted.set(s);
                    } else if (picked.add(((long) a << 32) | m)) {
                        wantSymbol.add(s);
                        wantArchive.add(a);
                        wantMember.add(m);
                    }
                }
            }
            int n = wantSymbol.size();
            dev.rivet.linker.core.symbols.ParsedInput[] parsed = new dev.rivet.linker.core.symbols.ParsedInput[n];
            // The members' symbols are bound together once the round's members are read; until
            // then, a member that an earlier one defines the symbol for is known from their parse.
            // Members are parsed a window at a time (ParseWindows), and one that an earlier window
            // has made unneeded is not parsed at all.
            loader.deferBinding(ctx::parallelFor);
            try {
                int[] toParse = new int[n];
                for (int from = 0; from < n; ) {
                    int to = ParseWindows.end(from, n, ctx.parallelism(),
                            i -> archives.get(wantArchive.getInt(i)).memberSize(wantMember.getInt(i)));
                    int parses = 0;
                    for (int i = from; i < to; i++) {
                        if (stillWanted(st, archives.get(wantArchive.getInt(i)), wantMember.getInt(i), wantSymbol.getInt(i))) {
                            toParse[parses++] = i;
                        }
                    }
                    ctx.parallelFor(parses, k -> parsed[toParse[k]] = archives.get(wantArchive.getInt(toParse[k])).parse(wantMember.getInt(toParse[k])));
                    for (int i = from; i < to; i++) {
                        LazyArchive archive = archives.get(wantArchive.getInt(i));
                        int m = wantMember.getInt(i);
                        dev.rivet.linker.core.symbols.ParsedInput p = parsed[i];
                        parsed[i] = null; // garbage once bound, or if not wanted any more
                        if (stillWanted(st, archive, m, wantSymbol.getInt(i))) {
                            archive.load(m, p);
                            pulled = true;
                        }
                    }
                    from = to;
                }
            } finally {
                loader.bindDeferred();
            }
            ctx.checkCancelled();
        }
    }

    /**
     * {@return whether a member picked for a symbol is still to be loaded} An earlier member of the
     * round may have defined the symbol, or loaded the member for another symbol.
     */
    private boolean stillWanted(SymbolTable st, LazyArchive archive, int member, int symbol) {
        return !archive.isLoaded(member) && !st.isDefined(symbol) && !loader.definedByDeferred(symbol);
    }

    /**
     * {@return (symbol, archive, member) for each symbol in [from, to) that is undefined and
     * strongly referred to: the first archive's member not loaded yet that defines it, or archive
     * -1 if none does} Reads the tables only, so chunks can be looked up in parallel.
     */
    private it.unimi.dsi.fastutil.ints.IntArrayList membersWanted(SymbolTable st, dev.rivet.linker.core.symbols.Bits exhausted,
            int from, int to) {
        it.unimi.dsi.fastutil.ints.IntArrayList out = new it.unimi.dsi.fastutil.ints.IntArrayList();
        byte[] name = new byte[256];
        for (int s = from; s < to; s++) {
            if (exhausted.get(s) || st.isDefined(s) || st.isStatic.get(s) || st.hasFlag(s, InputFile.WEAK)) {
                continue;
            }
            int len = st.nameLength(s);
            if (len > name.length) {
                name = new byte[Math.max(len, name.length * 2)];
            }
            st.copyName(s, name, 0);
            int hash = st.nameHash(s);
            int archive = -1;
            int member = -1;
            for (int a = 0; a < archives.size(); a++) {
                LazyArchive lazy = archives.get(a);
                int m = lazy.memberDefining(name, 0, len, hash);
                if (m >= 0 && !lazy.isLoaded(m)) {
                    archive = a;
                    member = m;
                    break;
                }
            }
            out.add(s);
            out.add(archive);
            out.add(member);
        }
        return out;
    }

    private static void writeImage(LinkContext ctx, OutputPlan plan, ByteBuffer buf) {
        AtomWriter.write(ctx, plan, buf);
        ctx.checkCancelled();
        plan.writeFormatData(ctx, buf);
        ctx.checkCancelled();
        plan.finish(ctx, buf);
    }

    private static long start(LinkContext ctx, LinkListener listener, LinkPhase phase) {
        ctx.enter(phase);
        listener.phaseStarted(phase);
        return System.nanoTime();
    }

    private static void finish(LinkListener listener, Map<LinkPhase, Long> times, LinkPhase phase, long t0) {
        long dt = System.nanoTime() - t0;
        times.put(phase, dt);
        listener.phaseFinished(phase, dt);
    }

    private static ThreadFactory daemonThreads() {
        int pool = POOL_ID.incrementAndGet();
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread th = new Thread(r, "rivet-link-" + pool + "-" + n.incrementAndGet());
            th.setDaemon(true);
            return th;
        };
    }
}
