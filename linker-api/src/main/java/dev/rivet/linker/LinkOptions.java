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
    private final boolean ehFrameHeader;
    private final OutputKind outputKind;
    private final String interpreter;
    private final String soname;
    private final java.util.List<String> runPaths;
    private final boolean exportDynamic;
    private final boolean bindNow;
    private final boolean relro;
    private final boolean symbolic;
    private final boolean noUndefined;
    private final HashStyle hashStyle;
    private final java.util.List<String> exportedPatterns;
    private final java.util.List<String> hiddenPatterns;
    private final java.util.List<SymbolVersion> symbolVersions;
    private final java.util.List<java.nio.file.Path> librarySearchPaths;
    private final String minOsVersion;
    private final String sdkVersion;
    private final Boolean adhocCodeSignature;
    private final boolean dynamicLookup;
    private final boolean chainedFixups;

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
        this.ehFrameHeader = b.ehFrameHeader;
        this.outputKind = b.outputKind;
        this.interpreter = b.interpreter;
        this.soname = b.soname;
        this.runPaths = java.util.List.copyOf(b.runPaths);
        this.exportDynamic = b.exportDynamic;
        this.bindNow = b.bindNow;
        this.relro = b.relro;
        this.symbolic = b.symbolic;
        this.noUndefined = b.noUndefined;
        this.hashStyle = b.hashStyle;
        this.exportedPatterns = java.util.List.copyOf(b.exportedPatterns);
        this.hiddenPatterns = java.util.List.copyOf(b.hiddenPatterns);
        this.symbolVersions = java.util.List.copyOf(b.symbolVersions);
        this.librarySearchPaths = java.util.List.copyOf(b.librarySearchPaths);
        this.minOsVersion = b.minOsVersion;
        this.sdkVersion = b.sdkVersion;
        this.adhocCodeSignature = b.adhocCodeSignature;
        this.dynamicLookup = b.dynamicLookup;
        this.chainedFixups = b.chainedFixups;
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
        b.ehFrameHeader = ehFrameHeader;
        b.outputKind = outputKind;
        b.interpreter = interpreter;
        b.soname = soname;
        b.runPaths = runPaths;
        b.exportDynamic = exportDynamic;
        b.bindNow = bindNow;
        b.relro = relro;
        b.symbolic = symbolic;
        b.noUndefined = noUndefined;
        b.hashStyle = hashStyle;
        b.exportedPatterns = exportedPatterns;
        b.hiddenPatterns = hiddenPatterns;
        b.symbolVersions = symbolVersions;
        b.librarySearchPaths = librarySearchPaths;
        b.minOsVersion = minOsVersion;
        b.sdkVersion = sdkVersion;
        b.adhocCodeSignature = adhocCodeSignature;
        b.dynamicLookup = dynamicLookup;
        b.chainedFixups = chainedFixups;
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

    /**
     * {@return whether an ELF output that has unwind information ({@code .eh_frame}) also gets
     * {@code .eh_frame_hdr} and its PT_GNU_EH_FRAME segment, the sorted table unwinders search}
     * True by default, as mold does; GNU ld and lld make it only when asked
     * ({@code --eh-frame-hdr}, which gcc passes for every link but a static one: a static
     * program registers its frames through {@code crtbeginT.o} instead).
     */
    public boolean ehFrameHeader() {
        return ehFrameHeader;
    }

    /** {@return the build ID to write into the output; none by default} */
    public BuildId buildId() {
        return buildId;
    }

    /** {@return the class loader that format modules are looked up in} */
    public Optional<ClassLoader> classLoader() {
        return Optional.ofNullable(classLoader);
    }

    /** {@return what the link produces: an executable (the default), a PIE or a shared library} */
    public OutputKind outputKind() {
        return outputKind;
    }

    /**
     * {@return the program interpreter of a dynamically linked executable (ELF {@code PT_INTERP}),
     * if one was chosen; otherwise the target's usual dynamic linker is used. An empty string asks
     * for none (a static PIE, which relocates itself)}
     */
    public Optional<String> interpreter() {
        return Optional.ofNullable(interpreter);
    }

    /** {@return a shared library's own name (ELF {@code DT_SONAME}, Mach-O install name in {@code LC_ID_DYLIB}), if given} */
    public Optional<String> soname() {
        return Optional.ofNullable(soname);
    }

    /** {@return the directories the dynamic linker searches for this output's libraries ({@code DT_RUNPATH})} */
    public java.util.List<String> runPaths() {
        return runPaths;
    }

    /** {@return whether an executable exports all its global symbols ({@code --export-dynamic})} */
    public boolean exportDynamic() {
        return exportDynamic;
    }

    /** {@return whether every symbol is bound at load time ({@code -z now}) instead of at first call} */
    public boolean bindNow() {
        return bindNow;
    }

    /** {@return whether data that is written only by relocation is made read-only after loading ({@code -z relro}); true by default} */
    public boolean relro() {
        return relro;
    }

    /** {@return whether a shared library binds references to its own definitions at link time ({@code -Bsymbolic})} */
    public boolean symbolic() {
        return symbolic;
    }

    /** {@return whether a shared library may not have undefined symbols ({@code -z defs})} */
    public boolean noUndefined() {
        return noUndefined;
    }

    /** {@return which symbol hash tables a dynamic output has} */
    public HashStyle hashStyle() {
        return hashStyle;
    }

    /**
     * {@return the glob patterns ({@code *}, {@code ?}, {@code [...]}) of the symbols a shared
     * library exports even where a hidden pattern matches too (a version script's {@code global:})}
     */
    public java.util.List<String> exportedPatterns() {
        return exportedPatterns;
    }

    /** {@return the glob patterns of symbols kept out of the dynamic symbol table (a version script's {@code local:})} */
    public java.util.List<String> hiddenPatterns() {
        return hiddenPatterns;
    }

    /**
     * {@return the versions a shared library defines (a version script's named nodes), in order;
     * empty for an unversioned library}
     */
    public java.util.List<SymbolVersion> symbolVersions() {
        return symbolVersions;
    }

    /**
     * A version that a shared library defines ({@code .gnu.version_d}), as a version script's named
     * node {@code NAME { global: patterns; local: localPatterns; } PARENT;} declares it: the
     * exported symbols its patterns match get it. A definition that an object gives this version
     * itself ({@code .symver foo_v1, foo@NAME}) is not exported when the node's local patterns
     * match its name and its global ones do not, as in GNU ld.
     *
     * @param name the version's name, such as {@code VERS_1.0}
     * @param parent the version it inherits from, if any
     * @param patterns glob patterns of the symbols it names (the node's {@code global:} list)
     * @param localPatterns glob patterns of the node's {@code local:} list
     */
    public record SymbolVersion(String name, Optional<String> parent, java.util.List<String> patterns,
            java.util.List<String> localPatterns) {
        /**
         * Checks the parts and copies the patterns.
         *
         * @param name the version's name
         * @param parent the version it inherits from, if any
         * @param patterns glob patterns of the symbols it names
         * @param localPatterns glob patterns of the node's {@code local:} list
         */
        public SymbolVersion {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(parent, "parent");
            if (name.isEmpty()) {
                throw new IllegalArgumentException("version name is empty");
            }
            patterns = java.util.List.copyOf(patterns);
            localPatterns = java.util.List.copyOf(localPatterns);
        }

        /**
         * A version whose node has no {@code local:} patterns.
         *
         * @param name the version's name
         * @param parent the version it inherits from, if any
         * @param patterns glob patterns of the symbols it names
         */
        public SymbolVersion(String name, Optional<String> parent, java.util.List<String> patterns) {
            this(name, parent, patterns, java.util.List.of());
        }
    }

    /**
     * {@return the directories where names in linker scripts ({@code GROUP ( libgcc_s.so.1 -lgcc )})
     * are looked for when they are not found as given, in order (GNU ld's {@code -L})}
     */
    public java.util.List<java.nio.file.Path> librarySearchPaths() {
        return librarySearchPaths;
    }

    /**
     * {@return the minimum OS version a Mach-O output runs on ({@code LC_BUILD_VERSION} minos), such
     * as {@code 11.0}, if chosen; otherwise the target architecture's first macOS (11.0 on arm64,
     * 10.15 on x86_64)}
     */
    public Optional<String> minOsVersion() {
        return Optional.ofNullable(minOsVersion);
    }

    /** {@return the SDK version recorded in a Mach-O output ({@code LC_BUILD_VERSION} sdk), if chosen} */
    public Optional<String> sdkVersion() {
        return Optional.ofNullable(sdkVersion);
    }

    /**
     * {@return whether a Mach-O output gets an ad-hoc code signature, if chosen; otherwise it does on
     * arm64 (where macOS kills unsigned code) and not on x86_64, as ld64 does}
     */
    public Optional<Boolean> adhocCodeSignature() {
        return Optional.ofNullable(adhocCodeSignature);
    }

    /**
     * {@return whether undefined symbols are left for the dynamic linker to find in whatever images
     * are loaded (ld64's {@code -undefined dynamic_lookup}) instead of failing the link}
     */
    public boolean dynamicLookup() {
        return dynamicLookup;
    }

    /**
     * {@return whether a Mach-O output uses chained fixups ({@code LC_DYLD_CHAINED_FIXUPS}, macOS 12
     * and later) instead of {@code LC_DYLD_INFO_ONLY} opcodes}
     */
    public boolean chainedFixups() {
        return chainedFixups;
    }

    /** Which symbol hash tables a dynamic output has: {@code .gnu.hash}, {@code .hash}, or both. */
    public enum HashStyle {
        /** {@code .gnu.hash} only, as gcc on Debian asks for. */
        GNU,
        /** {@code .hash} only. */
        SYSV,
        /** Both tables. */
        BOTH
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
        private boolean ehFrameHeader = true;
        private OutputKind outputKind = OutputKind.EXECUTABLE;
        private String interpreter;
        private String soname;
        private java.util.List<String> runPaths = java.util.List.of();
        private boolean exportDynamic;
        private boolean bindNow;
        private boolean relro = true;
        private boolean symbolic;
        private boolean noUndefined;
        private HashStyle hashStyle = HashStyle.GNU;
        private java.util.List<String> exportedPatterns = java.util.List.of();
        private java.util.List<String> hiddenPatterns = java.util.List.of();
        private java.util.List<SymbolVersion> symbolVersions = java.util.List.of();
        private java.util.List<java.nio.file.Path> librarySearchPaths = java.util.List.of();
        private String minOsVersion;
        private String sdkVersion;
        private Boolean adhocCodeSignature;
        private boolean dynamicLookup;
        private boolean chainedFixups;

        private Builder() { }

        /**
         * Sets the versions a Mach-O output records in {@code LC_BUILD_VERSION}.
         *
         * @param minOs the minimum OS version, such as {@code 11.0}
         * @param sdk the SDK version, such as {@code 12.3}
         * @return this builder
         * @throws IllegalArgumentException if a version is not one to three dot-separated numbers
         */
        public Builder platformVersion(String minOs, String sdk) {
            this.minOsVersion = checkVersion(minOs);
            this.sdkVersion = checkVersion(sdk);
            return this;
        }

        private static String checkVersion(String v) {
            Objects.requireNonNull(v, "version");
            if (!v.matches("[0-9]{1,5}(\\.[0-9]{1,3}){0,2}")) {
                throw new IllegalArgumentException("not a version (such as 11.0 or 12.3.1): " + v);
            }
            return v;
        }

        /**
         * Chooses whether a Mach-O output gets an ad-hoc code signature.
         *
         * @param on true to sign, false not to
         * @return this builder
         */
        public Builder adhocCodeSignature(boolean on) {
            this.adhocCodeSignature = on;
            return this;
        }

        /**
         * Leaves undefined symbols for the dynamic linker to find at load time (ld64's
         * {@code -undefined dynamic_lookup}).
         *
         * @param on true to allow undefined symbols
         * @return this builder
         */
        public Builder dynamicLookup(boolean on) {
            this.dynamicLookup = on;
            return this;
        }

        /**
         * Chooses chained fixups ({@code LC_DYLD_CHAINED_FIXUPS}) for a Mach-O output.
         *
         * @param on true for chained fixups, false for {@code LC_DYLD_INFO_ONLY}
         * @return this builder
         */
        public Builder chainedFixups(boolean on) {
            this.chainedFixups = on;
            return this;
        }

        /**
         * Sets the directories where linker scripts' file and {@code -l} names are looked for.
         *
         * @param dirs the directories, in order
         * @return this builder
         */
        public Builder librarySearchPaths(java.util.List<java.nio.file.Path> dirs) {
            this.librarySearchPaths = java.util.List.copyOf(dirs);
            return this;
        }

        /**
         * Chooses what the link produces.
         *
         * @param kind an executable, a PIE or a shared library
         * @return this builder
         */
        public Builder outputKind(OutputKind kind) {
            this.outputKind = Objects.requireNonNull(kind, "kind");
            return this;
        }

        /**
         * Sets the program interpreter of a dynamically linked executable.
         *
         * @param path the dynamic linker's path, or an empty string for none (a static PIE)
         * @return this builder
         */
        public Builder interpreter(String path) {
            this.interpreter = Objects.requireNonNull(path, "path");
            return this;
        }

        /**
         * Sets a shared library's own name (ELF {@code DT_SONAME}, Mach-O install name).
         *
         * @param name the name programs linked against the library record as needed
         * @return this builder
         */
        public Builder soname(String name) {
            Objects.requireNonNull(name, "name");
            if (name.isEmpty()) {
                throw new IllegalArgumentException("soname is empty");
            }
            this.soname = name;
            return this;
        }

        /**
         * Sets the directories the dynamic linker searches for the output's libraries ({@code DT_RUNPATH}).
         *
         * @param dirs the directories, in order
         * @return this builder
         */
        public Builder runPaths(java.util.List<String> dirs) {
            this.runPaths = java.util.List.copyOf(dirs);
            return this;
        }

        /**
         * Exports every global symbol of an executable, so that libraries it loads can use them.
         *
         * @param on true to export
         * @return this builder
         */
        public Builder exportDynamic(boolean on) {
            this.exportDynamic = on;
            return this;
        }

        /**
         * Binds every symbol when the output is loaded ({@code -z now}), not at its first call.
         *
         * @param on true to bind at load time
         * @return this builder
         */
        public Builder bindNow(boolean on) {
            this.bindNow = on;
            return this;
        }

        /**
         * Makes data that only relocations write read-only after loading ({@code -z relro}, the default).
         *
         * @param on false for {@code -z norelro}
         * @return this builder
         */
        public Builder relro(boolean on) {
            this.relro = on;
            return this;
        }

        /**
         * Binds a shared library's references to its own definitions at link time ({@code -Bsymbolic}).
         *
         * @param on true to bind symbolically
         * @return this builder
         */
        public Builder symbolic(boolean on) {
            this.symbolic = on;
            return this;
        }

        /**
         * Rejects undefined symbols in a shared library ({@code -z defs}); executables always reject them.
         *
         * @param on true to reject
         * @return this builder
         */
        public Builder noUndefined(boolean on) {
            this.noUndefined = on;
            return this;
        }

        /**
         * Chooses the symbol hash tables of a dynamic output.
         *
         * @param style GNU (the default), SYSV or both
         * @return this builder
         */
        public Builder hashStyle(HashStyle style) {
            this.hashStyle = Objects.requireNonNull(style, "style");
            return this;
        }

        /**
         * Limits what a shared library exports, as a version script's {@code global:} and
         * {@code local:} lists do, as in GNU ld: an exact name decides first (exported before hidden),
         * then a wildcard (exported before hidden); a symbol that no pattern matches is exported.
         *
         * @param exported glob patterns of exported symbols; empty for all
         * @param hidden glob patterns of symbols kept local
         * @return this builder
         */
        public Builder exports(java.util.List<String> exported, java.util.List<String> hidden) {
            this.exportedPatterns = java.util.List.copyOf(exported);
            this.hiddenPatterns = java.util.List.copyOf(hidden);
            return this;
        }

        /**
         * Sets the versions a shared library defines: each exported symbol gets the first version
         * whose patterns name it exactly, else the first whose wildcard matches it, else none (the
         * library's base version). Which symbols are exported is still {@link #exports}'s business.
         *
         * @param versions the versions, parents before the versions that name them
         * @return this builder
         * @throws IllegalArgumentException if two versions share a name or a parent is not defined before
         */
        public Builder symbolVersions(java.util.List<SymbolVersion> versions) {
            java.util.Set<String> names = new java.util.HashSet<>();
            for (SymbolVersion v : versions) {
                if (v.parent().isPresent() && !names.contains(v.parent().get())) {
                    throw new IllegalArgumentException("version " + v.name() + " inherits from " + v.parent().get()
                            + ", which is not defined before it");
                }
                if (!names.add(v.name())) {
                    throw new IllegalArgumentException("version " + v.name() + " is defined twice");
                }
            }
            this.symbolVersions = java.util.List.copyOf(versions);
            return this;
        }

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
         * Whether an ELF output with unwind information gets {@code .eh_frame_hdr} and its
         * PT_GNU_EH_FRAME segment ({@link LinkOptions#ehFrameHeader()}); true by default.
         *
         * @param on false to leave the table out, as GNU ld does without {@code --eh-frame-hdr}
         * @return this builder
         */
        public Builder ehFrameHeader(boolean on) {
            this.ehFrameHeader = on;
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
