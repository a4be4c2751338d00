package dev.etlkit.scd;

import static dev.etlkit.scd.Brief.customer;
import static dev.etlkit.scd.Scd2Test.CHANGES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.core.EtlException;
import dev.etlkit.core.StepMetrics;
import dev.etlkit.testkit.StateBackendKind;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Bad changes become exactly one dead letter each (the change as payload, the reason without its
 * contents, its event time and source position), are counted, and leave the history alone.
 */
class Scd2DeadLetterTest {

  private static final String SECRET = "secret-marker-4711";

  private static Scd2Step<Change<Customer>, Customer> byEventTime() {
    return Scd2.trackChangelog("dim", Customer::id, EffectiveTime.changeEventTime());
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void badChanges_becomeOneDeadLetterEach_withoutPayloadInTheMessage(StateBackendKind backend)
      throws Exception {
    var recipe =
        Scd2Harnesses.of(
            byEventTime()
                .withTieBreak(TieBreak.sourcePosition())
                .withValidToCurrent(Scd2.END_OF_TIME),
            CHANGES);
    Change<Customer> noKey =
        Change.of(
            org.apache.flink.types.RowKind.INSERT, new Customer(null, SECRET, "1", null), 5L, 1L);
    Change<Customer> noTime = Change.insert(customer("c1", SECRET, "1", 1)).withSourcePosition(2);
    Change<Customer> noPosition = Change.insert(customer("c1", SECRET, "1", 1)).withEventTime(7L);
    Change<Customer> beyondSentinel =
        Change.insert(customer("c1", SECRET, "1", 1))
            .withEventTime(Scd2.END_OF_TIME.toEpochMilli())
            .withSourcePosition(4);
    try (var h = recipe.open(backend)) {
      h.processElement(noKey, 100);
      h.processElement(noTime, 100);
      h.processElement(noPosition, 100);
      h.processElement(beyondSentinel, 100);

      assertThat(h.output()).isEmpty();
      List<DeadLetter> letters = h.sideOutput(Scd2Harnesses.DEAD_LETTERS);
      assertThat(letters)
          .extracting(DeadLetter::errorClass, DeadLetter::errorMessage)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple(
                  IllegalArgumentException.class.getName(), "the business key is null"),
              org.assertj.core.groups.Tuple.tuple(
                  IllegalArgumentException.class.getName(),
                  "the change has no event time to use as effective time"),
              org.assertj.core.groups.Tuple.tuple(
                  IllegalArgumentException.class.getName(),
                  "the change has no source position to break ties"),
              org.assertj.core.groups.Tuple.tuple(
                  IllegalArgumentException.class.getName(),
                  "effective time 9999-12-31T00:00:00Z is not before validToCurrent"
                      + " 9999-12-31T00:00:00Z"));
      assertThat(letters.get(0).payloadAsText()).contains(SECRET);
      assertThat(letters.get(0).eventTime()).isEqualTo(5L);
      assertThat(letters.get(0).sourcePosition()).isEqualTo("1");
      assertThat(letters.get(1).eventTime()).isEqualTo(100L); // the record's timestamp
      for (DeadLetter letter : letters) {
        assertThat(letter.errorMessage()).doesNotContain(SECRET);
        assertThat(letter.step()).isEqualTo("scd2");
      }
      StepMetrics metrics = recipe.function().stepMetrics();
      assertThat(metrics.inCount()).isEqualTo(4);
      assertThat(metrics.deadLetteredCount()).isEqualTo(4);
    }
  }

  @Test
  void fieldEffectiveTime_nullOrThrowing_isADeadLetter() throws Exception {
    var recipe =
        Scd2Harnesses.of(
            Scd2.trackRows(
                "dim",
                Customer::id,
                EffectiveTime.<Customer>field(
                    c -> {
                      if (c.phone().equals("boom")) {
                        throw new IllegalStateException("cannot read the time");
                      }
                      return c.updatedAt();
                    })),
            Customer.TYPE);
    try (var h = recipe.open(StateBackendKind.HEAP)) {
      h.processElement(new Customer("c1", SECRET, "1", null));
      h.processElement(customer("c1", SECRET, "boom", 1));
      h.processElement(customer("c1", "ok", "1", 1));

      assertThat(h.sideOutput(Scd2Harnesses.DEAD_LETTERS))
          .extracting(DeadLetter::errorClass, DeadLetter::errorMessage)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple(
                  IllegalArgumentException.class.getName(),
                  "the effective-time field of the change is null"),
              org.assertj.core.groups.Tuple.tuple(
                  IllegalStateException.class.getName(), "cannot read the time"));
      assertThat(h.output()).hasSize(1);
    }
  }

  @Test
  void keySelectorThrowing_andMissingRecordTimestamp_areDeadLetters() throws Exception {
    var recipe =
        Scd2Harnesses.of(
            Scd2.trackRows(
                "dim",
                (Customer c) -> {
                  if (c.phone().equals("boom")) {
                    throw new IllegalStateException("no key for this one");
                  }
                  return c.id();
                },
                EffectiveTime.recordTimestamp()),
            Customer.TYPE);
    try (var h = recipe.open(StateBackendKind.HEAP)) {
      h.processElement(customer("c1", SECRET, "boom", 1), 5);
      h.processElement(customer("c1", SECRET, "1", 1)); // no timestamp
      // no timestamp as a Flink source without a timestamp assigner delivers it: Long.MIN_VALUE
      h.processElement(customer("c2", SECRET, "1", 1), Long.MIN_VALUE);

      assertThat(h.sideOutput(Scd2Harnesses.DEAD_LETTERS))
          .extracting(DeadLetter::errorMessage)
          .containsExactly(
              "no key for this one",
              "the record has no timestamp to use as effective time",
              "the record has no timestamp to use as effective time");
    }
  }

  @Test
  void failJobPolicy_failsOnTheFirstBadChange_namingTheStep() throws Exception {
    var recipe = Scd2Harnesses.of(byEventTime(), CHANGES).withErrorPolicy(ErrorPolicy.failJob());
    try (var h = recipe.open(StateBackendKind.HEAP)) {
      assertThatThrownBy(() -> h.processElement(Change.insert(customer("c1", SECRET, "1", 1))))
          .isInstanceOf(EtlException.class)
          .hasMessageContaining("scd2")
          .hasMessageNotContaining(SECRET);
    }
  }
}
