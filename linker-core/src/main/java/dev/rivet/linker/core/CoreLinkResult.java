package dev.rivet.linker.core;

import dev.rivet.linker.LinkPhase;
import dev.rivet.linker.LinkResult;
import dev.rivet.linker.Target;
import dev.rivet.linker.core.symbols.SymbolLoader;
import dev.rivet.linker.core.symbols.SymbolTable;
import java.nio.file.Path;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/** The engine's {@link LinkResult}. */
final class CoreLinkResult implements LinkResult {
    private final Target target;
    private final Path output;
    private final byte[] bytes;
    private final long size;
    private final long entry;
    private final Map<LinkPhase, Long> times;
    private final Statistics stats;
    private final SymbolTable symbols;
    private final long[] addresses;

    CoreLinkResult(Target target, Path output, byte[] bytes, long size, long entry, Map<LinkPhase, Long> times,
            Statistics stats, SymbolTable symbols, long[] addresses) {
        this.target = target;
        this.output = output;
        this.bytes = bytes;
        this.size = size;
        this.entry = entry;
        this.times = Collections.unmodifiableMap(new EnumMap<>(times));
        this.stats = stats;
        this.symbols = symbols;
        this.addresses = addresses;
    }

    @Override
    public Target target() {
        return target;
    }

    @Override
    public Optional<Path> output() {
        return Optional.ofNullable(output);
    }

    @Override
    public byte[] bytes() {
        if (bytes == null) {
            throw new IllegalStateException("the output went to " + output + ", not to memory");
        }
        return bytes.clone();
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public long entryAddress() {
        return entry;
    }

    @Override
    public OptionalLong address(String name) {
        // This link's addresses, whatever later links do.
        int s = symbols.lookup(name);
        if (s == 0 || s >= addresses.length || addresses[s] == SymbolLoader.NO_ADDRESS) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(addresses[s]);
    }

    @Override
    public Map<LinkPhase, Long> phaseNanos() {
        return times;
    }

    @Override
    public Statistics statistics() {
        return stats;
    }
}
