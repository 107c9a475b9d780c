package dev.rivet.linker;

/**
 * Receives progress of a link. Called on the thread that runs {@link Linker#link}; methods
 * should return quickly. All methods do nothing by default.
 */
public interface LinkListener {
    /** A listener that ignores everything. */
    LinkListener NONE = new LinkListener() { };

    /**
     * A phase starts.
     *
     * @param phase the phase
     */
    default void phaseStarted(LinkPhase phase) { }

    /**
     * A phase ended successfully.
     *
     * @param phase the phase
     * @param nanos how long it took
     */
    default void phaseFinished(LinkPhase phase, long nanos) { }

    /**
     * A warning or note was produced; errors end the link with a {@link LinkException} instead.
     *
     * @param diagnostic the finding
     */
    default void diagnostic(Diagnostic diagnostic) { }
}
