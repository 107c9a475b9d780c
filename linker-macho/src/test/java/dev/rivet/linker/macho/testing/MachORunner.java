package dev.rivet.linker.macho.testing;

import dev.rivet.linker.testing.ExternalTools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs macOS Mach-O programs on Linux under {@code src/test/python/machorun.py}, a minimal dyld on
 * the Unicorn emulator with an emulated libSystem, and finds the reference tools (clang, ld64.lld)
 * the tests build programs with. Like {@link ExternalTools#require}, a missing piece skips the test,
 * or fails it when {@code RIVET_REQUIRE_TOOLS=1}.
 *
 * <p>Exit codes: the program's own, or 126 (runner error: bad input, unsupported fixup, emulation
 * fault), 127 (call to a libSystem function the runner does not emulate), 124 (timeout), 134 (abort,
 * stack smashing, bad free).
 */
public final class MachORunner {
    /** The interpreter: Debian's python3-unicorn is installed for the system Python only. */
    public static final String PYTHON = "/usr/bin/python3";

    private static Boolean unicornWorks;

    private MachORunner() { }

    /** {@return the runner script} Tests run in the module directory; other callers can set RIVET_REPO_ROOT. */
    public static Path script() {
        Path local = Path.of("src/test/python/machorun.py");
        if (Files.isRegularFile(local)) {
            return local.toAbsolutePath();
        }
        String root = System.getenv("RIVET_REPO_ROOT");
        Path fromRoot = Path.of(root == null ? "." : root, "linker-macho/src/test/python/machorun.py");
        if (!Files.isRegularFile(fromRoot)) {
            Assertions.fail("cannot find machorun.py (looked in " + local.toAbsolutePath() + " and " + fromRoot + ")");
        }
        return fromRoot.toAbsolutePath();
    }

    /** {@return the libSystem.tbd test programs link against: it lists what the runner emulates} */
    public static Path libSystemTbd() {
        return script().getParent().getParent().resolve("resources/macho/libSystem.tbd");
    }

    /**
     * The command line that runs a Mach-O program under the runner; skips (or fails) the test when
     * {@value #PYTHON} cannot import unicorn.
     *
     * @param options runner options before the program ({@code --slide HEX}, {@code --dylib PATH}, {@code --trace}...)
     * @param program the Mach-O executable
     * @param args the program's arguments
     * @return the command
     */
    public static List<String> command(List<String> options, Path program, String... args) {
        requireUnicorn();
        List<String> cmd = new ArrayList<>(List.of(PYTHON, script().toString()));
        cmd.addAll(options);
        cmd.add(program.toString());
        cmd.addAll(List.of(args));
        return cmd;
    }

    /**
     * Runs a Mach-O program under the runner.
     *
     * @param options runner options
     * @param program the executable
     * @param args its arguments
     * @return its exit code and output
     */
    public static ExternalTools.Result run(List<String> options, Path program, String... args) {
        return ExternalTools.run(command(options, program, args));
    }

    /** {@return ld64.lld (as ld64.lld-14, Debian's name, or ld64.lld), else skips or fails the test} */
    public static Path ld64() {
        Optional<Path> p = ExternalTools.find("ld64.lld-14").or(() -> ExternalTools.find("ld64.lld"));
        return p.orElseGet(() -> ExternalTools.require("ld64.lld-14"));
    }

    private static synchronized void requireUnicorn() {
        if (unicornWorks == null) {
            unicornWorks = Files.isExecutable(Path.of(PYTHON))
                    && ExternalTools.run(List.of(PYTHON, "-c", "import unicorn")).exitCode() == 0;
        }
        if (!unicornWorks) {
            String why = PYTHON + " cannot import unicorn (install Debian's python3-unicorn)";
            if (ExternalTools.required()) {
                Assertions.fail(why + " and RIVET_REQUIRE_TOOLS=1");
            }
            Assumptions.abort(why + "; skipping (set RIVET_REQUIRE_TOOLS=1 to fail instead)");
        }
    }
}
