package dev.rivet.linker.macho;

import dev.rivet.linker.Diagnostic;
import dev.rivet.linker.LinkException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The subset of YAML that text-based dylib stubs ({@code .tbd}) use: a stream of documents
 * ({@code --- !tag} ... {@code ...}), block mappings, block sequences (of mappings or scalars),
 * flow sequences and flow mappings that may span lines, plain, single- and double-quoted scalars,
 * and comments. No anchors, aliases, multi-line plain scalars or block scalars ({@code |}, {@code >}):
 * TAPI does not write them. Every error names the file, the line and the column.
 */
final class TbdYaml {
    /** A parsed value and where it starts (1-based line and column). */
    sealed interface Node permits Scalar, Sequence, Mapping {
        int line();

        int column();
    }

    record Scalar(String value, int line, int column) implements Node { }

    record Sequence(List<Node> items, int line, int column) implements Node { }

    /** A mapping; {@code keys} holds each key's own position, for messages. */
    record Mapping(Map<String, Node> entries, Map<String, Scalar> keys, int line, int column) implements Node {
        Node get(String key) {
            return entries.get(key);
        }
    }

    /** A document: its tag ({@code !tapi-tbd}, or "" for none), its root, and the line of its {@code ---}. */
    record Document(String tag, Mapping root, int line) { }

    /** Deeper nesting than any stub needs; a bound on recursion for hostile inputs. */
    private static final int MAX_DEPTH = 64;

    private final String name;
    private final String text;
    private int pos;
    private int line = 1;
    private int lineStart;
    /** The indentation of the content line the cursor is on, or -1 at a document marker or the end. */
    private int indent;
    private int depth;

    private TbdYaml(String name, String text) {
        this.name = name;
        this.text = text;
    }

    /**
     * Parses a stream of documents.
     *
     * @param name the file's name for messages
     * @param text its contents
     * @return its documents, in order
     * @throws LinkException naming line and column on anything outside the subset
     */
    static List<Document> parse(String name, String text) {
        return new TbdYaml(name, text).documents();
    }

    LinkException error(int atLine, int atColumn, String message) {
        return new LinkException(Diagnostic.error(message).withInput(name).withLocation(atLine + ":" + atColumn));
    }

    /** {@return an error at a node} */
    static LinkException error(String name, Node at, String message) {
        return new LinkException(Diagnostic.error(message).withInput(name).withLocation(at.line() + ":" + at.column()));
    }

    private LinkException error(String message) {
        return error(line, column(), message);
    }

    private int column() {
        return pos - lineStart + 1;
    }

    private List<Document> documents() {
        List<Document> docs = new ArrayList<>();
        nextContentLine();
        while (pos < text.length()) {
            if (!atMarker("---")) {
                throw error("expected a document start ('---')");
            }
            int docLine = line;
            pos += 3;
            skipSpaces();
            String tag = "";
            if (pos < text.length() && text.charAt(pos) == '!') {
                int start = pos;
                while (pos < text.length() && !isSpaceOrEnd(text.charAt(pos))) {
                    pos++;
                }
                tag = text.substring(start, pos);
            }
            endOfLine();
            nextContentLine();
            Mapping root;
            if (indent < 0) {
                root = new Mapping(Map.of(), Map.of(), docLine, 1);
            } else if (indent != 0) {
                throw error("a document's top-level keys start in column 1");
            } else {
                Node n = block(-1);
                if (!(n instanceof Mapping m)) {
                    throw error(n.line(), n.column(), "a document must be a mapping of 'key: value' lines");
                }
                root = m;
            }
            docs.add(new Document(tag, root, docLine));
            if (atMarker("...")) {
                pos += 3;
                endOfLine();
                nextContentLine();
            } else if (pos < text.length() && !atMarker("---")) {
                throw error("unexpected text");
            }
        }
        return docs;
    }

