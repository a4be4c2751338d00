package dev.etlkit.operators.enrich.internal.async;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.operators.enrich.FakeLookup;
import dev.etlkit.operators.enrich.LookupRetry;
import dev.etlkit.operators.enrich.RetryAfter;
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

  private static Duration ms(long millis) {
    return Duration.ofMillis(millis);
  }
}
