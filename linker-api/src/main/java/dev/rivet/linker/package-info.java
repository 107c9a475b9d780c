/**
 * Rivet's public API. Start with {@link dev.rivet.linker.Linker#create(dev.rivet.linker.Target)},
 * build symbols through {@link dev.rivet.linker.Loader}, and call
 * {@link dev.rivet.linker.Linker#link(java.nio.file.Path)}.
 */
package dev.rivet.linker;
