package dev.rivet.linker.core.symbols;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;

/**
 * The signatures of the COMDAT groups loaded so far: a later group with a signature already here
 * is dropped. An open-addressing table of the signatures' bytes and their {@link ByteHash}es,
 * without the entry objects of a {@code HashSet}: a C++ link adds one signature per inline
 * function of every object, and the set's entry chasing showed in the profile of binding archive
 * members. Signatures are looked up in place in the mapped inputs and copied only when added:
 * decoding each into a {@code String} to look it up was most of reading a C++ object's groups.
 * {@link #contains} may run on several threads while one thread adds.
 */
public final class GroupSignatures {
    /** Keys are published with release and read with acquire: a reader sees a key's bytes whole. */
    private static final VarHandle KEY = MethodHandles.arrayElementVarHandle(byte[][].class);
    private byte[][] keys = new byte[1024][];
    private int[] hashes = new int[1024];
    private int size;

    /**
     * {@return whether a group with this signature has been added} Safe while another thread adds
     * (inputs are parsed as earlier ones are bound): a true answer is always right, as only added
     * signatures are ever stored, each published whole (release, acquire) and compared whole, its
     * length first; a signature being added, or the table being grown, may be missed, which costs
     * the caller only the decoding of a group that binding then drops.
     *
     * @param buf the bytes holding the signature
     * @param off where it starts (an absolute index)
     * @param len its length
     * @param hash {@code ByteHash.of(buf, off, len)}
     */
    public boolean contains(ByteBuffer buf, int off, int len, int hash) {
        byte[][] ks = keys;
        int[] hs = hashes;
        if (ks.length != hs.length) {
            return false; // caught between the two arrays of a growth
        }
        int mask = ks.length - 1;
        // Ends: a table is never more than half full, and an old one is no longer written.
        for (int i = hash & mask; ; i = (i + 1) & mask) {
            byte[] k = (byte[]) KEY.getAcquire(ks, i);
            if (k == null) {
                return false;
            }
            if (hs[i] == hash && k.length == len && ByteHash.equal(k, 0, buf, off, len)) {
                return true;
            }
        }
    }

    /**
     * Adds a signature, copying its bytes; {@return true if it was not there (the group is kept)}
     *
     * @param buf the bytes holding the signature
     * @param off where it starts (an absolute index)
     * @param len its length
     * @param hash {@code ByteHash.of(buf, off, len)}
     */
    public boolean add(ByteBuffer buf, int off, int len, int hash) {
        int mask = keys.length - 1;
        int i = hash & mask;
        for (; keys[i] != null; i = (i + 1) & mask) {
            if (hashes[i] == hash && keys[i].length == len && ByteHash.equal(keys[i], 0, buf, off, len)) {
                return false;
            }
        }
        byte[] k = new byte[len];
        buf.get(off, k);
        hashes[i] = hash;
        KEY.setRelease(keys, i, k);
        if (++size * 2 > keys.length) {
            grow();
        }
        return true;
    }

    /** {@return how many signatures there are} */
    public int size() {
        return size;
    }

    private void grow() {
        byte[][] oldKeys = keys;
        int[] oldHashes = hashes;
        keys = new byte[oldKeys.length * 2][];
        hashes = new int[keys.length];
        int mask = keys.length - 1;
        for (int j = 0; j < oldKeys.length; j++) {
            if (oldKeys[j] != null) {
                int i = oldHashes[j] & mask;
                while (keys[i] != null) {
                    i = (i + 1) & mask;
                }
                hashes[i] = oldHashes[j];
                KEY.setRelease(keys, i, oldKeys[j]);
            }
        }
    }
}
