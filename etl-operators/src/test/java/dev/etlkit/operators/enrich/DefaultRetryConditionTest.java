package dev.etlkit.operators.enrich;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.etlkit.operators.enrich.http.HttpLookupException;
import dev.etlkit.operators.enrich.internal.async.LookupMetrics;
import dev.etlkit.operators.enrich.jdbc.JdbcLookupException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * The default retry condition: a failure that says trying again cannot help (the HTTP and JDBC
 * lookups' exceptions with {@code retryable() == false}) is final at once; every other failure,
 * attempt timeouts included, is retried as before; an explicit {@code withRetryOn} replaces the
 * default.
 */
class DefaultRetryConditionTest {

  private static final Duration BACKOFF = Duration.ofMillis(10);

  /** The step's default retry (3 attempts), a short fixed backoff, no jitter. */
  private static LookupRetry<String> defaultRetry() {
    return LookupRetry.<String>attempts(3).withBackoff(BACKOFF, BACKOFF).withJitter(0);
  }

  private static Enrich.LookupStep<String, String, String, String> step(
      Lookup<String, String> lookup, LookupRetry<String> retry) {
    return Enrich.lookup(
            "customer",
            (String order) -> order.substring(order.indexOf(':') + 1),
            lookup,
            (String order, String customer, LookupStatus status) ->
                order + "=" + customer + "/" + status,
            Types.STRING)
        .withTimeout(Duration.ofSeconds(1))
        .withRetry(retry);
  }

  @Test
  void retries_aFailureThatSaysItCannotSucceed_isFalseByDefault() {
    LookupRetry<String> retry = LookupRetry.attempts(3);

    assertThat(retry.retries(new JdbcLookupException("syntax", false, "42601"))).isFalse();
    assertThat(retry.retries(new HttpLookupException("status 404", false, 404, null))).isFalse();
    assertThat(
            retry.retries(
                new CompletionException(new HttpLookupException("status 400", false, 400, null))))
        .isFalse();
    assertThat(
            retry.retries(
                new ExecutionException(new JdbcLookupException("cannot bind", false, null))))
        .isFalse();
  }

  @Test
  void retries_wrappersThatCauseEachOther_answersWithoutLooping() {
    LookupRetry<String> retry = LookupRetry.attempts(3);
    CompletionException outer = new CompletionException("outer") {};
    ExecutionException inner = new ExecutionException("inner") {};
    outer.initCause(inner);
    inner.initCause(outer); // a cycle of wrappers: nothing inside says it cannot succeed

    assertTimeoutPreemptively(Duration.ofSeconds(10), () -> retry.retries(outer));
    assertThat(retry.retries(outer)).isTrue();
  }

  @Test
  void retries_otherFailures_isTrueByDefault() {
    LookupRetry<String> retry = LookupRetry.attempts(3);

    assertThat(retry.retries(new JdbcLookupException("no connection", true, "08001"))).isTrue();
    assertThat(retry.retries(new HttpLookupException("status 503", true, 503, null))).isTrue();
    assertThat(retry.retries(new TimeoutException("attempt timeout"))).isTrue();
    assertThat(retry.retries(new IllegalStateException("anything"))).isTrue();
  }

  @Test
  void defaultRetry_nonRetryableFailure_isCalledOnce_andDeadLetteredAtOnce() throws Exception {
    FakeLookup lookup = FakeLookup.manual();
    AsyncStepHarness<String, String> h =
        new AsyncStepHarness<>(step(lookup, defaultRetry()), StringSerializer.INSTANCE).open();
    try {
      h.process("o1:c-1");
      lookup.call(0).fail(new JdbcLookupException("a key that cannot be bound", false, null));
      h.drain();
      h.advance(BACKOFF.multipliedBy(10)); // a retry would have been made by now

      assertThat(lookup.callCount()).as("no retry").isEqualTo(1);
      assertThat(h.deadLetters())
          .singleElement()
          .satisfies(
              d -> {
                assertThat(d.errorClass()).isEqualTo(JdbcLookupException.class.getName());
                assertThat(d.attempt()).isEqualTo(1);
              });
      assertThat(h.metric(LookupMetrics.LOAD_FAILURES)).isEqualTo(1);
      assertThat(h.metric(LookupMetrics.RETRIES)).isZero();
      assertThat(h.metric(LookupMetrics.FALLBACKS)).isEqualTo(1);
    } finally {
      h.release();
    }
  }

  @Test
  void defaultRetry_nonRetryableFailureInACompletionException_isNotRetried() throws Exception {
    FakeLookup lookup = FakeLookup.manual();
    AsyncStepHarness<String, String> h =
        new AsyncStepHarness<>(
                step(lookup, defaultRetry()).withFallback(LookupFallback.passThrough()),
                StringSerializer.INSTANCE)
            .open();
    try {
      h.process("o1:c-1");
      lookup
          .call(0)
          .fail(new CompletionException(new HttpLookupException("status 404", false, 404, null)));
      h.drain();
      h.advance(BACKOFF.multipliedBy(10));

      assertThat(lookup.callCount()).as("no retry").isEqualTo(1);
      assertThat(h.outputs()).containsExactly("o1:c-1=null/FAILED");
      assertThat(h.metric(LookupMetrics.LOAD_FAILURES)).isEqualTo(1);
      assertThat(h.metric(LookupMetrics.RETRIES)).isZero();
    } finally {
      h.release();
    }
  }

  @Test
  void defaultRetry_retryableFailure_isStillRetried() throws Exception {
    FakeLookup lookup = FakeLookup.manual();
    AsyncStepHarness<String, String> h =
        new AsyncStepHarness<>(step(lookup, defaultRetry()), StringSerializer.INSTANCE).open();
    try {
      h.process("o1:c-1");
      lookup.call(0).fail(new JdbcLookupException("no connection", true, "08001"));
      h.drain();
      h.advance(BACKOFF);
      lookup.call(1).reply("A");
      h.drain();

      assertThat(lookup.callCount()).isEqualTo(2);
      assertThat(h.outputs()).containsExactly("o1:c-1=A/LOADED");
      assertThat(h.metric(LookupMetrics.RETRIES)).isEqualTo(1);
    } finally {
      h.release();
    }
  }

  @Test
  void defaultRetry_attemptTimeout_isStillRetried() throws Exception {
    FakeLookup lookup = FakeLookup.manual();
    AsyncStepHarness<String, String> h =
        new AsyncStepHarness<>(
                step(lookup, defaultRetry().withAttemptTimeout(Duration.ofMillis(50))),
                StringSerializer.INSTANCE)
            .open();
    try {
      h.process("o1:c-1");
      h.advance(Duration.ofMillis(50)); // the attempt timeout
      h.advance(BACKOFF);
      lookup.call(1).reply("A");
      h.drain();

      assertThat(lookup.callCount()).isEqualTo(2);
      assertThat(h.outputs()).containsExactly("o1:c-1=A/LOADED");
      assertThat(h.metric(LookupMetrics.LOAD_TIMEOUTS)).isEqualTo(1);
      assertThat(h.metric(LookupMetrics.RETRIES)).isEqualTo(1);
    } finally {
      h.release();
    }
  }

  @Test
  void defaultRetry_partialLookup_nonRetryableKeyIsFinal_retryableKeyIsRetried() throws Exception {
    FakeLookup lookup = FakeLookup.manualBatch();
    AsyncStepHarness<String, String> h =
        new AsyncStepHarness<>(
                step(lookup, defaultRetry())
                    .withMicroBatch(3, BACKOFF)
                    .withFallback(LookupFallback.passThrough())
                    .withUnorderedOutput(),
                StringSerializer.INSTANCE)
            .open();
    try {
      h.process("o1:c-1");
      h.process("o2:c-2");
      h.process("o3:c-3"); // the batch is full: lookupAll(c-1, c-2, c-3)
      lookup
          .call(0)
          .fail(
              PartialLookupException.of(
                  Map.of("c-1", "A"),
                  Map.of(
                      "c-2", new JdbcLookupException("cannot bind", false, null),
                      "c-3", new JdbcLookupException("no connection", true, "08001"))));
      h.drain();
      h.advance(BACKOFF); // c-3's backoff
      h.advance(BACKOFF); // its batch goes out
      assertThat(lookup.lastCall().keys).as("only the retryable key").containsExactly("c-3");
      lookup.lastCall().reply("C");
      h.drain();

      assertThat(lookup.callCount()).isEqualTo(2);
      assertThat(h.outputs())
          .containsExactlyInAnyOrder("o1:c-1=A/LOADED", "o2:c-2=null/FAILED", "o3:c-3=C/LOADED");
      assertThat(h.metric(LookupMetrics.LOAD_FAILURES)).isEqualTo(2);
      assertThat(h.metric(LookupMetrics.RETRIES)).isEqualTo(1);
    } finally {
      h.release();
    }
  }

  @Test
  void explicitRetryOn_replacesTheDefault_andRetriesANonRetryableFailure() throws Exception {
    FakeLookup lookup = FakeLookup.manual();
    AsyncStepHarness<String, String> h =
        new AsyncStepHarness<>(
                step(lookup, defaultRetry().withRetryOn(failure -> true)),
                StringSerializer.INSTANCE)
            .open();
    try {
      h.process("o1:c-1");
      lookup.call(0).fail(new HttpLookupException("status 404", false, 404, null));
      h.drain();
      h.advance(BACKOFF);
      lookup.call(1).reply("A");
      h.drain();

      assertThat(lookup.callCount()).isEqualTo(2);
      assertThat(h.outputs()).containsExactly("o1:c-1=A/LOADED");
      assertThat(h.deadLetters()).isEmpty();
    } finally {
      h.release();
    }
  }

  /** A user lookup's own failure that says whether a retry can help. */
  static final class OwnFailure extends RuntimeException implements LookupFailure {
    private static final long serialVersionUID = 1L;
    private final Boolean retryable;

    /** {@code retryable} null: {@link #retryable()} throws. */
    OwnFailure(Boolean retryable) {
      super("own failure");
      this.retryable = retryable;
    }

    @Override
    public boolean retryable() {
      if (retryable == null) {
        throw new IllegalStateException("cannot tell");
      }
      return retryable;
    }
  }

  @Test
  void retries_ownLookupFailure_followsItsRetryable_andOneThatThrowsIsRetried() {
    LookupRetry<String> retry = LookupRetry.attempts(3);

    assertThat(retry.retries(new OwnFailure(false))).isFalse();
    assertThat(retry.retries(new CompletionException(new OwnFailure(false)))).isFalse();
    assertThat(retry.retries(new OwnFailure(true))).isTrue();
    assertThat(retry.retries(new OwnFailure(null))).as("says nothing readable").isTrue();
    assertThat(retry.retries(new IllegalStateException(new OwnFailure(false))))
        .as("only CompletionException and ExecutionException are looked through")
        .isTrue();
    assertThat(LookupRetry.<String>none().retries(new OwnFailure(true))).isFalse();
  }

  @Test
  void defaultRetry_ownLookupFailureNotRetryable_isFinalAtOnce() throws Exception {
    FakeLookup lookup = FakeLookup.manual();
    AsyncStepHarness<String, String> h =
        new AsyncStepHarness<>(
                step(lookup, defaultRetry()).withFallback(LookupFallback.useDefault("unknown")),
                StringSerializer.INSTANCE)
            .open();
    try {
      h.process("o1:c-1");
      lookup.call(0).fail(new OwnFailure(false));
      h.drain();
      h.advance(BACKOFF.multipliedBy(10));

      assertThat(lookup.callCount()).as("no retry").isEqualTo(1);
      assertThat(h.outputs()).containsExactly("o1:c-1=unknown/DEFAULT");
      assertThat(h.metric(LookupMetrics.LOAD_FAILURES)).isEqualTo(1);
      assertThat(h.metric(LookupMetrics.RETRIES)).isZero();
    } finally {
      h.release();
    }
  }
}
