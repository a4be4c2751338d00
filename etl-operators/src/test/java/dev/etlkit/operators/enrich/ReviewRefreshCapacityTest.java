package dev.etlkit.operators.enrich;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * Review: docs/enrichment.md ("Order, capacity and sizing"): "capacity is also the most concurrent
 * calls one subtask makes (less with single-flight and micro-batches)", and
 * docs/enrichment-lookups.md sizes JDBC pools and HTTP request limits by the step's capacity.
 * Refresh-ahead calls are not bounded by it: every hot key read after its refresh age starts a
 * background call of its own, however small the capacity.
 */
class ReviewRefreshCapacityTest {

  @Test
  void refreshAhead_manyKeysDueAtOnce_concurrentCallsStayWithinTheCapacity() throws Exception {
    FakeLookup lookup = FakeLookup.manual();
    AsyncStepHarness<String, String> h =
        new AsyncStepHarness<>(
                Enrich.lookup(
                        "customer",
                        (String order) -> order.substring(order.indexOf(':') + 1),
                        lookup,
                        (String order, String customer, LookupStatus status) ->
                            order + "=" + customer + "/" + status,
                        Types.STRING)
                    .withRetry(LookupRetry.none())
                    .withCapacity(1)
                    .withCache(
                        LookupCache.maxEntries(100)
                            .withExpireAfterWrite(Duration.ofMinutes(10))
                            .withRefreshAfterWrite(Duration.ofMinutes(1))),
                StringSerializer.INSTANCE)
            .open();
    try {
      for (int i = 1; i <= 5; i++) { // one at a time: the capacity is 1
        h.process("o" + i + ":c-" + i);
        lookup.lastCall().reply("name-" + i);
        h.drain();
      }
      assertThat(h.outputs()).hasSize(5);
      h.advance(Duration.ofMinutes(2)); // every entry is due for refresh, still fresh

      for (int i = 1; i <= 5; i++) {
        h.process("p" + i + ":c-" + i); // hits, each starting a background refresh
      }

      assertThat(h.outputs()).hasSize(10);
      assertThat(lookup.openCalls())
          .as("calls in flight with capacity 1")
          .hasSizeLessThanOrEqualTo(1);
    } finally {
      h.release();
    }
  }
}
