package dev.etlkit.scd;

import static dev.etlkit.scd.Brief.brief;
import static dev.etlkit.scd.Brief.customer;
import static dev.etlkit.scd.Brief.day;
import static dev.etlkit.scd.Scd2Test.CHANGES;
import static dev.etlkit.scd.Scd2Test.customers;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.testkit.Emitted;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The record timestamps of what the step emits. Rows emitted while a change is processed carry that
 * change's timestamp (none if it had none), as every Flink process function's output does. Rows
 * emitted when a processing-time timer forgets a key (append output: its closed versions not final
 * yet, by the state TTL or the delete retention) have no input record: they carry the effective
 * time of the key's latest accepted change (the validTo of the version it closed), never no
 * timestamp, which an event-time window after the step fails the job on.
 */
class Scd2OutputTimestampsTest {

  private static final Duration TTL = Duration.ofDays(1);
  private static final Duration RETENTION = Duration.ofMinutes(10);

  /** The timestamps of the main output's records, null where a record carries none. */
  private static List<Long> timestamps(OperatorHarness<?, ?> h) {
    List<Long> timestamps = new ArrayList<>();
    for (Emitted e : h.emitted()) {
      if (e.isMain()) {
        timestamps.add(e.timestamp());
      }
    }
    return timestamps;
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void append_keyForgottenByItsTtl_rowsCarryTheLatestChangesEffectiveTime(StateBackendKind backend)
      throws Exception {
    var recipe = Scd2Harnesses.of(customers().withOutput(Scd2Output.APPEND), CHANGES, TTL);
    try (var h = recipe.open(backend)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)), 101L);
      h.processElement(Change.updateAfter(customer("c1", "vip", "555", 2)), 102L);
      h.processElement(Change.updateAfter(customer("c1", "gold", "555", 3)), 103L);
      h.setProcessingTime(TTL.toMillis()); // forgotten by a processing-time timer

      assertThat(brief(h.output()))
          .containsExactly("+I c1 v1 [d1,d2) retail/555", "+I c1 v2 [d2,d3) vip/555");
      long latest = day(3).toEpochMilli();
      assertThat(timestamps(h)).containsExactly(latest, latest);
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void append_deletedKeyForgottenByTheRetention_rowsCarryTheDeletesEffectiveTime(
      StateBackendKind backend) throws Exception {
    var recipe =
        Scd2Harnesses.of(
            customers().withOutput(Scd2Output.APPEND).withDeleteRetention(RETENTION), CHANGES);
    try (var h = recipe.open(backend)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)), 101L);
      h.processElement(Change.updateAfter(customer("c1", "vip", "555", 2)), 102L);
      h.processElement(Change.delete(customer("c1", "vip", "555", 3)), 103L);
      h.setProcessingTime(RETENTION.toMillis());

      assertThat(brief(h.output()))
          .containsExactly("+I c1 v1 [d1,d2) retail/555", "+I c1 v2 [d2,d3) vip/555");
      long deleted = day(3).toEpochMilli();
      assertThat(timestamps(h)).containsExactly(deleted, deleted);
    }
  }

  /** Without input timestamps (no assigner) the forgotten key's rows still carry one. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void append_inputWithoutTimestamps_forgottenRowsCarryOneAllTheSame(StateBackendKind backend)
      throws Exception {
    var recipe = Scd2Harnesses.of(customers().withOutput(Scd2Output.APPEND), CHANGES, TTL);
    try (var h = recipe.open(backend)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)));
      h.processElement(Change.updateAfter(customer("c1", "vip", "555", 2)));
      h.setProcessingTime(TTL.toMillis());

      assertThat(brief(h.output())).containsExactly("+I c1 v1 [d1,d2) retail/555");
      assertThat(timestamps(h)).containsExactly(day(2).toEpochMilli());
    }
  }

  /** A change's own output (here a version final beyond the horizon) carries its timestamp. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void append_rowsEmittedByAChange_carryThatChangesTimestamp(StateBackendKind backend)
      throws Exception {
    var recipe = Scd2Harnesses.of(customers().withOutput(Scd2Output.APPEND), CHANGES, TTL);
    try (var h = recipe.open(backend)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)), 101L);
      h.processElement(Change.updateAfter(customer("c1", "vip", "555", 2)), 102L);
      h.processElement(Change.updateAfter(customer("c1", "gold", "555", 20)), 120L);

      assertThat(brief(h.output())).containsExactly("+I c1 v1 [d1,d2) retail/555");
      assertThat(timestamps(h)).containsExactly(120L);
    }
  }

  /** Retract output emits only while a change is processed: each row has its timestamp. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void retract_rowsCarryTheirChangesTimestamp_andTheTtlEmitsNothing(StateBackendKind backend)
      throws Exception {
    var recipe = Scd2Harnesses.of(customers(), CHANGES, TTL);
    try (var h = recipe.open(backend)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)), 101L);
      h.processElement(Change.updateAfter(customer("c1", "vip", "555", 2)), 102L);
      h.setProcessingTime(TTL.toMillis());

      assertThat(brief(h.output()))
          .containsExactly(
              "+I c1 v1 [d1,) current retail/555",
              "-U c1 v1 [d1,) current retail/555",
              "+U c1 v1 [d1,d2) retail/555",
              "+I c1 v2 [d2,) current vip/555");
      assertThat(timestamps(h)).containsExactly(101L, 102L, 102L, 102L);
    }
  }
}
