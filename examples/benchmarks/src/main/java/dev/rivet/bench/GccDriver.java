package dev.rivet.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The linker command line a gcc driver would run, read from {@code gcc -###}, so that every
 * linker of a benchmark gets exactly the arguments gcc would give its own: start files, search
 * directories, libraries and their order, {@code -pie}, {@code --hash-style}, {@code --as-needed}
 * and so on.
 */
final class GccDriver {
    private GccDriver() { }

    /**
     * {@return the arguments gcc passes to the linker (collect2), without the program name, the LTO
     * plugin options and {@code -o FILE}}
     *
     * @param driver {@code gcc} or {@code g++}
     * @param dir the directory the driver runs in (inputs are relative to it)
     * @param arguments the driver's arguments: options, objects and libraries, no {@code -o}
     * @throws IOException if the driver fails or prints no linker command
     * @throws InterruptedException if interrupted while it runs
     */
    static List<String> linkArguments(String driver, Path dir, List<String> arguments) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(driver, "-###"));
        cmd.addAll(arguments);
        cmd.addAll(List.of("-o", "a.out"));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed:\n" + out);
        }
        for (String line : out.lines().toList()) {
            List<String> words = split(line.strip());
            if (words.isEmpty() || !(words.get(0).endsWith("/collect2") || words.get(0).endsWith("/ld"))) {
                continue;
            }
            List<String> args = new ArrayList<>();
            for (int i = 1; i < words.size(); i++) {
                String w = words.get(i);
                if (w.equals("-plugin") || w.equals("-o")) {
                    i++;
                } else if (!w.startsWith("-plugin-opt=")) {
                    args.add(w);
                }
            }
            return args;
        }
        throw new IOException(String.join(" ", cmd) + " printed no linker command:\n" + out);
    }

    /** Splits a line of {@code gcc -###} output: words separated by spaces, some in double quotes with backslash escapes. */
    static List<String> split(String line) {
        List<String> words = new ArrayList<>();
        StringBuilder w = new StringBuilder();
        boolean inWord = false;
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '\\' && i + 1 < line.length()) {
                    w.append(line.charAt(++i));
                } else if (c == '"') {
                    quoted = false;
                } else {
                    w.append(c);
                }
            } else if (c == '"') {
                quoted = true;
                inWord = true;
            } else if (c == ' ') {
                if (inWord) {
                    words.add(w.toString());
                    w.setLength(0);
                    inWord = false;
                }
            } else {
                w.append(c);
                inWord = true;
            }
        }
        if (inWord) {
            words.add(w.toString());
        }
        return words;
    }
}
