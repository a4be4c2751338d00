package dev.etlkit.operators.enrich.internal.async;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.operators.enrich.FakeLookup;
import dev.etlkit.operators.enrich.LookupCache;
import dev.etlkit.operators.enrich.LookupRetry;
import dev.etlkit.operators.enrich.RetryAfter;
import dev.etlkit.operators.enrich.http.HttpLookupException;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/**
 * A failure that says when to try again ({@link RetryAfter}, as an HTTP 429 or 503 with {@code
 * Retry-After}) delays the retry to at least then; the engine on a manual clock, step timeout 5 s.
 */
class RetryAfterTest {

  /** What a rate-limited service answers: try again after {@code wait}. */
  static final class Overloaded extends IOException implements RetryAfter {
    private static final long serialVersionUID = 1L;
    private final Duration wait;

    Overloaded(Duration wait) {
      super("429 Too Many Requests");
      this.wait = wait;
    }

    @Override
    public Optional<Duration> retryAfter() {
      return Optional.of(wait);
    }
  }

  private static EngineFixture retrying(FakeLookup lookup) {
    LookupRetry<Object> retry =
        LookupRetry.attempts(3).withJitter(0).withBackoff(ms(100), ms(1000));
    return new EngineFixture(lookup, s -> s.retry = retry);
  }

  @Test
  void retryAfterLongerThanTheBackoff_delaysTheRetryToIt() {
    FakeLookup lookup = FakeLookup.manual();
    EngineFixture f = retrying(lookup);

    RecordingWaiter order = f.request("o1", "c-1");
    lookup.call(0).fail(new Overloaded(ms(1500)));
    f.advanceMillis(1499);
    assertThat(lookup.callCount()).as("no retry before the server's time").isEqualTo(1);
    f.advanceMillis(1);
    assertThat(lookup.callCount()).isEqualTo(2);
    lookup.call(1).reply("Anna");

    assertThat(order.answers()).containsExactly("Anna/LOADED");
    assertThat(order.attempts).isEqualTo(2);
  }

  @Test
  void retryAfterInsideACompletionException_delaysTheRetryToo() {
    FakeLookup lookup = FakeLookup.manual();
    EngineFixture f = retrying(lookup);

    f.request("o1", "c-1");
    lookup.call(0).fail(new CompletionException(new Overloaded(ms(700))));
    f.advanceMillis(699);
    assertThat(lookup.callCount()).isEqualTo(1);
    f.advanceMillis(1);
    assertThat(lookup.callCount()).isEqualTo(2);
  }

  @Test
  void retryAfterShorterThanTheBackoff_theBackoffWins() {
    FakeLookup lookup = FakeLookup.manual();
    EngineFixture f = retrying(lookup);

    f.request("o1", "c-1");
    lookup.call(0).fail(new Overloaded(ms(10)));
    f.advanceMillis(99);
    assertThat(lookup.callCount()).isEqualTo(1);
    f.advanceMillis(1);
    assertThat(lookup.callCount()).isEqualTo(2);
  }

  @Test
  void retryAfterBeyondTheStepTimeout_noRetry_theRecordGetsTheFailureAtOnce() {
    FakeLookup lookup = FakeLookup.manual();
    EngineFixture f = retrying(lookup);

    RecordingWaiter order = f.request("o1", "c-1");
    lookup.call(0).fail(new Overloaded(Duration.ofSeconds(30)));

    assertThat(order.answers()).containsExactly("dead-letter/Overloaded");
    assertThat(order.attempts).isEqualTo(1);
    f.advanceMillis(10_000);
    assertThat(lookup.callCount()).as("the server was not asked again").isEqualTo(1);
  }

