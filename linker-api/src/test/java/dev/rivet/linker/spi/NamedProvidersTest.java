package dev.rivet.linker.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rivet.linker.LinkException;
import dev.rivet.linker.LinkOptions;
import dev.rivet.linker.Linker;
import dev.rivet.linker.Target;
import org.junit.jupiter.api.Test;

/** {@link NamedProviders}, and {@link Linker#create} taking the engine the system property names. */
class NamedProvidersTest {
    private static final String PROPERTY = "dev.rivet.test.named-providers";
    private static final ClassLoader LOADER = NamedProvidersTest.class.getClassLoader();
    private static final java.util.function.Supplier<java.util.ServiceLoader<LinkerProvider>> LOOK_UP =
            () -> java.util.ServiceLoader.load(LinkerProvider.class, LOADER);

    /** An engine that only says it was asked. */
    public static final class StubEngine implements LinkerProvider {
        @Override
        public Linker create(Target target, LinkOptions options) {
            throw new LinkException(dev.rivet.linker.Diagnostic.error("the stub engine was asked for " + target));
        }
    }

    /** A provider that cannot be made. */
    public static final class FailingEngine implements LinkerProvider {
        public FailingEngine() {
            throw new IllegalStateException("no engine today");
        }

        @Override
        public Linker create(Target target, LinkOptions options) {
            return null;
        }
    }

    /** A provider without a public constructor. */
    public static final class HiddenEngine implements LinkerProvider {
        private HiddenEngine() { }

        @Override
        public Linker create(Target target, LinkOptions options) {
            return null;
        }
    }

    private static <T> T withProperty(String property, String value, java.util.function.Supplier<T> body) {
        String previous = System.getProperty(property);
        if (value == null) {
            System.clearProperty(property);
        } else {
            System.setProperty(property, value);
        }
        try {
            return body.get();
        } finally {
            if (previous == null) {
                System.clearProperty(property);
            } else {
                System.setProperty(property, previous);
            }
        }
    }

    @Test
    void namesAreThePropertysCommaSeparatedClassesAndNullWithoutIt() {
        assertThat(withProperty(PROPERTY, " a.B , c.D,,", () -> NamedProviders.names(PROPERTY))).containsExactly("a.B", "c.D");
        assertThat(withProperty(PROPERTY, "a.B", () -> NamedProviders.names(PROPERTY))).containsExactly("a.B");
        assertThat(withProperty(PROPERTY, "  ", () -> NamedProviders.names(PROPERTY))).isNull();
        assertThat(withProperty(PROPERTY, " , ,", () -> NamedProviders.names(PROPERTY))).isNull();
        assertThat(withProperty(PROPERTY, null, () -> NamedProviders.names(PROPERTY))).isNull();
    }

    @Test
    void aNamedClassIsMadeWithItsPublicConstructor() {
        assertThat(NamedProviders.instantiate(PROPERTY, StubEngine.class.getName(), LinkerProvider.class, LOADER, LOOK_UP))
                .isInstanceOf(StubEngine.class);
    }

    @Test
    void aClassThatCannotServeIsAnErrorNamingThePropertyAndTheClass() {
        assertThatThrownBy(() -> NamedProviders.instantiate(PROPERTY, "no.such.Engine", LinkerProvider.class, LOADER, LOOK_UP))
                .isInstanceOf(LinkException.class)
                .hasMessageContaining("system property " + PROPERTY + " names no.such.Engine, which cannot be loaded");
        assertThatThrownBy(() -> NamedProviders.instantiate(PROPERTY, "java.lang.String", LinkerProvider.class, LOADER, LOOK_UP))
                .isInstanceOf(LinkException.class)
                .hasMessageContaining("names java.lang.String, which is not a dev.rivet.linker.spi.LinkerProvider");
        assertThatThrownBy(() -> NamedProviders.instantiate(PROPERTY, HiddenEngine.class.getName(), LinkerProvider.class, LOADER, LOOK_UP))
                .isInstanceOf(LinkException.class)
                .hasMessageContaining("which cannot be instantiated");
        assertThatThrownBy(() -> NamedProviders.instantiate(PROPERTY, FailingEngine.class.getName(), LinkerProvider.class, LOADER, LOOK_UP))
                .isInstanceOf(LinkException.class)
                .hasMessageContaining("whose constructor failed")
                .hasMessageContaining("no engine today");
    }

    @Test
    void linkerCreateTakesTheEngineThePropertyNamesBeforeAnyLookUp() {
        assertThatThrownBy(() -> withProperty(NamedProviders.ENGINE_PROPERTY, StubEngine.class.getName(),
                () -> Linker.create(Target.X86_64_LINUX)))
                .isInstanceOf(LinkException.class)
                .hasMessageContaining("the stub engine was asked for x86_64-linux");
        assertThatThrownBy(() -> withProperty(NamedProviders.ENGINE_PROPERTY, "no.such.Engine",
                () -> Linker.create(Target.X86_64_LINUX)))
                .isInstanceOf(LinkException.class)
                .hasMessageContaining(NamedProviders.ENGINE_PROPERTY + " names no.such.Engine");
        assertThatThrownBy(() -> withProperty(NamedProviders.ENGINE_PROPERTY, StubEngine.class.getName() + "," + StubEngine.class.getName(),
                () -> Linker.create(Target.X86_64_LINUX)))
                .isInstanceOf(LinkException.class)
                .hasMessageContaining(NamedProviders.ENGINE_PROPERTY + " names 2 classes");
        // Unset: the look-up, which finds no engine in this module's tests.
        assertThatThrownBy(() -> withProperty(NamedProviders.ENGINE_PROPERTY, null, () -> Linker.create(Target.X86_64_LINUX)))
                .isInstanceOf(LinkException.class)
                .hasMessageContaining("no Rivet engine found");
    }
}
