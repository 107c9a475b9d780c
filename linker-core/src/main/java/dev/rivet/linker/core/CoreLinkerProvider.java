package dev.rivet.linker.core;

import dev.rivet.linker.Diagnostic;
import dev.rivet.linker.LinkException;
import dev.rivet.linker.LinkOptions;
import dev.rivet.linker.Linker;
import dev.rivet.linker.Target;
import dev.rivet.linker.core.output.OutputFormat;
import dev.rivet.linker.spi.LinkerProvider;
import dev.rivet.linker.spi.NamedProviders;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/** Registers the engine with {@link Linker#create}; finds the format module for the target. */
public final class CoreLinkerProvider implements LinkerProvider {
    /** Called by {@link ServiceLoader}. */
    public CoreLinkerProvider() { }

    @Override
    public Linker create(Target target, LinkOptions options) {
        return new CoreLinker(target, options, findFormat(target, options));
    }

    /** The system property that names the format modules' {@link OutputFormat} classes, separated by commas ({@link NamedProviders}). */
    public static final String FORMATS_PROPERTY = "dev.rivet.linker.formats";

    /**
     * {@return the format module that writes outputs for the target}, looked up in the options'
     * class loader or the one that loaded the engine (which works inside IDE plugin hosts, unlike
     * the thread's context loader), or the first that supports it of those the system property
     * {@value #FORMATS_PROPERTY} names
     *
     * @param target the target
     * @param options the options
     * @throws LinkException if none does, or a class the property names cannot be loaded
     */
    static OutputFormat findFormat(Target target, LinkOptions options) {
        ClassLoader cl = options.classLoader().orElse(CoreLinkerProvider.class.getClassLoader());
        List<String> named = NamedProviders.names(FORMATS_PROPERTY);
        // Named ones are made one by one as they are tried, as ServiceLoader makes its finds.
        Iterable<OutputFormat> formats = named == null ? ServiceLoader.load(OutputFormat.class, cl)
                : () -> named.stream().map(name -> NamedProviders.instantiate(FORMATS_PROPERTY, name, OutputFormat.class, cl,
                        () -> ServiceLoader.load(OutputFormat.class, cl))).iterator();
        List<String> seen = new ArrayList<>();
        for (OutputFormat f : formats) {
            if (f.supports(target)) {
                return f;
            }
            seen.add(f.name());
        }
        throw new LinkException(Diagnostic.error("no format module writes " + target.format() + " for " + target)
                .withHint(seen.isEmpty() ? "put linker-elf or linker-macho on the class or module path"
                        : "format modules found: " + String.join(", ", seen)));
    }
}
