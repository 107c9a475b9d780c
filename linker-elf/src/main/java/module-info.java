/** ELF for Rivet: writes static executables for x86-64 and AArch64 Linux. */
module dev.rivet.linker.elf {
    requires dev.rivet.linker.core;
    requires it.unimi.dsi.fastutil;
    requires org.slf4j;

    provides dev.rivet.linker.core.output.OutputFormat with dev.rivet.linker.elf.ElfFormat;
}
