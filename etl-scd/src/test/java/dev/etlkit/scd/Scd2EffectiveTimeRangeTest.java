package dev.etlkit.scd;

import static dev.etlkit.scd.Brief.customer;
import static dev.etlkit.scd.Brief.day;
import static dev.etlkit.scd.Scd2Test.CHANGES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Effective times outside {@link Scd2#MIN_EFFECTIVE_TIME} … {@link Scd2#MAX_EFFECTIVE_TIME} are
 * dead letters: among them Flink's "no timestamp" ({@code Long.MIN_VALUE}) and {@code
 * Long.MAX_VALUE}, which would otherwise overflow the horizon arithmetic (a change at {@code
 * Long.MIN_VALUE} passed as within the horizon and was spliced, or failed the job on a pruned key)
 * or read as an open end (two current versions). The ends of the range themselves are ordinary
 * effective times.
 */
class Scd2EffectiveTimeRangeTest {

  private static final Duration HORIZON = Duration.ofHours(1);

  private static Scd2Step<Change<Customer>, Customer> byEventTime() {
    return Scd2.trackChangelog("dim", Customer::id, EffectiveTime.<Customer>changeEventTime())
        .withChangeDetection(ChangeDetection.allExcept("updatedAt"))
        .withLatenessHorizon(HORIZON);
  }

  private static Change<Customer> at(long millis, String segment) {
    return Change.updateAfter(customer("c1", segment, "1", 1)).withEventTime(millis);
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void outOfRangeTimes_areDeadLetters_onAPrunedKey_andTheHistoryGoesOn(StateBackendKind backend)
      throws Exception {
    var recipe = Scd2Harnesses.of(byEventTime(), CHANGES);
    long min = Scd2.MIN_EFFECTIVE_TIME.toEpochMilli();
    long max = Scd2.MAX_EFFECTIVE_TIME.toEpochMilli();
    try (var h = recipe.open(backend)) {
      for (int d = 1; d <= 5; d++) { // a day apart, horizon one hour: the key prunes
        h.processElement(at(day(d).toEpochMilli(), "s" + d));
      }
      h.clearOutput();

      for (long bad : new long[] {Long.MIN_VALUE, min - 1, max + 1, Long.MAX_VALUE}) {
        h.processElement(at(bad, "vip"));
      }

      assertThat(h.output()).isEmpty();
      assertThat(h.sideOutput(Scd2Harnesses.lateTag(CHANGES))).isEmpty();
      List<DeadLetter> letters = h.sideOutput(Scd2Harnesses.DEAD_LETTERS);
      assertThat(letters)
          .extracting(DeadLetter::errorMessage)
          .containsExactly(
              "effective time -292275055-05-16T16:47:04.192Z is outside"
                  + " [0001-01-01T00:00:00Z, 9999-12-31T23:59:59.999Z]",
              "effective time 0000-12-31T23:59:59.999Z is outside"
                  + " [0001-01-01T00:00:00Z, 9999-12-31T23:59:59.999Z]",
              "effective time +10000-01-01T00:00:00Z is outside"
                  + " [0001-01-01T00:00:00Z, 9999-12-31T23:59:59.999Z]",
              "effective time +292278994-08-17T07:12:55.807Z is outside"
                  + " [0001-01-01T00:00:00Z, 9999-12-31T23:59:59.999Z]");
      assertThat(recipe.function().stepMetrics().deadLetteredCount()).isEqualTo(4);

      h.processElement(at(day(6).toEpochMilli(), "s6"));
      assertThat(Scd2Harnesses.show(h.output())).hasSize(3); // -U v5, +U v5 closed, +I v6
    }
  }

  @Test
  void rangeEnds_areEffectiveTimes_theLastClosesTheCurrentVersion() throws Exception {
    var recipe = Scd2Harnesses.of(byEventTime(), CHANGES);
    try (var h = recipe.open(StateBackendKind.HEAP)) {
      h.processElement(at(Scd2.MIN_EFFECTIVE_TIME.toEpochMilli(), "first"));
      h.processElement(at(day(1).toEpochMilli(), "retail"));
      h.processElement(at(Scd2.MAX_EFFECTIVE_TIME.toEpochMilli(), "vip"));

      Scd2Test.checkInvariants(h.output(), HardDeletes.INVALIDATE, Scd2Output.RETRACT);
      assertThat(h.sideOutput(Scd2Harnesses.DEAD_LETTERS)).isEmpty();
      List<Scd2Row<Customer>> versions =
          Scd2Invariants.materialize(h.output()).values().stream()
              .sorted(java.util.Comparator.comparing(Scd2Row::validFrom))
              .toList();
      assertThat(versions)
          .extracting(Scd2Row::validFrom, Scd2Row::isCurrent)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple(Scd2.MIN_EFFECTIVE_TIME, false),
              org.assertj.core.groups.Tuple.tuple(day(1), false),
              org.assertj.core.groups.Tuple.tuple(Scd2.MAX_EFFECTIVE_TIME, true));
    }
  }

  @Test
  void keyFirstChangedAtTheRangesStart_stillPrunes() throws Exception {
    var recipe =
        Scd2Harnesses.of(
            Scd2.trackRows("dim", Customer::id, EffectiveTime.<Customer>recordTimestamp())
                .withLatenessHorizon(HORIZON),
            Customer.TYPE);
    try (var h = recipe.open(StateBackendKind.ROCKSDB)) {
      Instant start = day(1);
      h.processElement(
          new Customer("c1", "s0", "1", start), Scd2.MIN_EFFECTIVE_TIME.toEpochMilli());
      for (int i = 1; i <= 100; i++) { // a day apart, horizon one hour
        h.processElement(
            new Customer("c1", "s" + i, "1", start), start.plus(Duration.ofDays(i)).toEpochMilli());
      }

      // a key that keeps one or two changes seals no chunk (before: all 100 kept, 12 chunks)
      assertThat(Scd2Harnesses.sealedChunks(h, "c1")).isZero();
    }
  }

  @Test
  void validToCurrent_outsideTheRange_isRefused() {
    assertThatThrownBy(
            () -> byEventTime().withValidToCurrent(Instant.parse("+10000-01-01T00:00:00Z")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("validToCurrent must be within [0001-01-01T00:00:00Z");
    assertThatThrownBy(() -> byEventTime().withValidToCurrent(Instant.MIN))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(byEventTime().withValidToCurrent(Scd2.END_OF_TIME)).isNotNull();
  }

  @Test
  void validToCurrent_withAFractionOfAMillisecond_isRefusedInsteadOfBeingCut() {
    // kept in milliseconds, 00:00:00.0005 would become 00:00:00.000: a change effective at
    // 00:00:00.000, before the sentinel, would be a dead letter, and validTo would be written cut
    assertThatThrownBy(
            () -> byEventTime().withValidToCurrent(Instant.parse("2030-01-01T00:00:00.000500Z")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "validToCurrent must be a whole number of milliseconds (effective times are kept in"
                + " milliseconds), was 2030-01-01T00:00:00.000500Z");
    assertThat(byEventTime().withValidToCurrent(Instant.parse("2030-01-01T00:00:00.001Z")))
        .isNotNull();
  }
}
