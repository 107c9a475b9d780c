package dev.rivet.linker;

import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * A link failed, or an input or option was invalid. Carries every {@link Diagnostic} the link
 * produced, so a caller can show them all, not just the first.
 */
public class LinkException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @serial the diagnostics, errors first */
    private final List<Diagnostic> diagnostics;

    /**
     * Creates an exception carrying diagnostics.
     *
     * @param diagnostics at least one diagnostic
     * @throws IllegalArgumentException if the list is empty
     */
    public LinkException(List<Diagnostic> diagnostics) {
        this(diagnostics, null);
    }

    /**
     * Creates an exception carrying diagnostics, caused by another exception.
     *
     * @param diagnostics at least one diagnostic
     * @param cause the underlying failure, or null
     * @throws IllegalArgumentException if the list is empty
     */
    public LinkException(List<Diagnostic> diagnostics, Throwable cause) {
        super(render(diagnostics), cause);
        this.diagnostics = List.copyOf(diagnostics);
    }

    /**
     * Creates an exception carrying one diagnostic.
     *
     * @param diagnostic the diagnostic
     */
    public LinkException(Diagnostic diagnostic) {
        this(List.of(Objects.requireNonNull(diagnostic, "diagnostic")), null);
    }

    /**
     * Creates an exception carrying one diagnostic, caused by another exception.
     *
     * @param diagnostic the diagnostic
     * @param cause the underlying failure, or null
     */
    public LinkException(Diagnostic diagnostic, Throwable cause) {
        this(List.of(Objects.requireNonNull(diagnostic, "diagnostic")), cause);
    }

    /** {@return the diagnostics, in the order they were found} */
    public List<Diagnostic> diagnostics() {
        return diagnostics;
    }

    private static String render(List<Diagnostic> diagnostics) {
        if (diagnostics.isEmpty()) {
            throw new IllegalArgumentException("a LinkException needs at least one diagnostic");
        }
        return diagnostics.stream().map(Diagnostic::toString).collect(Collectors.joining("\n"));
    }
}
