package dev.rivet.linker;

import java.util.List;

/** The link was cancelled through {@link Linker#cancel()}; no output was written. */
public final class LinkCancelledException extends LinkException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param phase the phase that noticed the cancellation
     */
    public LinkCancelledException(LinkPhase phase) {
        super(List.of(Diagnostic.error("link cancelled during " + phase.displayName())));
    }
}
