package dev.etlkit.scd;

import static dev.etlkit.scd.Brief.brief;
import static dev.etlkit.scd.Brief.customer;
import static dev.etlkit.scd.Scd2Test.CHANGES;
import static dev.etlkit.scd.Scd2Test.customers;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.ErrorHandler;
import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.scd.internal.Scd2Function;
import dev.etlkit.scd.internal.Scd2Operator;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * SCD2's TTL (cleanup timers, not Flink's state TTL) across restores that change it, against
 * docs/concepts.md#state-ttl and docs/scd2.md: "a key whose state was not written for the TTL is
 * forgotten ... and then treated as never seen", "an expired entry is never returned", "changing a
 * TTL's duration between runs is fine". The first three tests failed before 2026-11-23 (found by a
 * review): a shortened TTL waited for the old timers, an overdue key was read before its timer ran,
 * and a timer of a run with TTL forgot a key written while TTL was off.
 */
class Scd2TtlChangesTest {

  private static final Duration HOUR = Duration.ofHours(1);

  /**
   * A TTL shortened at a restore (10 h to 1 h) applies to the restored keys, as Flink's own state
   * TTL does: the pass after the restore gives each key whose timer lies at its write plus the old
   * TTL one at its write plus the new TTL (before: the key was kept, and read, until the old TTL).
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void ttlShortenedAtARestore_idleKeyIsForgottenAfterTheNewTtl(StateBackendKind backend)
      throws Exception {
    OperatorSubtaskState longTtl;
    try (var h = Scd2Harnesses.of(customers(), CHANGES, HOUR.multipliedBy(10)).open(backend)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1))); // written at 0
      longTtl = h.snapshot();
    }
    var shortTtl = Scd2Harnesses.of(customers(), CHANGES, HOUR);
    try (var h = shortTtl.harness().on(backend).restore(longTtl)) {
      h.setProcessingTime(HOUR.toMillis() * 2); // not written for twice the (new) TTL

      assertThat(Scd2Harnesses.stateKeys(h, "cursor"))
          .as("c1 was not written for longer than the step's TTL of 1 h")
          .isZero();
      h.processElement(Change.updateAfter(customer("c1", "vip", "555", 2)));
      assertThat(brief(h.output()))
          .as("an expired key is treated as never seen: version 1 again")
          .containsExactly("+I c1 v1 [d2,) current vip/555");
    }
  }

  /**
   * An expired key is never read, whether or not its cleanup timer has fired yet (concepts: "an
   * expired entry is never returned"; Flink's state TTL checks the expiry on every read). After a
   * restore later than a key's expiry, Flink runs the overdue cleanup timer as a mail of the task;
   * a record of the key processed before that mail used to read the expired history. (The harness
   * fires a timer only when its clock is set, so the record here comes before the overdue timer, as
   * it can in a job.)
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keyPastItsTtl_isNotReadBeforeItsCleanupTimerFires(StateBackendKind backend)
      throws Exception {
    OperatorSubtaskState snapshot;
    try (var h = Scd2Harnesses.of(customers(), CHANGES, HOUR).open(backend)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1))); // written at 0
      snapshot = h.snapshot();
    }
    // the job restarts two TTLs after c1 was written: its cleanup timer is overdue
    try (var h = restoreAt(backend, HOUR, snapshot, HOUR.toMillis() * 2)) {
      h.processElement(new StreamRecord<>(Change.updateAfter(customer("c1", "vip", "555", 2))));

      assertThat(brief(h.extractOutputValues()))
          .as("c1 expired an hour ago: treated as never seen, version 1 again")
          .containsExactly("+I c1 v1 [d2,) current vip/555");
    }
  }

  /**
   * TTL on, off, then on again (both supported changes): a key written while the TTL was off must
   * not be forgotten before a TTL has passed since that write or since the restore that switched
   * TTL on again (docs/scd2.md: keys restored without a cleanup timer get one for the TTL after the
   * restore; concepts: a key is forgotten when it was not written for the TTL). A cleanup timer set
   * in the first run that is still pending when the second run ends survives it; the second run's
   * writes now record their time while such a timer is pending, so when it fires in the third run
   * it sets itself again for the write. It used to forget the key 15 minutes after that write.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void ttlOnOffOn_keyWrittenWhileOff_isNotForgottenBeforeItsTtl(StateBackendKind backend)
      throws Exception {
    long minute = 60_000L;
    OperatorSubtaskState first;
    try (var h = Scd2Harnesses.of(customers(), CHANGES, HOUR).open(backend)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1))); // at 0: timer at 60 min
      first = h.snapshot();
    }
    OperatorSubtaskState second;
    try (var h = restoreAt(backend, null, first, 30 * minute)) { // no TTL, from 30 min
      h.setProcessingTime(45 * minute);
      h.processElement(new StreamRecord<>(Change.updateAfter(customer("c1", "vip", "555", 2))));
      h.setProcessingTime(50 * minute);
      second = h.snapshot(0, 50 * minute);
    }
    try (var h = restoreAt(backend, HOUR, second, 55 * minute)) { // TTL again, from 55 min
      h.setProcessingTime(61 * minute); // 16 min after c1's last write, 6 min after the restore
      try (var keys =
          h.getOperator()
              .getKeyedStateBackend()
              .getKeys("cursor", org.apache.flink.runtime.state.VoidNamespace.INSTANCE)) {
        assertThat(keys.count()).as("c1, written 16 minutes ago, is still known").isEqualTo(1);
      }
    }
  }

  /**
   * Append output: a key past its TTL whose cleanup timer has not run yet is forgotten by its next
   * change, which emits its closed versions not final yet first (as the timer would), counted in
   * recordsEmitted beside the change's own accounting: an insert is out, a delete of the now
   * unknown key deduplicated.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void append_keyPastItsTtl_forgottenByItsNextChange_emitsItsClosedVersionsFirst(
      StateBackendKind backend) throws Exception {
    Scd2Step<Change<Customer>, Customer> append = customers().withOutput(Scd2Output.APPEND);
    OperatorSubtaskState snapshot;
    try (var h = Scd2Harnesses.of(append, CHANGES, HOUR).open(backend)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)));
      h.processElement(Change.updateAfter(customer("c1", "vip", "555", 2)));
      h.processElement(Change.updateAfter(customer("c1", "gold", "555", 3)));
      h.processElement(Change.insert(customer("c2", "retail", "555", 1)));
      h.processElement(Change.delete(customer("c2", "retail", "555", 2)));
      assertThat(h.output()).as("within the 10-day horizon: not final").isEmpty();
      snapshot = h.snapshot();
    }
    try (var h = restoreAt(backend, append, HOUR, snapshot, HOUR.toMillis() * 2)) {
      h.processElement(new StreamRecord<>(Change.updateAfter(customer("c1", "basic", "555", 4))));
      h.processElement(new StreamRecord<>(Change.delete(customer("c2", "retail", "555", 3))));

      assertThat(brief(h.extractOutputValues()))
          .containsExactly(
              "+I c1 v1 [d1,d2) retail/555",
              "+I c1 v2 [d2,d3) vip/555",
              "+I c2 v1 [d1,d2) retail/555");
      var function = ((Scd2Operator<?, ?>) h.getOperator()).getUserFunction();
      var metrics = ((Scd2Function<?, ?>) function).stepMetrics();
      assertThat(metrics.emittedCount()).isEqualTo(3);
      assertThat(metrics.outCount()).isEqualTo(1);
      assertThat(metrics.deduplicatedCount()).isEqualTo(1);
      assertThat(metrics.inCount()).isEqualTo(2);
    }
  }

  /** A raw harness of the customers step, its processing time at {@code now} before the restore. */
  private static KeyedOneInputStreamOperatorTestHarness<
          String, Change<Customer>, Change<Scd2Row<Customer>>>
      restoreAt(
          StateBackendKind backend,
          @javax.annotation.Nullable Duration ttl,
          OperatorSubtaskState state,
          long now)
          throws Exception {
    return restoreAt(backend, customers(), ttl, state, now);
  }

