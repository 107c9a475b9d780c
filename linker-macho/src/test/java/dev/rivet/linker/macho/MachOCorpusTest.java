package dev.rivet.linker.macho;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rivet.linker.Target;
import dev.rivet.linker.testing.ExternalTools;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * C programs without system headers (they declare the libSystem functions they call), compiled by
 * clang for arm64 and x86_64 macOS, linked by Rivet and by ld64.lld against the emulated
 * libSystem's stub, and run under the Mach-O runner at two slides: both must print the same and exit
 * the same, and llvm-objdump and llvm-otool must read Rivet's output without a warning.
 */
class MachOCorpusTest {
    static final String DECLS = MachOLinks.LIB_SYSTEM_DECLS;

    @TempDir
    Path dir;

    /** A program: its name and its source files (name, text), the last ones optionally put in an archive. */
    record Program(String name, int archived, String... files) { }

    static List<Program> programs() {
        return List.of(
                new Program("hello", 0, "hello.c", DECLS + """
                        int main(void) {
                          puts("hello, world");
                          printf("%s has %d characters\\n", "hello", (int) strlen("hello"));
                          return 3;
                        }
                        """),
                new Program("function-table", 0, "table.c", DECLS + """
                        static int add(int a, int b) { return a + b; }
                        static int sub(int a, int b) { return a - b; }
                        static int mul(int a, int b) { return a * b; }
                        int (*ops[])(int, int) = {add, sub, mul, add};
                        const char *names[] = {"add", "sub", "mul", "add again"};
                        int main(int argc, char **argv) {
                          int acc = 1;
                          for (int i = 0; i < 4; i++) {
                            acc = ops[i](acc, i + argc);
                            printf("%s -> %d\\n", names[i], acc);
                          }
                          return acc & 0x7f;
                        }
                        """),
                new Program("pointers", 0, "pointers.c", DECLS + """
                        struct node { const char *name; struct node *next; int *value; };
                        int values[] = {10, 20, 30};
                        struct node c = {"third", 0, &values[2]};
                        struct node b = {"second", &c, &values[1]};
                        struct node a = {"first", &b, &values[0]};
                        struct node *head = &a;
                        const char *const messages[] = {"zero", "one", "two", "three"};
                        const char **table = (const char **) messages;
                        int main(void) {
                          int sum = 0;
                          for (struct node *n = head; n; n = n->next) {
                            printf("%s=%d\\n", n->name, *n->value);
                            sum += *n->value;
                          }
                          puts(table[sum % 4]);
                          return sum % 256;
                        }
                        """),
                new Program("many-imports", 0, "imports.c", DECLS + """
                        int main(int argc, char **argv) {
                          char buf[64];
                          strcpy(buf, "lazy");
                          strcat(buf, " binding");
                          int n = snprintf(buf + strlen(buf), 20, " #%d", atoi("41") + 1);
                          puts(buf);
                          printf("%d %d %d\\n", n, abs(-7), strcmp("a", "b") < 0);
                          memset(buf, 'x', 3);
                          buf[3] = 0;
                          putchar(buf[0]);
                          putchar('\\n');
                          printf("%s %d %s\\n", buf, memcmp(buf, "xxx", 3), strchr("needle", 'd'));
                          return (int) strlen(buf) + argc;
                        }
                        """),
                new Program("heap", 0, "heap.c", DECLS + """
                        struct item { int key; struct item *next; };
                        int main(void) {
                          struct item *list = 0;
                          for (int i = 0; i < 50; i++) {
                            struct item *it = malloc(sizeof *it);
                            it->key = i * i;
                            it->next = list;
                            list = it;
                          }
                          long sum = 0;
                          while (list) {
                            struct item *next = list->next;
                            sum += list->key;
                            free(list);
                            list = next;
                          }
                          int *z = calloc(16, sizeof(int));
                          z = realloc(z, 64 * sizeof(int));
                          printf("sum %ld %d\\n", sum, z[15]);
                          free(z);
                          return (int) (sum % 200);
                        }
                        """),
                new Program("switch", 0, "switch.c", DECLS + """
                        __attribute__((noinline)) const char *name(int d) {
                          switch (d) {
                            case 0: return "zero"; case 1: return "one"; case 2: return "two";
                            case 3: return "three"; case 4: return "four"; case 5: return "five";
                            case 6: return "six"; case 7: return "seven"; case 8: return "eight";
                            default: return "many";
                          }
                        }
                        __attribute__((noinline)) int score(int d) {
                          switch (d) {
                            case 0: return 11; case 1: return 7; case 2: return 19; case 3: return 3;
                            case 4: return 23; case 5: return 5; case 6: return 29; case 7: return 2;
                            default: return 1;
                          }
                        }
                        int main(int argc, char **argv) {
                          int total = 0;
                          for (int i = 0; i < 10; i++) {
                            printf("%d:%s ", i, name(i + argc - 1));
                            total += score(i);
                          }
                          putchar('\\n');
                          return total;
                        }
                        """),
                new Program("two-files", 0, "main.c", DECLS + """
                        int shared_counter;
                        int bump(int by);
                        static int helper(int x) { return x * 3; }
                        int main(void) {
                          for (int i = 0; i < 5; i++) bump(helper(i));
                          printf("counter %d\\n", shared_counter);
                          return shared_counter;
                        }
                        """, "util.c", """
                        extern int shared_counter;
                        static int helper(int x) { return x + 1; }
                        int bump(int by) { shared_counter += helper(by); return shared_counter; }
                        """),
                new Program("archive", 2, "main.c", DECLS + """
                        int from_archive(int);
                        int main(void) { printf("%d\\n", from_archive(5)); return from_archive(1); }
                        """, "member.c", """
                        int deeper(int);
                        int from_archive(int x) { return deeper(x) * 2; }
                        """, "deeper.c", """
                        int deeper(int x) { return x + 100; }
                        int never_used(void) { return 0; }
                        """),
                new Program("thread-locals", 0, "tls.c", DECLS + """
                        _Thread_local int counter = 5;
                        _Thread_local long zeroed;
                        _Thread_local char text[8] = "tls";
                        int main(void) {
                          counter += 10;
                          zeroed += counter;
                          text[3] = '!';
                          printf("%d %ld %s\\n", counter, zeroed, text);
                          return counter + (int) zeroed;
                        }
                        """),
                new Program("constructor", 0, "ctor.c", DECLS + """
                        static int ready;
                        int order[4];
                        int seen;
                        __attribute__((constructor)) static void first(void) { order[seen++] = 1; ready = 42; }
                        __attribute__((constructor)) static void second(void) { order[seen++] = 2; }
                        int main(void) {
                          printf("ready %d, %d constructors: %d %d\\n", ready, seen, order[0], order[1]);
                          return ready;
                        }
                        """));
    }

