package dev.rivet.linker;

import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;

/**
 * How to link: immutable; make one with {@link #builder()} or start from {@link #defaults()}.
 */
public final class LinkOptions {
    private static final LinkOptions DEFAULTS = new Builder().build();

    private final String entry;
    private final boolean deadStrip;
    private final boolean strictDupok;
    private final int threads;
    private final ExecutorService executor;
    private final LinkListener listener;
    private final ClassLoader classLoader;
    private final BuildId buildId;
    private final boolean executableStack;

    private LinkOptions(Builder b) {
        this.entry = b.entry;
        this.deadStrip = b.deadStrip;
        this.strictDupok = b.strictDupok;
        this.threads = b.threads;
        this.executor = b.executor;
        this.listener = b.listener;
        this.classLoader = b.classLoader;
        this.buildId = b.buildId;
        this.executableStack = b.executableStack;
    }

    /**
     * {@return the default options: the target's usual entry symbol, dead-stripping on, one
     * thread per core}
     */
    public static LinkOptions defaults() {
        return DEFAULTS;
    }

    /** {@return a builder starting from the defaults} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return a builder starting from these options} */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.entry = entry;
        b.deadStrip = deadStrip;
        b.strictDupok = strictDupok;
        b.threads = threads;
        b.executor = executor;
        b.listener = listener;
        b.classLoader = classLoader;
        b.buildId = buildId;
        b.executableStack = executableStack;
        return b;
    }

    /**
     * {@return the name of the entry symbol, if one was chosen; otherwise the target's usual one
     * is used: {@code _start} for ELF, {@code _main} for Mach-O}
     */
    public Optional<String> entry() {
        return Optional.ofNullable(entry);
    }

    /** {@return whether atoms unreachable from the roots are dropped} */
    public boolean deadStrip() {
        return deadStrip;
    }

    /** {@return whether duplicate dupok definitions must have equal contents} */
    public boolean strictDupok() {
        return strictDupok;
    }

    /** {@return how many threads parallel phases use when no executor is given} */
    public int threads() {
        return threads;
    }

    /** {@return the executor parallel phases run on, if the caller supplied one} */
    public Optional<ExecutorService> executor() {
        return Optional.ofNullable(executor);
    }

    /** {@return who is told of progress} */
    public LinkListener listener() {
        return listener;
    }

    /** {@return whether the program's stack is executable (ELF PT_GNU_STACK with X); false by default} */
    public boolean executableStack() {
        return executableStack;
    }

    /** {@return the build ID to write into the output; none by default} */
    public BuildId buildId() {
        return buildId;
    }

    /** {@return the class loader that format modules are looked up in} */
    public Optional<ClassLoader> classLoader() {
        return Optional.ofNullable(classLoader);
    }

    /** Builds {@link LinkOptions}. */
    public static final class Builder {
        private String entry;
        private boolean deadStrip = true;
        private boolean strictDupok;
        private int threads = Runtime.getRuntime().availableProcessors();
        private ExecutorService executor;
        private LinkListener listener = LinkListener.NONE;
        private ClassLoader classLoader;
        private BuildId buildId = BuildId.none();
        private boolean executableStack;

        private Builder() { }

        /**
         * Makes the program's stack executable, as GNU ld's {@code -z execstack} does; only for
         * code that needs it (trampolines), since it weakens the program's protection.
         *
         * @param on true for an executable stack
         * @return this builder
         */
        public Builder executableStack(boolean on) {
            this.executableStack = on;
            return this;
        }

        /**
         * Writes a build ID into the output (ELF: {@code .note.gnu.build-id} in a PT_NOTE segment).
         *
         * @param id how the ID is made
         * @return this builder
         */
        public Builder buildId(BuildId id) {
            this.buildId = Objects.requireNonNull(id, "id");
            return this;
        }

        /**
         * Sets the entry symbol.
         *
         * @param name a symbol name
         * @return this builder
         */
        public Builder entry(String name) {
            Objects.requireNonNull(name, "name");
            if (name.isEmpty()) {
                throw new IllegalArgumentException("entry symbol name is empty");
            }
            this.entry = name;
            return this;
        }

        /**
         * Turns dead-stripping on or off.
         *
         * @param on true to drop what the roots do not reach
         * @return this builder
         */
        public Builder deadStrip(boolean on) {
            this.deadStrip = on;
            return this;
        }

        /**
         * Requires duplicate dupok definitions to have equal contents.
         *
         * @param on true to check
         * @return this builder
         */
        public Builder strictDupok(boolean on) {
            this.strictDupok = on;
            return this;
        }

        /**
         * Sets the number of threads used when no executor is given.
         *
         * @param n at least 1
         * @return this builder
         * @throws IllegalArgumentException if n is less than 1
         */
        public Builder threads(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("threads must be at least 1: " + n);
            }
            this.threads = n;
            return this;
        }

        /**
         * Runs parallel phases on the caller's executor; the link never shuts it down. The link
         * waits for the tasks it submits, so do not call {@link Linker#link} from a thread of
         * the same executor unless it has threads to spare.
         *
         * @param executor the executor, or null to use a pool of {@link #threads(int)} threads
         * @return this builder
         */
        public Builder executor(ExecutorService executor) {
            this.executor = executor;
            return this;
        }

        /**
         * Sets who is told of progress.
         *
         * @param listener the listener
         * @return this builder
         */
        public Builder listener(LinkListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * Looks up the engine and format modules in this class loader, for hosts (IDE plugins)
         * where the default one does not see them.
         *
         * @param loader the class loader, or null for the one that loaded Rivet
         * @return this builder
         */
        public Builder classLoader(ClassLoader loader) {
            this.classLoader = loader;
            return this;
        }

        /** {@return the options} */
        public LinkOptions build() {
            return new LinkOptions(this);
        }
    }
}
