package dev.rivet.linker.core.output;

import dev.rivet.linker.Diagnostic;
import dev.rivet.linker.LinkException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.function.Consumer;

/**
 * Writes an output through a mapped temporary file beside the destination and renames it into
 * place, so a failed or cancelled link leaves no partial file and the previous output intact.
 */
public final class OutputFile {

    private OutputFile() { }

    /**
     * Writes a file.
     *
     * @param dest the destination
     * @param size its size
     * @param executable whether to make it mode 0755
     * @param writer fills the mapped bytes (little-endian, all zero at first)
     * @throws LinkException if the file cannot be written; the destination is then untouched
     */
    public static void write(Path dest, long size, boolean executable, Consumer<ByteBuffer> writer) {
        if (size > Integer.MAX_VALUE) {
            throw new LinkException(Diagnostic.error("output of " + size + " bytes is larger than 2 GiB, which Rivet cannot write yet")
                    .withInput(dest.toString()));
        }
        Path abs = dest.toAbsolutePath();
        Path dir = abs.getParent();
        Path tmp = null;
        boolean done = false;
        try {
            tmp = createTemporary(dir, abs.getFileName().toString());
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                if (size > 0) {
                    MappedFiles.Mapping map = MappedFiles.map(ch, FileChannel.MapMode.READ_WRITE, size);
                    try {
                        writer.accept(map.buffer().order(ByteOrder.LITTLE_ENDIAN));
                    } finally {
                        // While a writable mapping exists, Linux refuses to execute the file
                        // (ETXTBSY): release it now, not when the buffer is collected.
                        map.release();
                    }
                }
            }
            if (executable) {
                makeExecutable(tmp);
            }
            FileChannel previous = holdPrevious(abs);
            try {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                releaseLater(previous);
            }
            done = true;
        } catch (FileSystemException e) {
            throw new LinkException(Diagnostic.error("cannot write output: " + e.getReason()).withInput(
                    e.getFile() == null ? dest.toString() : e.getFile()), e);
        } catch (IOException e) {
            throw new LinkException(Diagnostic.error("cannot write output: " + e).withInput(dest.toString()), e);
        } catch (InternalError e) {
            // A mapped write that fails (disk full) surfaces as an InternalError.
            throw new LinkException(Diagnostic.error("cannot write output: " + e.getMessage()).withInput(dest.toString()), e);
        } finally {
            if (!done && tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // Best effort: the link already failed with the reason that matters.
                }
            }
        }
    }

    /**
     * Opens the output a previous link left, if any, so that the rename over it does not free
     * its blocks and pages: for a large file that costs the rename as much as 10% of a link (lld
     * releases the old output in the background too). {@return the open file, or null}
     */
    private static FileChannel holdPrevious(Path dest) {
        try {
            if (Files.isRegularFile(dest, java.nio.file.LinkOption.NOFOLLOW_LINKS) && Files.size(dest) >= RELEASE_LATER_SIZE) {
                return FileChannel.open(dest, StandardOpenOption.READ);
            }
        } catch (IOException | SecurityException e) {
            // Unreadable: the rename frees it then, as it would anyway.
        }
        return null;
    }

    /** Outputs smaller than this are freed by the rename itself: too cheap to hand over. */
    private static final long RELEASE_LATER_SIZE = 1 << 20;

    /**
     * One daemon thread, started when needed and gone after a second idle, that closes previous
     * outputs: the last close of a replaced file is what frees it.
     */
    private static final java.util.concurrent.ThreadPoolExecutor RELEASER = new java.util.concurrent.ThreadPoolExecutor(
            0, 1, 1, java.util.concurrent.TimeUnit.SECONDS, new java.util.concurrent.LinkedBlockingQueue<>(), r -> {
                Thread t = new Thread(r, "rivet-output-release");
                t.setDaemon(true);
                return t;
            });

    private static void releaseLater(FileChannel previous) {
        if (previous == null) {
            return;
        }
        try {
            RELEASER.execute(() -> closeQuietly(previous));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            closeQuietly(previous);
        }
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // Closing a read-only channel has nothing to lose.
        }
    }

    /**
     * Creates the temporary file with the permissions a new file gets (0666 less the umask),
     * not {@code createTempFile}'s 0600, so that the output ends up with the usual mode.
     */
    private static Path createTemporary(Path dir, String name) throws IOException {
        java.util.concurrent.ThreadLocalRandom rnd = java.util.concurrent.ThreadLocalRandom.current();
        for (int attempt = 0; ; attempt++) {
            Path p = dir.resolve("." + name + "." + Long.toUnsignedString(rnd.nextLong(), 36) + ".tmp");
            try {
                return Files.createFile(p);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                if (attempt > 100) {
                    throw e;
                }
            }
        }
    }

    /** Adds execute permission wherever read permission is (0777 less the umask, as ld does). */
    private static void makeExecutable(Path p) throws IOException {
        try {
            java.util.Set<java.nio.file.attribute.PosixFilePermission> perms = Files.getPosixFilePermissions(p);
            java.util.Set<java.nio.file.attribute.PosixFilePermission> add = java.util.EnumSet.noneOf(java.nio.file.attribute.PosixFilePermission.class);
            for (java.nio.file.attribute.PosixFilePermission r : perms) {
                switch (r) {
                    case OWNER_READ -> add.add(java.nio.file.attribute.PosixFilePermission.OWNER_EXECUTE);
                    case GROUP_READ -> add.add(java.nio.file.attribute.PosixFilePermission.GROUP_EXECUTE);
                    case OTHERS_READ -> add.add(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE);
                    default -> { }
                }
            }
            perms.addAll(add);
            Files.setPosixFilePermissions(p, perms);
        } catch (UnsupportedOperationException e) {
            p.toFile().setExecutable(true, false);
        }
    }
}
