package dev.etlkit.operators.dedup;

import dev.etlkit.core.Change;
import dev.etlkit.operators.MutableRow;
import dev.etlkit.operators.ObjectReuseCases;
import dev.etlkit.testkit.HarnessInput;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.ObjectReuseCheck;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.apache.flink.api.common.typeinfo.Types;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The dedup step with Flink's object reuse on, behind an upstream that emits one reused row object
 * (on a changelog: a new change around it) for every record: output and restored state as with
 * fresh objects ({@link ObjectReuseCheck}), for keep-first and keep-last, each output, processing-
 * and event-time ordering (keep-first append in event time holds candidates until the watermark),
 * on rows and on changelogs, with and without mini-batches, on generated input with redeliveries,
 * disorder, late records, deletes and tombstones. The operator copies what it keeps when object
 * reuse is on; this guards that.
 */
class DedupObjectReuseTest {

  private static final int HEAP_SEEDS = 4;
  private static final Duration HOUR = Duration.ofHours(1);

  private static Dedup.DedupStep<MutableRow, MutableRow, String, MutableRow> keepFirst() {
    return Dedup.keepFirst("dedup", MutableRow::key).withKeyType(Types.STRING);
  }

  private static Dedup.DedupStep<MutableRow, MutableRow, String, Change<MutableRow>> keepLast() {
    return Dedup.keepLast("dedup", MutableRow::key).withKeyType(Types.STRING);
  }

  private static DedupOrder<MutableRow> byEventTimeThenVersion() {
    return DedupOrder.<MutableRow>byEventTime().thenBy(row -> row.version);
  }

  /** A configuration over rows. */
  record OnRows(String name, Supplier<Dedup.DedupStep<MutableRow, ?, ?, ?>> step) {
    @Override
    public String toString() {
      return name;
    }
  }

  /** A configuration over a changelog. */
  record OnChanges(String name, Supplier<Dedup.DedupStep<Change<MutableRow>, ?, ?, ?>> step) {
    @Override
    public String toString() {
      return name;
    }
  }

  static final List<OnRows> ON_ROWS =
      List.of(
          new OnRows("keep-first append", DedupObjectReuseTest::keepFirst),
          new OnRows("keep-first retract", () -> keepFirst().withRetractOutput()),
          new OnRows("keep-first append, event time", () -> keepFirst().withEventTimeOrder()),
          new OnRows(
              "keep-first append, event time, mini-batch",
              () -> keepFirst().withEventTimeOrder().withMiniBatch(4, HOUR)),
          new OnRows("keep-last upsert", DedupObjectReuseTest::keepLast),
          new OnRows(
              "keep-last retract, by event time and version",
              () -> keepLast().withOrdering(byEventTimeThenVersion()).withRetractOutput()),
          new OnRows(
              "keep-first retract, mini-batch",
              () -> keepFirst().withRetractOutput().withMiniBatch(4, HOUR)),
          new OnRows(
              "keep-last retract, mini-batch",
              () -> keepLast().withRetractOutput().withMiniBatch(4, HOUR)));

  static final List<OnChanges> ON_CHANGES =
      List.of(
          new OnChanges(
              "keep-first retract on a changelog",
              () -> keepFirst().withRetractOutput().onChangelog()),
          new OnChanges(
              "keep-last retract on a changelog, by event time and version",
              () ->
                  keepLast()
                      .withOrdering(byEventTimeThenVersion())
                      .withRetractOutput()
                      .onChangelog()),
          new OnChanges(
              "keep-last upsert on a changelog, mini-batch",
              () -> keepLast().withMiniBatch(4, HOUR).onChangelog()));

  static Stream<Arguments> rowCases() {
    return ObjectReuseCases.cases(ON_ROWS, HEAP_SEEDS);
  }

  static Stream<Arguments> changeCases() {
    return ObjectReuseCases.cases(ON_CHANGES, HEAP_SEEDS);
  }

  @ParameterizedTest(name = "{0} on {1}, seed {2}")
  @MethodSource("rowCases")
  @SuppressWarnings("unchecked")
  void rows_reusedInputObjects_changeNeitherOutputNorState(
      OnRows configuration, StateBackendKind backend, long seed) {
    KeyedHarness<Object, MutableRow, Object> harness =
        (KeyedHarness<Object, MutableRow, Object>)
            (KeyedHarness<?, ?, ?>)
                DedupHarness.expand(configuration.step().get(), MutableRow.TYPE).harness();
    HarnessInput<MutableRow> rows = ObjectReuseCases.messyChangelog(seed, 0.0).map(Change::value);
    ObjectReuseCheck.of(harness.on(backend), rows, MutableRow.reusing()).verify();
  }

  @ParameterizedTest(name = "{0} on {1}, seed {2}")
  @MethodSource("changeCases")
  @SuppressWarnings("unchecked")
  void changelog_reusedInputObjects_changeNeitherOutputNorState(
      OnChanges configuration, StateBackendKind backend, long seed) {
    KeyedHarness<Object, Change<MutableRow>, Object> harness =
        (KeyedHarness<Object, Change<MutableRow>, Object>)
            (KeyedHarness<?, ?, ?>)
                DedupHarness.expand(configuration.step().get(), MutableRow.CHANGES).harness();
    ObjectReuseCheck.of(
            harness.on(backend),
            ObjectReuseCases.messyChangelog(seed, 0.2),
            MutableRow.reusingChanges())
        .verify();
  }
}
