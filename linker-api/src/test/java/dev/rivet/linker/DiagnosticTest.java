package dev.rivet.linker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class DiagnosticTest {
    @Test
    void rendersInputLocationSeverityMessageAndHint() {
        Diagnostic d = Diagnostic.error("bad thing").withInput("a.o").withLocation(".text+0x10").withHint("do this");
        assertThat(d).hasToString("a.o: .text+0x10: error: bad thing\n>>> do this");
        assertThat(Diagnostic.warning("w")).hasToString("warning: w");
    }

    @Test
    void linkExceptionCarriesEveryDiagnosticInOrder() {
        Diagnostic a = Diagnostic.error("first");
        Diagnostic b = Diagnostic.error("second").withInput("b.o");
        LinkException e = new LinkException(List.of(a, b));
        assertThat(e.diagnostics()).containsExactly(a, b);
        assertThat(e).hasMessage("error: first\nb.o: error: second");
        assertThatThrownBy(() -> new LinkException(List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void cancellationNamesThePhase() {
        assertThat(new LinkCancelledException(LinkPhase.DEAD_STRIP)).hasMessage("error: link cancelled during dead strip");
    }
}
