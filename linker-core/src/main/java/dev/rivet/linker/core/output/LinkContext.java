package dev.rivet.linker.core.output;

import dev.rivet.linker.LinkCancelledException;
import dev.rivet.linker.LinkException;
import dev.rivet.linker.LinkOptions;
import dev.rivet.linker.LinkPhase;
import dev.rivet.linker.Target;
import dev.rivet.linker.core.arch.Arch;
import dev.rivet.linker.core.symbols.AtomTable;
import dev.rivet.linker.core.symbols.InputFile;
import dev.rivet.linker.core.symbols.SymbolLoader;
import dev.rivet.linker.core.symbols.SymbolTable;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import java.util.function.IntConsumer;

/** The state of one link, shared by the passes and the format: tables, target, options, threads. */
public final class LinkContext {
    /** What is linked for. */
    public final Target target;
    /** How. */
    public final LinkOptions options;
    /** The loader whose symbols are linked. */
    public final SymbolLoader loader;
    /** Its symbol table. */
    public final SymbolTable symbols;
    /** Its atom table. */
    public final AtomTable atoms;
    /** The target's architecture. */
    public final Arch arch;
    /** Where the output is written, or null when it is linked into memory. */
    public java.nio.file.Path output;
    /** The entry symbol, or 0. */
    public int entrySymbol;
    /**
     * Each symbol's atom, 0 for none, flattened once per link so that graph walks take one load
     * per edge instead of following symbol, file and slot.
     */
    public int[] symbolAtom;
    /**
     * Each symbol's virtual address after layout (thread-local ones too), {@link SymbolLoader#NO_ADDRESS}
     * for none: undefined, or dead-stripped.
     */
    public long[] symbolAddress;
    /** Each atom's index in the format's list of output sections, -1 for dead atoms; set by {@link OutputSection#collect}. */
    public int[] atomOutput;
    /**
     * Each atom's address after layout (section-relative while a section is being laid out);
     * made, all 0, once the inputs are loaded and again by {@link OutputSection#collect}; the
     * array is the linker's, kept for its next link.
     */
    public long[] atomAddress;
    /** The start of the thread-local block, 0 if there is none; thread-local symbols are reported relative to it. */
    public long tlsBase;
    /** Where the thread pointer points relative to the TLS image (see {@link OutputPlan#threadPointer()}). */
    public long threadPointer;
    /**
     * Each symbol's address as reported to users (symbol table, {@code Loader.address},
     * generators): {@link #symbolAddress}, except that thread-local symbols have their offset in
     * the thread-local block. The same array as {@link #symbolAddress} when there is no TLS.
     */
    public long[] reportedAddress;
    /** Slots of the global offset table, filled by the relocation scan. */
    public final GotSection got = new GotSection();
    /** Indirect functions, filled by the relocation scan. */
    public final IfuncTable ifuncs = new IfuncTable();
    /** The dynamic part of the link (PLT, copies, dynamic relocations); inactive for a static one. Set after loading. */
    public DynamicLink dynamic;
    /** Range-extension thunks the format placed in large code, or null for none. */
    public BranchThunks thunks;
    /** Symbols that dead-stripping keeps besides the entry and kept ones (a dynamic output's exports). */
    public it.unimi.dsi.fastutil.ints.IntArrayList extraRoots = new it.unimi.dsi.fastutil.ints.IntArrayList();
    /** The output format's own state for this link, if it keeps any. */
    public Object formatState;
    /** Relocations applied while writing. */
    public long relocationsApplied;

    private final ExecutorService executor;
    private final BooleanSupplier cancelled;
    private final LinkArrays arrays;
    // Set when the linking thread is interrupted: tasks still running stop at their next check.
    private volatile boolean aborted;
    private final Thread linkThread = Thread.currentThread();
    private LinkPhase phase = LinkPhase.LOAD;

    /**
     * @param target the target
     * @param options the options
     * @param loader the loader
     * @param executor where parallel work runs, or null to run it on the calling thread
     * @param cancelled tells whether the link was cancelled
     */
    public LinkContext(Target target, LinkOptions options, SymbolLoader loader, ExecutorService executor, BooleanSupplier cancelled) {
        this(target, options, loader, executor, cancelled, new LinkArrays());
    }

    /**
     * @param target the target
     * @param options the options
     * @param loader the loader
     * @param executor where parallel work runs, or null to run it on the calling thread
     * @param cancelled tells whether the link was cancelled
     * @param arrays the linker's per-link arrays, reused from its previous link
     */
    public LinkContext(Target target, LinkOptions options, SymbolLoader loader, ExecutorService executor, BooleanSupplier cancelled,
            LinkArrays arrays) {
        this.arrays = arrays;
        this.target = target;
        this.options = options;
        this.loader = loader;
        this.symbols = loader.symbols;
        this.atoms = loader.atoms;
        this.arch = loader.arch();
        this.executor = executor;
        this.cancelled = cancelled;
    }

    /** Records the phase that is running, for cancellation messages. @param p the phase */
    public void enter(LinkPhase p) {
        phase = p;
        checkCancelled();
    }

