package dev.rivet.linker.core.output;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rivet.linker.Diagnostic;
import dev.rivet.linker.LinkCancelledException;
import dev.rivet.linker.LinkException;
import dev.rivet.linker.LinkOptions;
import dev.rivet.linker.LinkPhase;
import dev.rivet.linker.Linker;
import dev.rivet.linker.Loader;
import dev.rivet.linker.SymbolKind;
import dev.rivet.linker.Target;
import dev.rivet.linker.core.arch.Arch;
import dev.rivet.linker.core.symbols.SymbolLoader;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** {@link LinkContext}: cancellation, parallel loops and symbol addresses. */
class LinkContextTest {
    private static LinkContext context(ExecutorService executor, int threads, AtomicBoolean cancelled) {
        SymbolLoader loader = new SymbolLoader(Arch.of(Target.X86_64_LINUX.architecture()), false);
        return new LinkContext(Target.X86_64_LINUX, LinkOptions.builder().threads(threads).build(), loader,
                executor, cancelled::get);
    }

    @Test
    void checkCancelledNamesThePhase() {
        AtomicBoolean cancelled = new AtomicBoolean();
        LinkContext ctx = context(null, 1, cancelled);
        ctx.enter(LinkPhase.DEAD_STRIP);
        ctx.checkCancelled();
        cancelled.set(true);
        assertThatThrownBy(ctx::checkCancelled).isInstanceOf(LinkCancelledException.class)
                .hasMessageContaining("dead strip");
        assertThatThrownBy(() -> ctx.enter(LinkPhase.LAYOUT)).isInstanceOf(LinkCancelledException.class)
                .hasMessageContaining("layout");
    }

    @Test
    void parallelForWithoutAnExecutorRunsInOrderOnTheCaller() {
        LinkContext ctx = context(null, 8, new AtomicBoolean());
        assertThat(ctx.parallelism()).isEqualTo(1);
        List<Integer> seen = new ArrayList<>();
        Thread caller = Thread.currentThread();
        ctx.parallelFor(5, i -> {
            assertThat(Thread.currentThread()).isSameAs(caller);
            seen.add(i);
        });
        assertThat(seen).containsExactly(0, 1, 2, 3, 4);
    }

