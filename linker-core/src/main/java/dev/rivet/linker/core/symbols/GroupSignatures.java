package dev.rivet.linker.core.symbols;

/**
 * The signatures of the COMDAT groups loaded so far: a later group with a signature already here
 * is dropped. An open-addressing table of the strings and their hashes, without the entry
 * objects of a {@code HashSet}: a C++ link adds one signature per inline function of every
 * object, and the set's entry chasing showed in the profile of binding archive members.
 * {@link #contains} may run on several threads while one thread adds.
 */
public final class GroupSignatures {
    private String[] keys = new String[1024];
    private int[] hashes = new int[1024];
    private int size;

    /**
     * {@return whether a group with this signature has been added} Safe while another thread adds
     * (inputs are parsed as earlier ones are bound): a true answer is always right, as only added
     * signatures are ever stored; a signature being added, or the table being grown, may be
     * missed, which costs the caller only the decoding of a group that binding then drops.
     *
     * @param signature the signature
     */
    public boolean contains(String signature) {
        String[] ks = keys;
        int[] hs = hashes;
        if (ks.length != hs.length) {
            return false; // caught between the two arrays of a growth
        }
        int h = mix(signature.hashCode());
        int mask = ks.length - 1;
        // Ends: a table is never more than half full, and an old one is no longer written.
        for (int i = h & mask; ; i = (i + 1) & mask) {
            String k = ks[i];
            if (k == null) {
                return false;
            }
            if (hs[i] == h && k.equals(signature)) {
                return true;
            }
        }
    }

    /** Adds a signature; {@return true if it was not there (the group is kept)} @param signature the signature */
    public boolean add(String signature) {
        int h = mix(signature.hashCode());
        int mask = keys.length - 1;
        int i = h & mask;
        for (; keys[i] != null; i = (i + 1) & mask) {
            if (hashes[i] == h && keys[i].equals(signature)) {
                return false;
            }
        }
        keys[i] = signature;
        hashes[i] = h;
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
        String[] oldKeys = keys;
        int[] oldHashes = hashes;
        keys = new String[oldKeys.length * 2];
        hashes = new int[keys.length];
        int mask = keys.length - 1;
        for (int j = 0; j < oldKeys.length; j++) {
            if (oldKeys[j] != null) {
                int i = oldHashes[j] & mask;
                while (keys[i] != null) {
                    i = (i + 1) & mask;
                }
                keys[i] = oldKeys[j];
                hashes[i] = oldHashes[j];
            }
        }
    }

    private static int mix(int h) {
        h *= 0x9E3779B9;
        return h ^ (h >>> 16);
    }
}
