package dev.etlkit.operators.enrich;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.operators.enrich.internal.async.LookupMetrics;
import java.time.Duration;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * Edges of refresh-ahead found by a review on 2026-11-24, each failing before that day's fixes.
 * docs/enrichment.md ("Order, capacity and sizing") bounds the concurrent calls of one subtask by
 * the step's capacity, and docs/enrichment-lookups.md sizes JDBC pools and HTTP request limits by
 * it. Before, refresh-ahead calls were not bounded by it: every hot key read after its refresh age
 * started a background call of its own, however small the capacity. A refresh now starts only while
 * the records waiting for a load and the refreshes in progress are fewer than the capacity;
 * otherwise it is skipped (counted in {@code refreshesSkipped}) and a later read tries again. (The
 * docs now state the two bounds apart: records in flight at most the capacity, refresh calls at
 * most the capacity as well, so up to twice the capacity in calls; {@code RecordsInFlightBoundTest}
 * pins the first.)
 */
class RefreshAheadCapacityTest {

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

      assertThat(h.outputs())
          .endsWith(
              "p1:c-1=name-1/HIT",
              "p2:c-2=name-2/HIT",
              "p3:c-3=name-3/HIT",
              "p4:c-4=name-4/HIT",
              "p5:c-5=name-5/HIT");
      assertThat(lookup.openCalls())
          .as("calls in flight with capacity 1")
          .extracting(FakeLookup.Call::key)
          .containsExactly("c-1");
      assertThat(h.metric(LookupMetrics.REFRESHES)).isEqualTo(1);
      assertThat(h.metric(LookupMetrics.REFRESHES_SKIPPED)).isEqualTo(4);

      lookup.lastCall().reply("name-1b"); // the refresh ends: the next due entry read refreshes
      h.process("q2:c-2");
      assertThat(h.outputs()).endsWith("q2:c-2=name-2/HIT");
      assertThat(lookup.openCalls()).extracting(FakeLookup.Call::key).containsExactly("c-2");
      assertThat(h.metric(LookupMetrics.REFRESHES)).isEqualTo(2);
      assertThat(h.metric(LookupMetrics.REFRESHES_SKIPPED)).isEqualTo(4);
    } finally {
      h.release();
    }
  }
}
