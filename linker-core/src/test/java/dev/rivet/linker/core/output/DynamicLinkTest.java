package dev.rivet.linker.core.output;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** The export rules of version scripts ({@code global:} / {@code local:} patterns), as GNU ld applies them. */
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
}