    @Test
    void parallelForRunsEveryTaskOnTheExecutor() {
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            LinkContext ctx = context(pool, 3, new AtomicBoolean());
            assertThat(ctx.parallelism()).isEqualTo(3);
            List<Integer> seen = Collections.synchronizedList(new ArrayList<>());
            ctx.parallelFor(100, seen::add);
            assertThat(seen).hasSize(100).containsExactlyInAnyOrderElementsOf(
                    java.util.stream.IntStream.range(0, 100).boxed().toList());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void parallelForRethrowsAFailureAfterAllTasksEnded() {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            LinkContext ctx = context(pool, 2, new AtomicBoolean());
            AtomicInteger ran = new AtomicInteger();
            LinkException failure = new LinkException(Diagnostic.error("task 3 failed"));
            assertThatThrownBy(() -> ctx.parallelFor(10, i -> {
                ran.incrementAndGet();
                if (i == 3) {
                    throw failure;
                }
            })).isSameAs(failure);
            assertThat(ran.get()).isEqualTo(10);
            assertThatThrownBy(() -> ctx.parallelFor(4, i -> {
                throw new IllegalStateException("plain");
            })).isInstanceOf(IllegalStateException.class).hasMessage("plain");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void startedTasksRunWhileTheCallerWorksAndAwaitWaitsForAll() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            LinkContext ctx = context(pool, 2, new AtomicBoolean());
            java.util.concurrent.CountDownLatch callerWorking = new java.util.concurrent.CountDownLatch(1);
            AtomicInteger ran = new AtomicInteger();
            LinkContext.Started started = ctx.start(6, i -> {
                try {
                    // Only ends once the caller is doing its own work: start must not have waited.
                    assertThat(callerWorking.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                ran.incrementAndGet();
            });
            callerWorking.countDown();
            started.await();
            assertThat(ran.get()).isEqualTo(6);
        } finally {
            pool.shutdownNow();
        }
    }

    /** Starts {@code n} tasks that each count themselves in {@code ran}; task {@code failing} then throws {@code failure}. */
    private static LinkContext.Started startFailingAt(LinkContext ctx, int n, int failing, RuntimeException failure, AtomicInteger ran) {
        return ctx.start(n, i -> {
            ran.incrementAndGet();
            if (i == failing) {
                throw failure;
            }
        });
    }

    @Test
    void awaitRethrowsAStartedTaskFailureAfterAllEnded() {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            LinkContext ctx = context(pool, 2, new AtomicBoolean());
            AtomicInteger ran = new AtomicInteger();
            LinkException failure = new LinkException(Diagnostic.error("task 1 failed"));
            LinkContext.Started started = startFailingAt(ctx, 5, 1, failure, ran);
            assertThatThrownBy(started::await).isSameAs(failure);
            assertThat(ran.get()).isEqualTo(5);
        } finally {
            pool.shutdownNow();
        }
    }

    /** After the caller's own failure: every task ends first, and a task's failure is kept beside the caller's. */
    @Test
    void awaitAfterFailureWaitsForEveryTaskAndKeepsTheirFailureAsSuppressed() {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            LinkContext ctx = context(pool, 2, new AtomicBoolean());
            AtomicInteger ran = new AtomicInteger();
            LinkException taskFailure = new LinkException(Diagnostic.error("task 2 failed"));
            LinkContext.Started started = startFailingAt(ctx, 4, 2, taskFailure, ran);
            IllegalStateException own = new IllegalStateException("the caller's work failed");
            started.awaitAfterFailure(own);
            assertThat(ran.get()).isEqualTo(4);
            assertThat(own.getSuppressed()).containsExactly(taskFailure);

            IllegalStateException quiet = new IllegalStateException("no task failed");
            ctx.start(3, i -> ran.incrementAndGet()).awaitAfterFailure(quiet);
            assertThat(ran.get()).isEqualTo(7);
            assertThat(quiet.getSuppressed()).isEmpty();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void startWithoutAnExecutorRunsTheTasksAtOnce() {
        LinkContext ctx = context(null, 1, new AtomicBoolean());
        List<Integer> seen = new ArrayList<>();
        LinkContext.Started started = ctx.start(3, seen::add);
        assertThat(seen).containsExactly(0, 1, 2);
        started.await();
    }

    @Test
    void startOnAShutDownExecutorFailsAtAwaitWithAHint() {
        ExecutorService pool = Executors.newFixedThreadPool(1);
        pool.shutdown();
        LinkContext ctx = context(pool, 2, new AtomicBoolean());
        LinkContext.Started started = ctx.start(2, i -> { });
        assertThatThrownBy(started::await).isInstanceOf(LinkException.class).hasMessageContaining("refused");
    }

    @Test
    void parallelForStopsWhenCancelled() {
        AtomicBoolean cancelled = new AtomicBoolean(true);
        LinkContext ctx = context(null, 1, cancelled);
        AtomicInteger ran = new AtomicInteger();
        assertThatThrownBy(() -> ctx.parallelFor(3, i -> ran.incrementAndGet()))
                .isInstanceOf(LinkCancelledException.class);
        assertThat(ran.get()).isZero();
    }

    @Test
    void threadLocalSymbolAddressesAreOffsetsInTheThreadLocalBlock() {
        Linker l = Linker.create(Target.X86_64_LINUX, LinkOptions.builder().threads(1).build());
        Loader ld = l.loader();
        int t1 = ld.define("tls_one", SymbolKind.TLS_DATA, b -> b.alignment(8).addUint64(1));
        int t2 = ld.define("tls_two", SymbolKind.TLS_DATA, b -> b.alignment(8).addUint64(2));
        int plain = ld.define("plain", SymbolKind.DATA, b -> b.addUint64(3));
        ld.keep(t1);
        ld.keep(t2);
        ld.keep(plain);
        ld.define("_start", SymbolKind.TEXT, b -> b.addUint8(0xc3));
        l.linkToMemory();
        assertThat(ld.address(t1)).isZero();
        assertThat(ld.address(t2)).isEqualTo(8);
        assertThat(ld.address(plain)).isGreaterThan(0x10000);
    }
}
