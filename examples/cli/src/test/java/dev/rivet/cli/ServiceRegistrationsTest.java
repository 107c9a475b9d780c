package dev.rivet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rivet.linker.spi.LinkerProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every provider is declared twice, in {@code module-info.java} (module path) and in
 * {@code META-INF/services} (class path); the two must agree, module by module.
 */
class ServiceRegistrationsTest {
    private static final Pattern PROVIDES = Pattern.compile("provides\\s+([\\w.]+)\\s+with\\s+([\\w.\\s,]+);");

    @Test
    void moduleInfoAndMetaInfServicesDeclareTheSameProviders() throws IOException {
        List<Path> moduleInfos;
        try (Stream<Path> s = Files.walk(RepoFiles.root(), 6)) {
            moduleInfos = s.filter(p -> p.endsWith(Path.of("src", "main", "java", "module-info.java"))).sorted().toList();
        }
        assertThat(moduleInfos).hasSizeGreaterThanOrEqualTo(6);
        int providers = 0;
        for (Path info : moduleInfos) {
            Path module = info.getParent().getParent().getParent().getParent();
            TreeMap<String, TreeSet<String>> declared = parseProvides(Files.readString(info));
            TreeMap<String, TreeSet<String>> registered = readServices(module.resolve("src/main/resources/META-INF/services"));
            assertThat(registered).as("META-INF/services of %s", module.getFileName()).isEqualTo(declared);
            providers += declared.values().stream().mapToInt(TreeSet::size).sum();
        }
        assertThat(providers).as("providers in core, elf and macho").isGreaterThanOrEqualTo(3);
    }

    @Test
    void classPathServiceLoaderFindsTheEngineAndBothFormats() throws Exception {
        assertThat(ServiceLoader.load(LinkerProvider.class).stream().map(p -> p.type().getName()))
                .containsExactly("dev.rivet.linker.core.CoreLinkerProvider");
        Class<?> format = Class.forName("dev.rivet.linker.core.output.OutputFormat");
        List<String> names = new ArrayList<>();
        ServiceLoader.load(format).stream().map(p -> p.type().getName())
                .filter(n -> !n.startsWith("dev.rivet.linker.testing.")) // linker-core's test jar, on this test class path
                .forEach(names::add);
        assertThat(names).containsExactlyInAnyOrder("dev.rivet.linker.elf.ElfFormat", "dev.rivet.linker.macho.MachOFormat");
    }

    @Test
    void theLauncherNamesTheRegisteredEngineAndEveryRegisteredFormat() throws IOException {
        String launcher = Files.readString(RepoFiles.root().resolve("rivet"));
        Matcher engine = Pattern.compile("-D" + Pattern.quote(dev.rivet.linker.spi.NamedProviders.ENGINE_PROPERTY) + "=([\\w.]+)")
                .matcher(launcher);
        Matcher formats = Pattern.compile("-Ddev\\.rivet\\.linker\\.formats=([\\w.,]+)").matcher(launcher);
        assertThat(engine.find()).as("the engine named in ./rivet").isTrue();
        assertThat(formats.find()).as("the formats named in ./rivet").isTrue();
        TreeMap<String, TreeSet<String>> registered = new TreeMap<>();
        for (String module : List.of("linker-core", "linker-elf", "linker-macho")) {
            readServices(RepoFiles.root().resolve(module).resolve("src/main/resources/META-INF/services"))
                    .forEach((service, impls) -> registered.computeIfAbsent(service, k -> new TreeSet<>()).addAll(impls));
        }
        assertThat(Set.of(engine.group(1))).isEqualTo(registered.get(LinkerProvider.class.getName()));
        assertThat(new TreeSet<>(List.of(formats.group(1).split(","))))
                .isEqualTo(registered.get("dev.rivet.linker.core.output.OutputFormat"));
    }

    private static TreeMap<String, TreeSet<String>> parseProvides(String source) {
        String code = source.replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\n]*", "");
        TreeMap<String, TreeSet<String>> out = new TreeMap<>();
        Matcher m = PROVIDES.matcher(code);
        while (m.find()) {
            TreeSet<String> impls = out.computeIfAbsent(m.group(1), k -> new TreeSet<>());
            for (String impl : m.group(2).split(",")) {
                impls.add(impl.trim());
            }
        }
        return out;
    }

    private static TreeMap<String, TreeSet<String>> readServices(Path dir) throws IOException {
        TreeMap<String, TreeSet<String>> out = new TreeMap<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.sorted().toList()) {
                TreeSet<String> impls = new TreeSet<>();
                for (String line : Files.readAllLines(f)) {
                    String l = line.replaceAll("#.*", "").trim();
                    if (!l.isEmpty()) {
                        impls.add(l);
                    }
                }
                out.put(f.getFileName().toString(), impls);
            }
        }
        return out;
    }
}
