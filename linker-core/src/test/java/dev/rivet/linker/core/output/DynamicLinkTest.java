package dev.rivet.linker.core.output;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rivet.linker.LinkOptions;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** The export and version rules of version scripts ({@code global:} / {@code local:} patterns, named versions), as GNU ld applies them. */
class DynamicLinkTest {
    @Test
    void withoutPatternsEverythingIsExported() {
        assertThat(DynamicLink.exportFilter(List.of(), List.of()).test("anything")).isTrue();
    }

    @Test
    void aGlobalWildcardBeatsLocalStar() {
        Predicate<String> f = DynamicLink.exportFilter(List.of("lib_*", "exact"), List.of("*"));
        assertThat(f.test("lib_add")).isTrue();
        assertThat(f.test("exact")).isTrue();
        assertThat(f.test("helper")).isFalse();
        assertThat(f.test("lib")).isFalse();
    }

    @Test
    void exactNamesDecideBeforeWildcards() {
        Predicate<String> f = DynamicLink.exportFilter(List.of("api_*"), List.of("api_internal", "tmp?"));
        assertThat(f.test("api_open")).isTrue();
        assertThat(f.test("api_internal")).isFalse();
        assertThat(f.test("tmp1")).isFalse();
        assertThat(f.test("tmp12")).isTrue(); // '?' is one character; nothing else hides it
        assertThat(f.test("other")).isTrue(); // no pattern matches: stays global
    }

    @Test
    void bracketsMatchOneOfASet() {
        Predicate<String> f = DynamicLink.exportFilter(List.of(), List.of("f[ab]"));
        assertThat(f.test("fa")).isFalse();
        assertThat(f.test("fc")).isTrue();
    }

    @Test
    void aSymbolGetsTheVersionThatNamesItExactlyElseTheFirstWildcard() {
        var versions = List.of(
                new LinkOptions.SymbolVersion("V1", Optional.empty(), List.of("api_*", "old")),
                new LinkOptions.SymbolVersion("V2", Optional.of("V1"), List.of("api_new", "*")));
        var versionOf = DynamicLink.versionMatcher(versions);
        assertThat(versionOf.applyAsInt("old")).isZero();
        assertThat(versionOf.applyAsInt("api_new")).isEqualTo(1); // exact in V2 beats V1's wildcard
        assertThat(versionOf.applyAsInt("api_x")).isZero();
        assertThat(versionOf.applyAsInt("other")).isEqualTo(1);
        assertThat(DynamicLink.versionMatcher(List.of()).applyAsInt("any")).isEqualTo(-1);
    }

    @Test
    void versionsMustBeDefinedOnceAndAfterTheirParents() {
        var v2 = new LinkOptions.SymbolVersion("V2", Optional.of("V1"), List.of("b"));
        var v1 = new LinkOptions.SymbolVersion("V1", Optional.empty(), List.of("a"));
        assertThatThrownBy(() -> LinkOptions.builder().symbolVersions(List.of(v2, v1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("V1, which is not defined before it");
        assertThatThrownBy(() -> LinkOptions.builder().symbolVersions(List.of(v1, v1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("defined twice");
        assertThat(LinkOptions.builder().symbolVersions(List.of(v1, v2)).build().symbolVersions()).containsExactly(v1, v2);
    }
}
