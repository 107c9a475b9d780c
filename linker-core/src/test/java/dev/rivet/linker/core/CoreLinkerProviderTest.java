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
    void aChildOfTheTestClassLoaderFindsTheFormat() {
        ClassLoader child = new ClassLoader(getClass().getClassLoader()) { };
        Linker l = new CoreLinkerProvider().create(Target.X86_64_LINUX, LinkOptions.builder().classLoader(child).build());
        assertThat(l.target()).isEqualTo(Target.X86_64_LINUX);
    }
}
