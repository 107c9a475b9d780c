package dev.rivet.linker.elf;

import dev.rivet.linker.Architecture;
import dev.rivet.linker.core.arch.Arm64;
import dev.rivet.linker.core.arch.X86_64;
import it.unimi.dsi.fastutil.ints.Int2IntOpenHashMap;
import it.unimi.dsi.fastutil.ints.Int2ObjectOpenHashMap;

/**
 * ELF relocation types of each architecture, mapped onto the core's relocation operations. Types
 * that exist but are not handled yet map to -1 and are reported by name; other numbers are
 * unknown.
 */
final class RelocationTypes {
    /** The relocation that does nothing; skipped. */
    static final int NONE = 0;

    private final Int2IntOpenHashMap ops = new Int2IntOpenHashMap();
    private final Int2ObjectOpenHashMap<String> names = new Int2ObjectOpenHashMap<>();

    private static final RelocationTypes X86 = new RelocationTypes();
    private static final RelocationTypes ARM = new RelocationTypes();

    static {
        X86.ops.defaultReturnValue(-2);
        X86.add(1, "R_X86_64_64", X86_64.ABS64);
        X86.add(2, "R_X86_64_PC32", X86_64.PC32);
        X86.add(3, "R_X86_64_GOT32", -1);
        X86.add(4, "R_X86_64_PLT32", X86_64.PLT32);
        X86.add(9, "R_X86_64_GOTPCREL", X86_64.GOTPCREL);
        X86.add(10, "R_X86_64_32", X86_64.ABS32);
        X86.add(11, "R_X86_64_32S", X86_64.ABS32S);
        X86.add(12, "R_X86_64_16", -1);
        X86.add(13, "R_X86_64_PC16", -1);
        X86.add(14, "R_X86_64_8", -1);
        X86.add(15, "R_X86_64_PC8", -1);
        X86.add(17, "R_X86_64_DTPOFF64", X86_64.DTPOFF64);
        X86.add(19, "R_X86_64_TLSGD", X86_64.TLSGD);
        X86.add(20, "R_X86_64_TLSLD", X86_64.TLSLD);
        X86.add(21, "R_X86_64_DTPOFF32", X86_64.DTPOFF32);
        X86.add(22, "R_X86_64_GOTTPOFF", X86_64.GOTTPOFF);
        X86.add(23, "R_X86_64_TPOFF32", X86_64.TPOFF32);
        X86.add(24, "R_X86_64_PC64", X86_64.PC64);
        X86.add(25, "R_X86_64_GOTOFF64", -1);
        X86.add(26, "R_X86_64_GOTPC32", -1);
        X86.add(32, "R_X86_64_SIZE32", -1);
        X86.add(33, "R_X86_64_SIZE64", -1);
        X86.add(34, "R_X86_64_GOTPC32_TLSDESC", X86_64.GOTPC32_TLSDESC);
        X86.add(35, "R_X86_64_TLSDESC_CALL", X86_64.TLSDESC_CALL);
        X86.add(41, "R_X86_64_GOTPCRELX", X86_64.GOTPCRELX);
        X86.add(42, "R_X86_64_REX_GOTPCRELX", X86_64.REX_GOTPCRELX);

        ARM.ops.defaultReturnValue(-2);
        ARM.add(257, "R_AARCH64_ABS64", Arm64.ABS64);
        ARM.add(258, "R_AARCH64_ABS32", Arm64.ABS32);
        ARM.add(259, "R_AARCH64_ABS16", -1);
        ARM.add(260, "R_AARCH64_PREL64", Arm64.PREL64);
        ARM.add(261, "R_AARCH64_PREL32", Arm64.PREL32);
        ARM.add(262, "R_AARCH64_PREL16", -1);
        for (int i = 0; i < 8; i++) {
            ARM.add(263 + i, "R_AARCH64_MOVW_UABS_G" + (i / 2) + (i % 2 == 1 ? "_NC" : ""), -1);
        }
        ARM.add(274, "R_AARCH64_ADR_PREL_LO21", Arm64.ADR_PREL_LO21);
        ARM.add(275, "R_AARCH64_ADR_PREL_PG_HI21", Arm64.ADR_PREL_PG_HI21);
        ARM.add(276, "R_AARCH64_ADR_PREL_PG_HI21_NC", -1);
        ARM.add(277, "R_AARCH64_ADD_ABS_LO12_NC", Arm64.ADD_ABS_LO12_NC);
        ARM.add(278, "R_AARCH64_LDST8_ABS_LO12_NC", Arm64.LDST8_ABS_LO12_NC);
        ARM.add(279, "R_AARCH64_TSTBR14", Arm64.TSTBR14);
        ARM.add(280, "R_AARCH64_CONDBR19", Arm64.CONDBR19);
        ARM.add(282, "R_AARCH64_JUMP26", Arm64.JUMP26);
        ARM.add(283, "R_AARCH64_CALL26", Arm64.CALL26);
        ARM.add(284, "R_AARCH64_LDST16_ABS_LO12_NC", Arm64.LDST16_ABS_LO12_NC);
        ARM.add(285, "R_AARCH64_LDST32_ABS_LO12_NC", Arm64.LDST32_ABS_LO12_NC);
        ARM.add(286, "R_AARCH64_LDST64_ABS_LO12_NC", Arm64.LDST64_ABS_LO12_NC);
        ARM.add(299, "R_AARCH64_LDST128_ABS_LO12_NC", Arm64.LDST128_ABS_LO12_NC);
        ARM.add(311, "R_AARCH64_ADR_GOT_PAGE", Arm64.ADR_GOT_PAGE);
        ARM.add(312, "R_AARCH64_LD64_GOT_LO12_NC", Arm64.LD64_GOT_LO12_NC);
        ARM.add(313, "R_AARCH64_LD64_GOTPAGE_LO15", Arm64.LD64_GOTPAGE_LO15);
        ARM.add(512, "R_AARCH64_TLSGD_ADR_PREL21", -1);
        ARM.add(513, "R_AARCH64_TLSGD_ADR_PAGE21", -1);
        ARM.add(514, "R_AARCH64_TLSGD_ADD_LO12_NC", -1);
        ARM.add(541, "R_AARCH64_TLSIE_ADR_GOTTPREL_PAGE21", Arm64.TLSIE_ADR_GOTTPREL_PAGE21);
        ARM.add(542, "R_AARCH64_TLSIE_LD64_GOTTPREL_LO12_NC", Arm64.TLSIE_LD64_GOTTPREL_LO12_NC);
        ARM.add(549, "R_AARCH64_TLSLE_ADD_TPREL_HI12", Arm64.TLSLE_ADD_TPREL_HI12);
        ARM.add(550, "R_AARCH64_TLSLE_ADD_TPREL_LO12", Arm64.TLSLE_ADD_TPREL_LO12);
        ARM.add(551, "R_AARCH64_TLSLE_ADD_TPREL_LO12_NC", Arm64.TLSLE_ADD_TPREL_LO12_NC);
        ARM.add(562, "R_AARCH64_TLSDESC_ADR_PAGE21", Arm64.TLSDESC_ADR_PAGE21);
        ARM.add(563, "R_AARCH64_TLSDESC_LD64_LO12", Arm64.TLSDESC_LD64_LO12);
        ARM.add(564, "R_AARCH64_TLSDESC_ADD_LO12", Arm64.TLSDESC_ADD_LO12);
        ARM.add(569, "R_AARCH64_TLSDESC_CALL", Arm64.TLSDESC_CALL);
    }