    /** Ends the link with {@link LinkCancelledException} if it was cancelled. */
    public void checkCancelled() {
        if (Thread.currentThread() == linkThread && linkThread.isInterrupted()) {
            aborted = true; // an interrupted link is a cancelled one; the interrupt stays set
        }
        if (aborted || cancelled.getAsBoolean()) {
            throw new LinkCancelledException(phase);
        }
    }

    /** {@return how many pieces to split parallel work into} */
    public int parallelism() {
        return executor == null ? 1 : options.threads();
    }

    /**
     * Runs {@code task.accept(i)} for i in [0, n), in parallel when an executor is available, and
     * waits for all. The first failure is rethrown after every task has ended.
     *
     * @param n the number of tasks
     * @param task what each does
     */
    public void parallelFor(int n, IntConsumer task) {
        if (executor == null || n <= 1) {
            for (int i = 0; i < n; i++) {
                checkCancelled();
                task.accept(i);
            }
            return;
        }
        start(n, task).await();
    }

    /**
     * Starts {@code task.accept(i)} for i in [0, n) on the link's threads and returns at once, so
     * that this thread can do other work meanwhile; without an executor the tasks run here, now.
     * The caller must {@link Started#await} them, also when its own work fails: a task may be
     * reading the mapped inputs, which must not be released under it.
     *
     * @param n the number of tasks
     * @param task what each does
     * @return the started tasks
     */
    public Started start(int n, IntConsumer task) {
        List<Future<Void>> futures = new ArrayList<>(n);
        if (executor == null) {
            for (int i = 0; i < n; i++) {
                checkCancelled();
                task.accept(i);
            }
            return new Started(futures, null);
        }
        java.util.concurrent.RejectedExecutionException rejected = null;
        try {
            for (int i = 0; i < n; i++) {
                int id = i;
                futures.add(executor.submit(() -> {
                    checkCancelled();
                    task.accept(id);
                    return null;
                }));
            }
        } catch (java.util.concurrent.RejectedExecutionException e) {
            rejected = e;
            aborted = true;
        }
        return new Started(futures, rejected);
    }

    /** Tasks {@link #start started} on the link's threads. */
    public final class Started {
        private final List<Future<Void>> futures;
        private final java.util.concurrent.RejectedExecutionException rejected;

        private Started(List<Future<Void>> futures, java.util.concurrent.RejectedExecutionException rejected) {
            this.futures = futures;
            this.rejected = rejected;
        }

        /**
         * Waits for every task after this thread's own work failed, so that nothing runs after
         * the link (a task may be reading the mapped inputs or writing the output); what the tasks
         * throw is added to {@code failure} as suppressed, not thrown.
         *
         * @param failure the failure being reported
         */
        public void awaitAfterFailure(Throwable failure) {
            try {
                await();
            } catch (RuntimeException | Error second) {
                failure.addSuppressed(second);
            }
        }

        /**
         * Waits for every task, even when this thread is interrupted (a task may be writing into
         * the mapped output, which must not be released under it), then rethrows the first failure.
         *
         * @throws LinkCancelledException if this thread was interrupted or the link cancelled
         * @throws LinkException if a task failed with one, or the executor refused the tasks
         */
        public void await() {
            boolean interrupted = false;
            for (Future<Void> f : futures) {
                while (true) {
                    try {
                        f.get();
                        break;
                    } catch (InterruptedException e) {
                        interrupted = true;
                        aborted = true;
                    } catch (ExecutionException | java.util.concurrent.CancellationException e) {
                        break; // reported below
                    }
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
                throw new LinkCancelledException(phase);
            }
            if (rejected != null) {
                throw new LinkException(dev.rivet.linker.Diagnostic.error("the executor refused the link's work: " + rejected.getMessage())
                        .withHint("pass an executor that is not shut down (LinkOptions.builder().executor)"), rejected);
            }
            for (Future<Void> f : futures) {
                try {
                    f.get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new LinkCancelledException(phase);
                } catch (ExecutionException e) {
                    Throwable c = e.getCause();
                    if (c instanceof LinkException le) {
                        throw le;
                    }
                    if (c instanceof RuntimeException re) {
                        throw re;
                    }
                    if (c instanceof Error err) {
                        throw err;
                    }
                    throw new IllegalStateException(c);
                }
            }
        }
    }

    /**
     * {@return the address of a symbol by its definition: atom address plus offset, the value of an
     * absolute symbol, 0 for an undefined (weak) one}
     *
     * @param s a symbol
     */
    public long addressOf(int s) {
        int f = symbols.file[s];
        if (f == 0) {
            return 0;
        }
        InputFile file = symbols.file(f);
        int l = symbols.local[s];
        int atom = file.symAtom[l];
        return atom == 0 ? file.value(l) : atomAddress[atom] + file.value(l);
    }

    /**
     * {@return the operation relocation r applies: its own, or for a thread-local access the form
     * the output needs (see {@link Arch#tlsOperation})}; the scan and the writer agree through it
     *
     * @param f a file
     * @param r one of its relocations
     */
    public int operation(InputFile f, int r) {
        int op = f.relocs.type[r];
        if (dynamic == null || !dynamic.active || arch.relocationClass(op) != Arch.CLASS_TLS) {
            return op;
        }
        return arch.tlsOperation(op, dynamic.tlsAccess(f.relocationTarget(r)));
    }