    /** A block node whose first content the cursor is on, indented more than {@code parent}. */
    private Node block(int parent) {
        if (++depth > MAX_DEPTH) {
            throw error("nested more than " + MAX_DEPTH + " levels deep");
        }
        try {
            int here = indent;
            if (here <= parent) {
                throw error("expected a value indented more than column " + (parent + 1));
            }
            char c = text.charAt(pos);
            if (c == '-' && isSpaceOrEnd(peek(1))) {
                return blockSequence(here);
            }
            if (c == '[' || c == '{') {
                Node n = flow();
                endOfLine();
                nextContentLine();
                return n;
            }
            int l = line;
            int col = column();
            Scalar s = scalar(false);
            if (atKeyColon()) {
                return mapping(here, s);
            }
            endOfLine();
            nextContentLine();
            return new Scalar(s.value(), l, col);
        } finally {
            depth--;
        }
    }

    /** A block mapping whose keys start at column {@code at + 1}; the first key has been read. */
    private Mapping mapping(int at, Scalar firstKey) {
        Map<String, Node> entries = new LinkedHashMap<>();
        Map<String, Scalar> keys = new LinkedHashMap<>();
        Scalar key = firstKey;
        while (true) {
            if (entries.containsKey(key.value())) {
                throw error(key.line(), key.column(), "duplicate key '" + key.value() + "'");
            }
            pos++; // the ':'
            skipSpaces();
            Node value;
            if (atLineEnd()) {
                endOfLine();
                nextContentLine();
                if (indent > at || (indent == at && text.charAt(pos) == '-' && isSpaceOrEnd(peek(1)))) {
                    value = indent > at ? block(at) : blockSequence(at);
                } else {
                    value = new Scalar("", key.line(), key.column());
                }
            } else {
                value = inlineValue();
                endOfLine();
                nextContentLine();
            }
            entries.put(key.value(), value);
            keys.put(key.value(), key);
            if (indent < at) {
                return new Mapping(entries, keys, firstKey.line(), firstKey.column());
            }
            if (indent > at) {
                throw error("unexpected indentation (the mapping's keys are in column " + (at + 1) + ")");
            }
            if (text.charAt(pos) == '-' && isSpaceOrEnd(peek(1))) {
                throw error("a sequence item where a key of the mapping was expected");
            }
            key = scalar(false);
            if (!atKeyColon()) {
                throw error(key.line(), key.column(), "expected 'key: value'");
            }
        }
    }

    /** A block sequence whose dashes are in column {@code at + 1}. */
    private Sequence blockSequence(int at) {
        List<Node> items = new ArrayList<>();
        int l = line;
        int col = column();
        while (indent == at && text.charAt(pos) == '-' && isSpaceOrEnd(peek(1))) {
            pos++;
            skipSpaces();
            if (atLineEnd()) {
                endOfLine();
                nextContentLine();
                items.add(block(at));
                continue;
            }
            int itemAt = column() - 1;
            char c = text.charAt(pos);
            if (c == '[' || c == '{') {
                items.add(flow());
                endOfLine();
                nextContentLine();
                continue;
            }
            int il = line;
            int ic = column();
            Scalar s = scalar(false);
            if (atKeyColon()) {
                // "- key: value" starts a mapping whose keys line up after the dash.
                indent = itemAt;
                depth++;
                try {
                    items.add(mapping(itemAt, s));
                } finally {
                    depth--;
                }
            } else {
                endOfLine();
                nextContentLine();
                items.add(new Scalar(s.value(), il, ic));
            }
        }
        if (indent > at) {
            throw error("unexpected indentation (the sequence's items are in column " + (at + 1) + ")");
        }
        return new Sequence(items, l, col);
    }

    /** A value after {@code key:} on the same line. */
    private Node inlineValue() {
        char c = text.charAt(pos);
        if (c == '[' || c == '{') {
            return flow();
        }
        if (c == '|' || c == '>') {
            throw error("block scalars ('" + c + "') are not supported in .tbd files");
        }
        if (c == '&' || c == '*') {
            throw error("anchors and aliases are not supported in .tbd files");
        }
        Scalar s = scalar(false);
        skipSpaces();
        if (pos < text.length() && text.charAt(pos) == ':' && isSpaceOrEnd(peek(1))) {
            throw error("a mapping cannot start on the line of its key");
        }
        return s;
    }

