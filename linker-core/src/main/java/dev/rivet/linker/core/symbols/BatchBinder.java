package dev.rivet.linker.core.symbols;

import dev.rivet.linker.Diagnostic;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Binds the symbols of several files at once, on several threads, with the result of binding
 * them one file after another: the same symbol indices, owners and errors, whatever the thread
 * count. As in mold, the name table is split into shards by name hash and each shard is worked
 * by one thread, so no lock is taken:
 * <ol>
 * <li>per file, in parallel: its globals are sorted by shard (and hashed, if the reader did not);
 * <li>per shard, in parallel: each global, in file order, is found in the table or among the
 *     names this batch brought first, or is recorded as a new name at its first mention;
 * <li>on one thread, in file order: static symbols and new names get their indices, as binding
 *     file after file would number them (a cheap pass over flags);
 * <li>per shard, in parallel: new names are copied and put in the table, then every mention is
 *     bound ({@link SymbolTable#bind}) in file order, so the same definition wins.
 * </ol>
 * Only files whose names are their own mapped bytes ({@link InputFile#nameBytes}) are batched.
 */
final class BatchBinder {
    /**
     * One file's symbols, as {@link SymbolLoader#bindFileSymbols} takes them; their names are in
     * the file's own bytes ({@link InputFile#nameBytes}).
     */
    record Entry(InputFile file, int[] offset, int[] length, int[] hash, int[] found, boolean foundIsComplete,
            Runnable afterBind) {
    }

    private static final int SHARDS = SymbolTable.SHARDS;

    private final SymbolTable table;
    private final List<Entry> batch;
    private final int n;
    // Per file: its names' hashes, and its globals' local indices sorted by shard, shard k's in
    // [start[k], start[k + 1]).
    private final int[][] hash;
    private final int[][] byShard;
    private final int[][] start;
    // Per shard: names first brought by this batch, as (file, local) of their first mention, and
    // the index each is given.
    private final int[][] newFile = new int[SHARDS][];
    private final int[][] newLocal = new int[SHARDS][];
    private final int[][] newSymbol = new int[SHARDS][];
    private final int[] newCount = new int[SHARDS];
    private final byte[][] newBytes = new byte[SHARDS][];
    private final int[][] newOffset = new int[SHARDS][];

    private BatchBinder(SymbolTable table, List<Entry> batch) {
        this.table = table;
        this.batch = batch;
        this.n = batch.size();
        this.hash = new int[n][];
        this.byShard = new int[n][];
        this.start = new int[n][];
    }

    /**
     * Binds the files' symbols.
     *
     * @return the errors, in file and symbol order, as binding file after file finds them
     */
    static List<Diagnostic> bind(SymbolTable table, List<Entry> batch, boolean strictDupok, AtomTable atoms, SymbolLoader.ParallelFor parallel) {
        BatchBinder b = new BatchBinder(table, batch);
        long symbols = 0;
        for (Entry e : batch) {
            symbols += e.file().symCount;
        }
        // A few tasks of many files or shards each: most batches (an archive round's last members)
        // are small, and a task per shard cost more than the binding.
        int tasks = symbols < SERIAL_BELOW ? 1 : TASKS;
        inTasks(parallel, tasks, b.n, b::sortByShard);
        inTasks(parallel, tasks, SHARDS, b::findNames);
        b.number();
        @SuppressWarnings("unchecked")
        List<long[]>[] errors = new List[SHARDS];
        @SuppressWarnings("unchecked")
        List<Diagnostic>[] diagnostics = new List[SHARDS];
        inTasks(parallel, tasks, SHARDS, shard -> b.resolve(shard, strictDupok, atoms, errors, diagnostics));
        return b.inOrder(errors, diagnostics);
    }

    /** Batches with fewer symbols are bound on the calling thread. */
    private static final int SERIAL_BELOW = 4096;
    private static final int TASKS = 8;

    /** Runs body(0..count-1) as {@code tasks} runs of consecutive indices, on the calling thread if one. */
    private static void inTasks(SymbolLoader.ParallelFor parallel, int tasks, int count, java.util.function.IntConsumer body) {
        if (tasks == 1 || count <= 1) {
            for (int i = 0; i < count; i++) {
                body.accept(i);
            }
            return;
        }
        int t = Math.min(tasks, count);
        parallel.run(t, task -> {
            for (int i = (int) ((long) count * task / t), end = (int) ((long) count * (task + 1) / t); i < end; i++) {
                body.accept(i);
            }
        });
    }

    private void sortByShard(int k) {
        Entry e = batch.get(k);
        InputFile f = e.file();
        int count = f.symCount;
        int[] h = e.hash() != null && e.hash().length >= count ? e.hash() : new int[count];
        if (h != e.hash()) {
            for (int l = 0; l < count; l++) {
                h[l] = e.hash() != null && l < e.hash().length ? e.hash()[l] : ByteHash.of(f.nameBytes(), e.offset()[l], e.length()[l]);
            }
        }
        int[] st = new int[SHARDS + 1];
        int globals = 0;
        for (int l = 0; l < count; l++) {
            if (!f.hasFlag(l, InputFile.LOCAL)) {
                st[SymbolTable.shard(h[l]) + 1]++;
                globals++;
            }
        }
        for (int i = 0; i < SHARDS; i++) {
            st[i + 1] += st[i];
        }
        int[] next = java.util.Arrays.copyOf(st, SHARDS);
        int[] sorted = new int[globals];
        for (int l = 0; l < count; l++) {
            if (!f.hasFlag(l, InputFile.LOCAL)) {
                sorted[next[SymbolTable.shard(h[l])]++] = l;
            }
        }
        hash[k] = h;
        byShard[k] = sorted;
        start[k] = st;
    }

    /**
     * Finds each global of one shard, in file order, among the names this batch brought first or
     * in the table; a name found in neither is new here. Its mention records which: the symbol,
     * or {@code -1 - p} for the shard's p-th new name (in {@link InputFile#localToGlobal}, which
     * {@link #resolve} overwrites). A name the reader did not find in the table while parsing is
     * not looked for there again, unless the table has grown since ({@link Entry#foundIsComplete}).
     */
    private void findNames(int shard) {
        int total = 0;
        for (int k = 0; k < n; k++) {
            total += start[k][shard + 1] - start[k][shard];
        }
        int[] nf = new int[total];
        int[] nl = new int[total];
        // The new names' bytes, copied together: comparing with them touches one small array
        // rather than the mapped bytes of the file that brought each.
        int[] nOff = new int[total];
        int[] nLen = new int[total];
        byte[] bytes = new byte[Math.max(64, total * 16)];
        int used = 0;
        // The new names: hash in the high half, p + 1 in the low half; 0 = empty.
        long[] seen = new long[Integer.highestOneBit(Math.max(total * 2, 16) - 1) << 1];
        int mask = seen.length - 1;
        int count = 0;
        for (int k = 0; k < n; k++) {
            Entry e = batch.get(k);
            ByteBuffer names = e.file().nameBytes();
            int[] found = e.found();
            int foundLength = found == null ? 0 : found.length;
            boolean foundIsComplete = e.foundIsComplete();
            int[] h = hash[k];
            int[] lengths = e.length();
            int[] offsets = e.offset();
            int[] sorted = byShard[k];
            int[] localToGlobal = e.file().localToGlobal;
            byte[] copy = e.file().nameCopy;
            int copyBase = e.file().nameCopyBase;
            int copyEnd = copy == null ? 0 : copyBase + copy.length;
            // Invariants are read once per file: a cold link runs this loop as C1 compiles it,
            // which does not hoist them.
            for (int j = start[k][shard], end = start[k][shard + 1]; j < end; j++) {
                int l = sorted[j];
                boolean looked = l < foundLength;
                if (looked && found[l] != 0) {
                    localToGlobal[l] = found[l];
                    continue;
                }
                int hl = h[l];
                int len = lengths[l];
                int off = offsets[l];
                boolean copied = copy != null && off >= copyBase && off + len <= copyEnd;
                int i = hl & mask;
                int p = -1;
                for (long slot; (slot = seen[i]) != 0; i = (i + 1) & mask) {
                    if ((int) (slot >>> 32) == hl) {
                        int q = (int) slot - 1;
                        if (nLen[q] == len && (copied ? ByteHash.equal(bytes, nOff[q], copy, off - copyBase, len)
                                : ByteHash.equal(bytes, nOff[q], names, off, len))) {
                            p = q;
                            break;
                        }
                    }
                }
                if (p < 0) {
                    int s = looked && foundIsComplete ? 0 : table.find(names, off, len, hl);
                    if (s != 0) {
                        localToGlobal[l] = s;
                        continue;
                    }
                    p = count++;
                    nf[p] = k;
                    nl[p] = l;
                    if (used + len > bytes.length) {
                        bytes = java.util.Arrays.copyOf(bytes, Math.max(used + len, bytes.length * 2));
                    }
                    if (copied) {
                        System.arraycopy(copy, off - copyBase, bytes, used, len);
                    } else {
                        names.get(off, bytes, used, len);
                    }
                    nOff[p] = used;
                    nLen[p] = len;
                    used += len;
                    seen[i] = ((long) hl << 32) | (p + 1);
                }
                localToGlobal[l] = -1 - p;
            }
        }
        newFile[shard] = nf;
        newLocal[shard] = nl;
        newBytes[shard] = bytes;
        newOffset[shard] = nOff;
        newSymbol[shard] = new int[count];
        newCount[shard] = count;
    }

    /**
     * Numbers static symbols and new names in file and symbol order, as binding one file after
     * another would.
     */
    private void number() {
        int total = 0;
        for (Entry e : batch) {
            total += e.file().symCount;
        }
        table.ensureCapacity(total);
        for (int k = 0; k < n; k++) {
            Entry e = batch.get(k);
            InputFile f = e.file();
            int[] h = hash[k];
            for (int l = 0; l < f.symCount; l++) {
                if (f.hasFlag(l, InputFile.LOCAL)) {
                    table.take(table.createStaticInFile(e.offset()[l], e.length()[l], h[l]), f, l);
                    continue;
                }
                int v = f.localToGlobal[l];
                if (v < 0) {
                    int shard = SymbolTable.shard(h[l]);
                    int p = -1 - v;
                    if (newFile[shard][p] == k && newLocal[shard][p] == l) {
                        newSymbol[shard][p] = table.newGlobalUnfilled(h[l], e.length()[l]);
                    }
                }
            }
        }
    }

    /** Puts one shard's new names in the table, then binds its mentions in file order. */
    private void resolve(int shard, boolean strictDupok, AtomTable atoms, List<long[]>[] errors, List<Diagnostic>[] diagnostics) {
        table.reserve(shard, newCount[shard]);
        for (int p = 0; p < newCount[shard]; p++) {
            int s = newSymbol[shard][p];
            table.fillName(s, newBytes[shard], newOffset[shard][p]);
            table.insert(s);
        }
        newBytes[shard] = null;
        for (int k = 0; k < n; k++) {
            InputFile f = batch.get(k).file();
            for (int j = start[k][shard], end = start[k][shard + 1]; j < end; j++) {
                int l = byShard[k][j];
                int v = f.localToGlobal[l];
                int s = v < 0 ? newSymbol[shard][-1 - v] : v;
                Diagnostic d = table.bind(s, f, l, strictDupok, atoms);
                if (d != null) {
                    if (errors[shard] == null) {
                        errors[shard] = new ArrayList<>();
                        diagnostics[shard] = new ArrayList<>();
                    }
                    errors[shard].add(new long[] {k, l, diagnostics[shard].size()});
                    diagnostics[shard].add(d);
                }
            }
        }
    }

    private List<Diagnostic> inOrder(List<long[]>[] errors, List<Diagnostic>[] diagnostics) {
        List<long[]> all = new ArrayList<>();
        List<Diagnostic> out = new ArrayList<>();
        for (int shard = 0; shard < SHARDS; shard++) {
            if (errors[shard] != null) {
                for (long[] x : errors[shard]) {
                    all.add(new long[] {x[0], x[1], shard, x[2]});
                }
            }
        }
        all.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
        for (long[] x : all) {
            out.add(diagnostics[(int) x[2]].get((int) x[3]));
        }
        return out;
    }
}
