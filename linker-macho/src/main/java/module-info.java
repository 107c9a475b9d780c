/** Mach-O for Rivet: registered now, writes nothing yet (see the Mach-O issue). */
module dev.rivet.linker.macho {
    requires dev.rivet.linker.core;
    requires org.slf4j;

    provides dev.rivet.linker.core.output.OutputFormat with dev.rivet.linker.macho.MachOFormat;
}
