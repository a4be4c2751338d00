package dev.etlkit.operators.enrich;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.operators.enrich.internal.async.LookupMetrics;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;

/**
 * A {@code lookupAll} call that answers some keys and fails others ({@link
 * PartialLookupException}): each failed key goes its own way (retry, fallback, dead letter, or the
 * task's failure for an Error), the others are answered, and the metrics count per key.
 */
class PartialLookupTest {

  private static final Duration BATCH_DELAY = Duration.ofMillis(10);

  private static Enrich.LookupStep<String, String, String, String> step(Lookup<String, String> l) {
    return Enrich.lookup(
            "customer",
            (String order) -> order.substring(order.indexOf(':') + 1),
            l,
            (String order, String customer, LookupStatus status) ->
                order + "=" + customer + "/" + status,
            Types.STRING)
        .withMicroBatch(3, BATCH_DELAY);
  }

  private static Map<String, String> found(String... keysAndValues) {
    Map<String, String> found = new HashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      found.put(keysAndValues[i], keysAndValues[i + 1]);
    }
    return found;
  }

  @Test
  void failedKey_isRetriedAlone_theOthersAreAnsweredOnce() throws Exception {
    FakeLookup lookup = FakeLookup.manualBatch();
    AsyncStepHarness<String, String> h =
        new AsyncStepHarness<>(
                step(lookup)
                    .withRetry(
                        LookupRetry.<String>attempts(2)
                            .withBackoff(Duration.ofMillis(10), Duration.ofMillis(10))
                            .withJitter(0)),
                StringSerializer.INSTANCE)
            .open();
    try {
      h.process("o1:c-1");
      h.process("o2:c-2");
      h.process("o3:c-3"); // the batch is full: lookupAll(c-1, c-2, c-3)

      lookup
          .call(0)
          .fail(
              new CompletionException(
                  PartialLookupException.of(
                      found("c-1", "A"), Map.of("c-2", new IOException("reset")))));
      h.drain();
      // Ordered output: o3's answer (a miss) waits behind o2's retry.
      assertThat(h.outputs()).containsExactly("o1:c-1=A/LOADED");
      h.advance(Duration.ofMillis(10)); // the backoff of c-2
      h.advance(BATCH_DELAY); // its batch goes out
      assertThat(lookup.lastCall().keys).containsExactly("c-2");
      lookup.lastCall().reply("B");
      h.drain();

      assertThat(h.outputs())
          .containsExactly("o1:c-1=A/LOADED", "o2:c-2=B/LOADED", "o3:c-3=null/MISS");
      assertThat(h.deadLetters()).isEmpty();
      assertThat(h.metric(LookupMetrics.BATCHES)).isEqualTo(2);
      assertThat(h.metric(LookupMetrics.LOADS)).isEqualTo(4);
      assertThat(h.metric(LookupMetrics.LOAD_FAILURES)).isEqualTo(1);
      assertThat(h.metric(LookupMetrics.RETRIES)).isEqualTo(1);
    } finally {
      h.release();
    }
  }

  @Test
  void failedKey_withoutRetries_getsTheFallback_orADeadLetterWithItsOwnFailure() throws Exception {
    FakeLookup lookup = FakeLookup.manualBatch();
    AsyncStepHarness<String, String> h =
        new AsyncStepHarness<>(
                step(lookup).withRetry(LookupRetry.none()), StringSerializer.INSTANCE)
            .open();
    try {
      h.process("o1:c-1");
      h.process("o2:c-2");
      h.process("o3:c-3");

      lookup
          .call(0)
          .fail(
              PartialLookupException.of(
                  found("c-3", "C"),
                  Map.of(
                      "c-1", new IllegalArgumentException("bad key"),
                      "c-2", new IllegalStateException("bad key too"))));
      h.drain();

      assertThat(h.outputs()).containsExactly("o3:c-3=C/LOADED");
      assertThat(h.deadLetters())
          .extracting(DeadLetter::errorClass, DeadLetter::errorMessage)
          .containsExactlyInAnyOrder(
              Tuple.tuple(IllegalArgumentException.class.getName(), "bad key"),
              Tuple.tuple(IllegalStateException.class.getName(), "bad key too"));
      assertThat(h.metric(LookupMetrics.LOAD_FAILURES)).isEqualTo(2);
      assertThat(h.metric(LookupMetrics.FALLBACKS)).isEqualTo(2);
    } finally {
      h.release();
    }
  }

  @Test
  void errorAmongTheFailures_failsTheTask_theOtherKeysAreAnswered() throws Exception {
    AssertionError bug = new AssertionError("bug in the lookup");
    FakeLookup lookup = FakeLookup.manualBatch();
    AsyncStepHarness<String, String> h =
        new AsyncStepHarness<>(
                step(lookup).withFallback(LookupFallback.passThrough()), StringSerializer.INSTANCE)
            .open();
    try {
      h.process("o1:c-1");
      h.process("o2:c-2");
      h.process("o3:c-3");

      lookup.call(0).fail(PartialLookupException.of(found("c-1", "A"), Map.of("c-2", bug)));
      Throwable thrown = catchThrowable(h::drain);

      assertThat(thrown).isSameAs(bug);
      assertThat(h.outputs()).contains("o1:c-1=A/LOADED");
      assertThat(lookup.callCount()).as("no retry").isEqualTo(1);
      assertThat(h.metric(LookupMetrics.LOAD_FAILURES)).isZero();
    } finally {
      h.release();
    }
  }

  /**
   * The batch's attempt timeout ended it (both keys wait for a retry), then its future fails late
   * with a PartialLookupException whose failure for c-2 is an Error. A late Error completing the
   * future fails the records still waiting (LookupLateErrorTest); one among a late partial
   * failure's keys must too, not be dropped while the retry answers c-2's record.
   */
  @Test
  void errorAmongTheFailures_comingAfterTheAttemptTimeout_failsTheRecordWaitingForItsRetry()
      throws Exception {
    AssertionError bug = new AssertionError("bug in the lookup");
    FakeLookup lookup = FakeLookup.manualBatch();
    AsyncStepHarness<String, String> h =
        new AsyncStepHarness<>(
                Enrich.lookup(
                        "customer",
                        (String order) -> order.substring(order.indexOf(':') + 1),
                        lookup,
                        (String order, String customer, LookupStatus status) ->
                            order + "=" + customer + "/" + status,
                        Types.STRING)
                    .withMicroBatch(2, BATCH_DELAY)
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
      h.process("o2:c-2"); // the batch is full: lookupAll(c-1, c-2)
      h.advance(Duration.ofMillis(100)); // the batch timed out: both keys retry in 50 ms

      lookup.call(0).fail(PartialLookupException.of(found("c-1", "A"), Map.of("c-2", bug)));
      Throwable thrown = catchThrowable(h::drain);

      assertThat(thrown).as("what o2's output fails the task with").isSameAs(bug);
      h.advance(Duration.ofSeconds(1)); // past the backoff: c-1's retry goes out alone
      assertThat(lookup.calls().subList(1, lookup.callCount()))
          .as("retries: c-1's only")
          .allSatisfy(c -> assertThat(c.keys).containsExactly("c-1"));
      lookup.calls().forEach(c -> c.reply("retried"));
      h.drain();
      assertThat(h.outputs()).as("o2 is not answered").noneMatch(o -> o.startsWith("o2:"));
    } finally {
      h.release();
    }
  }

  @Test
  void of_rejectsNoFailures_andANullFailure() {
    Map<String, Throwable> nullFailure = new HashMap<>();
    nullFailure.put("c-1", null);

    assertThatThrownBy(() -> PartialLookupException.of(Map.of(), Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("failures must name at least one key; complete the future with found instead");
    assertThatThrownBy(() -> PartialLookupException.of(Map.of(), nullFailure))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("failures must not hold a null failure");
    assertThat(PartialLookupException.of(Map.of(), Map.of("c-1", new IOException())))
        .hasMessage("lookupAll failed for 1 of its keys")
        .satisfies(e -> assertThat(e.found()).isEmpty())
        .satisfies(e -> assertThat(e.failures().keySet()).isEqualTo(Set.of("c-1")));
  }
}
