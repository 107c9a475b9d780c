package dev.rivet.linker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class BuildIdTest {
    @Test
    void parsesGnuLdAndLldStyles() {
        assertThat(BuildId.parse("fast").style()).isEqualTo(BuildId.Style.FAST);
        assertThat(BuildId.parse("FAST")).isSameAs(BuildId.fast());
        assertThat(BuildId.fast().length()).isEqualTo(20);
        assertThat(BuildId.parse("sha1").style()).isEqualTo(BuildId.Style.SHA1);
        assertThat(BuildId.parse("tree").style()).isEqualTo(BuildId.Style.SHA1);
        assertThat(BuildId.parse("md5").length()).isEqualTo(16);
        assertThat(BuildId.parse("uuid").length()).isEqualTo(16);
        assertThat(BuildId.parse("none").length()).isZero();
        BuildId hex = BuildId.parse("0xDEADbeef");
        assertThat(hex.style()).isEqualTo(BuildId.Style.HEX);
        assertThat(hex.value()).containsExactly(0xde, 0xad, 0xbe, 0xef);
        assertThat(hex).hasToString("0xdeadbeef");
    }

    @Test
    void rejectsWhatIsNoStyle() {
        assertThatThrownBy(() -> BuildId.parse("0xabc")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0xabc");
        assertThatThrownBy(() -> BuildId.parse("sha256")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BuildId.of(new byte[0])).isInstanceOf(IllegalArgumentException.class);
    }
}
