package dev.rivet.linker.macho;

import dev.rivet.linker.core.output.LinkContext;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * An ad-hoc code signature ({@code LC_CODE_SIGNATURE}'s data) as ld64 and lld write it, which arm64
 * macOS requires of every program: an embedded-signature SuperBlob holding one CodeDirectory
 * (version 0x20400, {@code CS_ADHOC | CS_LINKER_SIGNED}, SHA-256, 4 KiB pages, no special slots)
 * whose code slots are the hashes of the file's pages up to the signature. All fields are
 * big-endian. The identifier (the output's file name) is padded so that the hashes start 16-byte
 * aligned from the SuperBlob, and the whole blob is a multiple of 16 bytes.
 */
final class CodeSignature {
    static final int PAGE_SIZE = 4096;
    static final int PAGE_SHIFT = 12;
    static final int CSMAGIC_EMBEDDED_SIGNATURE = 0xfade0cc0;
    static final int CSMAGIC_CODEDIRECTORY = 0xfade0c02;
    static final int CSSLOT_CODEDIRECTORY = 0;
    static final int CS_SUPPORTSEXECSEG = 0x20400;
    static final int CS_ADHOC = 0x2;
    static final int CS_LINKER_SIGNED = 0x20000;
    static final int CS_HASHTYPE_SHA256 = 2;
    static final int CS_EXECSEG_MAIN_BINARY = 0x1;
    static final int HASH_SIZE = 32;
    /** SuperBlob (magic, length, count) and its one index entry (type, offset), padded to 8 as lld does. */
    static final int BLOB_HEADERS_SIZE = 24;
    /** The CodeDirectory's fixed part, up to and including the exec-segment fields of version 0x20400. */
    static final int CODE_DIRECTORY_SIZE = 88;

    private CodeSignature() { }

    /** {@return the size of the headers and the padded identifier: where the hashes start} */
    private static int headersSize(String identifier) {
        return align16(BLOB_HEADERS_SIZE + CODE_DIRECTORY_SIZE + identifier.getBytes(StandardCharsets.UTF_8).length + 1);
    }

    private static long pages(long codeLimit) {
        return (codeLimit + PAGE_SIZE - 1) / PAGE_SIZE;
    }

    private static int align16(long v) {
        return Math.toIntExact((v + 15) & ~15L);
    }

    /**
     * {@return the bytes of the signature blob}
     *
     * @param identifier the code's identifier: the output file's name, without directories
     * @param codeLimit the file offset where the signature starts: everything before it is hashed
     */
    static int size(String identifier, long codeLimit) {
        return align16(headersSize(identifier) + pages(codeLimit) * HASH_SIZE);
    }

    /**
     * Writes the signature at {@code signatureOffset}, hashing the file's pages before it in
     * parallel; the result does not depend on the number of threads.
     *
     * @param ctx the link, whose threads hash the pages
     * @param file the whole output from position 0, with everything before the signature final
     * @param signatureOffset where the signature goes, which is also the code limit
     * @param identifier the code's identifier, as given to {@link #size}
     * @param textSegmentFileOffset the {@code __TEXT} segment's file offset (the exec segment base)
     * @param textSegmentFileSize its file size (the exec segment limit)
     * @param mainExecutable whether the output is an executable ({@code CS_EXECSEG_MAIN_BINARY})
     */
    static void write(LinkContext ctx, ByteBuffer file, int signatureOffset, String identifier, long textSegmentFileOffset,
                      long textSegmentFileSize, boolean mainExecutable) {
        byte[] id = identifier.getBytes(StandardCharsets.UTF_8);
        int total = size(identifier, signatureOffset);
        int headers = headersSize(identifier);
        int pages = Math.toIntExact(pages(signatureOffset));
        ByteBuffer out = file.duplicate().order(ByteOrder.BIG_ENDIAN);
        out.position(signatureOffset);
        out.putInt(CSMAGIC_EMBEDDED_SIGNATURE).putInt(total).putInt(1);
        out.putInt(CSSLOT_CODEDIRECTORY).putInt(BLOB_HEADERS_SIZE).putInt(0);
        out.putInt(CSMAGIC_CODEDIRECTORY);
        out.putInt(total - BLOB_HEADERS_SIZE);
        out.putInt(CS_SUPPORTSEXECSEG);
        out.putInt(CS_ADHOC | CS_LINKER_SIGNED);
        out.putInt(headers - BLOB_HEADERS_SIZE); // hashOffset
        out.putInt(CODE_DIRECTORY_SIZE); // identOffset
        out.putInt(0); // nSpecialSlots
        out.putInt(pages); // nCodeSlots
        out.putInt(signatureOffset); // codeLimit
        out.put((byte) HASH_SIZE).put((byte) CS_HASHTYPE_SHA256).put((byte) 0).put((byte) PAGE_SHIFT);
        out.putInt(0); // spare2
        out.putInt(0); // scatterOffset
        out.putInt(0); // teamOffset
        out.putInt(0); // spare3
        out.putLong(0); // codeLimit64: codeLimit fits
        out.putLong(textSegmentFileOffset);
        out.putLong(textSegmentFileSize);
        out.putLong(mainExecutable ? CS_EXECSEG_MAIN_BINARY : 0);
        out.put(id);
        while (out.position() < signatureOffset + headers) {
            out.put((byte) 0);
        }
        int hashes = signatureOffset + headers;
        // The hash slots and the padding are written from Java first: the first write to a page
        // of a mapped file allocates its block, and a full disk fails it with an error the output
        // turns into a LinkException (OutputFile) here, where in libcrypto (PageHashes) it would
        // be a fatal SIGBUS.
        file.put(hashes, new byte[signatureOffset + total - hashes]);
        dev.rivet.linker.core.output.PageHashes.sha256(ctx, file, signatureOffset, PAGE_SIZE, file, hashes);
    }
}
