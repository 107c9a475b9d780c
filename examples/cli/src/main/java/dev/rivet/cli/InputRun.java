package dev.rivet.cli;

import dev.rivet.linker.InputOption;
import dev.rivet.linker.Linker;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The inputs of a command line gathered into runs that share their options, each added with
 * {@link Linker#addInputs}, so that a run's objects are parsed in parallel; the runs go in in
 * command-line order, so errors do too.
 */
final class InputRun {
    private final Linker linker;
    private final List<Path> files = new ArrayList<>();
    private List<InputOption> options = List.of();

    InputRun(Linker linker) {
        this.linker = linker;
    }

    /** Adds a file to the run, first adding the run so far if the file's options differ. */
    void add(Path file, List<InputOption> fileOptions) {
        if (!files.isEmpty() && !fileOptions.equals(options)) {
            flush();
        }
        files.add(file);
        options = fileOptions;
    }

    /** Adds the files gathered so far to the linker. */
    void flush() {
        if (!files.isEmpty()) {
            List<Path> run = List.copyOf(files);
            files.clear();
            linker.addInputs(run, options.toArray(new InputOption[0]));
        }
    }
}
