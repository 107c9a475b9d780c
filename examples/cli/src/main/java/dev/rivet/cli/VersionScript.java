package dev.rivet.cli;

import dev.rivet.linker.Diagnostic;
import dev.rivet.linker.LinkException;
import dev.rivet.linker.LinkOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Reads a GNU ld version script for the symbols it exports and hides:
 * {@code [NAME] { global: pattern; ... local: pattern; ... } [parent];}, any number of nodes,
 * {@code extern "C" { ... }} blocks and comments. Rivet exports the {@code global:} patterns and
 * hides the {@code local:} ones; a named node defines a version (with its parent) that the
 * symbols its {@code global:} patterns match get ({@code .gnu.version_d}).
 */
final class VersionScript {
    private final Path file;
    private final String text;
    private int pos;
    private int tokenStart;

    private VersionScript(Path file, String text) {
        this.file = file;
        this.text = text;
    }

    /**
     * Adds a script's global and local patterns and its named versions to the lists.
     *
     * @throws LinkException if it cannot be read, or at the line and column of a syntax error
     */
    static void read(Path file, List<String> global, List<String> local, List<LinkOptions.SymbolVersion> versions) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new LinkException(Diagnostic.error("cannot read version script: " + e.getMessage()).withInput(file.toString()), e);
        }
        new VersionScript(file, text).parse(global, local, versions);
    }

    private void parse(List<String> global, List<String> local, List<LinkOptions.SymbolVersion> versions) {
        while (true) {
            String t = token();
            if (t == null) {
                return;
            }
            String name = null;
            int nameAt = tokenStart;
            if (!t.equals("{")) {
                name = t;
                expect("{"); // a version name precedes the node
            }
            int firstGlobal = global.size();
            int firstLocal = local.size();
            List<String> into = global;
            while (true) {
                int at = pos;
                String w = token();
                if (w == null) {
                    throw error(at, "unterminated version node: expected '}'");
                }
                if (w.equals("}")) {
                    break;
                }
                if (w.equals("global") || w.equals("local")) {
                    expect(":");
                    into = w.equals("global") ? global : local;
                    continue;
                }
                if (w.equals("extern")) {
                    token(); // the language string
                    expect("{");
                    while (true) {
                        int p = pos;
                        String x = token();
                        if (x == null) {
                            throw error(p, "unterminated extern block: expected '}'");
                        }
                        if (x.equals("}")) {
                            break;
                        }
                        if (!x.equals(";")) {
                            into.add(unquote(x));
                        }
                    }
                    optional(";");
                    continue;
                }
                if (w.equals(";") || w.equals(":") || w.equals("{")) {
                    throw error(at, "unexpected '" + w + "'");
                }
                into.add(unquote(w));
                expect(";");
            }
            int at = pos;
            String next = token();
            if (next == null) {
                throw error(at, "expected ';' after '}'");
            }
            String parent = null;
            if (!next.equals(";")) {
                parent = next;
                expect(";"); // a parent version name, then ';'
            }
            if (name != null) {
                if (parent != null && !isDefined(versions, parent)) {
                    throw error(at, "version " + name + " inherits from " + parent + ", which is not defined before it");
                }
                if (isDefined(versions, name)) {
                    throw error(nameAt, "version " + name + " is defined twice");
                }
                versions.add(new LinkOptions.SymbolVersion(name, Optional.ofNullable(parent),
                        global.subList(firstGlobal, global.size()), local.subList(firstLocal, local.size())));
            }
        }
    }

    private static boolean isDefined(List<LinkOptions.SymbolVersion> versions, String name) {
        return versions.stream().anyMatch(v -> v.name().equals(name));
    }

    private static String unquote(String w) {
        return w.length() >= 2 && w.startsWith("\"") && w.endsWith("\"") ? w.substring(1, w.length() - 1) : w;
    }

    private void optional(String s) {
        int save = pos;
        String t = token();
        if (!s.equals(t)) {
            pos = save;
        }
    }

    private void expect(String s) {
        String t = token();
        int at = tokenStart;
        if (!s.equals(t)) {
            throw error(at, "expected '" + s + "' but found " + (t == null ? "the end of the file" : "'" + t + "'"));
        }
    }

    /** The next token: punctuation, a quoted string, or a word (which may hold glob characters); null at the end. */
    private String token() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (Character.isWhitespace(c)) {
                pos++;
            } else if (text.startsWith("/*", pos)) {
                int end = text.indexOf("*/", pos + 2);
                if (end < 0) {
                    throw error(pos, "unterminated comment");
                }
                pos = end + 2;
            } else if (c == '#') {
                while (pos < text.length() && text.charAt(pos) != '\n') {
                    pos++;
                }
            } else {
                break;
            }
        }
        tokenStart = pos;
        if (pos >= text.length()) {
            return null;
        }
        char c = text.charAt(pos);
        if (c == '{' || c == '}' || c == ';' || c == ':') {
            pos++;
            return String.valueOf(c);
        }
        int start = pos;
        if (c == '"') {
            int end = text.indexOf('"', pos + 1);
            if (end < 0) {
                throw error(pos, "unterminated string");
            }
            pos = end + 1;
            return text.substring(start, pos);
        }
        while (pos < text.length() && !Character.isWhitespace(text.charAt(pos)) && "{};:".indexOf(text.charAt(pos)) < 0) {
            pos++;
        }
        return text.substring(start, pos);
    }

    private LinkException error(int at, String message) {
        int line = 1;
        int col = 1;
        for (int i = 0; i < at && i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        return new LinkException(Diagnostic.error("version script syntax error: " + message)
                .withInput(file.toString()).withLocation("line " + line + ", column " + col));
    }
}
