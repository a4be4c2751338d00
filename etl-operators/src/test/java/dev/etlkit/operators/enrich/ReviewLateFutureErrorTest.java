package dev.etlkit.operators.enrich;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.time.Duration;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * Review of the "an Error completing the lookup's future fails the task" change (2026-11-24).
 * docs/enrichment.md (failures): an Error completing the future "fails the task under every
 * fallback ... with no retry, stale entry or fallback standing in (the records waiting for that
 * call fail the task when their output is made)"; only an Error "no record waits for" is left to
 * the next record.
 */
class ReviewLateFutureErrorTest {

  static final OutOfMemoryError ERROR = new OutOfMemoryError("lookup client buffers");

  private static Enrich.LookupStep<String, String, String, String> step(
      Lookup<String, String> lookup) {
    return Enrich.lookup(
        "customer",
        (String order) -> order.substring(order.indexOf(':') + 1),
        lookup,
        (String order, String customer, LookupStatus status) ->
            order + "=" + customer + "/" + status,
        Types.STRING);
  }

  /**
   * The attempt timeout ends call 0 and schedules a retry: the record still waits for its key. Call
   * 0's future then fails with an Error during the retry's backoff. LookupCall.accept hands it to
   * LookupEngine.onLateReply, which only {@code report}s it: the retry is made anyway and answers
   * the record (LOADED), i.e. a retry stands in for the Error and the task runs on (it would fail
   * only at a next record, if one ever comes).
   */
  @Test
  void futureFailsWithAnErrorDuringTheRetryBackoff_recordStillWaiting_failsTheTask()
      throws Exception {
    FakeLookup lookup = FakeLookup.manual();
    AsyncStepHarness<String, String> h =
        new AsyncStepHarness<>(
                step(lookup)
                    .withRetry(
                        LookupRetry.<String>attempts(3)
                            .withAttemptTimeout(Duration.ofMillis(100))
                            .withBackoff(Duration.ofMillis(50), Duration.ofMillis(50))
                            .withJitter(0))
                    .withFallback(LookupFallback.passThrough()),
                StringSerializer.INSTANCE)
            .open();
    try {
      h.process("o1:c-1");
      h.advance(Duration.ofMillis(100)); // attempt 1 timed out: retry in 50 ms, o1 still waits
      assertThat(h.results()).as("o1 waits for its retry").isEmpty();

      lookup.call(0).fail(ERROR); // call 0 fails with an Error during the backoff
      Throwable thrown =
          catchThrowable(
              () -> {
                h.drain();
                h.advance(Duration.ofMillis(50));
                if (lookup.callCount() > 1) {
                  lookup.call(1).reply("Anna");
                }
                h.drain();
              });

      assertThat(thrown).as("what the task fails with").isSameAs(ERROR);
      assertThat(h.outputs()).as("o1 is not answered by a retry").isEmpty();
    } finally {
      h.release();
    }
  }

  /**
   * Same, with the Error arriving while the retry call is in flight: the retry's answer is emitted
   * for the record that waited for the failed key.
   */
  @Test
  void futureFailsWithAnErrorWhileTheRetryRuns_recordStillWaiting_failsTheTask() throws Exception {
    FakeLookup lookup = FakeLookup.manual();
    AsyncStepHarness<String, String> h =
        new AsyncStepHarness<>(
                step(lookup)
                    .withRetry(
                        LookupRetry.<String>attempts(3)
                            .withAttemptTimeout(Duration.ofMillis(100))
                            .withBackoff(Duration.ofMillis(10), Duration.ofMillis(10))
                            .withJitter(0))
                    .withFallback(LookupFallback.passThrough()),
                StringSerializer.INSTANCE)
            .open();
    try {
      h.process("o1:c-1");
      h.advance(Duration.ofMillis(110)); // attempt 1 timed out, attempt 2 made
      assertThat(lookup.callCount()).isEqualTo(2);

      lookup.call(0).fail(ERROR); // the first call's future fails with an Error
      Throwable thrown =
          catchThrowable(
              () -> {
                h.drain();
                lookup.call(1).reply("Anna");
                h.drain();
              });

      assertThat(thrown).as("what the task fails with").isSameAs(ERROR);
      assertThat(h.outputs()).as("o1 is not answered by the retry").isEmpty();
    } finally {
      h.release();
    }
  }

  /**
   * A refresh-ahead call's future fails with an Error; no record comes after it (a bounded input
   * ends). The Error is kept in LookupEngine.unreported, thrown only by
   * asyncInvoke/answerFromCache: the input ends, the operator finishes and closes without it, so a
   * bounded job finishes successfully after an Error of its lookup.
   */
  @Test
  void refreshFutureFailsWithAnError_thenTheInputEnds_failsTheTask() throws Exception {
    FakeLookup lookup = FakeLookup.manual();
    AsyncStepHarness<String, String> h =
        new AsyncStepHarness<>(
                step(lookup)
                    .withRetry(LookupRetry.none())
                    .withCache(
                        LookupCache.maxEntries(100)
                            .withExpireAfterWrite(Duration.ofMinutes(10))
                            .withRefreshAfterWrite(Duration.ofMinutes(1))),
                StringSerializer.INSTANCE)
            .open();
    try {
      h.process("o1:c-1");
      lookup.call(0).reply("Anna");
      h.drain();
      h.advance(Duration.ofMinutes(2));
      h.process("o2:c-1"); // a hit that starts the refresh
      assertThat(h.outputs()).containsExactly("o1:c-1=Anna/LOADED", "o2:c-1=Anna/HIT");

      lookup.call(1).fail(ERROR); // the refresh's future fails with an Error
      Throwable thrown =
          catchThrowable(
              () -> {
                h.drain();
                h.harness.endInput(); // the bounded input ends: what Flink calls then
                h.harness.getOperator().finish();
                h.harness.getOperator().close();
              });

      assertThat(thrown).as("what the task fails with").isSameAs(ERROR);
    } finally {
      h.release();
    }
  }
}