    /** Many functions, a long table of pointers (rebase runs) and pointers at a stride in structures. */
    static Program generated() {
        StringBuilder src = new StringBuilder(DECLS);
        int n = 300;
        for (int i = 0; i < n; i++) {
            src.append("int f").append(i).append("(int x) { return x * ").append(i % 7 + 1).append(" + ").append(i).append("; }\n");
        }
        src.append("int (*table[])(int) = {");
        for (int i = 0; i < n; i++) {
            src.append(i == 0 ? "" : ", ").append('f').append(i);
        }
        src.append("};\nstruct entry { const char *name; long pad[3]; int (*fn)(int); } entries[] = {");
        for (int i = 0; i < 40; i++) {
            src.append(i == 0 ? "" : ", ").append("{\"e").append(i).append("\", {0}, f").append(i * 7).append('}');
        }
        src.append("""
                };
                int main(void) {
                  long sum = 0;
                  for (int i = 0; i < 300; i++) sum += table[i](i);
                  for (int i = 0; i < 40; i++) sum += entries[i].fn(i) + entries[i].name[1];
                  printf("%ld\\n", sum);
                  return (int) (sum % 251);
                }
                """);
        return new Program("generated", 0, "generated.c", src.toString());
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (Target t : MachOInputs.targets()) {
            for (Program p : programs()) {
                out.add(Arguments.of(t, p));
            }
            out.add(Arguments.of(t, generated()));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{1} for {0}")
    @MethodSource("cases")
    void runsLikeTheReferenceLinkersOutput(Target t, Program p) throws IOException {
        Path work = dir.resolve(p.name() + "-" + MachOLinks.arch(t));
        java.nio.file.Files.createDirectories(work);
        List<Path> objects = new ArrayList<>();
        for (int i = 0; i < p.files().length; i += 2) {
            String name = p.files()[i].replace(".c", "");
            objects.add(MachOInputs.compile(t, work, name, p.files()[i + 1]));
        }
        List<Path> inputs = new ArrayList<>(objects.subList(0, objects.size() - p.archived()));
        if (p.archived() > 0) {
            inputs.add(MachOInputs.archive(work, "lib.a", "darwin",
                    objects.subList(objects.size() - p.archived(), objects.size()).toArray(Path[]::new)));
        }
        Path[] in = inputs.toArray(Path[]::new);
        Path reference = MachOLinks.lld(t, work.resolve("ref"), List.of(), in);
        Path rivet = MachOLinks.rivet(t, work.resolve("rivet"), in);
        ExternalTools.Result want = MachOLinks.sameAsReference(reference, rivet, List.of(), "arg");
        assertThat(want.stdout()).isNotEmpty();
        MachOLinks.readable(rivet);
    }
}
