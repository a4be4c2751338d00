package dev.etlkit.operators.enrich.join;

import static dev.etlkit.operators.enrich.join.JoinHarness.lines;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlStream;
import dev.etlkit.operators.enrich.DimensionJoin;
import dev.etlkit.operators.enrich.DimensionJoinStep;
import dev.etlkit.operators.enrich.JoinStatus;
import dev.etlkit.testkit.CompiledClasses;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.io.IOException;
import java.lang.reflect.Field;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.annotation.Nullable;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.types.Either;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Contract (passes): docs/operations.md promises that the join's state wrappers nest the value's
 * serializer snapshot, "so the value migrates as it would on its own", but only dedup and SCD2 are
 * tested end to end. Here the dimension row POJO of both join variants evolves through a savepoint
 * (a field added, or one removed), restored on the same and on the other backend: the migrated rows
 * (latest: {@code Change<D>}; point in time: {@code VersionHistory<D>}) are joined, and waiting and
 * held facts leave as before.
 */
class DimensionJoinStateEvolutionTest {

  private static final String CLASS_NAME = "dev.etlkit.operators.enrich.join.evolution.Customer";

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
      for (StateBackendKind backend : StateBackendKind.values()) {
        for (StateBackendKind after : StateBackendKind.values()) {
          cases.add(Arguments.of(version, backend, after));
        }
      }
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{0}, {1} -> {2}")
  @MethodSource("cases")
  void asOf_restoredWithEvolvedRow_joinsTheMigratedVersions(
      String version, StateBackendKind before, StateBackendKind after) throws Exception {
    Schema v1 = SCHEMAS.get("v1");
    Schema v2 = SCHEMAS.get(version);
    OperatorSubtaskState savepoint;
    try (OperatorHarness<Either<String, Change<Object>>, String> h =
        harness(v1, true, before).open()) {
      h.processElement(dimension(v1.row("k1", "Ann", "a")), 10);
      h.processElement(JoinInput.fact("k1#o1"), 20); // held
      h.processElement(JoinInput.fact("k3#o3"), 16);
      h.processWatermark(16); // k3#o3 due, no version: waits until 66
      savepoint = h.savepoint();
    }
    try (OperatorHarness<Either<String, Change<Object>>, String> h =
        harness(v2, true, after).restore(savepoint)) {
      h.processElement(dimension(v2.row("k3", "Cy", "c")), 5); // late: releases k3#o3
      h.processWatermark(30);

      assertThat(lines(h.emitted()))
          .containsExactly(
              "FOUND_AFTER_WAIT k3#o3 " + v2.row("k3", "Cy", "c") + " @16",
              "FOUND k1#o1 " + v2.row("k1", "Ann", "a") + " @20");
    }
  }

  @ParameterizedTest(name = "{0}, {1} -> {2}")
  @MethodSource("cases")
  void latest_restoredWithEvolvedRow_joinsTheMigratedRow(
      String version, StateBackendKind before, StateBackendKind after) throws Exception {
    Schema v1 = SCHEMAS.get("v1");
    Schema v2 = SCHEMAS.get(version);
    OperatorSubtaskState savepoint;
    try (OperatorHarness<Either<String, Change<Object>>, String> h =
        harness(v1, false, before).open()) {
      h.processElement(dimension(v1.row("k1", "Ann", "a")), 10);
      h.processElement(JoinInput.fact("k2#o2"), 11); // waits
      savepoint = h.savepoint();
    }
    try (OperatorHarness<Either<String, Change<Object>>, String> h =
        harness(v2, false, after).restore(savepoint)) {
      h.processElement(JoinInput.fact("k1#o1"), 20);
      h.processElement(dimension(v2.row("k2", "Bob", "b")), 21);

      assertThat(lines(h.emitted()))
          .containsExactly(
              "FOUND k1#o1 " + v2.row("k1", "Ann", "a") + " @20",
              "FOUND_AFTER_WAIT k2#o2 " + v2.row("k2", "Bob", "b") + " @11");
    }
  }

  private static Either<String, Change<Object>> dimension(Object row) {
    return JoinInput.dimension(Change.insert(row));
  }

  static String combine(String fact, @Nullable Object row, JoinStatus status) {
    return status + " " + fact + (row == null ? "" : " " + row);
  }

  private static synchronized KeyedHarness<Object, Either<String, Change<Object>>, String> harness(
      Schema schema, boolean asOf, StateBackendKind backend) {
    DataStream<Change<Object>> dimension =
        JoinHarness.dimensionStream(Change.typeInfo(schema.type));
    DimensionJoinStep<String, Object, String, String> step =
        asOf
            ? DimensionJoin.asOf(
                JoinHarness.STEP,
                dimension,
                JoinHarness::key,
                new IdKey(),
                DimensionJoinStateEvolutionTest::combine,
                Types.STRING)
            : DimensionJoin.latest(
                JoinHarness.STEP,
                dimension,
                JoinHarness::key,
                new IdKey(),
                DimensionJoinStateEvolutionTest::combine,
                Types.STRING);
    step = step.withMaxWait(Duration.ofMillis(50)).withKeyType(Types.STRING);
    DataStream<String> facts =
        JoinHarness.dimensionStream(Change.typeInfo(Types.STRING))
            .map(c -> c.value(), Types.STRING);
    EtlStream<String> output = Etl.from(facts, JoinHarness.PIPELINE).apply(step);
    return KeyedHarness.forTwoInputStream(
            output.toDataStream(), facts.getType(), dimension.getType())
        .withUserCodeClassLoader(schema.loader)
        .on(backend);
  }

  /** The key of a row: its {@code id} field, looked up per call. */
  private static final class IdKey implements KeySelector<Object, String> {
    private static final long serialVersionUID = 1L;

    @Override
    public String getKey(Object row) throws Exception {
      return (String) row.getClass().getField("id").get(row);
    }
  }

  /** One version of the customer POJO: public String fields, value equality. */
  private static final class Schema {
    final URLClassLoader loader;
    final TypeInformation<Object> type;
    private final Class<?> rowClass;

    @SuppressWarnings("unchecked")
    private Schema(URLClassLoader loader, Class<?> rowClass) {
      this.loader = loader;
      this.rowClass = rowClass;
      this.type = (TypeInformation<Object>) TypeInformation.of(rowClass);
    }

    static Schema compile(Path dir, String... fields) throws Exception {
      String source =
          "package dev.etlkit.operators.enrich.join.evolution;\npublic class Customer {\n"
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
              dir,
              Map.of(CLASS_NAME, source),
              DimensionJoinStateEvolutionTest.class.getClassLoader());
      return new Schema(loader, loader.loadClass(CLASS_NAME));
    }

    /** A row of this version; values of fields it lacks are left out, {@code tier} is null. */
    Object row(String id, String name, String segment) throws Exception {
      Map<String, String> values = Map.of("id", id, "name", name, "segment", segment);
      Object row = rowClass.getConstructor().newInstance();
      for (Field field : rowClass.getFields()) {
        field.set(row, values.get(field.getName()));
      }
      return row;
    }
  }
}
