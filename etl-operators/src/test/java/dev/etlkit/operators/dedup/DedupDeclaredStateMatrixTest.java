package dev.etlkit.operators.dedup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.testkit.HarnessInput;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.SnapshotStates;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The dedup step's savepoints hold exactly the states its inventory declares, with the declared
 * serializers and TTL, in every combination of its state-shaping options the step accepts: keep
 * mode, ordering (arrival, event time, a field, event time then a field), output, rows or a
 * changelog, TTL, mini-batches, a delete retention and where late records go; on heap and RocksDB.
 * DedupDeclaredStateTest and DedupDeclaredStateMoreConfigsTest pick some of these; this covers them
 * all (combinations the step refuses when applied are skipped, and counted, so none is lost
 * silently).
 */
class DedupDeclaredStateMatrixTest {

  private static final Duration TTL = Duration.ofHours(1);

  /** Rows in and out of order, and a late one, per key. */
  private static final HarnessInput<String> ROWS =
      HarnessInput.<String>builder()
          .element("k1#v2", 10)
          .element("k1#v1", 11)
          .element("k2#v1", 12)
          .watermark(11)
          .element("k2#v3", 5) // late
          .element("k3#v1", 20)
          .build();

  /** Inserts, updates and a delete, in and out of order. */
  private static final HarnessInput<Change<String>> CHANGES =
      HarnessInput.<Change<String>>builder()
          .element(Change.insert("k1#v1"), 10)
          .element(Change.updateAfter("k1#v2"), 11)
          .element(Change.delete("k1#v2"), 12)
          .element(Change.insert("k2#v2"), 13)
          .element(Change.updateAfter("k2#v1"), 9)
          .watermark(11)
          .element(Change.insert("k3#v1"), 20)
          .build();

  enum Keep {
    FIRST,
    LAST
  }

  enum Order {
    ARRIVAL,
    EVENT_TIME,
    FIELD,
    EVENT_TIME_THEN_FIELD
  }

  enum Output {
    APPEND,
    UPSERT,
    RETRACT
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("combinations")
  void savepointHoldsTheDeclaredStates(Combination combination, StateBackendKind backend)
      throws Exception {
    if (combination.changelog()) {
      check(DedupHarness.changes(combination.changelogStep()), CHANGES, backend);
    } else {
      check(DedupHarness.rows(combination.rowStep()), ROWS, backend);
    }
  }

  private static <I, O> void check(
      DedupHarness.Expanded<I, O> expanded, HarnessInput<I> input, StateBackendKind backend)
      throws Exception {
    try (OperatorHarness<I, O> h = expanded.harness().on(backend).open()) {
      h.run(input);
      h.setProcessingTime(10_000); // flushes mini-batches

      assertThat(SnapshotStates.names(h.savepoint()))
          .isEqualTo(SnapshotStates.declared(expanded.inventory(), "test/dedup"));
      assertThat(SnapshotStates.typeMismatches(h.savepoint(), expanded.inventory(), "test/dedup"))
          .isEmpty();
    }
  }

