package dev.rivet.linker.spi;

import dev.rivet.linker.LinkOptions;
import dev.rivet.linker.Linker;
import dev.rivet.linker.Target;

/**
 * Creates {@link Linker}s; implemented by the engine module and found with
 * {@link java.util.ServiceLoader}. Applications call {@link Linker#create} instead.
 */
public interface LinkerProvider {
    /**
     * Creates a linker.
     *
     * @param target what to link for
     * @param options how to link
     * @return a new linker
     * @throws dev.rivet.linker.LinkException if no format module supports the target
     */
    Linker create(Target target, LinkOptions options);
}
