package dev.etlkit.operators.dedup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.testkit.HarnessInput;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.SnapshotStates;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The dedup step's savepoints hold exactly the states its state inventory declares, in each kind of
 * configuration, on heap and RocksDB.
 */
class DedupDeclaredStateTest {

  static final HarnessInput<String> ROWS =
      HarnessInput.<String>builder()
          .element("k1#v1", 10)
          .element("k1#v2", 11)
          .element("k2#v1", 12)
          .watermark(11)
          .build();

  static final HarnessInput<Change<String>> CHANGES =
      HarnessInput.<Change<String>>builder()
          .element(Change.insert("k1#v1"), 10)
          .element(Change.updateAfter("k1#v2"), 11)
          .element(Change.delete("k1#v2"), 12)
          .watermark(11)
          .build();

  @ParameterizedTest(name = "{0}, {1}")
  @MethodSource("rowSteps")
  void rows_savepointHoldsTheDeclaredStates(String name, StateBackendKind backend)
      throws Exception {
    check(DedupHarness.rows(rowStep(name)), ROWS, backend);
  }

  @ParameterizedTest(name = "{0}, {1}")
  @MethodSource("backends")
  void changelog_savepointHoldsTheDeclaredStates(StateBackendKind backend) throws Exception {
    check(
        DedupHarness.changes(DedupHarness.keepLast().withRetractOutput().onChangelog()),
        CHANGES,
        backend);
  }

  private static <I, O> void check(
      DedupHarness.Expanded<I, O> expanded, HarnessInput<I> input, StateBackendKind backend)
      throws Exception {
    try (OperatorHarness<I, O> h = expanded.harness().on(backend).open()) {
      h.run(input);

      assertThat(SnapshotStates.names(h.savepoint()))
          .isEqualTo(SnapshotStates.declared(expanded.inventory(), "test/dedup"));
      assertThat(SnapshotStates.typeMismatches(h.savepoint(), expanded.inventory(), "test/dedup"))
          .isEmpty();
    }
  }

  private static final List<String> ROW_STEPS =
      List.of(
          "keepFirst",
          "keepLast",
          "keepLast upsert",
          "keepLast retract",
          "keepFirst event time",
          "keepLast event time",
          "keepLast mini-batch",
          "keepFirst ttl",
          "keepLast retract ttl",
          "keepLast event time ttl");

  private static Dedup.DedupStep<String, String, String, ?> rowStep(String name) {
    return switch (name) {
      case "keepFirst" -> DedupHarness.keepFirst();
      case "keepLast" -> DedupHarness.keepLast();
      case "keepLast upsert" -> DedupHarness.keepLast().withUpsertOutput();
      case "keepLast retract" -> DedupHarness.keepLast().withRetractOutput();
      case "keepFirst event time" -> DedupHarness.keepFirst().withEventTimeOrder();
      case "keepLast event time" -> DedupHarness.keepLast().withEventTimeOrder();
      case "keepLast mini-batch" ->
          DedupHarness.keepLast().withMiniBatch(10, Duration.ofSeconds(1));
      case "keepFirst ttl" -> DedupHarness.keepFirst().withStateTtl(Duration.ofHours(1));
      case "keepLast retract ttl" ->
          DedupHarness.keepLast().withRetractOutput().withStateTtl(Duration.ofHours(1));
      case "keepLast event time ttl" ->
          DedupHarness.keepLast().withEventTimeOrder().withStateTtl(Duration.ofHours(1));
      default -> throw new IllegalArgumentException(name);
    };
  }

  static Stream<Arguments> rowSteps() {
    return ROW_STEPS.stream()
        .flatMap(s -> Stream.of(StateBackendKind.values()).map(b -> Arguments.of(s, b)));
  }

  static Stream<StateBackendKind> backends() {
    return Stream.of(StateBackendKind.values());
  }
}