  @Test
  void retryAfterBeyondTheStepTimeout_withAStaleEntry_theRecordGetsItAtOnce() {
    FakeLookup lookup = FakeLookup.manual().put("c-1", "Anna");
    EngineFixture f =
        new EngineFixture(
            lookup,
            s -> {
              s.cache =
                  LookupCache.maxEntries(100)
                      .withExpireAfterWrite(Duration.ofMinutes(10))
                      .withStaleOnError(Duration.ofHours(1));
              s.retry = LookupRetry.attempts(3).withJitter(0).withBackoff(ms(100), ms(1000));
            });
    f.request("o1", "c-1");
    lookup.call(0).replyFromTable();
    f.advanceMillis(Duration.ofMinutes(10).toMillis()); // expired, within the staleness

    RecordingWaiter order = f.request("o2", "c-1");
    lookup.call(1).fail(new Overloaded(Duration.ofSeconds(30)));

    assertThat(order.answers()).containsExactly("Anna/STALE");
    assertThat(order.attempts).isEqualTo(1);
    assertThat(f.count(LookupMetrics.STALE_SERVED)).isEqualTo(1);
    f.advanceMillis(10_000);
    assertThat(lookup.callCount()).as("the server was not asked again").isEqualTo(2);
  }

  @Test
  void refreshAheadRetry_keepsThePlainBackoff() {
    // Nobody waits for a refresh, and the key's next load would join it: no long pause there.
    FakeLookup lookup = FakeLookup.manual().put("c-1", "Anna");
    EngineFixture f = refreshing(lookup);
    startRefresh(f, lookup);
    lookup.call(1).fail(new Overloaded(Duration.ofMinutes(5)));
    f.advanceMillis(100);
    assertThat(lookup.callCount()).as("the refresh's retry after the backoff").isEqualTo(3);
  }

  /** A failure whose cause cannot be read: the lookup's own exception, misbehaving. */
  static final class UnreadableCause extends IOException {
    private static final long serialVersionUID = 1L;

    UnreadableCause() {
      super("503");
    }

    @Override
    public synchronized Throwable getCause() {
      throw new IllegalStateException("no cause here");
    }
  }

  /** A failure whose Retry-After cannot be read. */
  static final class UnreadableRetryAfter extends IOException implements RetryAfter {
    private static final long serialVersionUID = 1L;

    @Override
    public Optional<Duration> retryAfter() {
      throw new IllegalStateException("no header here");
    }
  }

  @Test
  void failureWhoseCauseOrRetryAfterThrows_isRetriedAfterThePlainBackoff() {
    FakeLookup lookup = FakeLookup.manual();
    EngineFixture f = retrying(lookup);

    RecordingWaiter order = f.request("o1", "c-1");
    lookup.call(0).fail(new UnreadableCause());
    f.advanceMillis(100);
    assertThat(lookup.callCount()).isEqualTo(2);
    lookup.call(1).fail(new UnreadableRetryAfter());
    f.advanceMillis(200);
    assertThat(lookup.callCount()).isEqualTo(3);
    lookup.call(2).reply("Anna");

    assertThat(order.answers()).containsExactly("Anna/LOADED");
  }

  /** A cache with refresh-ahead after 8 of 10 minutes, two attempts 100 ms apart. */
  private static EngineFixture refreshing(FakeLookup lookup) {
    return new EngineFixture(
        lookup,
        s -> {
          s.cache =
              LookupCache.maxEntries(100)
                  .withExpireAfterWrite(Duration.ofMinutes(10))
                  .withRefreshAfterWrite(Duration.ofMinutes(8));
          s.retry = LookupRetry.attempts(2).withBackoff(ms(100), ms(100)).withJitter(0.0);
        });
  }

  /** Loads c-1, lets 8 minutes pass, and starts its refresh with a read (call 1). */
  private static void startRefresh(EngineFixture f, FakeLookup lookup) {
    f.request("o1", "c-1");
    lookup.call(0).replyFromTable();
    f.advanceMillis(Duration.ofMinutes(8).toMillis());
    assertThat(f.request("o2", "c-1").answer()).isEqualTo("Anna/HIT");
    assertThat(lookup.callCount()).isEqualTo(2);
  }

