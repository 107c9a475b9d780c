package dev.rivet.cli;

import dev.rivet.linker.Linker;
import dev.rivet.linker.Target;
import dev.rivet.linker.testing.ProcessMaps;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A program for {@code NewerJdkTest} to run on a newer JDK: adds the object files named by its
 * arguments to a linker, and checks in {@code /proc/self/maps} ({@link ProcessMaps}) that each
 * is mapped while the linker is open and none after it is closed. Exits 0 if so, 1 with the
 * reason otherwise.
 */
final class InputsUnmappedOnClose {
    private InputsUnmappedOnClose() { }

    public static void main(String[] args) throws Exception {
        List<Path> inputs = new ArrayList<>();
        for (String a : args) {
            inputs.add(Path.of(a));
        }
        Linker linker = Linker.create(Target.X86_64_LINUX);
        linker.addInputs(inputs);
        for (Path p : inputs) {
            if (ProcessMaps.mappingsOf(p) == 0) {
                fail(p + " is not mapped while the linker is open");
            }
        }
        linker.close();
        for (Path p : inputs) {
            if (ProcessMaps.mappingsOf(p) != 0) {
                fail(p + " is still mapped after the linker is closed");
            }
        }
        System.out.println("unmapped " + inputs.size());
    }

    private static void fail(String why) {
        System.out.println(why);
        System.exit(1);
    }
}
