package dev.rivet.linker.core.passes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rivet.linker.Diagnostic;
import dev.rivet.linker.LinkException;
import dev.rivet.linker.LinkOptions;
import dev.rivet.linker.Linker;
import dev.rivet.linker.Loader;
import dev.rivet.linker.RelocationKind;
import dev.rivet.linker.SymbolKind;
import dev.rivet.linker.Target;
import dev.rivet.linker.core.arch.X86_64;
import dev.rivet.linker.core.symbols.InputFile;
import dev.rivet.linker.testing.TestObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link RelocationScan}: each undefined symbol once, with every site that refers to it. */
class RelocationScanTest {
    private final Linker linker = Linker.create(Target.X86_64_LINUX, LinkOptions.builder().threads(1).build());
    private final Loader ld = linker.loader();

    private void caller(String name, int target) {
        ld.define(name, SymbolKind.TEXT, b -> {
            b.addUint8(0xe8);
            b.relocation(b.addUint32(0), RelocationKind.BRANCH, target, 0);
        });
    }

    private List<Diagnostic> linkErrors() {
        try {
            linker.linkToMemory();
        } catch (LinkException e) {
            return e.diagnostics();
        }
        throw new AssertionError("the link succeeded");
    }

    @Test
    void anUndefinedSymbolIsReportedOnceWithEveryReferencingSymbol() {
        int missing = ld.lookupOrCreate("not_there");
        caller("first_caller", missing);
        caller("second_caller", missing);
        int a = ld.lookup("first_caller");
        int b = ld.lookup("second_caller");
        ld.define("_start", SymbolKind.TEXT, bb -> {
            bb.addAddress(a, 0);
            bb.addAddress(b, 0);
        });

        assertThatThrownBy(linker::linkToMemory).isInstanceOf(LinkException.class)
                .hasMessageContaining("undefined symbol: not_there")
                .hasMessageContaining("first_caller")
                .hasMessageContaining("second_caller");
        List<Diagnostic> errors = linkErrors();
        assertThat(errors).hasSize(1);
        assertThat(errors.get(0).severity()).isEqualTo(Diagnostic.Severity.ERROR);
        assertThat(errors.get(0).message()).contains("'first_caller'+0x1").contains("'second_caller'+0x1");
    }

    @Test
    void eachUndefinedSymbolIsItsOwnDiagnostic() {
        int m1 = ld.lookupOrCreate("missing_one");
        int m2 = ld.lookupOrCreate("missing_two");
        ld.define("_start", SymbolKind.TEXT, b -> {
            b.addAddress(m1, 0);
            b.addAddress(m2, 0);
        });

        List<Diagnostic> errors = linkErrors();
        assertThat(errors).hasSize(2);
        assertThat(errors.get(0).message()).startsWith("undefined symbol: missing_one");
        assertThat(errors.get(1).message()).startsWith("undefined symbol: missing_two");
    }

    @Test
    void aReferenceFromAnObjectNamesTheFile() {
        TestObject o = TestObject.named("caller.o");
        int text = o.section(SymbolKind.TEXT, 4, new byte[] {(byte) 0xe8, 0, 0, 0, 0});
        int fn = o.define("obj_fn", text, 0, 5, 0);
        int ext = o.undefined("extern_fn", 0);
        o.relocation(text, 1, X86_64.PLT32, ext, -4);
        TestObject.Loaded lo = o.addTo(linker);
        ld.define("_start", SymbolKind.TEXT, b -> b.addAddress(lo.global(fn), 0));

        assertThatThrownBy(linker::linkToMemory).isInstanceOf(LinkException.class)
                .hasMessageContaining("undefined symbol: extern_fn")
                .hasMessageContaining("caller.o")
                .hasMessageContaining("+0x1");
    }

    @Test
    void weakReferencesAreNotErrors() {
        TestObject o = TestObject.named("weak.o");
        int data = o.section(SymbolKind.DATA, 8, new byte[8]);
        int p = o.define("p", data, 0, 8, 0);
        o.relocation(data, 0, X86_64.ABS64, o.undefined("optional", InputFile.WEAK), 0);
        TestObject.Loaded lo = o.addTo(linker);
        ld.define("_start", SymbolKind.TEXT, b -> b.addAddress(lo.global(p), 0));

        assertThat(linker.linkToMemory().address("p")).isPresent();
    }

    @Test
    void aStrongReferenceAlongsideAWeakOneIsAnError() {
        TestObject w = TestObject.named("weak.o");
        int wd = w.section(SymbolKind.DATA, 8, new byte[8]);
        int wp = w.define("wp", wd, 0, 8, 0);
        w.relocation(wd, 0, X86_64.ABS64, w.undefined("optional", InputFile.WEAK), 0);
        TestObject.Loaded lw = w.addTo(linker);
        TestObject s = TestObject.named("strong.o");
        int sd = s.section(SymbolKind.DATA, 8, new byte[8]);
        int sp = s.define("sp", sd, 0, 8, 0);
        s.relocation(sd, 0, X86_64.ABS64, s.undefined("optional", 0), 0);
        TestObject.Loaded ls = s.addTo(linker);
        ld.define("_start", SymbolKind.TEXT, b -> {
            b.addAddress(lw.global(wp), 0);
            b.addAddress(ls.global(sp), 0);
        });

        assertThatThrownBy(linker::linkToMemory).isInstanceOf(LinkException.class)
                .hasMessageContaining("undefined symbol: optional");
    }

    @Test
    void manySitesAreSummarised() {
        int missing = ld.lookupOrCreate("popular");
        int[] callers = new int[15];
        for (int i = 0; i < callers.length; i++) {
            caller("caller_" + i, missing);
            callers[i] = ld.lookup("caller_" + i);
        }
        ld.define("_start", SymbolKind.TEXT, b -> {
            for (int c : callers) {
                b.addAddress(c, 0);
            }
        });

        List<Diagnostic> errors = linkErrors();
        assertThat(errors).hasSize(1);
        String msg = errors.get(0).message();
        assertThat(msg).contains("referenced 5 more times");
        assertThat(msg.lines().filter(line -> line.startsWith(">>> referenced by"))).hasSize(10);
    }

    @Test
    void undefinedStaticSymbolsAreReportedToo() {
        int st = ld.createStatic("never_filled");
        ld.define("_start", SymbolKind.TEXT, b -> b.addAddress(st, 0));
        assertThatThrownBy(linker::linkToMemory).isInstanceOf(LinkException.class)
                .hasMessageContaining("undefined symbol: never_filled");
    }


    @Test
    void ordinaryRelocationsToThreadLocalSymbolsAreRejected() {
        dev.rivet.linker.Linker l = dev.rivet.linker.Linker.create(dev.rivet.linker.Target.X86_64_LINUX);
        dev.rivet.linker.Loader x = l.loader();
        int tv = x.define("tv", dev.rivet.linker.SymbolKind.TLS_DATA, b -> b.addUint64(7));
        x.define("_start", dev.rivet.linker.SymbolKind.TEXT, b -> b.addAddress(tv, 0));
        org.assertj.core.api.Assertions.assertThatThrownBy(l::linkToMemory)
                .isInstanceOf(dev.rivet.linker.LinkException.class)
                .hasMessageContaining("R_X86_64_64 cannot refer to thread-local symbol 'tv'")
                .hasMessageContaining("'_start'");
    }
}