    private RelocationTypes() { }

    /** {@link #ops} for types below 1024 (all x86-64 and AArch64 ones): every relocation of every input is looked up. */
    private final int[] small = filledWithUnknown();

    private static int[] filledWithUnknown() {
        int[] a = new int[1024];
        java.util.Arrays.fill(a, -2);
        return a;
    }

    private void add(int type, String name, int op) {
        ops.put(type, op);
        names.put(type, name);
        if (type >= 0 && type < small.length) {
            small[type] = op;
        }
    }

    static RelocationTypes of(Architecture a) {
        return a == Architecture.X86_64 ? X86 : ARM;
    }

    /** {@return the core operation for a type: -1 if known but not handled yet, -2 if unknown} */
    int op(int type) {
        return type >= 0 && type < small.length ? small[type] : ops.get(type);
    }

    /** {@return the number of a type given by name, or -1 if the table does not know it} @param name such as {@code R_X86_64_PC32} */
    int number(String name) {
        for (var e : names.int2ObjectEntrySet()) {
            if (e.getValue().equals(name)) {
                return e.getIntKey();
            }
        }
        return -1;
    }

    /** {@return the handled types as (number, name), in number order, for documentation} */
    java.util.SortedMap<Integer, String> handled() {
        java.util.SortedMap<Integer, String> out = new java.util.TreeMap<>();
        names.forEach((k, v) -> {
            if (ops.get((int) k) >= 0) {
                out.put(k, v);
            }
        });
        return out;
    }

    /** {@return the type's name, such as {@code R_X86_64_PC32}, or its number} */
    String name(int type) {
        String n = names.get(type);
        return n != null ? n : "type " + type;
    }
}
