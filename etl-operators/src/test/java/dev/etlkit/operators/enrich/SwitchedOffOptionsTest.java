package dev.etlkit.operators.enrich;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.etlkit.operators.enrich.internal.async.LookupMetrics;
import java.time.Duration;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * A step derived from a shared base that has a micro-batch and a rate limit, with both switched off
 * ({@code withoutMicroBatch()}, {@code withoutRateLimit()}): it calls the lookup as a step that
 * never had them does, one call per key at once. The base, beside it, batches and waits.
 */
class SwitchedOffOptionsTest {

  private static final Duration BATCH_DELAY = Duration.ofMillis(10);

  private static Enrich.LookupStep<String, String, String, String> base(FakeLookup lookup) {
    return Enrich.lookup(
            "customer",
            (String order) -> order.substring(order.indexOf(':') + 1),
            lookup,
            (String order, String customer, LookupStatus status) -> order + "=" + customer,
            Types.STRING)
        .withMicroBatch(3, BATCH_DELAY)
        .withRateLimit(1.0);
  }

  @Test
  void base_batchesKeys_andWaitsForPermits() throws Exception {
    FakeLookup lookup = FakeLookup.manualBatch().answeringFromTable().put("c-1", "A");
    AsyncStepHarness<String, String> h =
        new AsyncStepHarness<>(base(lookup), StringSerializer.INSTANCE).open();
    try {
      h.process("o1:c-1");
      h.process("o2:c-2");
      assertThat(lookup.callCount()).isZero(); // the batch waits to fill or for its delay

      h.advance(BATCH_DELAY);
      assertThat(lookup.calls()).singleElement().satisfies(c -> assertThat(c.isBatch).isTrue());
      h.process("o3:c-3");
      h.advance(BATCH_DELAY); // the second batch waits for a permit (one per second)
      assertThat(lookup.callCount()).isEqualTo(1);
      assertThat(h.metric(LookupMetrics.RATE_LIMITED)).isEqualTo(1);
    } finally {
      h.release();
    }
  }

  @Test
  void variantWithoutMicroBatchAndRateLimit_callsThePerKeyLookupAtOnce() throws Exception {
    FakeLookup lookup = FakeLookup.manualBatch().answeringFromTable().put("c-1", "A");
    AsyncStepHarness<String, String> h =
        new AsyncStepHarness<>(
                base(lookup).withoutMicroBatch().withoutRateLimit(), StringSerializer.INSTANCE)
            .open();
    try {
      h.process("o1:c-1");
      h.process("o2:c-2");
      h.process("o3:c-3");

      assertThat(lookup.calls())
          .extracting(c -> c.keys.get(0), c -> c.isBatch)
          .containsExactly(tuple("c-1", false), tuple("c-2", false), tuple("c-3", false));
      assertThat(h.outputs()).containsExactly("o1:c-1=A", "o2:c-2=null", "o3:c-3=null");
      assertThat(h.metric(LookupMetrics.BATCHES)).isZero();
      assertThat(h.metric(LookupMetrics.RATE_LIMITED)).isZero();
    } finally {
      h.release();
    }
  }
}
