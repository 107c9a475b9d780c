package dev.rivet.linker;

import java.util.Objects;

/**
 * One finding of a link: what went wrong, in which input, where in it, and what to do.
 *
 * @param severity how serious it is
 * @param message what happened, in the style of lld ({@code undefined symbol: foo}); may span lines
 * @param input the input file or archive member it concerns, or null
 * @param location where in the input (section, offset, symbol), or null
 * @param hint what the user can do about it, or null
 */
public record Diagnostic(Severity severity, String message, String input, String location, String hint) {

    /** How serious a diagnostic is. */
    public enum Severity {
        /** Informational; the link goes on. */
        NOTE,
        /** Suspicious; the link goes on. */
        WARNING,
        /** The link fails. */
        ERROR
    }

    /**
     * Creates a diagnostic.
     *
     * @param severity how serious it is
     * @param message what happened
     * @param input the input it concerns, or null
     * @param location where in the input, or null
     * @param hint what to do, or null
     * @throws NullPointerException if severity or message is null
     */
    public Diagnostic {
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(message, "message");
    }

    /**
     * {@return an error with just a message}
     *
     * @param message what happened
     */
    public static Diagnostic error(String message) {
        return new Diagnostic(Severity.ERROR, message, null, null, null);
    }

    /**
     * {@return a warning with just a message}
     *
     * @param message what happened
     */
    public static Diagnostic warning(String message) {
        return new Diagnostic(Severity.WARNING, message, null, null, null);
    }

    /**
     * {@return a copy naming the input}
     *
     * @param input the input file or archive member
     */
    public Diagnostic withInput(String input) {
        return new Diagnostic(severity, message, input, location, hint);
    }

    /**
     * {@return a copy naming the place in the input}
     *
     * @param location section, offset or symbol
     */
    public Diagnostic withLocation(String location) {
        return new Diagnostic(severity, message, input, location, hint);
    }

    /**
     * {@return a copy with advice}
     *
     * @param hint what the user can do
     */
    public Diagnostic withHint(String hint) {
        return new Diagnostic(severity, message, input, location, hint);
    }

    /** {@return the diagnostic as one or more lines: {@code input: location: error: message}, then the hint} */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        if (input != null) {
            sb.append(input).append(": ");
        }
        if (location != null) {
            sb.append(location).append(": ");
        }
        sb.append(severity.name().toLowerCase(java.util.Locale.ROOT)).append(": ").append(message);
        if (hint != null) {
            sb.append("\n>>> ").append(hint);
        }
        return sb.toString();
    }
}
