/**
 * Rivet's engine: symbol and atom tables, resolution, dead-stripping, layout, the parallel output
 * writer and the per-architecture relocation code. Nothing here is public API; the format
 * modules reach the parts they need through qualified exports.
 */
module dev.rivet.linker.core {
    requires transitive dev.rivet.linker;
    requires it.unimi.dsi.fastutil;
    requires org.slf4j;
    // sun.misc.Unsafe.invokeCleaner: unmap the output before it is run (see OutputFile).
    requires jdk.unsupported;

    // Format modules add the inputs their readers make (CoreLinker.addInput) and reach the tables.
    exports dev.rivet.linker.core to dev.rivet.linker.elf, dev.rivet.linker.macho;
    exports dev.rivet.linker.core.symbols to dev.rivet.linker.elf, dev.rivet.linker.macho;
    exports dev.rivet.linker.core.output to dev.rivet.linker.elf, dev.rivet.linker.macho;
    exports dev.rivet.linker.core.arch to dev.rivet.linker.elf, dev.rivet.linker.macho;
    exports dev.rivet.linker.core.input to dev.rivet.linker.elf, dev.rivet.linker.macho;

    uses dev.rivet.linker.core.output.OutputFormat;

    provides dev.rivet.linker.spi.LinkerProvider with dev.rivet.linker.core.CoreLinkerProvider;
}
