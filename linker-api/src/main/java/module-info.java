/**
 * Rivet's public API: build symbols in memory, add inputs, link them into an ELF or Mach-O
 * executable or library.
 *
 * <p>{@link dev.rivet.linker.Linker#create(dev.rivet.linker.Target)} finds the engine through
 * {@link dev.rivet.linker.spi.LinkerProvider} (or takes the one a system property names:
 * {@link dev.rivet.linker.spi.NamedProviders}); this module depends on the JDK only.
 */
module dev.rivet.linker {
    exports dev.rivet.linker;
    exports dev.rivet.linker.spi;

    uses dev.rivet.linker.spi.LinkerProvider;
}
