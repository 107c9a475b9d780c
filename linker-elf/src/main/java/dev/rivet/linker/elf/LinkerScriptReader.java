package dev.rivet.linker.elf;

import dev.rivet.linker.Diagnostic;
import dev.rivet.linker.LinkException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the GNU linker scripts that stand in for libraries ({@code libc.so}, {@code libm.a} on
 * Debian): {@code GROUP}, {@code INPUT} and {@code AS_NEEDED} name the files to link;
 * {@code OUTPUT_FORMAT}, {@code OUTPUT_ARCH} and {@code SEARCH_DIR} are accepted. Any other
 * command is an error naming the file, line and column. A relative name is looked up in the
 * current directory, then beside the script, as GNU ld does for scripts found by path.
 */
final class LinkerScriptReader {
    /** One file a script names. */
    record Entry(Path path, boolean asNeeded) { }

    private final String name;
    private final String text;
    private final Path directory;
    private int pos;

    private final List<Path> searchPaths;

    private LinkerScriptReader(String name, String text, Path directory, List<Path> searchPaths) {
        this.searchPaths = searchPaths;
        this.name = name;
        this.text = text;
        this.directory = directory;
    }

    /** {@return whether the bytes look like a linker script: printable text that starts with a comment or a command} */
    static boolean looksLikeScript(ByteBuffer data) {
        int n = Math.min(data.limit(), 512);
        for (int i = 0; i < n; i++) {
            int c = Byte.toUnsignedInt(data.get(i));
            if (c == 0 || (c < 0x20 && c != '\n' && c != '\r' && c != '\t')) {
                return false;
            }
        }
        String head = StandardCharsets.US_ASCII.decode(data.slice(0, n)).toString().stripLeading();
        return head.startsWith("/*") || head.matches("(?s)^(GROUP|INPUT|OUTPUT_FORMAT|OUTPUT_ARCH|SEARCH_DIR|AS_NEEDED)\\s*\\(.*");
    }

    /** Reads a script and returns the files it names, in order. */
    static List<Entry> read(Path path, ByteBuffer data) {
        return read(path, data, List.of());
    }

    /** Reads a script whose relative names may also be found in the library search path. */
    static List<Entry> read(Path path, ByteBuffer data, List<Path> searchPaths) {
        String text = StandardCharsets.UTF_8.decode(data.duplicate().position(0)).toString();
        Path dir = path.toAbsolutePath().getParent();
        return new LinkerScriptReader(path.toString(), text, dir, searchPaths).commands();
    }

    private List<Entry> commands() {
        List<Entry> out = new ArrayList<>();
        while (true) {
            skipSpace();
            if (pos >= text.length()) {
                return out;
            }
            int at = pos;
            String word = word();
            switch (word) {
                case "GROUP", "INPUT" -> files(out, false, 0);
                case "AS_NEEDED" -> files(out, true, 0);
                case "OUTPUT_FORMAT", "OUTPUT_ARCH", "SEARCH_DIR" -> skipArguments();
                case "" -> throw error(at, "unexpected '" + text.charAt(at) + "'");
                default -> throw error(at, "linker script command " + word + " is not supported (only GROUP, INPUT, AS_NEEDED, "
                        + "OUTPUT_FORMAT, OUTPUT_ARCH and SEARCH_DIR are)");
            }
        }
    }

    /** How deep {@code AS_NEEDED} lists may nest: real scripts nest them once, inside a GROUP. */
    private static final int MAX_NESTING = 16;

    /** {@code ( file file AS_NEEDED ( file ) ... )}, {@code depth} lists inside another. */
    private void files(List<Entry> out, boolean asNeeded, int depth) {
        if (depth > MAX_NESTING) {
            throw error(pos, "AS_NEEDED lists nest more than " + MAX_NESTING + " deep");
        }
        expect('(');
        while (true) {
            skipSpace();
            if (pos >= text.length()) {
                throw error(pos, "missing ')'");
            }
            if (text.charAt(pos) == ')') {
                pos++;
                return;
            }
            if (text.charAt(pos) == ',') {
                pos++;
                continue;
            }
            int at = pos;
            String w = word();
            if (w.equals("AS_NEEDED")) {
                files(out, true, depth + 1);
            } else if (w.isEmpty()) {
                throw error(at, "unexpected '" + text.charAt(at) + "'");
            } else if (w.startsWith("-l") && w.length() > 2) {
                out.add(new Entry(library(w.substring(2), at), asNeeded));
            } else {
                out.add(new Entry(resolve(w, at), asNeeded));
            }
        }
    }

    private Path resolve(String file, int at) {
        Path p;
        try {
            p = Path.of(file);
        } catch (java.nio.file.InvalidPathException e) {
            throw error(at, "'" + file.replace("\0", "\\0") + "' is not a valid file name: " + e.getReason());
        }
        if (p.isAbsolute() || Files.exists(p)) {
            return p;
        }
        Path beside = directory == null ? null : directory.resolve(p);
        if (beside != null && Files.exists(beside)) {
            return beside;
        }
        for (Path dir : searchPaths) {
            if (Files.exists(dir.resolve(p))) {
                return dir.resolve(p);
            }
        }
        throw error(at, "cannot find '" + file + "' (looked in the current directory, in " + directory
                + (searchPaths.isEmpty() ? "" : " and in the library search path: " + searchPaths) + ")");
    }

    /** {@code -lNAME} in a script: {@code libNAME.so}, then {@code libNAME.a}, in each search directory. */
    private Path library(String lib, int at) {
        for (Path dir : searchPaths) {
            for (String n : new String[] {"lib" + lib + ".so", "lib" + lib + ".a"}) {
                if (Files.isRegularFile(dir.resolve(n))) {
                    return dir.resolve(n);
                }
            }
        }
        throw error(at, "unable to find library -l" + lib + (searchPaths.isEmpty() ? " (no library search path was given)"
                : " (searched: " + searchPaths + ")"));
    }

    private void skipArguments() {
        expect('(');
        int depth = 1;
        while (pos < text.length() && depth > 0) {
            char c = text.charAt(pos++);
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            }
        }
        if (depth > 0) {
            throw error(pos, "missing ')'");
        }
    }

    private void expect(char c) {
        skipSpace();
        if (pos >= text.length() || text.charAt(pos) != c) {
            throw error(pos, "expected '" + c + "'");
        }
        pos++;
    }

    private String word() {
        int start = pos;
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (Character.isWhitespace(c) || c == '(' || c == ')' || c == ',' || (c == '/' && pos + 1 < text.length() && text.charAt(pos + 1) == '*')) {
                break;
            }
            pos++;
        }
        return text.substring(start, pos);
    }

    private void skipSpace() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (Character.isWhitespace(c)) {
                pos++;
            } else if (c == '/' && pos + 1 < text.length() && text.charAt(pos + 1) == '*') {
                int end = text.indexOf("*/", pos + 2);
                if (end < 0) {
                    throw error(pos, "unterminated comment");
                }
                pos = end + 2;
            } else {
                return;
            }
        }
    }

    private LinkException error(int offset, String message) {
        int line = 1;
        int col = 1;
        for (int i = 0; i < offset && i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        return new LinkException(Diagnostic.error(message).withInput(name).withLocation(line + ":" + col));
    }
}
