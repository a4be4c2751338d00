package dev.etlkit.operators.dedup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.StateInventory;
import dev.etlkit.testkit.CompiledClasses;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.SnapshotStates;
import dev.etlkit.testkit.StateBackendKind;
import java.io.IOException;
import java.lang.reflect.Field;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.annotation.Nullable;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Keep-last state survives the evolution of the row POJO through a savepoint, as {@code
 * docs/operations.md} promises ("add or remove a field of a POJO or record in state"): a job runs
 * with version 1 of {@code dev.etlkit.operators.dedup.evolution.Customer} (id, name, segment), is
 * stopped with a savepoint, restored with version 2 of the same class (a field {@code tier} added,
 * or {@code name} removed), savepointed and restored with version 2 again. Upsert output keeps a
 * fingerprint of the row's serialized form, retract output the row too; the state is restored on
 * the other backend, which covers both restore paths.
 *
 * <p>Checked, with the rows as version 2 has them: the first row identical to a kept one emits
 * nothing or that row again ({@code docs/dedup.md}: "so can the first rows after an upgrade that
 * changed the row's serializer", a fingerprint taken of version 1's bytes), retract output
 * retracting the kept row as read back (the new field null, the removed one gone); the next
 * identical row emits nothing; a changed row retracts the migrated kept row; after the second
 * restore, state written by version 2 suppresses identical rows and is retracted as it was written.
 *
 * <p>The two versions of the class are compiled when the test starts, each into its own class
 * loader (parent: the test's), which the harness resolves user classes with ({@link
 * KeyedHarness#withUserCodeClassLoader}).
 */
class DedupStateEvolutionTest {

  private static final String CLASS_NAME = "dev.etlkit.operators.dedup.evolution.Customer";

  @TempDir static Path sources;

  private static final Map<String, Schema> SCHEMAS = new LinkedHashMap<>();

  @BeforeAll
  static void compileTheVersions() throws Exception {
    SCHEMAS.put("v1", Schema.compile(sources.resolve("v1"), "id", "name", "segment"));
    SCHEMAS.put(
        "v2-added", Schema.compile(sources.resolve("v2a"), "id", "name", "segment", "tier"));
    SCHEMAS.put("v2-removed", Schema.compile(sources.resolve("v2r"), "id", "segment"));
  }

  @AfterAll
  static void closeTheClassLoaders() throws IOException {
    for (Schema schema : SCHEMAS.values()) {
      schema.loader.close();
    }
  }

  static Stream<Arguments> cases() {
    List<Arguments> cases = new ArrayList<>();
    for (String version : List.of("v2-added", "v2-removed")) {
      for (DedupOutput output : List.of(DedupOutput.UPSERT, DedupOutput.RETRACT)) {
        for (StateBackendKind backend : StateBackendKind.values()) {
          cases.add(Arguments.of(version, output, backend, backend.other()));
        }
      }
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{0}, {1}, {2} -> {3}")
  @MethodSource("cases")
  void keepLast_restoredWithEvolvedPojo_continuesFromTheKeptRows(
      String version, DedupOutput mode, StateBackendKind before, StateBackendKind after)
      throws Exception {
    Schema v1 = SCHEMAS.get("v1");
    Schema v2 = SCHEMAS.get(version);
    boolean retract = mode == DedupOutput.RETRACT;
    OperatorSubtaskState savepoint;

    try (OperatorHarness<Object, Change<Object>> h = harness(v1, mode, before).open()) {
      h.processElement(v1.row("k1", "Ann", "a", null));
      h.processElement(v1.row("k2", "Bob", "b", null));
      h.processElement(v1.row("k1", "Ann", "c", null));
      savepoint = h.savepoint();
    }

    try (OperatorHarness<Object, Change<Object>> h = harness(v2, mode, after).restore(savepoint)) {
      Object k1 = v2.row("k1", "Ann", "c", null);
      List<Change<Object>> again =
          retract
              ? List.of(Change.updateBefore(k1), Change.updateAfter(k1))
              : List.of(Change.updateAfter(k1));
      assertThat(feed(h, k1)).as("a row identical to the kept one").isIn(List.of(), again);
      assertThat(feed(h, k1)).as("the same row again").isEmpty();
      Object k2 = v2.row("k2", "Bob", "b2", "gold");
      assertThat(feed(h, k2))
          .isEqualTo(
              retract
                  ? List.of(
                      Change.updateBefore(v2.row("k2", "Bob", "b", null)), Change.updateAfter(k2))
                  : List.of(Change.updateAfter(k2)));
      savepoint = h.savepoint();
    }

    try (OperatorHarness<Object, Change<Object>> h = harness(v2, mode, after).restore(savepoint)) {
      assertThat(feed(h, v2.row("k2", "Bob", "b2", "gold"))).as("identical to the kept").isEmpty();
      Object k3 = v2.row("k3", "Cy", "a", null);
      assertThat(feed(h, k3)).containsExactly(Change.insert(k3));
      Object k1 = v2.row("k1", "Ann", "d", null);
      assertThat(feed(h, k1))
          .isEqualTo(
              retract
                  ? List.of(
                      Change.updateBefore(v2.row("k1", "Ann", "c", null)), Change.updateAfter(k1))
                  : List.of(Change.updateAfter(k1)));
    }
  }

  /**
   * What {@code SavepointCheck} compares: against the evolved row, the declared state's serializer
   * reads the savepoint after a migration; against the same row, as it is.
   */
  @ParameterizedTest(name = "{0}, {1}")
  @MethodSource("versionsAndBackends")
  void savepointOfTheFirstVersion_isAMigrationForTheEvolvedRow(
      String version, StateBackendKind backend) throws Exception {
    Schema v1 = SCHEMAS.get("v1");
    Schema v2 = SCHEMAS.get(version);
    OperatorSubtaskState savepoint;
    try (OperatorHarness<Object, Change<Object>> h =
        harness(v1, DedupOutput.UPSERT, backend).open()) {
      h.processElement(v1.row("k1", "Ann", "a", null));
      savepoint = h.savepoint();
    }

    assertThat(withContextLoader(v1, () -> typeMismatches(savepoint, v1))).isEmpty();
    assertThat(withContextLoader(v2, () -> typeMismatches(savepoint, v2)))
        .singleElement()
        .satisfies(m -> assertThat(m).startsWith("dedup: ").contains("COMPATIBLE_AFTER_MIGRATION"));
  }

  static Stream<Arguments> versionsAndBackends() {
    return Stream.of("v2-added", "v2-removed")
        .flatMap(v -> Stream.of(StateBackendKind.values()).map(b -> Arguments.of(v, b)));
  }

  private static SortedSet<String> typeMismatches(OperatorSubtaskState savepoint, Schema schema)
      throws IOException {
    Dedup.DedupStep<Object, Object, String, Change<Object>> step =
        Dedup.keepLast("dedup", new IdKey()).withKeyType(Types.STRING);
    StateInventory inventory = DedupHarness.expand(step, schema.type, schema.loader).inventory();
    return SnapshotStates.typeMismatches(savepoint, inventory, "test/dedup");
  }

  /** Runs {@code action} with the schema's class loader as the context loader (user code). */
  private static <T> T withContextLoader(Schema schema, Callable<T> action) throws Exception {
    Thread thread = Thread.currentThread();
    ClassLoader previous = thread.getContextClassLoader();
    thread.setContextClassLoader(schema.loader);
    try {
      return action.call();
    } finally {
      thread.setContextClassLoader(previous);
    }
  }

  private static KeyedHarness<Object, Object, Change<Object>> harness(
      Schema schema, DedupOutput mode, StateBackendKind backend) {
    Dedup.DedupStep<Object, Object, String, Change<Object>> step =
        Dedup.keepLast("dedup", new IdKey()).withKeyType(Types.STRING);
    if (mode == DedupOutput.RETRACT) {
      step = step.withRetractOutput();
    }
    return DedupHarness.expand(step, schema.type, schema.loader).harness().on(backend);
  }

  /** What one row emits. */
  private static List<Change<Object>> feed(OperatorHarness<Object, Change<Object>> h, Object row)
      throws Exception {
    int before = h.output().size();
    h.processElement(row);
    return List.copyOf(h.output().subList(before, h.output().size()));
  }

  /** One version of the customer POJO: public String fields, value equality. */
  private static final class Schema {
    final URLClassLoader loader;
    final TypeInformation<Object> type;
    private final Class<?> rowClass;

    private Schema(URLClassLoader loader, Class<?> rowClass) {
      this.loader = loader;
      this.rowClass = rowClass;
      @SuppressWarnings("unchecked")
      TypeInformation<Object> info = (TypeInformation<Object>) TypeInformation.of(rowClass);
      this.type = info;
    }

    static Schema compile(Path dir, String... fields) throws Exception {
      String source =
          "package dev.etlkit.operators.dedup.evolution;\npublic class Customer {\n"
              + Stream.of(fields)
                  .map(f -> "  public String " + f + ";\n")
                  .collect(Collectors.joining())
              + "  @Override public boolean equals(Object o) {\n    return o instanceof Customer c"
              + Stream.of(fields)
                  .map(f -> " && java.util.Objects.equals(" + f + ", c." + f + ")")
                  .collect(Collectors.joining())
              + ";\n  }\n  @Override public int hashCode() { return java.util.Objects.hash("
              + String.join(", ", fields)
              + "); }\n  @Override public String toString() { return java.util.Arrays.asList("
              + String.join(", ", fields)
              + ").toString(); }\n}\n";
      URLClassLoader loader =
          CompiledClasses.compile(
              dir, Map.of(CLASS_NAME, source), DedupStateEvolutionTest.class.getClassLoader());
      return new Schema(loader, loader.loadClass(CLASS_NAME));
    }

    /** A row of this version; values of fields it lacks are left out. */
    Object row(String id, String name, String segment, @Nullable String tier) throws Exception {
      Map<String, String> values = Map.of("id", id, "name", name, "segment", segment);
      Object row = rowClass.getConstructor().newInstance();
      for (Field field : rowClass.getFields()) {
        field.set(row, field.getName().equals("tier") ? tier : values.get(field.getName()));
      }
      return row;
    }
  }

  /** The key: the {@code id} field of whatever class the row has (looked up per call). */
  private static final class IdKey implements KeySelector<Object, String> {
    private static final long serialVersionUID = 1L;

    @Override
    public String getKey(Object row) throws Exception {
      return (String) row.getClass().getField("id").get(row);
    }
  }
}
