package dev.rivet.linker.spi;

import dev.rivet.linker.Diagnostic;
import dev.rivet.linker.LinkException;
import java.lang.reflect.InvocationTargetException;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.function.Supplier;

/**
 * Service providers named by a system property rather than looked up with
 * {@link java.util.ServiceLoader}. On the class path a look-up reads {@code META-INF/services}
 * out of every jar, which in a fresh JVM means opening them: about 5 ms of a cold {@code rivet ld}
 * start whose classes all come from an AOT cache. A launcher that knows its providers names them
 * instead, as the {@code rivet} script does. On the module path a named class is taken from its
 * module's {@code provides}, where a look-up reads module descriptors, not jars.
 */
public final class NamedProviders {
    /** The system property that names the engine's {@link LinkerProvider} class. */
    public static final String ENGINE_PROPERTY = "dev.rivet.linker.provider";

    private NamedProviders() { }

    /**
     * {@return the class names a system property gives, separated by commas, or null if it
     * gives none}
     *
     * @param property the property
     */
    public static List<String> names(String property) {
        String value = System.getProperty(property);
        if (value == null) {
            return null;
        }
        List<String> out = new ArrayList<>();
        for (String name : value.split(",")) {
            if (!name.isBlank()) {
                out.add(name.strip());
            }
        }
        return out.isEmpty() ? null : out;
    }

    /**
     * {@return a new instance of a named provider class}: made with its public no-argument
     * constructor, or, for a class of a named module (whose package that module need not
     * export), taken from the providers the look-up finds
     *
     * @param property the system property that named it, for messages
     * @param className the class
     * @param type what it must implement
     * @param loader the class loader to load it with
     * @param lookUp the caller's look-up of {@code type} (whose module declares that it uses it)
     * @param <T> the service type
     * @throws LinkException naming the property and the class, if the class cannot be loaded, is
     *     not a {@code type}, or cannot be instantiated
     */
    public static <T> T instantiate(String property, String className, Class<T> type, ClassLoader loader,
            Supplier<ServiceLoader<T>> lookUp) {
        String what = "system property " + property + " names " + className;
        Class<?> c;
        try {
            c = Class.forName(className, true, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            throw new LinkException(Diagnostic.error(what + ", which cannot be loaded: " + e)
                    .withHint("name a class on the class path, or leave the property unset to look the provider up"), e);
        }
        if (!type.isAssignableFrom(c)) {
            throw new LinkException(Diagnostic.error(what + ", which is not a " + type.getName()));
        }
        if (c.getModule().isNamed()) {
            try {
                return lookUp.get().stream().filter(p -> p.type() == c).findFirst().orElseThrow(() -> new LinkException(
                        Diagnostic.error(what + ", which module " + c.getModule().getName() + " does not provide as a " + type.getName())))
                        .get();
            } catch (java.util.ServiceConfigurationError e) {
                throw new LinkException(Diagnostic.error(what + ", which cannot be instantiated: " + e), e);
            }
        }
        try {
            return type.cast(c.getConstructor().newInstance());
        } catch (InvocationTargetException e) {
            throw new LinkException(Diagnostic.error(what + ", whose constructor failed: " + e.getCause()), e.getCause());
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new LinkException(Diagnostic.error(what + ", which cannot be instantiated: " + e), e);
        }
    }
}
