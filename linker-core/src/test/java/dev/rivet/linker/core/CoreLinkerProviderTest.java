package dev.rivet.linker.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rivet.linker.LinkException;
import dev.rivet.linker.LinkOptions;
import dev.rivet.linker.Linker;
import dev.rivet.linker.Target;
import dev.rivet.linker.core.output.OutputFormat;
import dev.rivet.linker.testing.FlatTestFormat;
import org.junit.jupiter.api.Test;

/** {@link CoreLinkerProvider}: finding the engine and the format module for a target. */
class CoreLinkerProviderTest {
    /** Sees nothing but the JDK: no engine, no format modules. */
    private static final ClassLoader EMPTY = new ClassLoader(null) { };

    @Test
    void theFormatIsFoundThroughTheServiceLoader() {
        OutputFormat f = CoreLinkerProvider.findFormat(Target.X86_64_LINUX, LinkOptions.defaults());
        assertThat(f).isInstanceOf(FlatTestFormat.class);
        assertThat(CoreLinkerProvider.findFormat(Target.AARCH64_LINUX, LinkOptions.defaults())).isInstanceOf(FlatTestFormat.class);
    }

    @Test
    void aTargetNoFormatSupportsIsAnErrorListingTheFormatsFound() {
        assertThatThrownBy(() -> CoreLinkerProvider.findFormat(Target.ARM64_MACOS, LinkOptions.defaults()))
                .isInstanceOf(LinkException.class)
                .hasMessageContaining("MACHO")
                .hasMessageContaining("arm64-macos")
                .hasMessageContaining("flat-test");
        assertThatThrownBy(() -> Linker.create(Target.X86_64_MACOS)).isInstanceOf(LinkException.class);
    }

    @Test
    void theOptionsClassLoaderIsTheOneSearched() {
        LinkOptions options = LinkOptions.builder().classLoader(EMPTY).build();
        assertThatThrownBy(() -> CoreLinkerProvider.findFormat(Target.X86_64_LINUX, options))
                .isInstanceOf(LinkException.class)
                .hasMessageContaining("no format module")
                .hasMessageContaining("linker-elf");
        assertThatThrownBy(() -> new CoreLinkerProvider().create(Target.X86_64_LINUX, options))
                .isInstanceOf(LinkException.class);
    }

    @Test
    void theFormatsThePropertyNamesAreTriedInOrderInsteadOfTheLookUp() {
        String previous = System.getProperty(CoreLinkerProvider.FORMATS_PROPERTY);
        try {
            System.setProperty(CoreLinkerProvider.FORMATS_PROPERTY, FlatTestFormat.class.getName());
            assertThat(CoreLinkerProvider.findFormat(Target.X86_64_LINUX, LinkOptions.defaults())).isInstanceOf(FlatTestFormat.class);
            // One that does not support the target is passed over; the next one is made then.
            System.setProperty(CoreLinkerProvider.FORMATS_PROPERTY, FlatTestFormat.class.getName() + ",java.lang.String");
            assertThatThrownBy(() -> CoreLinkerProvider.findFormat(Target.ARM64_MACOS, LinkOptions.defaults()))
                    .isInstanceOf(LinkException.class)
                    .hasMessageContaining("names java.lang.String, which is not a " + OutputFormat.class.getName());
            assertThat(CoreLinkerProvider.findFormat(Target.X86_64_LINUX, LinkOptions.defaults())).isInstanceOf(FlatTestFormat.class);
            System.setProperty(CoreLinkerProvider.FORMATS_PROPERTY, FlatTestFormat.class.getName());
            assertThatThrownBy(() -> CoreLinkerProvider.findFormat(Target.ARM64_MACOS, LinkOptions.defaults()))
                    .isInstanceOf(LinkException.class)
                    .hasMessageContaining("no format module writes")
                    .hasMessageContaining("format modules found: flat-test");
        } finally {
            if (previous == null) {
                System.clearProperty(CoreLinkerProvider.FORMATS_PROPERTY);
            } else {
                System.setProperty(CoreLinkerProvider.FORMATS_PROPERTY, previous);
            }
        }
    }

    @Test
    void aChildOfTheTestClassLoaderFindsTheFormat() {
        ClassLoader child = new ClassLoader(getClass().getClassLoader()) { };
        Linker l = new CoreLinkerProvider().create(Target.X86_64_LINUX, LinkOptions.builder().classLoader(child).build());
        assertThat(l.target()).isEqualTo(Target.X86_64_LINUX);
    }
}
