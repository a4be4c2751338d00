package dev.etlkit.operators.enrich.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.operators.enrich.AsyncStepHarness;
import dev.etlkit.operators.enrich.Enrich;
import dev.etlkit.operators.enrich.LookupRetry;
import dev.etlkit.operators.enrich.LookupStatus;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An enrichment step's attempt timeout on a real HTTP lookup: the timed-out request is cancelled
 * and its place under {@code maxConcurrentRequests} freed, so the retry is sent. Found by a review:
 * before, the hung request kept its place until the lookup's own request timeout, and the retry
 * failed as "overloaded" (GitHub issue #6, "retry + timeout can hang / pile up").
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpLookupAttemptTimeoutTest {

  @Test
  void attemptTimeout_onAHungRequest_freesItsPlace_andTheRetryGetsTheAnswer() throws Exception {
    AtomicInteger requests = new AtomicInteger();
    try (HangingServer server =
        new HangingServer(
            "/customers", key -> requests.getAndIncrement() == 0, key -> "\"Anna\"")) {
      HttpLookup<String, String> customers =
          HttpLookup.get(server.urlTemplate(), String.class, String.class)
              .withMaxConcurrentRequests(1)
              .withRequestTimeout(Duration.ofMinutes(5));
      AsyncStepHarness<String, String> h =
          new AsyncStepHarness<>(
                  Enrich.lookup(
                          "customer",
                          (String order) -> order.substring(order.indexOf(':') + 1),
                          customers,
                          (String order, String customer, LookupStatus status) ->
                              order + "=" + customer + "/" + status,
                          Types.STRING)
                      .withTimeout(Duration.ofSeconds(30))
                      .withRetry(
                          LookupRetry.<String>attempts(2)
                              .withJitter(0)
                              .withBackoff(Duration.ofMillis(10), Duration.ofMillis(10))
                              .withAttemptTimeout(Duration.ofMillis(300))),
                  StringSerializer.INSTANCE)
              .open();
      try {
        h.process("o1:c-1");
        assertThat(server.awaitHanging(1, Duration.ofSeconds(10))).as("first request").isTrue();

        h.advance(Duration.ofMillis(300)); // attempt 1 times out
        h.advance(Duration.ofMillis(10)); // backoff: attempt 2, the last
        h.awaitResults(1);

        assertThat(h.deadLetters()).isEmpty();
        assertThat(h.outputs()).containsExactly("o1:c-1=Anna/LOADED");
        assertThat(requests.get()).isEqualTo(2);
      } finally {
        h.release();
      }
    }
  }
}
