package dev.rivet.linker.elf;

import dev.rivet.linker.BuildId;
import dev.rivet.linker.SymbolKind;
import dev.rivet.linker.core.output.ChunkedDigest;
import dev.rivet.linker.core.output.LinkContext;
import dev.rivet.linker.core.output.OutputSection;
import dev.rivet.linker.core.output.SyntheticAtoms;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.List;

/**
 * {@code .note.gnu.build-id}: an ELF note (name "GNU", type NT_GNU_BUILD_ID) whose descriptor is
 * the build ID. A hashed ID is computed over the finished output with the descriptor still zero,
 * so the same inputs give the same ID.
 */
final class BuildIdNote {
    static final String SECTION = ".note.gnu.build-id";
    private static final int NT_GNU_BUILD_ID = 3;
    private static final int HEADER = 16; // namesz, descsz, type, "GNU\0"

    private BuildIdNote() { }

    static void create(LinkContext ctx) {
        BuildId id = ctx.options.buildId();
        if (id.style() == BuildId.Style.NONE) {
            SyntheticAtoms.retire(ctx, SECTION);
            return;
        }
        int len = id.length();
        byte[] fixed = switch (id.style()) {
            case HEX -> id.value();
            case UUID -> uuid();
            default -> null; // hashed in finish()
        };
        SyntheticAtoms.make(ctx, SECTION, SymbolKind.RODATA, Elf.SHT_NOTE, Elf.SHF_ALLOC, 4, HEADER + align4(len), out -> {
            ByteBuffer b = out.buffer();
            b.putInt(0, 4);
            b.putInt(4, len);
            b.putInt(8, NT_GNU_BUILD_ID);
            b.put(12, new byte[] {'G', 'N', 'U', 0});
            if (fixed != null) {
                b.put(HEADER, fixed);
            }
        });
    }

    /** Hashes the whole output into the note's descriptor, for the hashed styles. */
    static void finish(LinkContext ctx, List<OutputSection> sections, ByteBuffer out) {
        BuildId id = ctx.options.buildId();
        byte[] hash = switch (id.style()) {
            case FAST -> ChunkedDigest.fast(ctx, out, out.limit(), id.length());
            case SHA1 -> ChunkedDigest.of(ctx, "SHA-1", out, out.limit());
            case MD5 -> ChunkedDigest.of(ctx, "MD5", out, out.limit());
            default -> null;
        };
        if (hash != null) {
            OutputSection note = sections.stream().filter(s -> s.name.equals(SECTION)).findFirst().orElseThrow();
            out.put((int) note.fileOffset + HEADER, hash);
        }
    }

    private static byte[] uuid() {
        byte[] b = new byte[16];
        new SecureRandom().nextBytes(b);
        b[6] = (byte) ((b[6] & 0x0f) | 0x40); // version 4
        b[8] = (byte) ((b[8] & 0x3f) | 0x80); // variant 1
        return b;
    }

    private static int align4(int n) {
        return (n + 3) & ~3;
    }
}