    /**
     * {@return whether relocation {@code i} of an atom is part of a sequence that the one before it
     * relaxed (x86-64's call to {@code __tls_get_addr}), and so must be neither scanned nor applied}
     *
     * @param f the atom's file
     * @param first the atom's first relocation
     * @param i a relocation of the atom
     */
    public boolean isConsumed(InputFile f, int first, int i) {
        return i > first && arch.consumesNextRelocation(operation(f, i - 1)) && f.relocs.offset[i] < f.relocs.offset[i - 1] + 12;
    }

    /** Creates the linker-made atoms the relocation scan asked for (the GOT). */
    public void materializeSyntheticAtoms() {
        got.materialize(this);
        ifuncs.materialize(this);
        if (dynamic != null && dynamic.active) {
            dynamic.materialize(this);
        }
    }

    /**
     * Makes {@link #atomAddress} for every atom there is, all 0: once every input is loaded (the
     * format may size tables from addresses before layout, whose values it then ignores), and
     * again when layout starts.
     */
    public void startAtomAddresses() {
        atomAddress = arrays.atomAddress(atoms.count);
    }

    /** Makes room in {@link #atomAddress} for atoms added during the link (linker-made ones), once it is made. */
    void growAtomAddresses() {
        if (atomAddress != null) {
            atomAddress = arrays.growAtomAddress(atomAddress, atoms.count);
        }
    }

    /** {@return an array for {@link #atomOutput} of at least n entries, to be filled by the caller} @param n atoms */
    int[] atomOutputArray(int n) {
        return arrays.atomOutput(n);
    }

    /**
     * {@return one of two scratch arrays of at least {@code atoms.count} entries for a pass over
     * atoms (dead-stripping's levels), kept by the linker for its next link; contents undefined}
     *
     * @param second whether the second of the two
     */
    public int[] atomScratch(boolean second) {
        return arrays.ints(second ? LinkArrays.MARK_NEXT : LinkArrays.MARK_LEVEL, atoms.count);
    }

    /**
     * {@return a scratch array of at least {@code symbols.count} entries (to list symbols, as a
     * symbol table writer does), kept by the linker for its next link; contents undefined}
     */
    public int[] symbolScratch() {
        return arrays.ints(LinkArrays.SYMBOL_LIST, symbols.count);
    }

    /** Computes {@link #symbolAtom} for every symbol, in parallel. */
    public void computeSymbolAtoms() {
        int n = symbols.count;
        int[] out = arrays.symbolAtom(n);
        int chunks = chunks(n);
        parallelFor(chunks, c -> {
            for (int s = Math.max(1, chunkStart(n, chunks, c)), to = chunkStart(n, chunks, c + 1); s < to; s++) {
                out[s] = symbols.atom(s);
            }
        });
        symbolAtom = out;
    }

    private int chunks(int n) {
        return Math.max(1, Math.min(parallelism() * 4, n / 65536));
    }

    private static int chunkStart(int n, int chunks, int c) {
        return (int) ((long) n * c / chunks);
    }

    /**
     * Computes {@link #symbolAddress} and {@link #reportedAddress} for every symbol whose
     * definition is live, in parallel; {@link #tlsBase} must be set.
     */
    public void computeSymbolAddresses() {
        int n = symbols.count;
        long[] out = new long[n];
        long[] reported = tlsBase == 0 ? out : new long[n];
        out[0] = SymbolLoader.NO_ADDRESS;
        reported[0] = SymbolLoader.NO_ADDRESS;
        int chunks = chunks(n);
        parallelFor(chunks, c -> {
            for (int s = Math.max(1, chunkStart(n, chunks, c)), to = chunkStart(n, chunks, c + 1); s < to; s++) {
                int f = symbols.file[s];
                if (f == 0 || !symbols.isDefined(s)) {
                    out[s] = SymbolLoader.NO_ADDRESS;
                    reported[s] = SymbolLoader.NO_ADDRESS;
                    continue;
                }
                InputFile file = symbols.file(f);
                int l = symbols.local[s];
                int atom = file.symAtom[l];
                if (atom == 0) {
                    out[s] = file.value(l);
                } else if (!atoms.alive.get(atom)) {
                    out[s] = SymbolLoader.NO_ADDRESS;
                } else {
                    out[s] = atomAddress[atom] + file.value(l);
                }
                if (reported != out) {
                    reported[s] = out[s] != SymbolLoader.NO_ADDRESS && file.kind(l).isThreadLocal() ? out[s] - tlsBase : out[s];
                }
            }
        });
        symbolAddress = out;
        reportedAddress = reported;
        ifuncs.redirect(this);
        if (dynamic != null && dynamic.active) {
            if (reportedAddress == symbolAddress) {
                reportedAddress = symbolAddress.clone();
            }
            dynamic.redirect(this);
        }
    }
}