  /** One combination of the options. */
  record Combination(
      Keep keep,
      Order order,
      Output output,
      boolean changelog,
      boolean ttl,
      boolean miniBatch,
      boolean deleteRetention,
      LateRecords late) {

    Dedup.DedupStep<String, String, String, ?> rowStep() {
      return configure(
          keep == Keep.FIRST ? DedupHarness.keepFirst() : withOutput(DedupHarness.keepLast()));
    }

    Dedup.DedupStep<Change<String>, String, String, ?> changelogStep() {
      Dedup.DedupStep<String, String, String, ?> step =
          keep == Keep.FIRST ? DedupHarness.keepFirst() : DedupHarness.keepLast();
      return configure(withOutput(step).onChangelog());
    }

    private <I> Dedup.DedupStep<I, String, String, ?> withOutput(
        Dedup.DedupStep<I, String, String, ?> step) {
      return switch (output) {
        case APPEND -> step.withAppendOutput();
        case UPSERT -> step.withUpsertOutput();
        case RETRACT -> step.withRetractOutput();
      };
    }

    private <I> Dedup.DedupStep<I, String, String, ?> configure(
        Dedup.DedupStep<I, String, String, ?> step) {
      if (keep == Keep.FIRST && !changelog) {
        step = withOutput(step);
      }
      DedupOrder.Key<String> version = DedupHarness::version;
      step =
          switch (order) {
            case ARRIVAL -> step;
            case EVENT_TIME -> step.withEventTimeOrder();
            case FIELD -> step.withOrdering(DedupOrder.by("version", version));
            case EVENT_TIME_THEN_FIELD ->
                step.withOrdering(DedupOrder.<String>byEventTime().thenBy("version", version));
          };
      if (ttl) {
        step = step.withStateTtl(TTL);
      }
      if (miniBatch) {
        step = step.withMiniBatch(3, Duration.ofSeconds(1));
      }
      if (deleteRetention) {
        step = step.withDeleteRetention(Duration.ofMinutes(10));
      }
      boolean eventTime = order == Order.EVENT_TIME || order == Order.EVENT_TIME_THEN_FIELD;
      return eventTime ? step.withLateRecords(late) : step;
    }

    /** Whether the step accepts the combination when applied. */
    boolean accepted() {
      try {
        if (changelog) {
          DedupHarness.changes(changelogStep());
        } else {
          DedupHarness.rows(rowStep());
        }
        return true;
      } catch (IllegalArgumentException | IllegalStateException refused) {
        return false;
      }
    }

    @Override
    public String toString() {
      return "keep"
          + keep
          + " "
          + order
          + " "
          + output
          + (changelog ? " changelog" : " rows")
          + (ttl ? " ttl" : "")
          + (miniBatch ? " mini-batch" : "")
          + (deleteRetention ? " delete-retention" : "")
          + (order == Order.EVENT_TIME || order == Order.EVENT_TIME_THEN_FIELD
              ? " late:" + late
              : "");
    }
  }

  static List<Combination> all() {
    List<Combination> all = new ArrayList<>();
    for (Keep keep : Keep.values()) {
      for (Order order : Order.values()) {
        for (Output output : Output.values()) {
          for (boolean changelog : new boolean[] {false, true}) {
            for (boolean ttl : new boolean[] {false, true}) {
              for (boolean miniBatch : new boolean[] {false, true}) {
                for (boolean retention : new boolean[] {false, true}) {
                  for (LateRecords late : LateRecords.values()) {
                    if (late != LateRecords.SIDE_OUTPUT
                        && (order == Order.ARRIVAL || order == Order.FIELD)) {
                      continue; // no record is late without event time
                    }
                    all.add(
                        new Combination(
                            keep, order, output, changelog, ttl, miniBatch, retention, late));
                  }
                }
              }
            }
          }
        }
      }
    }
    return all;
  }

  /**
   * The matrix is not emptied by the step's refusals: a rule that refused a whole option would
   * shrink it unnoticed.
   */
  @Test
  void everyOptionValueIsInAnAcceptedCombination() {
    List<Combination> accepted = all().stream().filter(Combination::accepted).toList();

    assertThat(accepted).hasSize(ACCEPTED);
    assertThat(accepted).extracting(Combination::keep).contains(Keep.values());
    assertThat(accepted).extracting(Combination::order).contains(Order.values());
    assertThat(accepted).extracting(Combination::output).contains(Output.values());
    assertThat(accepted).extracting(Combination::late).contains(LateRecords.values());
    assertThat(accepted)
        .anyMatch(Combination::changelog)
        .anyMatch(Combination::ttl)
        .anyMatch(Combination::miniBatch)
        .anyMatch(Combination::deleteRetention)
        .anyMatch(c -> c.deleteRetention() && c.miniBatch() && c.ttl());
  }

  /** How many combinations the step accepts (a new rule changes it: then look at what it took). */
  private static final int ACCEPTED = 212;

  static Stream<Arguments> combinations() {
    return all().stream()
        .filter(Combination::accepted)
        .flatMap(c -> Stream.of(StateBackendKind.values()).map(b -> Arguments.of(c, b)));
  }
}
