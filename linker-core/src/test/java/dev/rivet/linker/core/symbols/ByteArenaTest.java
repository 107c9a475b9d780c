package dev.rivet.linker.core.symbols;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** {@link ByteArena}: handles, chunking, large items. */
class ByteArenaTest {
    private static final int CHUNK = 1 << 20;

    private static byte[] filled(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (seed + i * 7);
        }
        return b;
    }

    private static byte[] at(ByteArena arena, int h, int n) {
        int o = ByteArena.offset(h);
        return Arrays.copyOfRange(arena.chunk(h), o, o + n);
    }

    @Test
    void addedBytesAreReadBackThroughTheirHandles() {
        ByteArena arena = new ByteArena();
        byte[] x = filled(10, 1);
        byte[] y = filled(33, 2);
        int hx = arena.add(x, 0, x.length);
        int hy = arena.add(y, 3, 20);
        assertThat(at(arena, hx, 10)).containsExactly(x);
        assertThat(at(arena, hy, 20)).containsExactly(Arrays.copyOfRange(y, 3, 23));
        assertThat(arena.bytesUsed()).isEqualTo(30);
    }

    @Test
    void smallItemsShareAChunkBackToBack() {
        ByteArena arena = new ByteArena();
        int a = arena.allocate(100);
        int b = arena.allocate(50);
        assertThat(arena.chunk(a)).isSameAs(arena.chunk(b));
        assertThat(ByteArena.offset(b)).isEqualTo(ByteArena.offset(a) + 100);
    }

    @Test
    void allocatedSpaceIsZeroAndWritable() {
        ByteArena arena = new ByteArena();
        int h = arena.allocate(64);
        assertThat(at(arena, h, 64)).containsOnly(0);
        arena.chunk(h)[ByteArena.offset(h) + 63] = 9;
        assertThat(at(arena, h, 64)[63]).isEqualTo((byte) 9);
    }

    @Test
    void anItemThatDoesNotFitStartsANewChunk() {
        ByteArena arena = new ByteArena();
        int first = arena.allocate(CHUNK / 4);      // fits in the first chunk
        int second = arena.allocate(CHUNK / 4);
        int third = arena.allocate(CHUNK / 4);
        int fourth = arena.allocate(CHUNK / 4 - 10);
        int spill = arena.allocate(20);              // 10 bytes left: spills over
        assertThat(arena.chunk(second)).isSameAs(arena.chunk(first));
        assertThat(arena.chunk(third)).isSameAs(arena.chunk(first));
        assertThat(arena.chunk(fourth)).isSameAs(arena.chunk(first));
        assertThat(arena.chunk(spill)).isNotSameAs(arena.chunk(first));
        assertThat(ByteArena.offset(spill)).isZero();
    }

    @Test
    void largeItemsGetAChunkOfTheirOwnAndDoNotDisturbTheCurrentOne() {
        ByteArena arena = new ByteArena();
        int small = arena.allocate(10);
        byte[] big = filled(CHUNK / 4 + 1, 5);
        int hb = arena.add(big, 0, big.length);
        int next = arena.allocate(10);
        assertThat(arena.chunk(hb)).hasSize(big.length);
        assertThat(ByteArena.offset(hb)).isZero();
        assertThat(at(arena, hb, big.length)).containsExactly(big);
        assertThat(arena.chunk(next)).isSameAs(arena.chunk(small));
        assertThat(ByteArena.offset(next)).isEqualTo(10);
    }

    @Test
    void itemsLargerThanAChunkAreKept() {
        ByteArena arena = new ByteArena();
        byte[] huge = filled(3 * CHUNK + 17, 9);
        int h = arena.add(huge, 0, huge.length);
        assertThat(at(arena, h, huge.length)).containsExactly(huge);
        assertThat(arena.bytesUsed()).isEqualTo(huge.length);
    }

    @Test
    void manyChunksKeepEveryItem() {
        ByteArena arena = new ByteArena();
        int n = 40; // more chunks than the initial chunk table holds
        int[] handles = new int[n];
        for (int i = 0; i < n; i++) {
            handles[i] = arena.add(filled(CHUNK / 2, i), 0, CHUNK / 2);
        }
        for (int i = 0; i < n; i++) {
            assertThat(at(arena, handles[i], CHUNK / 2)).as("item %d", i).containsExactly(filled(CHUNK / 2, i));
        }
    }

    @Test
    void aLargeItemTakesOneHandleEntryPerMiBSoLaterHandlesStayDistinct() {
        ByteArena arena = new ByteArena();
        byte[] huge = filled(3 * CHUNK + 17, 4);
        int h = arena.add(huge, 0, huge.length);
        byte[] after = filled(CHUNK / 2, 6);
        int h2 = arena.add(after, 0, after.length);
        assertThat(h2 >>> 20).as("the big item spans entries 0 to 3").isEqualTo((h >>> 20) + 4);
        assertThat(at(arena, h, huge.length)).containsExactly(huge);
        assertThat(at(arena, h2, after.length)).containsExactly(after);
    }
}
