package dev.rivet.linker.macho;

import dev.rivet.linker.Architecture;
import dev.rivet.linker.Diagnostic;
import dev.rivet.linker.LinkException;
import dev.rivet.linker.SymbolKind;
import dev.rivet.linker.core.CoreLinker;
import dev.rivet.linker.core.symbols.InputFile;
import dev.rivet.linker.core.symbols.SharedLibrary;
import dev.rivet.linker.macho.TbdYaml.Document;
import dev.rivet.linker.macho.TbdYaml.Mapping;
import dev.rivet.linker.macho.TbdYaml.Node;
import dev.rivet.linker.macho.TbdYaml.Scalar;
import dev.rivet.linker.macho.TbdYaml.Sequence;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a text-based dylib stub ({@code .tbd}, TAPI v4 {@code --- !tapi-tbd} or v3
 * {@code --- !tapi-tbd-v3}) into a {@link SharedLibrary} named by its install name. The first
 * document is the library; the others are libraries it may re-export (an SDK's
 * {@code libSystem.tbd} carries all of {@code /usr/lib/system/*}). The symbols of a re-exported
 * document are offered as the library's own, since they reach the program through it. A
 * re-exported library not in the file is looked for as a stub next to it and under the directories
 * above it (one of them is the SDK root that ld64's {@code -syslibroot} names); one not found is
 * recorded in {@link SharedLibrary#reexportedLibraries}.
 *
 * <p>Only the entries for the link's target count ({@code arm64-macos}, {@code x86_64-macos}; in v3,
 * the {@code archs} with {@code platform: macos(x)}). Objective-C names are spelled as ld64 mangles
 * them: a class {@code C} exports {@code _OBJC_CLASS_$_C} and {@code _OBJC_METACLASS_$_C}, an
 * exception type {@code _OBJC_EHTYPE_$_C}, an ivar {@code _OBJC_IVAR_$_C.i}. ld64's special
 * {@code $ld$...} symbols (hide, add and install-name changes for older deployment targets) are
 * left out.
 */
final class TbdReader {
    private static final String OBJC_CLASS = "_OBJC_CLASS_$_";
    private static final String OBJC_METACLASS = "_OBJC_METACLASS_$_";
    private static final String OBJC_EHTYPE = "_OBJC_EHTYPE_$_";
    private static final String OBJC_IVAR = "_OBJC_IVAR_$_";

    private final String name;
    private final String target;
    private final String arch;
    private final List<Document> docs;

    private final Map<String, Document> byInstallName = new LinkedHashMap<>();
    /** The file each document came from, for messages; {@link #file} is the one being read. */
    private final Map<Document, String> fileOf = new java.util.IdentityHashMap<>();
    private String file;
    private final List<byte[]> names = new ArrayList<>();
    private final Set<String> seen = new HashSet<>();
    private SharedLibrary lib;

    private TbdReader(String name, String target, String arch, List<Document> docs) {
        this.name = name;
        this.target = target;
        this.arch = arch;
        this.docs = docs;
    }

    /** {@return whether the bytes look like a text stub: they start with a YAML document marker} */
    static boolean isTbd(ByteBuffer data) {
        int n = Math.min(data.limit(), 3);
        return n == 3 && data.get(0) == '-' && data.get(1) == '-' && data.get(2) == '-';
    }

    /**
     * Reads a stub and adds its library to the link.
     *
     * @param linker the linker
     * @param name the file's name for messages
     * @param data its bytes
     * @param asNeeded whether it is needed only when used
     */
    static void read(CoreLinker linker, String name, ByteBuffer data, boolean asNeeded) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(data.duplicate().position(0)).toString();
        } catch (CharacterCodingException e) {
            throw new LinkException(Diagnostic.error("text stub is not valid UTF-8").withInput(name));
        }
        String target = linker.target().toString();
        String arch = linker.target().architecture() == Architecture.X86_64 ? "x86_64" : "arm64";
        TbdReader r = new TbdReader(name, target, arch, TbdYaml.parse(name, text));
        r.read(linker, asNeeded);
    }

    private void read(CoreLinker linker, boolean asNeeded) {
        if (docs.isEmpty()) {
            throw new LinkException(Diagnostic.error("text stub has no documents").withInput(name));
        }
        register(docs, name);
        Document main = docs.get(0);
        if (!hasTarget(main)) {
            throw error(main.root(), "has no " + target + " target (it has " + String.join(", ", targetsOf(main)) + ")");
        }
        Mapping root = main.root();
        lib = new SharedLibrary(name, installName(main).value(), asNeeded, 64);
        lib.currentVersion = version(root, "current-version");
        lib.compatibilityVersion = version(root, "compatibility-version");
        parentUmbrella(main);
        linker.symbolLoader().symbols.addFile(lib);

        Set<String> visited = new HashSet<>();
        List<Document> pending = new ArrayList<>(List.of(main));
        visited.add(installName(main).value());
        // Breadth-first over re-exports, so a library's own symbols come before the ones it re-exports.
        for (int i = 0; i < pending.size(); i++) {
            Document d = pending.get(i);
            file = fileOf.get(d);
            addExports(d);
            for (Scalar reexport : reexportedLibraries(d)) {
                if (!visited.add(reexport.value())) {
                    continue;
                }
                Document nested = byInstallName.get(reexport.value());
                if (nested == null) {
                    nested = findElsewhere(reexport.value());
                }
                if (nested == null) {
                    lib.reexportedLibraries.add(reexport.value());
                } else {
                    file = fileOf.get(nested);
                    if (hasTarget(nested)) {
                        pending.add(nested);
                    }
                }
                file = fileOf.get(d);
            }
        }
        linker.addInput(lib, names.toArray(new byte[0][]));
    }

    /** Checks the documents of a file and indexes them by install name; the first of a name wins. */
    private void register(List<Document> documents, String fileName) {
        file = fileName;
        for (Document d : documents) {
            fileOf.put(d, fileName);
            checkVersion(d);
            byInstallName.putIfAbsent(installName(d).value(), d);
        }
    }

    /**
     * Looks for the stub of a re-exported library that is not in this file, as ld64 looks for it
     * under the syslibroot: {@code NAME.tbd} for install name {@code .../NAME.dylib} or
     * {@code .../NAME} in this file's directory, then the install name (with {@code .tbd} for
     * {@code .dylib}, or added) under each directory above this file (one of them is the SDK's root).
     *
     * @return the document of that install name, or null if no stub has it
     */
    private Document findElsewhere(String installName) {
        Path here = Path.of(name).toAbsolutePath().getParent();
        if (here == null) {
            return null;
        }
        String base = installName.substring(installName.lastIndexOf('/') + 1);
        String stem = installName.endsWith(".dylib") ? installName.substring(0, installName.length() - ".dylib".length()) : installName;
        List<Path> candidates = new ArrayList<>();
        candidates.add(here.resolve((base.endsWith(".dylib") ? base.substring(0, base.length() - ".dylib".length()) : base) + ".tbd"));
        if (installName.startsWith("/")) {
            for (Path a = here; a != null; a = a.getParent()) {
                candidates.add(Path.of(a + stem + ".tbd"));
            }
        }
        for (Path c : candidates) {
            if (!Files.isRegularFile(c) || c.toAbsolutePath().equals(Path.of(name).toAbsolutePath())) {
                continue;
            }
            String text;
            try {
                text = Files.readString(c);
            } catch (IOException | java.io.UncheckedIOException e) {
                throw new LinkException(Diagnostic.error("cannot read the stub of re-exported " + installName + ": " + e)
                        .withInput(c.toString()));
            }
            register(TbdYaml.parse(c.toString(), text), c.toString());
            Document d = byInstallName.get(installName);
            if (d != null) {
                return d;
            }
        }
        return null;
    }

    // ------------------------------------------------------------------ document header

    private boolean isV3(Document d) {
        return d.tag().equals("!tapi-tbd-v3");
    }

    private void checkVersion(Document d) {
        Mapping root = d.root();
        switch (d.tag()) {
            case "!tapi-tbd" -> {
                Node v = root.get("tbd-version");
                if (v == null) {
                    throw error(root, "a '--- !tapi-tbd' document without 'tbd-version'");
                }
                String s = scalar(v, "tbd-version").value();
                if (s.equals("5")) {
                    throw error(v, "TAPI stub version 5 is not supported yet (versions 3 and 4 are)");
                }
                if (!s.equals("4")) {
                    throw error(v, "unknown tbd-version '" + s + "' (Rivet reads versions 3 and 4)");
                }
            }
            case "!tapi-tbd-v3" -> { }
            case "", "!tapi-tbd-v2" -> throw new LinkException(Diagnostic.error("TAPI stub version "
                    + (d.tag().isEmpty() ? "1" : "2") + " is not supported (versions 3 and 4 are)")
                    .withInput(file).withLocation(d.line() + ":1"));
            default -> throw new LinkException(Diagnostic.error("unknown document tag '" + d.tag()
                    + "' (a text stub starts with '--- !tapi-tbd')").withInput(file).withLocation(d.line() + ":5"));
        }
    }

    private Scalar installName(Document d) {
        Node n = d.root().get("install-name");
        if (n == null) {
            throw new LinkException(Diagnostic.error("the text stub document has no 'install-name'")
                    .withInput(file).withLocation(d.line() + ":1"));
        }
        Scalar s = scalar(n, "install-name");
        if (s.value().isEmpty()) {
            throw error(n, "'install-name' is empty");
        }
        return s;
    }

    private List<String> targetsOf(Document d) {
        List<String> out = new ArrayList<>();
        if (isV3(d)) {
            String platform = platformV3(d);
            for (Scalar a : strings(d.root(), "archs", true)) {
                out.add(a.value() + "-" + platform);
            }
        } else {
            for (Scalar t : strings(d.root(), "targets", true)) {
                checkTarget(t);
                out.add(t.value());
            }
        }
        return out;
    }

    private boolean hasTarget(Document d) {
        return targetsOf(d).contains(target);
    }

    /** v3 names platforms as {@code macosx}, {@code ios}...; the macOS one becomes {@code macos} as in v4 targets. */
    private String platformV3(Document d) {
        Node p = d.root().get("platform");
        if (p == null) {
            throw error(d.root(), "a v3 stub without 'platform'");
        }
        String v = scalar(p, "platform").value();
        return v.equals("macosx") ? "macos" : v;
    }

    private void checkTarget(Scalar t) {
        String v = t.value();
        int dash = v.indexOf('-');
        if (dash <= 0 || dash == v.length() - 1 || v.indexOf(' ') >= 0) {
            throw error(t, "bad target '" + v + "' (expected architecture-platform, such as arm64-macos)");
        }
    }

    /** Parses a version: {@code X[.Y[.Z]]} into 16.8.8 bits, 0 when absent (as ld64 takes it). */
    private int version(Mapping m, String key) {
        Node n = m.get(key);
        if (n == null) {
            return key.equals("compatibility-version") || key.equals("current-version") ? 0x10000 : 0;
        }
        Scalar s = scalar(n, key);
        String[] parts = s.value().split("\\.", -1);
        int[] max = {0xffff, 0xff, 0xff};
        if (parts.length > 3) {
            throw error(n, "bad " + key + " '" + s.value() + "' (expected X[.Y[.Z]])");
        }
        int v = 0;
        for (int i = 0; i < 3; i++) {
            int part = 0;
            if (i < parts.length) {
                String p = parts[i];
                if (p.isEmpty() || p.length() > 5 || !p.chars().allMatch(c -> c >= '0' && c <= '9')) {
                    throw error(n, "bad " + key + " '" + s.value() + "' (expected X[.Y[.Z]])");
                }
                part = Integer.parseInt(p);
                if (part > max[i]) {
                    throw error(n, key + " '" + s.value() + "' has a component larger than " + max[i]);
                }
            }
            v = (v << (i == 0 ? 0 : 8)) | part;
        }
        return v;
    }

    /** Checks the shape of {@code parent-umbrella} (v4: a list of targets and umbrella; v3: a name). */
    private void parentUmbrella(Document d) {
        Node n = d.root().get("parent-umbrella");
        if (n == null || n instanceof Scalar) {
            return;
        }
        for (Mapping section : sections(d.root(), "parent-umbrella")) {
            Node u = section.get("umbrella");
            if (u == null) {
                throw error(section, "a parent-umbrella entry without 'umbrella'");
            }
            scalar(u, "umbrella");
        }
    }

    // ------------------------------------------------------------------ exports

    private void addExports(Document d) {
        boolean v3 = isV3(d);
        for (String key : new String[] {"exports", "reexports"}) {
            for (Mapping section : sections(d.root(), key)) {
                if (!sectionApplies(section, v3)) {
                    continue;
                }
                for (Scalar s : strings(section, "symbols", false)) {
                    add(s.value(), SymbolKind.TEXT, 0);
                }
                for (Scalar s : strings(section, v3 ? "weak-def-symbols" : "weak-symbols", false)) {
                    add(s.value(), SymbolKind.TEXT, InputFile.WEAK);
                }
                for (Scalar s : strings(section, "thread-local-symbols", false)) {
                    add(s.value(), SymbolKind.TLS_DATA, 0);
                }
                for (Scalar s : strings(section, "objc-classes", false)) {
                    add(OBJC_CLASS + s.value(), SymbolKind.DATA, 0);
                    add(OBJC_METACLASS + s.value(), SymbolKind.DATA, 0);
                }
                for (Scalar s : strings(section, "objc-eh-types", false)) {
                    add(OBJC_EHTYPE + s.value(), SymbolKind.DATA, 0);
                }
                for (Scalar s : strings(section, "objc-ivars", false)) {
                    add(OBJC_IVAR + s.value(), SymbolKind.DATA, 0);
                }
            }
        }
    }

    private List<Scalar> reexportedLibraries(Document d) {
        List<Scalar> out = new ArrayList<>();
        if (isV3(d)) {
            for (Mapping section : sections(d.root(), "exports")) {
                if (sectionApplies(section, true)) {
                    out.addAll(strings(section, "re-exports", false));
                }
            }
        } else {
            for (Mapping section : sections(d.root(), "reexported-libraries")) {
                if (sectionApplies(section, false)) {
                    out.addAll(strings(section, "libraries", false));
                }
            }
        }
        return out;
    }

    /** Whether an exports section lists the link's target (v4 {@code targets}) or architecture (v3 {@code archs}). */
    private boolean sectionApplies(Mapping section, boolean v3) {
        for (Scalar t : strings(section, v3 ? "archs" : "targets", true)) {
            if (!v3) {
                checkTarget(t);
            }
            if (t.value().equals(v3 ? arch : target)) {
                return true;
            }
        }
        return false;
    }

    private void add(String symbol, SymbolKind kind, int flags) {
        if (symbol.startsWith("$ld$") || !seen.add(symbol)) {
            return;
        }
        lib.addExport(kind, flags, 0, 0, null, false);
        names.add(symbol.getBytes(StandardCharsets.UTF_8));
    }

    // ------------------------------------------------------------------ shapes

    /** {@return the mappings of a block sequence under a key, none when the key is absent} */
    private List<Mapping> sections(Mapping m, String key) {
        Node n = m.get(key);
        if (n == null || (n instanceof Scalar s && s.value().isEmpty())) {
            return List.of();
        }
        if (!(n instanceof Sequence seq)) {
            throw error(n, "'" + key + "' must be a list of sections ('- targets: [...]')");
        }
        List<Mapping> out = new ArrayList<>();
        for (Node item : seq.items()) {
            if (!(item instanceof Mapping section)) {
                throw error(item, "an item of '" + key + "' must be a mapping ('- targets: [...]')");
            }
            out.add(section);
        }
        return out;
    }

    /** {@return the strings of a sequence under a key (a lone scalar counts as a list of one)} */
    private List<Scalar> strings(Mapping m, String key, boolean required) {
        Node n = m.get(key);
        if (n == null) {
            if (required) {
                throw error(m, "missing '" + key + "'");
            }
            return List.of();
        }
        if (n instanceof Scalar s) {
            return s.value().isEmpty() ? List.of() : List.of(s);
        }
        if (!(n instanceof Sequence seq)) {
            throw error(n, "'" + key + "' must be a list of names");
        }
        List<Scalar> out = new ArrayList<>(seq.items().size());
        for (Node item : seq.items()) {
            out.add(scalar(item, "an item of '" + key + "'"));
        }
        return out;
    }

    private Scalar scalar(Node n, String what) {
        if (!(n instanceof Scalar s)) {
            throw error(n, (what.startsWith("an item") ? what : "'" + what + "'") + " must be a single value, not a "
                    + (n instanceof Sequence ? "list" : "mapping"));
        }
        return s;
    }

    private LinkException error(Node at, String message) {
        return TbdYaml.error(file, at, message);
    }
}
