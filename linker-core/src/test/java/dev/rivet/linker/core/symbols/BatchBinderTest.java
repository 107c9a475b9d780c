package dev.rivet.linker.core.symbols;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rivet.linker.LinkException;
import dev.rivet.linker.SymbolKind;
import dev.rivet.linker.Target;
import dev.rivet.linker.core.arch.Arch;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Binding files together on several threads ({@link SymbolLoader#deferBinding}) gives what
 * binding them one after another gives: the same symbol indices, names, owners and errors.
 */
class BatchBinderTest {
    private static final ExecutorService POOL = Executors.newFixedThreadPool(4);

    @AfterAll
    static void stop() {
        POOL.shutdown();
    }

    /** Runs the bodies on four threads, in an order that differs from run to run. */
    private static void onThreads(int n, java.util.function.IntConsumer body) {
        List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int first = t;
            fs.add(POOL.submit(() -> {
                for (int i = n - 1 - first; i >= 0; i -= 4) {
                    body.accept(i);
                }
            }));
        }
        for (Future<?> f : fs) {
            try {
                f.get();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
    }

    /** One symbol of a generated file. */
    private record Sym(String name, SymbolKind kind, int flags, long size) {
    }

    /**
     * Files with statics, references and definitions (strong, weak, dupok, common) of names from
     * a shared pool, so that names repeat within and across files and some are defined twice.
     */
    private static List<List<Sym>> files(long seed, int count, int pool) {
        Random r = new Random(seed);
        List<List<Sym>> files = new ArrayList<>();
        for (int f = 0; f < count; f++) {
            List<Sym> syms = new ArrayList<>();
            syms.add(new Sym("", SymbolKind.ABSOLUTE, InputFile.LOCAL, 0));
            int n = 5 + r.nextInt(60);
            for (int i = 0; i < n; i++) {
                String name = "sym" + r.nextInt(pool);
                switch (r.nextInt(9)) {
                    case 0, 1 -> syms.add(new Sym(".L" + f + "_" + i, SymbolKind.TEXT, InputFile.LOCAL, 0));
                    case 2 -> syms.add(new Sym(name, SymbolKind.TEXT, 0, 8));
                    case 3 -> syms.add(new Sym(name, SymbolKind.TEXT, InputFile.WEAK, 8));
                    case 4 -> syms.add(new Sym(name, SymbolKind.BSS, 0, 1 + r.nextInt(64)));
                    case 5 -> syms.add(new Sym(name, SymbolKind.DATA, InputFile.DUPOK, 8));
                    case 6 -> syms.add(new Sym(name, SymbolKind.UNDEFINED, InputFile.WEAK, 0));
                    default -> syms.add(new Sym(name, SymbolKind.UNDEFINED, 0, 0));
                }
            }
            files.add(syms);
        }
        return files;
    }

    /** A loader with the files registered and filled, not bound; the inputs are in order. */
    private static final class Loaded {
        final SymbolLoader loader = new SymbolLoader(Arch.of(Target.X86_64_LINUX.architecture()), false);
        final List<ObjectFile> objects = new ArrayList<>();
        final List<int[]> offsets = new ArrayList<>();
        final List<int[]> lengths = new ArrayList<>();
        /** Each global's symbol as a reader finds it while parsing, before anything is bound. */
        final List<int[]> foundWhenParsed = new ArrayList<>();

        Loaded(List<List<Sym>> files) {
            loader.symbols.lookupOrCreate("sym3"); // a name already in the table
            for (int k = 0; k < files.size(); k++) {
                List<Sym> syms = files.get(k);
                ByteArrayOutputStream names = new ByteArrayOutputStream();
                int[] off = new int[syms.size()];
                int[] len = new int[syms.size()];
                for (int l = 0; l < syms.size(); l++) {
                    byte[] b = syms.get(l).name().getBytes(StandardCharsets.UTF_8);
                    off[l] = names.size();
                    len[l] = b.length;
                    names.writeBytes(b);
                }
                ObjectFile f = new ObjectFile("f" + k + ".o", ByteBuffer.wrap(names.toByteArray()), loader.atoms);
                loader.symbols.addFile(f);
                for (Sym s : syms) {
                    int atom = s.kind() == SymbolKind.UNDEFINED || s.kind() == SymbolKind.ABSOLUTE ? 0
                            : f.addSection(s.kind(), 8, 0, s.size());
                    f.addSymbol(s.kind(), s.flags(), atom, 0, s.size());
                }
                objects.add(f);
                offsets.add(off);
                lengths.add(len);
                int[] found = new int[syms.size()];
                for (int l = 0; l < found.length; l++) {
                    if ((syms.get(l).flags() & InputFile.LOCAL) == 0) {
                        found[l] = loader.symbols.find(f.nameBytes(), off[l], len[l], ByteHash.of(f.nameBytes(), off[l], len[l]));
                    }
                }
                foundWhenParsed.add(found);
            }
        }

        /**
         * Binds file k as a reader does, with the hashes of its names or without, and, if it
         * was parsed before anything was bound, the symbols found then; {@return its errors}
         */
        List<String> bind(int k, boolean withHashes, boolean parsedFirst, Runnable afterBind) {
            ObjectFile f = objects.get(k);
            int[] hash = null;
            if (withHashes) {
                hash = new int[f.symCount];
                for (int l = 0; l < hash.length; l++) {
                    hash[l] = ByteHash.of(f.nameBytes(), offsets.get(k)[l], lengths.get(k)[l]);
                }
            }
            try {
                loader.bindFileSymbols(f, f.nameBytes(), offsets.get(k), lengths.get(k), hash,
                        parsedFirst ? foundWhenParsed.get(k) : null, afterBind);
                return List.of();
            } catch (LinkException e) {
                return e.diagnostics().stream().map(Object::toString).toList();
            }
        }

        /** Everything binding decides, as text. */
        String state() {
            StringBuilder b = new StringBuilder();
            SymbolTable t = loader.symbols;
            b.append("count ").append(t.count).append('\n');
            for (int s = 1; s < t.count; s++) {
                b.append(s).append(' ').append(t.name(s)).append(' ').append(t.isStatic.get(s)).append(' ')
                        .append(t.file[s]).append(':').append(t.local[s]).append('\n');
            }
            for (ObjectFile f : objects) {
                for (int l = 0; l < f.symCount; l++) {
                    b.append(f.localToGlobal[l]).append(' ');
                }
                b.append('\n');
            }
            return b.toString();
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void filesBoundTogetherGetWhatFilesBoundOneAfterAnotherGet(long seed) {
        List<List<Sym>> files = files(seed, 250, 600);
        Loaded serial = new Loaded(files);
        List<String> serialErrors = new ArrayList<>();
        for (int k = 0; k < files.size(); k++) {
            serialErrors.addAll(serial.bind(k, true, false, null));
        }

        Loaded batch = new Loaded(files);
        batch.loader.deferBinding(BatchBinderTest::onThreads);
        for (int k = 0; k < files.size(); k++) {
            if (k % 4 == 1) {
                // As the ELF reader does, a copy of the bytes that hold names; here from a third
                // of the way in, so that the names before it are compared in the buffer.
                ObjectFile f = batch.objects.get(k);
                int base = f.nameBytes().limit() / 3;
                byte[] copy = new byte[f.nameBytes().limit() - base];
                f.nameBytes().get(base, copy);
                batch.loader.keepNameCopy(f, copy, base);
            }
            // Some readers hash every name, some leave the hashes to binding.
            assertThat(batch.bind(k, k % 3 != 0, k % 2 == 0, null)).isEmpty();
        }
        assertThat(batch.loader.symbols.count).as("nothing is bound before bindDeferred, but sym3").isEqualTo(2);
        List<String> batchErrors = List.of();
        try {
            batch.loader.bindDeferred();
        } catch (LinkException e) {
            batchErrors = e.diagnostics().stream().map(Object::toString).toList();
        }
        assertThat(serialErrors).as("the inputs define some names twice").anyMatch(e -> e.contains("duplicate symbol"));
        assertThat(batchErrors).isEqualTo(serialErrors);
        assertThat(batch.state()).isEqualTo(serial.state());
        assertThat(batch.objects).as("the copies are dropped once bound").allMatch(f -> f.nameCopy == null);
        assertThat(batch.loader.nameCopyBytes()).isZero();
        // The table finds every global by name afterwards.
        for (int s = 1; s < batch.loader.symbols.count; s++) {
            if (!batch.loader.symbols.isStatic.get(s)) {
                assertThat(batch.loader.symbols.lookup(batch.loader.symbols.name(s))).isEqualTo(s);
            }
        }
    }

    @Test
    void aFileThatCannotWaitIsBoundAfterTheFilesBeforeIt() {
        // Each name defined strongly once at most, so that no file fails.
        java.util.Set<String> defined = new java.util.HashSet<>();
        List<List<Sym>> files = files(7, 20, 50).stream().map(syms -> syms.stream().map(x -> x.kind() == SymbolKind.TEXT
                && x.flags() == 0 && !defined.add(x.name()) ? new Sym(x.name(), SymbolKind.UNDEFINED, 0, 0) : x).toList()).toList();
        Loaded serial = new Loaded(files);
        List<String> serialErrors = new ArrayList<>();
        IntStream.range(0, files.size()).forEach(k -> serialErrors.addAll(serial.bind(k, true, false, null)));

        Loaded batch = new Loaded(files);
        batch.loader.deferBinding(BatchBinderTest::onThreads);
        int[] seenAt = new int[files.size()];
        List<String> batchErrors = new ArrayList<>();
        for (int k = 0; k < files.size(); k++) {
            int file = k;
            if (k == 10) {
                // Names from a buffer other than the file's own bytes cannot wait.
                ObjectFile f = batch.objects.get(k);
                ByteBuffer copy = ByteBuffer.allocate(f.nameBytes().capacity()).put(f.nameBytes().duplicate()).flip();
                try {
                    batch.loader.bindFileSymbols(f, copy, batch.offsets.get(k), batch.lengths.get(k), null, null,
                            () -> seenAt[file] = batch.loader.symbols.count);
                } catch (LinkException e) {
                    // The errors of the files before it, which were bound first.
                    e.diagnostics().forEach(d -> batchErrors.add(d.toString()));
                }
                assertThat(seenAt[k]).as("bound at once").isPositive();
                assertThat(batch.objects.get(9).localToGlobal[1]).as("after the files before it").isPositive();
            } else {
                // Those after it were parsed before it added its symbols: their finds are stale.
                batch.bind(k, true, true, () -> seenAt[file] = batch.loader.symbols.count);
            }
        }
        try {
            batch.loader.bindDeferred();
        } catch (LinkException e) {
            e.diagnostics().forEach(d -> batchErrors.add(d.toString()));
        }
        assertThat(serialErrors).isEmpty();
        assertThat(batchErrors).isEmpty();
        assertThat(seenAt).as("every afterBind ran").doesNotContain(0);
        assertThat(batch.state()).isEqualTo(serial.state());
    }

    @Test
    void anEmptyGlobalNameAtTheStartOfItsBytesBindsWithOrWithoutACopy() {
        // Offset 0 and length 0 lie in any range, a file's without a copy included.
        List<List<Sym>> files = new ArrayList<>();
        for (String name : List.of("a", "b", "c", "d")) {
            files.add(List.of(new Sym("", SymbolKind.UNDEFINED, name.equals("b") ? InputFile.WEAK : 0, 0),
                    new Sym(name, SymbolKind.TEXT, 0, 8)));
        }
        Loaded serial = new Loaded(files);
        for (int k = 0; k < files.size(); k++) {
            assertThat(serial.bind(k, true, false, null)).isEmpty();
        }
        Loaded batch = new Loaded(files);
        batch.loader.deferBinding(BatchBinderTest::onThreads);
        ObjectFile withCopy = batch.objects.get(1);
        byte[] names = new byte[withCopy.nameBytes().limit()];
        withCopy.nameBytes().get(0, names);
        batch.loader.keepNameCopy(withCopy, names, 0);
        for (int k = 0; k < files.size(); k++) {
            assertThat(batch.bind(k, true, false, null)).isEmpty();
        }
        batch.loader.bindDeferred();
        assertThat(batch.state()).isEqualTo(serial.state());
    }

    @Test
    void nameCopiesAreKeptUpToALimit() {
        List<Sym> syms = List.of(new Sym("", SymbolKind.ABSOLUTE, InputFile.LOCAL, 0), new Sym("x", SymbolKind.UNDEFINED, 0, 0));
        Loaded batch = new Loaded(List.of(syms, syms, syms));
        batch.loader.deferBinding(BatchBinderTest::onThreads);
        // One array stands for two copies just over half the limit each: the second is not kept.
        byte[] big = new byte[(int) (SymbolLoader.NAME_COPY_LIMIT / 2 + 1)];
        batch.objects.get(0).nameBytes().get(0, big, 0, batch.objects.get(0).nameBytes().limit());
        batch.loader.keepNameCopy(batch.objects.get(0), big, 0);
        batch.loader.keepNameCopy(batch.objects.get(1), big, 0);
        assertThat(batch.objects.get(0).nameCopy).isSameAs(big);
        assertThat(batch.objects.get(1).nameCopy).isNull();
        assertThat(batch.loader.nameCopyBytes()).isEqualTo(big.length);
        assertThat(batch.bind(0, true, false, null)).isEmpty();
        assertThat(batch.bind(1, true, false, null)).isEmpty();
        assertThat(batch.objects.get(0).nameCopy).as("waiting with its file").isSameAs(big);
        // A file that cannot wait drops its copy when bound at once; the batch drops the rest.
        ObjectFile third = batch.objects.get(2);
        batch.loader.keepNameCopy(third, new byte[4], 0);
        batch.loader.bindFileSymbols(third, ByteBuffer.wrap(new byte[] {0, 'x'}), new int[] {0, 1}, new int[] {0, 1}, null, null);
        assertThat(third.nameCopy).isNull();
        assertThat(batch.objects.get(0).nameCopy).as("bound before the file that could not wait").isNull();
        assertThat(batch.loader.nameCopyBytes()).isZero();
    }

    @Test
    void bindingStopsBeingDeferredEvenWhenItFails() {
        List<Sym> twice = List.of(new Sym("", SymbolKind.ABSOLUTE, InputFile.LOCAL, 0), new Sym("dup", SymbolKind.TEXT, 0, 8));
        List<Sym> other = List.of(new Sym("", SymbolKind.ABSOLUTE, InputFile.LOCAL, 0), new Sym("other", SymbolKind.TEXT, 0, 8));
        Loaded batch = new Loaded(List.of(twice, twice, other));
        batch.loader.deferBinding(BatchBinderTest::onThreads);
        assertThat(batch.bind(0, true, true, null)).isEmpty();
        assertThat(batch.bind(1, true, true, null)).isEmpty();
        assertThatThrownBy(batch.loader::bindDeferred).isInstanceOf(LinkException.class)
                .hasMessageContaining("duplicate symbol: dup").hasMessageContaining("f0.o").hasMessageContaining("f1.o");
        assertThat(batch.bind(2, true, true, null)).isEmpty();
        assertThat(batch.loader.symbols.lookup("other")).as("bound at once").isPositive();
    }
}
