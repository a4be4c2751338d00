package dev.etlkit.operators.enrich;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * LookupRetry#withRetryOnResult: "The last attempt's answer is used whatever it is". Found by
 * {@link LookupIndependentReferenceTest} (seed 79): the step still asked the condition after the
 * last attempt, and a condition that throws on a miss turned the final miss into a dead letter.
 */
class LastAttemptConditionTest {

  @Test
  void retryOnResult_lastAttemptAnswersMiss_conditionNotAskedAndMissUsed() throws Exception {
    FakeLookup lookup = FakeLookup.manual();
    Enrich.LookupStep<String, String, String, String> step =
        Enrich.lookup(
                "customer",
                (String s) -> s,
                lookup,
                (String in, String value, LookupStatus status) -> in + ":" + status,
                Types.STRING)
            .withTimeout(Duration.ofSeconds(1))
            .withRetry(
                LookupRetry.<String>attempts(2)
                    .withBackoff(Duration.ofMillis(10), Duration.ofMillis(10))
                    .withJitter(0.0)
                    .withRetryOnResult(found -> found.get().startsWith("pending")));
    AsyncStepHarness<String, String> h =
        new AsyncStepHarness<>(step, StringSerializer.INSTANCE).open();

    h.process("c1");
    lookup.call(0).reply("pending"); // retried
    h.drain();
    h.advance(Duration.ofMillis(10));
    lookup.call(1).reply(null); // the last attempt: a miss, whatever the condition says
    h.drain();

    assertThat(lookup.callCount()).isEqualTo(2);
    assertThat(h.deadLetters()).isEmpty();
    assertThat(h.outputs()).containsExactly("c1:MISS");
  }
}