  /** A raw harness of {@code step}, its processing time at {@code now} before the restore. */
  private static KeyedOneInputStreamOperatorTestHarness<
          String, Change<Customer>, Change<Scd2Row<Customer>>>
      restoreAt(
          StateBackendKind backend,
          Scd2Step<Change<Customer>, Customer> step,
          @javax.annotation.Nullable Duration ttl,
          OperatorSubtaskState state,
          long now)
          throws Exception {
    Scd2Operator<Change<Customer>, Customer> operator =
        new Scd2Operator<>(
            step.createFunction(
                CHANGES, ttl, new ErrorHandler(Scd2Harnesses.STEP, ErrorPolicy.deadLetter())));
    var h =
        new KeyedOneInputStreamOperatorTestHarness<>(
            operator,
            step.keySelector(),
            Types.STRING,
            dev.etlkit.testkit.KeyedHarness.DEFAULT_MAX_PARALLELISM,
            1,
            0);
    h.setStateBackend(
        backend.createBackend(
            backend.usesLocalDirectory()
                ? java.nio.file.Files.createTempDirectory("etlkit-review-")
                : null));
    h.setup(
        Change.typeInfo(Scd2Row.typeInfo(Customer.TYPE))
            .createSerializer(h.getExecutionConfig().getSerializerConfig()));
    h.setProcessingTime(now);
    h.initializeState(state);
    h.open();
    return h;
  }

  /**
   * docs/scd2.md: "the clock restarts on every accepted change (a dropped redelivery does not
   * restart it)".
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void redelivery_doesNotRestartTheTtlClock(StateBackendKind backend) throws Exception {
    try (var h = Scd2Harnesses.of(customers(), CHANGES, HOUR).open(backend)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)));
      h.setProcessingTime(HOUR.toMillis() / 2);
      h.processElement(Change.insert(customer("c1", "retail", "555", 1))); // redelivered
      h.setProcessingTime(HOUR.toMillis());
      assertThat(Scd2Harnesses.stateKeys(h, "cursor")).isZero();
    }
  }
}