    /** A flow sequence or mapping, which may span lines; the cursor is on its bracket. */
    private Node flow() {
        if (++depth > MAX_DEPTH) {
            throw error("nested more than " + MAX_DEPTH + " levels deep");
        }
        try {
            int l = line;
            int col = column();
            boolean isMap = text.charAt(pos) == '{';
            char close = isMap ? '}' : ']';
            pos++;
            List<Node> items = new ArrayList<>();
            Map<String, Node> entries = new LinkedHashMap<>();
            Map<String, Scalar> keys = new LinkedHashMap<>();
            while (true) {
                skipFlowSpace(l, col, close);
                char c = text.charAt(pos);
                if (c == close) {
                    pos++;
                    return isMap ? new Mapping(entries, keys, l, col) : new Sequence(items, l, col);
                }
                if (isMap) {
                    Scalar key = scalar(true);
                    skipFlowSpace(l, col, close);
                    if (text.charAt(pos) != ':') {
                        throw error("expected ':' after the key '" + key.value() + "' of a flow mapping");
                    }
                    pos++;
                    skipFlowSpace(l, col, close);
                    if (entries.containsKey(key.value())) {
                        throw error(key.line(), key.column(), "duplicate key '" + key.value() + "'");
                    }
                    entries.put(key.value(), flowItem());
                    keys.put(key.value(), key);
                } else {
                    items.add(flowItem());
                }
                skipFlowSpace(l, col, close);
                c = text.charAt(pos);
                if (c == ',') {
                    pos++;
                } else if (c != close) {
                    // Reported at the opening bracket: a forgotten ']' is the usual cause.
                    throw error(l, col, "unterminated flow " + (isMap ? "mapping" : "sequence") + ": expected ',' or '"
                            + close + "' but found '" + c + "' at " + line + ":" + column());
                }
            }
        } finally {
            depth--;
        }
    }

    private Node flowItem() {
        char c = text.charAt(pos);
        if (c == '[' || c == '{') {
            return flow();
        }
        if (c == ',' || c == ']' || c == '}') {
            throw error("empty item in a flow collection");
        }
        return scalar(true);
    }

    /** Skips spaces, line breaks and comments inside a flow collection; the end of the text there is an error. */
    private void skipFlowSpace(int openLine, int openColumn, char close) {
        while (true) {
            if (pos >= text.length() || atMarkerInFlow()) {
                throw error(openLine, openColumn, "unterminated flow " + (close == ']' ? "sequence" : "mapping")
                        + ": no '" + close + "' closes the '" + (close == ']' ? '[' : '{') + "' here");
            }
            char c = text.charAt(pos);
            if (c == ' ' || c == '\t' || c == '\r') {
                pos++;
            } else if (c == '\n') {
                newLine();
            } else if (c == '#' && (pos == 0 || isSpace(text.charAt(pos - 1)))) {
                while (pos < text.length() && text.charAt(pos) != '\n') {
                    pos++;
                }
            } else {
                return;
            }
        }
    }

    /** A document marker at the start of a line ends an unterminated flow collection. */
    private boolean atMarkerInFlow() {
        return pos == lineStart && (atMarker("---") || atMarker("..."));
    }

    /**
     * A plain or quoted scalar. Plain ones end at the line's end, at {@code ": "} or {@code " #"},
     * and in flow context also at {@code , [ ] { }}; their trailing spaces are dropped.
     */
    private Scalar scalar(boolean inFlow) {
        int l = line;
        int col = column();
        char c = text.charAt(pos);
        if (c == '\'' || c == '"') {
            return new Scalar(quoted(c), l, col);
        }
        if (c == '&' || c == '*' || c == '!' || c == '%' || c == '@' || c == '`' || c == '|' || c == '>'
                || (!inFlow && (c == ']' || c == '}' || c == ','))) {
            throw error("unexpected '" + c + "'");
        }
        int start = pos;
        while (pos < text.length()) {
            char d = text.charAt(pos);
            if (d == '\n' || d == '\r') {
                break;
            }
            if (d == ':' && (isSpaceOrEnd(peek(1)) || (inFlow && isFlowIndicator(peek(1))))) {
                break;
            }
            if (d == '#' && pos > start && isSpace(text.charAt(pos - 1))) {
                break;
            }
            if (inFlow && isFlowIndicator(d)) {
                break;
            }
            pos++;
        }
        int end = pos;
        while (end > start && isSpace(text.charAt(end - 1))) {
            end--;
        }
        if (end == start) {
            throw error("expected a value");
        }
        return new Scalar(text.substring(start, end), l, col);
    }

