package dev.rivet.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/** Files a test needs from a Debian package: skipped when missing, failed under RIVET_REQUIRE_TOOLS=1. */
final class ExternalToolsFiles {
    private ExternalToolsFiles() { }

    static void require(Path file, String debianPackage) {
        if (Files.exists(file)) {
            return;
        }
        String why = file + " is missing (Debian package " + debianPackage + ")";
        if (dev.rivet.linker.testing.ExternalTools.required()) {
            Assertions.fail(why + " and RIVET_REQUIRE_TOOLS=1");
        }
        Assumptions.abort(why + "; skipping");
    }
}
