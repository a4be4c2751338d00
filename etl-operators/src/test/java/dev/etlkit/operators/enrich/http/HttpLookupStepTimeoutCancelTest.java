package dev.etlkit.operators.enrich.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.operators.enrich.AsyncStepHarness;
import dev.etlkit.operators.enrich.Enrich;
import dev.etlkit.operators.enrich.LookupFallback;
import dev.etlkit.operators.enrich.LookupRetry;
import dev.etlkit.operators.enrich.LookupStatus;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An enrichment step's step timeout on a real HTTP lookup: once the only record waiting for a hung
 * request is answered by the step timeout, the request is cancelled and its place under {@code
 * maxConcurrentRequests} freed at once, not at its attempt timeout. Found by a review: before, the
 * next record's request failed as "overloaded".
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpLookupStepTimeoutCancelTest {

  @Test
  void stepTimeout_ofTheOnlyRecordOfAHungRequest_freesItsPlace_forTheNextRecord() throws Exception {
    try (HangingServer server = new HangingServer("/customers", "c-1"::equals, key -> "\"Bert\"")) {
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
                      .withTimeout(Duration.ofSeconds(1))
                      // The call of o1 waits for a permit: it starts 500 ms after its record, so
                      // its attempt timeout comes 500 ms after the record's step timeout.
                      .withRateLimit(2.0)
                      .withRetry(LookupRetry.none()) // an "overloaded" failure shows at once
                      .withFallback(LookupFallback.passThrough()),
                  StringSerializer.INSTANCE)
              .open();
      try {
        h.process("o0:c-0"); // takes the first permit
        h.awaitResults(1);
        h.process("o1:c-1");
        h.advance(Duration.ofMillis(500)); // its permit: the request is sent, and hangs
        assertThat(server.awaitHanging(1, Duration.ofSeconds(10))).as("hung request").isTrue();

        h.advance(Duration.ofMillis(600)); // o1's step timeout; its attempt timeout is at 1.5 s
        h.process("o2:c-2");
        h.awaitResults(3);

        assertThat(h.deadLetters()).isEmpty();
        assertThat(h.outputs())
            .containsExactly("o0:c-0=Bert/LOADED", "o1:c-1=null/TIMED_OUT", "o2:c-2=Bert/LOADED");
      } finally {
        h.release();
      }
    }
  }
}