    private String quoted(char q) {
        int l = line;
        int col = column();
        pos++;
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (pos >= text.length() || text.charAt(pos) == '\n') {
                throw error(l, col, "unterminated quoted string (no closing " + q + " on its line)");
            }
            char c = text.charAt(pos++);
            if (c == q) {
                if (q == '\'' && pos < text.length() && text.charAt(pos) == '\'') {
                    sb.append('\'');
                    pos++;
                    continue;
                }
                return sb.toString();
            }
            if (c == '\\' && q == '"') {
                if (pos >= text.length()) {
                    throw error(l, col, "unterminated quoted string");
                }
                char e = text.charAt(pos++);
                switch (e) {
                    case '\\', '"', '/' -> sb.append(e);
                    case 'n' -> sb.append('\n');
                    case 't' -> sb.append('\t');
                    case '0' -> sb.append('\0');
                    default -> throw error(line, column() - 2, "unsupported escape '\\" + e + "' in a double-quoted string");
                }
                continue;
            }
            sb.append(c);
        }
    }

    /** Whether the cursor is on a {@code :} that ends a key. */
    private boolean atKeyColon() {
        skipSpaces();
        return pos < text.length() && text.charAt(pos) == ':' && isSpaceOrEnd(peek(1));
    }

    /** Requires the rest of the line to be blank or a comment, and moves to the next line. */
    private void endOfLine() {
        skipSpaces();
        if (pos < text.length() && text.charAt(pos) == '#') {
            while (pos < text.length() && text.charAt(pos) != '\n') {
                pos++;
            }
        }
        if (pos < text.length() && text.charAt(pos) == '\r') {
            pos++;
        }
        if (pos < text.length()) {
            if (text.charAt(pos) != '\n') {
                throw error("unexpected '" + text.charAt(pos) + "' after the value");
            }
            newLine();
        }
    }

    private boolean atLineEnd() {
        return pos >= text.length() || text.charAt(pos) == '\n' || text.charAt(pos) == '\r' || text.charAt(pos) == '#';
    }

    /**
     * Moves from the start of a line to the first content of the next line that has some,
     * skipping blank and comment-only lines, and sets {@link #indent} (-1 at a document marker or
     * the end). Tabs may not indent.
     */
    private void nextContentLine() {
        while (pos < text.length()) {
            if (atMarker("---") || atMarker("...")) {
                indent = -1;
                return;
            }
            int start = pos;
            while (pos < text.length() && text.charAt(pos) == ' ') {
                pos++;
            }
            if (pos < text.length() && text.charAt(pos) == '\t') {
                throw error("a tab in the indentation (YAML indents with spaces only)");
            }
            if (pos >= text.length()) {
                break;
            }
            char c = text.charAt(pos);
            if (c == '#') {
                while (pos < text.length() && text.charAt(pos) != '\n') {
                    pos++;
                }
            }
            if (pos < text.length() && text.charAt(pos) == '\r') {
                pos++;
            }
            if (pos >= text.length()) {
                break;
            }
            if (text.charAt(pos) == '\n') {
                newLine();
                continue;
            }
            indent = pos - start;
            return;
        }
        indent = -1;
    }

    private void newLine() {
        pos++;
        line++;
        lineStart = pos;
    }

    private boolean atMarker(String marker) {
        return pos == lineStart && text.startsWith(marker, pos) && isSpaceOrEnd(peekAt(pos + 3));
    }

    private void skipSpaces() {
        while (pos < text.length() && isSpace(text.charAt(pos))) {
            pos++;
        }
    }

    private char peek(int ahead) {
        return peekAt(pos + ahead);
    }

    private char peekAt(int at) {
        return at < text.length() ? text.charAt(at) : '\n';
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t';
    }

    private static boolean isSpaceOrEnd(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
    }

    private static boolean isFlowIndicator(char c) {
        return c == ',' || c == '[' || c == ']' || c == '{' || c == '}';
    }
}
