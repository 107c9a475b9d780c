/** Mach-O for Rivet: reads objects and archives; writes nothing yet (see the Mach-O issue). */
module dev.rivet.linker.macho {
    requires dev.rivet.linker.core;
    requires it.unimi.dsi.fastutil;
    requires org.slf4j;

    provides dev.rivet.linker.core.output.OutputFormat with dev.rivet.linker.macho.MachOFormat;
}
