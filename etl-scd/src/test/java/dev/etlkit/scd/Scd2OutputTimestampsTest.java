package dev.etlkit.scd;

import static dev.etlkit.scd.Brief.brief;
import static dev.etlkit.scd.Brief.customer;
import static dev.etlkit.scd.Brief.day;
import static dev.etlkit.scd.Scd2Test.CHANGES;
import static dev.etlkit.scd.Scd2Test.customers;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.testkit.Emitted;
import dev.etlkit.testkit.HarnessInput;
import dev.etlkit.testkit.ObjectReuseCheck;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The record timestamps of what the step emits. Rows emitted while a change is processed carry that
 * change's timestamp (none if it had none), as every Flink process function's output does. Rows
 * emitted when a processing-time timer forgets a key (append output: its closed versions not final
 * yet, by the state TTL or the delete retention) have no input record: they carry the effective
 * time of the key's latest accepted change (one that changed no tracked column too), never no
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

  /**
   * The timer runs between records and watermarks, in order: a key forgotten after the watermark
   * passed its latest change emits its rows after that watermark and behind it (late for a window
   * after the step that has fired), never before it.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void append_forgottenAfterTheWatermarkPassedIt_rowsFollowTheWatermarkBehindIt(
      StateBackendKind backend) throws Exception {
    var recipe = Scd2Harnesses.of(customers().withOutput(Scd2Output.APPEND), CHANGES, TTL);
    try (var h = recipe.open(backend)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)), 101L);
      h.processElement(Change.updateAfter(customer("c1", "vip", "555", 2)), 102L);
      long watermark = day(9).toEpochMilli();
      h.processWatermark(watermark);
      h.setProcessingTime(TTL.toMillis());

      List<Object> queue = new ArrayList<>(h.unwrap().getOutput());
      assertThat(queue).hasSize(2);
      assertThat(queue.get(0)).isEqualTo(new Watermark(watermark));
      assertThat(((StreamRecord<?>) queue.get(1)).getTimestamp())
          .isEqualTo(day(2).toEpochMilli())
          .isLessThan(watermark);
    }
  }

  /**
   * The latest change repeats the row (deduplicated): the forgotten rows carry its effective time,
   * the key's latest, though it closed no version.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void append_latestChangeADuplicate_forgottenRowsCarryItsEffectiveTime(StateBackendKind backend)
      throws Exception {
    var recipe = Scd2Harnesses.of(customers().withOutput(Scd2Output.APPEND), CHANGES, TTL);
    try (var h = recipe.open(backend)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)), 101L);
      h.processElement(Change.updateAfter(customer("c1", "vip", "555", 2)), 102L);
      h.processElement(Change.updateAfter(customer("c1", "vip", "555", 3)), 103L);
      h.setProcessingTime(TTL.toMillis());

      assertThat(brief(h.output())).containsExactly("+I c1 v1 [d1,d2) retail/555");
      assertThat(timestamps(h)).containsExactly(day(3).toEpochMilli());
    }
  }

  /**
   * Processing time as effective time leaves no lateness horizon: each closed version is final at
   * once and goes out with the change that closed it, with that change's timestamp; the timer that
   * forgets the key has nothing left to emit.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void append_processingTime_rowsGoWithTheirChange_theTimerEmitsNothing(StateBackendKind backend)
      throws Exception {
    Scd2Step<Change<Customer>, Customer> step =
        Scd2.trackChangelog("customers", Customer::id, EffectiveTime.<Customer>processingTime())
            .withChangeDetection(ChangeDetection.allExcept("updatedAt"))
            .withOutput(Scd2Output.APPEND);
    var recipe = Scd2Harnesses.of(step, CHANGES, TTL);
    try (var h = recipe.open(backend)) {
      h.setProcessingTime(5);
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)), 101L);
      h.setProcessingTime(7);
      h.processElement(Change.updateAfter(customer("c1", "vip", "555", 2)), 102L);
      h.setProcessingTime(9);
      h.processElement(Change.delete(customer("c1", "vip", "555", 3)), 103L);
      // the delete makes [5, 7) final (and emits it); [7, 9) waits for a change after 9
      assertThat(timestamps(h)).containsExactly(103L);
      h.setProcessingTime(9 + TTL.toMillis());

      assertThat(h.output()).hasSize(2);
      assertThat(h.output().get(1).value().validFrom()).isEqualTo(Instant.ofEpochMilli(7));
      assertThat(timestamps(h)).containsExactly(103L, 9L);
      assertThat(Scd2Harnesses.stateKeys(h, "cursor")).isZero();
    }
  }

  static Stream<Arguments> formatsAndBackends() {
    return IntStream.rangeClosed(1, 4)
        .boxed()
        .flatMap(
            format ->
                Stream.of(StateBackendKind.HEAP, StateBackendKind.ROCKSDB)
                    .map(backend -> Arguments.of(format, backend)));
  }

  /**
   * Keys restored from the committed snapshot of each state format of append output (taken without
   * a TTL), forgotten by the TTL the restore adds: each key's rows carry its latest effective time,
   * which every format's cursor holds (c1's latest change, at d9, changed only an untracked
   * column).
   */
  @ParameterizedTest
  @MethodSource("formatsAndBackends")
  void append_restoredFromEachStateFormat_forgottenRowsCarryTheirKeysLatestEffectiveTime(
      int format, StateBackendKind backend) throws Exception {
    var recipe = Scd2Harnesses.of(Scd2SavepointCompatibilityTest.append(), CHANGES, TTL);
    Map<String, Long> latest =
        Map.of(
            "c1", day(9).toEpochMilli(),
            "c3", day(3).toEpochMilli(),
            "c4", day(10).plus(Duration.ofHours(22)).toEpochMilli(),
            "c5", day(6).plus(Duration.ofHours(1)).toEpochMilli());
    try (var h =
        Scd2SavepointCompatibilityTest.SNAPSHOTS.restore(
            "scd2-append",
            format,
            recipe.harness().on(backend),
            Scd2SavepointCompatibilityTest.state(format))) {
      h.setProcessingTime(2 * TTL.toMillis());

      assertThat(Scd2Harnesses.stateKeys(h, "cursor")).isZero();
      List<Emitted> rows = h.emitted();
      assertThat(rows).isNotEmpty().allMatch(Emitted::isMain);
      Set<String> keys = new TreeSet<>();
      for (Emitted row : rows) {
        @SuppressWarnings("unchecked")
        String key = ((Change<Scd2Row<Customer>>) row.value()).value().key();
        keys.add(key);
        assertThat(row.timestamp()).as("%s", row).isEqualTo(latest.get(key));
      }
      // c2 closed nothing; c4 is in formats 3 and 4, c5 in format 4
      assertThat(keys)
          .containsExactlyElementsOf(
              format < 3
                  ? List.of("c1", "c3")
                  : format == 3 ? List.of("c1", "c3", "c4") : List.of("c1", "c3", "c4", "c5"));
    }
  }

  /**
   * Object reuse on, behind an upstream reusing one object: the rows the timer emits as it forgets
   * keys (by the delete retention, then by the TTL), their record timestamps included, are those of
   * a run with object reuse off; so is what follows a restore.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void append_objectReuse_forgottenRowsAndTheirTimestampsAsWithoutIt(StateBackendKind backend)
      throws Exception {
    long t = day(1).toEpochMilli();
    long minute = Duration.ofMinutes(1).toMillis();
    HarnessInput<Change<MutableAccount>> script =
        HarnessInput.<Change<MutableAccount>>builder()
            .element(Change.insert(account("a1", "p1")), t)
            .element(Change.insert(account("a2", "p1")), t)
            .element(Change.updateAfter(account("a1", "p2")), t + minute)
            .element(Change.delete(account("a2", "p1")), t + minute)
            .element(Change.updateAfter(account("a1", "p3")), t + 2 * minute)
            .advanceProcessingTime(RETENTION.toMillis())
            .element(Change.insert(account("a3", "p1")), t + 3 * minute)
            .element(Change.updateAfter(account("a3", "p2")), t + 4 * minute)
            .advanceProcessingTime(TTL.toMillis())
            .build();
    var recipe =
        Scd2Harnesses.of(
            Scd2.trackChangelog(
                    "accounts", MutableAccount::id, EffectiveTime.<MutableAccount>recordTimestamp())
                .withOutput(Scd2Output.APPEND)
                .withDeleteRetention(RETENTION),
            Change.typeInfo(MutableAccount.TYPE),
            TTL);
    try (var h = recipe.open(backend)) {
      h.run(script);
      // a2 by the retention, then a1 and a3 by the TTL: every row from a timer
      assertThat(timestamps(h))
          .containsExactly(t + minute, t + 2 * minute, t + 2 * minute, t + 4 * minute);
    }
    MutableAccount reused = new MutableAccount();
    ObjectReuseCheck.of(
            recipe.harness().on(backend),
            script,
            change -> change.withValue(reused.fill(change.value())))
        .verify();
  }

  private static MutableAccount account(String id, String plan) {
    return MutableAccount.of(new Account(id, plan, id + "@example.com", ""));
  }
}
