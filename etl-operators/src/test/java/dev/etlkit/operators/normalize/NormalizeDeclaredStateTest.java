package dev.etlkit.operators.normalize;

import static dev.etlkit.operators.normalize.NormalizeHarnesses.checker;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.normalizer;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.stringCheck;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.strings;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlStep;
import dev.etlkit.core.StateInventory;
import dev.etlkit.testkit.ChangelogGenerator;
import dev.etlkit.testkit.HarnessInput;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.SnapshotStates;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The normalization steps' savepoints hold exactly the states their state inventory declares, with
 * and without TTL, a sequence, projected state and a full changelog, on heap and RocksDB.
 */
class NormalizeDeclaredStateTest {

  private static final Duration TTL = Duration.ofHours(1);

  /** Only builds job graphs (never executes). */
  private static final StreamExecutionEnvironment ENV =
      StreamExecutionEnvironment.getExecutionEnvironment();

  private static final HarnessInput<Change<String>> INPUT =
      HarnessInput.<Change<String>>builder()
          .element(Change.insert("k1#v1"), 10)
          .element(Change.updateAfter("k1#v2"), 11)
          .element(Change.delete("k2#"), 12)
          .build();

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void upserts(StateBackendKind backend) throws Exception {
    check(normalizer(strings(), Types.STRING, null).recipe, inventory(strings()), backend);
    check(
        normalizer(strings(), Types.STRING, TTL).recipe,
        inventory(strings().withStateTtl(TTL)),
        backend);
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void upsertsWithASequence(StateBackendKind backend) throws Exception {
    UpsertNormalize<String, String> sequenced =
        strings().withSequence(ChangeSequence.sourcePosition());
    check(normalizer(sequenced, Types.STRING, null).recipe, inventory(sequenced), backend);
  }

  /** With the deadlines of the removals and their timers. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void upsertsWithDeleteRetention(StateBackendKind backend) throws Exception {
    UpsertNormalize<String, String> retained =
        strings()
            .withSequence(ChangeSequence.sourcePosition())
            .withDeleteRetention(Duration.ofMinutes(1));
    check(
        normalizer(retained, Types.STRING, null).recipe,
        inventory(retained),
        backend,
        HarnessInput.<Change<String>>builder()
            .element(Change.insert("k1#v1").withSourcePosition(1), 10)
            .element(Change.delete("k1#").withSourcePosition(2), 11)
            .build());
  }

  /** With the fingerprint key's operator state. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void upsertsWithProjectedState(StateBackendKind backend) throws Exception {
    UpsertNormalize<String, String> projected =
        strings().withProjectedState(ChangelogGenerator::stringKey, Types.STRING, key -> key + "#");
    check(normalizer(projected, Types.STRING, null).recipe, inventory(projected), backend);
    UpsertNormalize<String, String> both = projected.withSequence(ChangeSequence.sourcePosition());
    check(normalizer(both, Types.STRING, null).recipe, inventory(both), backend);
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void changelogCheck(StateBackendKind backend) throws Exception {
    check(checker(stringCheck(), Types.STRING, null).recipe, inventory(stringCheck()), backend);
    check(
        checker(stringCheck(), Types.STRING, TTL).recipe,
        inventory(stringCheck().withStateTtl(TTL)),
        backend);
  }

  /** With the fingerprint key's operator state. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void fullChangelogCheck(StateBackendKind backend) throws Exception {
    ChangelogCheck<String, String> full = stringCheck().withFullChangelog();
    check(checker(full, Types.STRING, null).recipe, inventory(full), backend);
  }

  private static void check(
      KeyedHarness<String, Change<String>, Change<String>> recipe,
      Declared declared,
      StateBackendKind backend)
      throws Exception {
    check(recipe, declared, backend, INPUT);
  }

  private static void check(
      KeyedHarness<String, Change<String>, Change<String>> recipe,
      Declared declared,
      StateBackendKind backend,
      HarnessInput<Change<String>> input)
      throws Exception {
    try (OperatorHarness<Change<String>, Change<String>> h = recipe.on(backend).open()) {
      h.run(input);

      assertThat(SnapshotStates.names(h.savepoint()))
          .isEqualTo(SnapshotStates.declared(declared.inventory(), declared.uid()));
      assertThat(SnapshotStates.typeMismatches(h.savepoint(), declared.inventory(), declared.uid()))
          .isEmpty();
    }
  }

  /** A step's inventory and its operator's uid. */
  private record Declared(StateInventory inventory, String uid) {}

  private static synchronized Declared inventory(EtlStep<Change<String>, Change<String>> step) {
    DataStream<Change<String>> input =
        ENV.fromData(List.<Change<String>>of(), Change.typeInfo(Types.STRING));
    StateInventory inventory = Etl.from(input, "test").apply(step).stateInventory();
    assertThat(inventory.entries()).as("the step declares state").isNotEmpty();
    return new Declared(inventory, inventory.entries().get(0).uid());
  }
}
