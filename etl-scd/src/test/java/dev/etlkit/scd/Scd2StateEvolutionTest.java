package dev.etlkit.scd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.Change;
import dev.etlkit.testkit.CompiledClasses;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.io.IOException;
import java.io.Serializable;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.annotation.Nullable;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.types.RowKind;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The SCD2 step's state survives the evolution of the user's row class through a savepoint, as
 * {@code docs/operations.md} promises ("add or remove a field of a POJO or record in state"): a job
 * runs with version 1 of the class (id, name, segment, updatedAt), is stopped with a savepoint, and
 * is restored with version 2 of the class of the same name, which adds a field ({@code tier}) or
 * removes one ({@code name}); then savepointed and restored with version 2 again, so the state the
 * migration wrote is read back. A POJO on heap and RocksDB and across backends; a Java record with
 * an added field across backends (with a removed one Flink 2.2.1 cannot restore it: {@link
 * #recordWithRemovedComponent_failsToRestore}).
 *
 * <p>The step keeps attribute rows as raw bytes until it needs them (the base and candidate
 * positions of a cursor, the changes of the open and the sealed chunks) and writes them back as
 * they are unless the serializer that read them is not the current one, the migration case. So the
 * keys are laid out to hold each of these at the savepoint: {@code c1} and {@code c4} pruned (a
 * base with attributes), {@code c2} with a sealed chunk, {@code c3} with an open chunk, {@code c5}
 * deleted. After the restore, changes splice into the restored history (old rows decoded and
 * compared with new ones) or arrive in order; {@code c3} and {@code c4} are left alone until after
 * the second restore, so on the heap their bytes are still those version 1 wrote when the second
 * savepoint is taken. (Making {@code KeyCursorSerializer} or {@code ChangeChunkSerializer} write
 * such bytes as they are fails every case: on RocksDB at the first change after the restore, on the
 * heap after the second.)
 *
 * <p>Checked: no exception; the whole output (version 1 rows carried to version 2 as the migration
 * does: same-named fields copied) materializes to the history {@link Scd2Reference} computes from
 * all changes as version 2 sees them, keeps the {@link Scd2Invariants}, and every retraction of a
 * version from before the savepoint carries the row emitted then (new field null, removed field
 * gone; the materializer rejects a retraction that differs from the live row); a change equal to a
 * restored row but for the new field's default changes nothing, one that sets the new field opens a
 * version, and a change of only the removed field changes nothing; nothing is late or
 * dead-lettered.
 *
 * <p>The two versions of the class cannot both be on the test class path: their sources are
 * compiled when the test starts, each version into its own class loader (parent: the test's, so
 * Flink and etlkit classes are shared), which the harness resolves user classes with ({@link
 * KeyedHarness#withUserCodeClassLoader}).
 */
class Scd2StateEvolutionTest {

  private static final String PACKAGE = "dev.etlkit.scd.evolution";
  private static final Duration HORIZON = Duration.ofDays(2);
  private static final Instant T0 = Instant.parse("2024-01-01T00:00:00Z");
  private static final ChangeDetection DETECTION = ChangeDetection.allExcept("updatedAt");

  @TempDir static Path sources;

  /** The class loaders of the versions of the classes, by version. */
  private static final Map<String, URLClassLoader> LOADERS = new LinkedHashMap<>();

  /** Which kind of class holds the row. */
  enum Shape {
    /** {@code Customer}, public fields. */
    POJO("Customer"),
    /** {@code CustomerRecord}, a Java record. */
    RECORD("CustomerRecord");

    final String className;

    Shape(String simpleName) {
      this.className = PACKAGE + "." + simpleName;
    }
  }

  /** How version 2 of the class differs from version 1. */
  enum Evolution {
    ADDED_TIER("v2-added"),
    REMOVED_NAME("v2-removed");

    final String version;

    Evolution(String version) {
      this.version = version;
    }
  }

  @BeforeAll
  static void compileTheVersions() throws IOException {
    compile("v1", "String id", "String name", "String segment");
    compile("v2-added", "String id", "String name", "String segment", "String tier");
    compile("v2-removed", "String id", "String segment");
  }

  @AfterAll
  static void closeTheClassLoaders() throws IOException {
    for (URLClassLoader loader : LOADERS.values()) {
      loader.close();
    }
  }

  /**
   * POJOs on every pair of backends; records (Flink's POJO serializer builds them through their
   * canonical constructor) with an added field, restored on the other backend, which covers both
   * restore paths. A record with a removed field does not restore at all: {@link
   * #recordWithRemovedComponent_failsToRestore}.
   */
  static Stream<Arguments> cases() {
    List<Arguments> cases = new ArrayList<>();
    for (Shape shape : Shape.values()) {
      for (Evolution evolution : Evolution.values()) {
        for (StateBackendKind before : StateBackendKind.values()) {
          for (StateBackendKind after : StateBackendKind.values()) {
            boolean record = shape == Shape.RECORD;
            if (!record || (evolution == Evolution.ADDED_TIER && before != after)) {
              cases.add(Arguments.of(shape, evolution, before, after));
            }
          }
        }
      }
    }
    return cases.stream();
  }

  /** Before the first savepoint, with version 1. */
  private static final List<Arrival> FIRST_RUN =
      List.of(
          // c1: versions a, b, c, d over more than two horizons: it prunes, its cursor keeps a base
          Arrival.upsert("c1", 0, "Ann", "a"),
          Arrival.upsert("c1", 48, "Ann", "b"),
          Arrival.upsert("c1", 120, "Anne", "c"),
          Arrival.upsert("c1", 168, "Anne", "d"),
          Arrival.upsert("c1", 192, "Anne", "d"), // no change, but kept
          Arrival.upsert("c1", 150, "Anne", "x"), // late, within the horizon: spliced in
          // c4: as c1, left alone after the first restore
          Arrival.upsert("c4", 0, "Dee", "a"),
          Arrival.upsert("c4", 48, "Dee", "b"),
          Arrival.upsert("c4", 120, "Dee", "c"),
          Arrival.upsert("c4", 168, "Dee", "d"),
          Arrival.upsert("c4", 192, "Dee", "d"),
          Arrival.upsert("c4", 150, "Dee", "x"),
          // c3: a few changes in its open chunk, one late; left alone after the first restore
          Arrival.upsert("c3", 0, "Cy", "a"),
          Arrival.upsert("c3", 24, "Cy", "b"),
          Arrival.upsert("c3", 12, "Cy", "c"),
          // c5: deleted
          Arrival.upsert("c5", 0, "Di", "a"),
          Arrival.delete("c5", 10, "Di", "a"));

  /**
   * c2: a change every hour from 300 to 338 but at 303, 305 and 309 (the late ones below), within
   * the horizon: 36 kept, more than a chunk on either backend (8 on RocksDB, 32 on the heap), so a
   * sealed chunk and an open one; one late.
   */
  private static List<Arrival> firstRun() {
    List<Arrival> arrivals = new ArrayList<>(FIRST_RUN);
    for (long hour = 300; hour <= 338; hour++) {
      if (hour != 303 && hour != 305 && hour != 309) {
        arrivals.add(Arrival.upsert("c2", hour, "Bob", "s" + hour));
      }
    }
    arrivals.add(Arrival.upsert("c2", 303, "Bob", "early")); // late, into the first chunk
    return arrivals;
  }

  /** c1 at the horizon (a replay from its restored base). */
  private static final Arrival C1_SPLICED = Arrival.upsert("c1", 144, "Anne", "y");

  /** The same tracked attributes as c1's restored current row, the new field at its default. */
  private static final Arrival C1_SAME = Arrival.upsert("c1", 200, "Anne", "d");

  /** Sets the new field: a new version where the class has it, no change where not. */
  private static final Arrival C1_NEW_FIELD = new Arrival("c1", 210, "Anne", "d", "gold", false);

  /** Changes only the removed field (and keeps the new one): no change where it was removed. */
  private static final Arrival C1_REMOVED_FIELD =
      new Arrival("c1", 220, "Annie", "d", "gold", false);

  /** After the first restore, with version 2, after the four above. */
  private static final List<Arrival> SECOND_RUN =
      List.of(
          Arrival.upsert("c1", 400, "Annie", "e"), // prunes: a new base
          new Arrival("c2", 305, "Bob", "spliced", "silver", false), // into the sealed chunk
          Arrival.upsert("c2", 340, "Bob", "s338"), // as the restored current row: no change
          Arrival.upsert("c5", 20, "Di", "a")); // after the delete: a new version

  /** After the second restore, with version 2. */
  private static final List<Arrival> THIRD_RUN =
      List.of(
          Arrival.upsert("c1", 360, "Annie", "z"), // spliced after the base the restore wrote
          Arrival.upsert("c2", 309, "Bob", "again"), // into the chunk the restore wrote
          Arrival.upsert("c3", 6, "Cy", "w"), // into c3's open chunk, untouched since version 1
          Arrival.upsert("c3", 40, "Cy", "b"), // no change
          new Arrival("c3", 50, "Cy", "b", "gold", false),
          Arrival.upsert("c4", 144, "Dee", "y"), // replays from c4's base, untouched since v1
          Arrival.upsert("c4", 200, "Dee", "e"),
          Arrival.upsert("c5", 30, "Di", "b"));

  @ParameterizedTest(name = "{0} {1}, {2} -> {3}")
  @MethodSource("cases")
  void savepoint_restoredWithEvolvedClass_continuesTheHistory(
      Shape shape, Evolution evolution, StateBackendKind before, StateBackendKind after)
      throws Exception {
    Schema v1 = new Schema(shape, "v1");
    Schema v2 = new Schema(shape, evolution.version);
    List<Change<Scd2Row<Object>>> output = new ArrayList<>();
    OperatorSubtaskState savepoint;

    try (OperatorHarness<Change<Object>, Change<Scd2Row<Object>>> h = harness(v1, before).open()) {
      feed(h, v1, firstRun());
      assertThat(Scd2Harnesses.stateKeys(h, "chunks")).as("c2's sealed chunk").isEqualTo(1);
      assertNothingRejected(h, v1);
      savepoint = h.savepoint();
      for (Change<Scd2Row<Object>> change : h.output()) {
        output.add(change.withValue(v2.migrate(change.value())));
      }
    }
    int restoredAt = output.size();

    try (OperatorHarness<Change<Object>, Change<Scd2Row<Object>>> h =
        harness(v2, after).restore(savepoint)) {
      assertThat(feed(h, v2, List.of(C1_SPLICED))).as("c1 spliced at the horizon").isNotEmpty();
      assertThat(feed(h, v2, List.of(C1_SAME))).as("c1 as restored, new field null").isEmpty();
      List<Change<Scd2Row<Object>>> newField = feed(h, v2, List.of(C1_NEW_FIELD));
      List<Change<Scd2Row<Object>>> removedField = feed(h, v2, List.of(C1_REMOVED_FIELD));
      if (evolution == Evolution.ADDED_TIER) {
        assertThat(newField)
            .extracting(Change::kind)
            .containsExactly(RowKind.UPDATE_BEFORE, RowKind.UPDATE_AFTER, RowKind.INSERT);
        assertThat(v2.get(newField.get(0).value().value(), "tier")).as("restored row").isNull();
        assertThat(v2.get(newField.get(2).value().value(), "tier")).isEqualTo("gold");
        assertThat(removedField).as("name is still tracked").hasSize(3);
      } else {
        assertThat(newField).as("the class has no tier").isEmpty();
        assertThat(removedField).as("only the removed field changed").isEmpty();
      }
      feed(h, v2, SECOND_RUN);
      assertNothingRejected(h, v2);
      savepoint = h.savepoint();
      output.addAll(h.output());
    }

    try (OperatorHarness<Change<Object>, Change<Scd2Row<Object>>> h =
        harness(v2, after).restore(savepoint)) {
      feed(h, v2, THIRD_RUN);
      assertNothingRejected(h, v2);
      output.addAll(h.output());
    }

    assertThat(output.subList(restoredAt, output.size()))
        .allSatisfy(change -> assertThat(change.value().value()).isExactlyInstanceOf(v2.type));
    assertRetractionsOfOldVersionsCarryTheirRows(output, restoredAt, v2);
    Map<String, Scd2Row<Object>> table = Scd2Invariants.materialize(output);
    assertThat(table).isEqualTo(expected(v2).byVersion());
    Scd2Invariants.of(HardDeletes.INVALIDATE, Scd2Output.RETRACT, null).check(table.values());
  }

  /**
   * Flink 2.2.1 cannot restore a Java record from which a component was removed when the remaining
   * components are declared in the order of the serializer's fields (by name, as here: id, segment,
   * updatedAt) and the removed one was not the last of them: {@code
   * JavaRecordBuilderFactory#create} sees the same names in the same order once the removed (null)
   * fields are filtered out, so it maps no constructor arguments, and the restored serializer then
   * passes each field's index among the old fields as the argument index, past the end of the new
   * constructor's arguments. It fails loudly, on both backends, before any state is read by the
   * step; nothing etlkit does is involved (its wrappers only nest the record's serializer). When
   * this test fails, Flink fixed it: add the case to {@link #cases()}.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void recordWithRemovedComponent_failsToRestore(StateBackendKind backend) throws Exception {
    Schema v1 = new Schema(Shape.RECORD, "v1");
    Schema v2 = new Schema(Shape.RECORD, Evolution.REMOVED_NAME.version);
    OperatorSubtaskState savepoint;
    try (OperatorHarness<Change<Object>, Change<Scd2Row<Object>>> h = harness(v1, backend).open()) {
      feed(h, v1, firstRun());
      savepoint = h.savepoint();
    }

    assertThatThrownBy(() -> harness(v2, backend).restore(savepoint).close())
        .hasRootCauseInstanceOf(ArrayIndexOutOfBoundsException.class)
        .hasStackTraceContaining("JavaRecordBuilderFactory$JavaRecordBuilder.setField");
  }

  /**
   * Every {@code -U} or {@code -D} after the restore of a version emitted before it (and not since)
   * equals that version's row as emitted, carried to version 2: decoded from the migrated state,
   * with the new field null.
   */
  private static void assertRetractionsOfOldVersionsCarryTheirRows(
      List<Change<Scd2Row<Object>>> output, int restoredAt, Schema v2) {
    Map<String, Scd2Row<Object>> before = Scd2Invariants.materialize(output.subList(0, restoredAt));
    Set<String> emittedSince = new HashSet<>();
    List<Scd2Row<Object>> retracted = new ArrayList<>();
    for (Change<Scd2Row<Object>> change : output.subList(restoredAt, output.size())) {
      String version = Scd2Invariants.versionKey(change.value());
      if (change.isRetract() && !emittedSince.contains(version)) {
        assertThat(change.value()).as("retraction of %s", version).isEqualTo(before.get(version));
        retracted.add(change.value());
      }
      emittedSince.add(version);
    }
    assertThat(retracted)
        .as("retractions of versions from before the savepoint")
        .hasSizeGreaterThan(3);
    if (v2.has("tier")) {
      assertThat(retracted).allSatisfy(row -> assertThat(v2.get(row.value(), "tier")).isNull());
    }
  }

  private static void assertNothingRejected(
      OperatorHarness<Change<Object>, Change<Scd2Row<Object>>> h, Schema schema) {
    assertThat(h.sideOutput(Scd2Harnesses.DEAD_LETTERS)).isEmpty();
    assertThat(h.sideOutput(Scd2Harnesses.lateTag(Change.typeInfo(schema.typeInfo)))).isEmpty();
  }

  /** The history of every change as version 2 of the class sees it. */
  private static Scd2Reference.Result<Object> expected(Schema v2) {
    List<Scd2Reference.Input<Object>> inputs = new ArrayList<>();
    List<Arrival> all = new ArrayList<>(firstRun());
    all.addAll(List.of(C1_SPLICED, C1_SAME, C1_NEW_FIELD, C1_REMOVED_FIELD));
    all.addAll(SECOND_RUN);
    all.addAll(THIRD_RUN);
    for (Arrival arrival : all) {
      long time = arrival.time().toEpochMilli();
      inputs.add(
          arrival.delete()
              ? Scd2Reference.Input.delete(arrival.key(), time, 0)
              : Scd2Reference.Input.upsert(arrival.key(), time, 0, v2.customer(arrival)));
    }
    return Scd2Reference.ofColumns(v2.columns(), DETECTION, List.of())
        .withHorizon(HORIZON)
        .replay(inputs);
  }

  private static KeyedHarness<String, Change<Object>, Change<Scd2Row<Object>>> harness(
      Schema schema, StateBackendKind backend) {
    Scd2Step<Change<Object>, Object> step =
        Scd2.trackChangelog("customers", new FieldKey(), EffectiveTime.field(new FieldTime()))
            .withChangeDetection(DETECTION)
            .withLatenessHorizon(HORIZON);
    return Scd2Harnesses.of(step, Change.typeInfo(schema.typeInfo))
        .harness()
        .withUserCodeClassLoader(schema.loader)
        .on(backend);
  }

  /** Feeds the arrivals as changes of the schema's class; returns what they emitted. */
  private static List<Change<Scd2Row<Object>>> feed(
      OperatorHarness<Change<Object>, Change<Scd2Row<Object>>> h,
      Schema schema,
      List<Arrival> arrivals)
      throws Exception {
    int before = h.output().size();
    for (Arrival arrival : arrivals) {
      Object value = schema.customer(arrival);
      h.processElement(arrival.delete() ? Change.delete(value) : Change.updateAfter(value));
    }
    return h.output().subList(before, h.output().size());
  }

  /**
   * One change of a customer, hours after {@link #T0}; fields the class lacks are left out.
   *
   * @param tier only version 2 with an added field has it
   */
  private record Arrival(
      String key, long hour, String name, String segment, @Nullable String tier, boolean delete) {

    static Arrival upsert(String key, long hour, String name, String segment) {
      return new Arrival(key, hour, name, segment, null, false);
    }

    static Arrival delete(String key, long hour, String name, String segment) {
      return new Arrival(key, hour, name, segment, null, true);
    }

    Instant time() {
      return T0.plus(Duration.ofHours(hour));
    }
  }

  /**
   * Compiles one version of both classes, with the given fields and {@code Instant updatedAt}, into
   * a class loader of its own (parent: the test's).
   */
  private static void compile(String version, String... fields) throws IOException {
    List<String> declarations = new ArrayList<>(List.of(fields));
    declarations.add("java.time.Instant updatedAt");
    List<String> names = declarations.stream().map(d -> d.substring(d.indexOf(' ') + 1)).toList();
    String pojo =
        "package "
            + PACKAGE
            + ";\npublic class Customer {\n"
            + declarations.stream().map(d -> "  public " + d + ";\n").collect(Collectors.joining())
            + "  @Override public boolean equals(Object o) {\n    return o instanceof Customer c"
            + names.stream()
                .map(n -> " && java.util.Objects.equals(" + n + ", c." + n + ")")
                .collect(Collectors.joining())
            + ";\n  }\n  @Override public int hashCode() { return java.util.Objects.hash("
            + String.join(", ", names)
            + "); }\n  @Override public String toString() { return java.util.Arrays.asList("
            + String.join(", ", names)
            + ").toString(); }\n}\n";
    String record =
        "package "
            + PACKAGE
            + ";\npublic record CustomerRecord("
            + String.join(", ", declarations)
            + ") {}\n";
    LOADERS.put(
        version,
        CompiledClasses.compile(
            sources.resolve(version),
            Map.of(PACKAGE + ".Customer", pojo, PACKAGE + ".CustomerRecord", record),
            Scd2StateEvolutionTest.class.getClassLoader()));
  }

  /** One version of a customer class, as its class loader has it. */
  private static final class Schema {
    final URLClassLoader loader;
    final Class<?> type;
    final TypeInformation<Object> typeInfo;

    /** The field names, in declaration order (the record's canonical constructor's). */
    private final List<String> names = new ArrayList<>();

    private final List<Class<?>> types = new ArrayList<>();

    Schema(Shape shape, String version) throws ClassNotFoundException {
      this.loader = LOADERS.get(version);
      this.type = loader.loadClass(shape.className);
      @SuppressWarnings("unchecked")
      TypeInformation<Object> info = (TypeInformation<Object>) TypeInformation.of(type);
      this.typeInfo = info;
      if (type.isRecord()) {
        for (RecordComponent component : type.getRecordComponents()) {
          names.add(component.getName());
          types.add(component.getType());
        }
      } else {
        for (Field field : type.getFields()) {
          names.add(field.getName());
          types.add(field.getType());
        }
      }
    }

    boolean has(String field) {
      return names.contains(field);
    }

    Object get(Object row, String field) {
      try {
        return new FieldReader(field).read(row);
      } catch (ReflectiveOperationException e) {
        throw new AssertionError(e);
      }
    }

    /** An instance of this version for the arrival. */
    Object customer(Arrival arrival) {
      Map<String, Object> values = new LinkedHashMap<>();
      values.put("id", arrival.key());
      values.put("name", arrival.name());
      values.put("segment", arrival.segment());
      values.put("tier", arrival.tier());
      values.put("updatedAt", arrival.time());
      return instance(values::get);
    }

    /** A row of another version carried to this one: fields of the same name copied. */
    Scd2Row<Object> migrate(Scd2Row<Object> row) {
      Object from = row.value();
      Object migrated =
          instance(
              name -> {
                try {
                  return new FieldReader(name).read(from);
                } catch (NoSuchFieldException | NoSuchMethodException e) {
                  return null; // a field the other version lacks
                } catch (ReflectiveOperationException e) {
                  throw new AssertionError(e);
                }
              });
      return Scd2Row.of(
          row.key(),
          migrated,
          row.validFromMillis(),
          row.validToMillis(),
          row.isCurrent(),
          row.version(),
          row.isDeleted());
    }

    /** Every column by name, for {@link Scd2Reference#ofColumns}. */
    Map<String, Function<Object, Object>> columns() {
      Map<String, Function<Object, Object>> columns = new LinkedHashMap<>();
      for (String name : names) {
        columns.put(name, row -> get(row, name));
      }
      return columns;
    }

    private Object instance(Function<String, Object> valueOf) {
      try {
        if (type.isRecord()) {
          return type.getConstructor(types.toArray(Class<?>[]::new))
              .newInstance(names.stream().map(valueOf).toArray());
        }
        Object instance = type.getConstructor().newInstance();
        for (String name : names) {
          type.getField(name).set(instance, valueOf.apply(name));
        }
        return instance;
      } catch (ReflectiveOperationException e) {
        throw new AssertionError(e);
      }
    }
  }

  /** The key: the {@code id} field of whatever class the value has. */
  private static final class FieldKey implements KeySelector<Object, String> {
    private static final long serialVersionUID = 1L;
    private final FieldReader id = new FieldReader("id");

    @Override
    public String getKey(Object value) throws Exception {
      return (String) id.read(value);
    }
  }

  /** The effective time: the {@code updatedAt} field of whatever class the value has. */
  private static final class FieldTime implements EffectiveTime.TimeField<Object> {
    private static final long serialVersionUID = 1L;
    private final FieldReader updatedAt = new FieldReader("updatedAt");

    @Override
    public Instant of(Object value) throws Exception {
      return (Instant) updatedAt.read(value);
    }
  }

  /**
   * Reads a field by name: a public field of a POJO, the accessor of a record component; looked up
   * on first use (reflective objects do not serialize) and again for another class.
   */
  private static final class FieldReader implements Serializable {
    private static final long serialVersionUID = 1L;
    private final String name;
    @Nullable private transient Class<?> resolvedFor;
    @Nullable private transient Field field;
    @Nullable private transient Method accessor;

    FieldReader(String name) {
      this.name = name;
    }

    Object read(Object target) throws ReflectiveOperationException {
      Class<?> type = target.getClass();
      if (type != resolvedFor) {
        field = type.isRecord() ? null : type.getField(name);
        accessor = type.isRecord() ? type.getMethod(name) : null;
        resolvedFor = type;
      }
      return field != null ? field.get(target) : accessor.invoke(target);
    }
  }
}