  @Test
  void refreshThatFailedForGood_withRetryAfter_noReadRefreshesTheKeyBeforeThen() {
    FakeLookup lookup = FakeLookup.manual().put("c-1", "Anna");
    EngineFixture f = refreshing(lookup);
    startRefresh(f, lookup);
    lookup.call(1).fail(new Overloaded(ms(100)));
    f.advanceMillis(100);
    lookup.call(2).fail(new Overloaded(Duration.ofMinutes(1))); // the refresh failed for good

    f.advanceMillis(Duration.ofMinutes(1).toMillis() - 1);
    assertThat(f.request("o3", "c-1").answer()).isEqualTo("Anna/HIT");
    assertThat(lookup.callCount()).as("the server asked for a minute").isEqualTo(3);
    f.advanceMillis(1);
    assertThat(f.request("o4", "c-1").answer()).isEqualTo("Anna/HIT");
    assertThat(lookup.callCount()).as("then a read refreshes the key again").isEqualTo(4);
  }

  @Test
  void refreshThatFailedForGood_withoutRetryAfter_theNextRefreshWaitsTheBackoff() {
    FakeLookup lookup = FakeLookup.manual().put("c-1", "Anna");
    EngineFixture f = refreshing(lookup);
    startRefresh(f, lookup);
    lookup.call(1).fail(new IOException("503"));
    f.advanceMillis(100);
    lookup.call(2).fail(new IOException("503"));

    assertThat(f.request("o3", "c-1").answer()).isEqualTo("Anna/HIT");
    assertThat(lookup.callCount()).as("not at once, as a retry would not be").isEqualTo(3);
    f.advanceMillis(100);
    assertThat(f.request("o4", "c-1").answer()).isEqualTo("Anna/HIT");
    assertThat(lookup.callCount()).isEqualTo(4);
  }

  @Test
  void retryAfterNanos_readsItFromTheFailureOrItsCauses_boundedAndNeverNegative() {
    HttpLookupException tooMany =
        new HttpLookupException("status 429", true, 429, Duration.ofSeconds(3));

    assertThat(Backoff.retryAfterNanos(tooMany)).isEqualTo(3_000_000_000L);
    assertThat(Backoff.retryAfterNanos(new CompletionException(tooMany))).isEqualTo(3_000_000_000L);
    assertThat(Backoff.retryAfterNanos(new HttpLookupException("status 503", true, 503, null)))
        .as("no Retry-After")
        .isZero();
    assertThat(Backoff.retryAfterNanos(new Overloaded(Duration.ofSeconds(-5)))).isZero();
    assertThat(Backoff.retryAfterNanos(new Overloaded(Duration.ofSeconds(Long.MAX_VALUE))))
        .as("a year at most: no overflow")
        .isEqualTo(Duration.ofDays(365).toNanos());
    assertThat(Backoff.retryAfterNanos(new IOException("connection refused"))).isZero();
  }

  /** A user's exception breaking the contract: {@code retryAfter()} returns null. */
  static final class NullWait extends IOException implements RetryAfter {
    private static final long serialVersionUID = 1L;

    NullWait() {
      super("down");
    }

    @Override
    public Optional<Duration> retryAfter() {
      return null;
    }
  }

  @Test
  void aRetryAfterReturningNull_isNoWait_theRecordKeepsItsOwnFailure() {
    FakeLookup lookup = FakeLookup.manual();
    EngineFixture f = retrying(lookup);

    RecordingWaiter order = f.request("o1", "c-1");
    lookup.call(0).fail(new NullWait());
    f.advanceMillis(100);
    assertThat(lookup.callCount()).as("retried after the plain backoff").isEqualTo(2);
    lookup.call(1).fail(new NullWait());
    f.advanceMillis(200);
    lookup.call(2).fail(new NullWait());

    assertThat(order.answers()).containsExactly("dead-letter/NullWait");
  }

  private static Duration ms(long millis) {
    return Duration.ofMillis(millis);
  }
}
