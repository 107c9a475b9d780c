package dev.rivet.linker.testing;

import dev.rivet.linker.ObjectFormat;
import dev.rivet.linker.SymbolKind;
import dev.rivet.linker.Target;
import dev.rivet.linker.core.output.LinkContext;
import dev.rivet.linker.core.output.OutputFormat;
import dev.rivet.linker.core.output.OutputPlan;
import dev.rivet.linker.core.output.OutputSection;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * A headerless output format for engine tests: the live sections with bytes one after another
 * from {@link #BASE} (file offset = address - BASE), then the sections without bytes. It writes
 * nothing of its own, so every byte of the output is an atom's byte (or padding).
 *
 * <p>Registered in this test jar's {@code META-INF/services} so that {@code Linker.create} works
 * for ELF targets in linker-core's tests. It is only a fallback: when any other
 * {@link OutputFormat} is on the class path (as in the format modules' tests, which use this test
 * jar), it supports nothing and the real format is chosen.
 */
public final class FlatTestFormat implements OutputFormat {
    /** The address of the first byte of the output. */
    public static final long BASE = 0x10000;

    /** Called by {@link ServiceLoader}. */
    public FlatTestFormat() { }

    /** {@return the file offset of an address in a section with bytes} @param address an address */
    public static int fileOffset(long address) {
        return Math.toIntExact(address - BASE);
    }

    /**
     * {@return bytes of a memory-linked output, read at an address}
     *
     * @param image the output of {@code linkToMemory()}
     * @param address where to start
     * @param length how many bytes
     */
    public static byte[] read(byte[] image, long address, int length) {
        int off = fileOffset(address);
        return java.util.Arrays.copyOfRange(image, off, off + length);
    }

    /** {@return the little-endian 8-byte value at an address of a memory-linked output} */
    public static long readLong(byte[] image, long address) {
        return ByteBuffer.wrap(image).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong(fileOffset(address));
    }

    /** {@return the little-endian 4-byte value at an address of a memory-linked output} */
    public static int readInt(byte[] image, long address) {
        return ByteBuffer.wrap(image).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt(fileOffset(address));
    }

    @Override
    public String name() {
        return "flat-test";
    }

    @Override
    public boolean supports(Target target) {
        return target.format() == ObjectFormat.ELF && !otherFormatPresent();
    }

    private static boolean otherFormatPresent() {
        for (OutputFormat f : ServiceLoader.load(OutputFormat.class, FlatTestFormat.class.getClassLoader())) {
            if (!(f instanceof FlatTestFormat)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public OutputPlan plan(LinkContext ctx) {
        List<OutputSection> collected = new ArrayList<>(OutputSection.collect(ctx, Enum::name));
        // Kind order (TEXT, RODATA, DATA, ...), stable within a kind, so tests can predict layout.
        collected.sort(java.util.Comparator.comparingInt(s -> s.kind.ordinal()));
        List<OutputSection> sections = new ArrayList<>();
        long addr = BASE;
        for (OutputSection s : collected) {
            if (!s.noBits()) {
                addr = align(addr, s.alignment);
                s.place(ctx, addr, addr - BASE);
                sections.add(s);
                addr += s.size;
            }
        }
        long fileSize = addr - BASE;
        for (OutputSection s : collected) {
            if (s.noBits()) {
                addr = align(addr, s.alignment);
                s.place(ctx, addr, fileSize);
                sections.add(s);
                addr += s.size;
            }
        }
        long tlsBase = 0;
        for (OutputSection s : sections) {
            if (s.kind.isThreadLocal() && (tlsBase == 0 || s.address < tlsBase)) {
                tlsBase = s.address;
            }
        }
        long entry = ctx.entrySymbol == 0 ? 0 : ctx.addressOf(ctx.entrySymbol);
        return new Plan(List.copyOf(sections), fileSize, entry, tlsBase);
    }

    private static long align(long v, long a) {
        return (v + a - 1) & -a;
    }

    private record Plan(List<OutputSection> sections, long fileSize, long entryAddress, long tlsBase)
            implements OutputPlan {
        @Override
        public boolean executable() {
            return true;
        }

        @Override
        public void writeFormatData(LinkContext ctx, ByteBuffer out) {
            // No headers: the output is the sections' bytes only.
        }
    }
}
