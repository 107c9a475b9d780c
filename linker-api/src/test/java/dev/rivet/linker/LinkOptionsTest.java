package dev.rivet.linker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

class LinkOptionsTest {
    @Test
    void defaultsLeaveTheEntryToTheTargetAndUseEveryCore() {
        LinkOptions o = LinkOptions.defaults();
        assertThat(o.entry()).isEmpty();
        assertThat(o.deadStrip()).isTrue();
        assertThat(o.strictDupok()).isFalse();
        assertThat(o.threads()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(o.executor()).isEmpty();
        assertThat(o.listener()).isSameAs(LinkListener.NONE);
        assertThat(o.classLoader()).isEmpty();
        assertThat(o.buildId().style()).isEqualTo(BuildId.Style.NONE);
        assertThat(o.executableStack()).isFalse();
        assertThat(o.ehFrameHeader()).isTrue();
    }

    @Test
    void builderSetsEveryOptionAndToBuilderCopiesThem() {
        ExecutorService ex = Executors.newSingleThreadExecutor();
        try {
            LinkListener l = new LinkListener() { };
            LinkOptions o = LinkOptions.builder().entry("main").deadStrip(false).strictDupok(true).threads(3)
                    .executor(ex).listener(l).classLoader(getClass().getClassLoader())
                    .buildId(BuildId.md5()).executableStack(true).ehFrameHeader(false).build();
            LinkOptions copy = o.toBuilder().build();
            for (LinkOptions x : new LinkOptions[] {o, copy}) {
                assertThat(x.entry()).hasValue("main");
                assertThat(x.deadStrip()).isFalse();
                assertThat(x.strictDupok()).isTrue();
                assertThat(x.threads()).isEqualTo(3);
                assertThat(x.executor()).containsSame(ex);
                assertThat(x.listener()).isSameAs(l);
                assertThat(x.classLoader()).containsSame(getClass().getClassLoader());
                assertThat(x.buildId()).isSameAs(BuildId.md5());
                assertThat(x.executableStack()).isTrue();
                assertThat(x.ehFrameHeader()).isFalse();
            }
        } finally {
            ex.shutdown();
        }
    }

    @Test
    void optionsAreImmutable() {
        LinkOptions.Builder b = LinkOptions.builder().threads(2);
        LinkOptions o = b.build();
        b.threads(5).entry("x");
        assertThat(o.threads()).isEqualTo(2);
        assertThat(o.entry()).isEmpty();
    }

    @Test
    void badValuesAreRejected() {
        assertThatThrownBy(() -> LinkOptions.builder().threads(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("threads must be at least 1");
        assertThatThrownBy(() -> LinkOptions.builder().entry("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LinkOptions.builder().listener(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void machOOptionsHaveDefaultsAndSurviveToBuilder() {
        LinkOptions d = LinkOptions.defaults();
        assertThat(d.minOsVersion()).isEmpty();
        assertThat(d.sdkVersion()).isEmpty();
        assertThat(d.adhocCodeSignature()).isEmpty();
        assertThat(d.dynamicLookup()).isFalse();
        assertThat(d.chainedFixups()).isFalse();
        LinkOptions o = LinkOptions.builder().platformVersion("11.0", "12.3.1").adhocCodeSignature(false)
                .dynamicLookup(true).chainedFixups(true).build().toBuilder().build();
        assertThat(o.minOsVersion()).contains("11.0");
        assertThat(o.sdkVersion()).contains("12.3.1");
        assertThat(o.adhocCodeSignature()).contains(false);
        assertThat(o.dynamicLookup()).isTrue();
        assertThat(o.chainedFixups()).isTrue();
        assertThatThrownBy(() -> LinkOptions.builder().platformVersion("eleven", "12.0"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("eleven");
    }
}
