package dev.etlkit.operators.enrich;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.operators.enrich.internal.async.LookupMetrics;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Edges of the step's capacity found by a review on 2026-11-24: docs/enrichment.md said that
 * "records that come in while refreshes run are not held back for them", which read as if records
 * could be in flight beyond the capacity while refresh-ahead calls run. They cannot: Flink's async
 * queue holds at most {@code capacity} records, and a refresh holds no place in it. What runs past
 * the capacity is calls: up to {@code capacity} refreshes beside the loads of up to {@code
 * capacity} records. This test passed before that day's change, which states the two bounds in the
 * docs and Javadoc; it pins them.
 */
class RecordsInFlightBoundTest {

  private static final int CAPACITY = 3;

  @ParameterizedTest(name = "ordered={0}")
  @ValueSource(booleans = {true, false})
  @Timeout(30)
  void capacity3_whileThreeRefreshesRun_aFourthAndFifthRecordWaitForRecordsToLeave(boolean ordered)
      throws Exception {
    FakeLookup lookup = FakeLookup.manual(); // a call completes only when the test says so
    Enrich.LookupStep<String, String, String, String> step =
        Enrich.lookup(
                "customer",
                (String order) -> order.substring(order.indexOf(':') + 1),
                lookup,
                (String order, String customer, LookupStatus status) ->
                    order + "=" + customer + "/" + status,
                Types.STRING)
            .withRetry(LookupRetry.none())
            .withCapacity(CAPACITY)
            .withCache(
                LookupCache.maxEntries(100)
                    .withExpireAfterWrite(Duration.ofMinutes(10))
                    .withRefreshAfterWrite(Duration.ofMinutes(1)));
    AsyncStepHarness<String, String> h =
        new AsyncStepHarness<>(
                ordered ? step.withOrderedOutput() : step.withUnorderedOutput(),
                StringSerializer.INSTANCE)
            .open();
    try {
      for (int i = 1; i <= CAPACITY; i++) {
        h.process("w" + i + ":h-" + i);
        lookup.lastCall().reply("hot-" + i);
        h.drain();
      }
      h.advance(Duration.ofMinutes(2)); // every hot entry is due for refresh, still fresh
      for (int i = 1; i <= CAPACITY; i++) {
        h.process("r" + i + ":h-" + i); // a hit that starts a background refresh
      }
      for (int i = 1; i <= CAPACITY; i++) {
        h.process("m" + i + ":k-" + i); // loads: the async queue is full
      }
      assertThat(h.metric(LookupMetrics.REFRESHES)).isEqualTo(CAPACITY);
      assertThat(h.outputs()).endsWith("r1:h-1=hot-1/HIT", "r2:h-2=hot-2/HIT", "r3:h-3=hot-3/HIT");
      assertThat(lookup.openCalls())
          .as("calls in flight: the refreshes beside the loads of the records, 2 x capacity")
          .extracting(FakeLookup.Call::key)
          .containsExactly("h-1", "h-2", "h-3", "k-1", "k-2", "k-3");

      // calls so far: 0..2 the first loads of h-1..h-3, 3..5 their refreshes, 6..8 k-1..k-3
      int firstRefresh = CAPACITY;
      int firstLoad = 2 * CAPACITY;
      AtomicReference<List<String>> whileM4Waits = new AtomicReference<>();
      AtomicReference<List<String>> afterRefreshesEnded = new AtomicReference<>();
      AtomicReference<List<String>> whileM5Waits = new AtomicReference<>();
      Thread task = Thread.currentThread();
      Thread replier =
          new Thread(
              () -> {
                awaitWaiting(task); // m4 waits for room in the async queue
                whileM4Waits.set(openKeys(lookup));
                for (int i = 0; i < CAPACITY; i++) {
                  lookup.call(firstRefresh + i).reply("hot-" + (i + 1) + "b"); // refreshes end
                }
                // no record left the queue, so nothing woke the task: m4 still waits
                afterRefreshesEnded.set(openKeys(lookup));
                lookup.call(firstLoad).reply("K1"); // m1 is answered: room for m4
                while (lookup.callCount() < firstLoad + CAPACITY + 1) { // m4's load is made
                  Thread.onSpinWait();
                }
                awaitWaiting(task); // m5 waits for room in the async queue
                whileM5Waits.set(openKeys(lookup));
                lookup.call(firstLoad + 1).reply("K2"); // m2 is answered: room for m5
              });
      replier.start();

      h.process("m4:k-4");
      h.process("m5:k-5");
      replier.join();
      h.drain();

      assertThat(whileM4Waits.get()).containsExactly("h-1", "h-2", "h-3", "k-1", "k-2", "k-3");
      assertThat(afterRefreshesEnded.get())
          .as("m4 not let in")
          .containsExactly("k-1", "k-2", "k-3");
      assertThat(whileM5Waits.get()).containsExactly("k-2", "k-3", "k-4");
      assertThat(lookup.openCalls())
          .extracting(FakeLookup.Call::key)
          .containsExactly("k-3", "k-4", "k-5");
      assertThat(h.outputs()).endsWith("m1:k-1=K1/LOADED", "m2:k-2=K2/LOADED");
    } finally {
      h.release();
    }
  }

  /** Waits until {@code task} blocks: the step waits for room in the async queue on its mailbox. */
  private static void awaitWaiting(Thread task) {
    while (task.getState() != Thread.State.WAITING
        && task.getState() != Thread.State.TIMED_WAITING) {
      Thread.onSpinWait();
    }
  }

  private static List<String> openKeys(FakeLookup lookup) {
    return lookup.openCalls().stream().map(FakeLookup.Call::key).toList();
  }
}
