package dev.etlkit.operators.enrich;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.operators.enrich.LookupKeyEqualsThrowsTest.CustomerKey;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;

/**
 * A key whose {@code equals} throws (null-safe hash, unsafe equals) in a micro-batch: the batch's
 * keys were made distinct with a hash set when the batch was collected and again when it was sent,
 * where the key met the other keys of its hash. Thrown on the timer thread, the exception lost the
 * whole batch (the timers only log it): its other records waited for their step timeout and, with
 * single-flight, the batch's keys stayed loading for good, so every later record of them timed out
 * too. Now such a key costs its own record a dead letter, as it does meeting a key in the cache or
 * in single-flight ({@link LookupKeyEqualsThrowsTest}); the batch goes out without it.
 */
class LookupBatchKeyEqualsThrowsTest {

  private static final Duration BATCH_DELAY = Duration.ofMillis(100);

  /** Answers batches with the upper-cased id ("-" for a null id); its first call fails if told. */
  static final class UpperCaseBatchLookup implements Lookup<CustomerKey, String> {
    private static final long serialVersionUID = 1L;
    private final boolean failFirstCall;
    final List<List<String>> calls = new ArrayList<>();

    UpperCaseBatchLookup(boolean failFirstCall) {
      this.failFirstCall = failFirstCall;
    }

    @Override
    public CompletableFuture<Optional<String>> lookup(CustomerKey key) {
      return CompletableFuture.completedFuture(Optional.of(upper(key)));
    }

    @Override
    public synchronized CompletableFuture<Map<CustomerKey, String>> lookupAll(
        Collection<CustomerKey> keys) {
      List<String> ids = new ArrayList<>();
      for (CustomerKey k : keys) {
        ids.add(String.valueOf(k.id));
      }
      calls.add(ids);
      if (failFirstCall && calls.size() == 1) {
        return CompletableFuture.failedFuture(new IOException("connection reset"));
      }
      // By identity: the keys are the step's own objects, and their equals may throw.
      Map<CustomerKey, String> found = new IdentityHashMap<>();
      for (CustomerKey k : keys) {
        found.put(k, upper(k));
      }
      return CompletableFuture.completedFuture(found);
    }

    @Override
    public boolean supportsBatch() {
      return true;
    }

    private static String upper(CustomerKey key) {
      return "<" + (key.id == null ? "-" : key.id.toUpperCase()) + ">";
    }
  }

  private static Enrich.LookupStep<String, CustomerKey, String, String> step(
      Lookup<CustomerKey, String> lookup) {
    return Enrich.lookup(
            "customer",
            (String order) -> {
              String id = order.substring(order.indexOf(':') + 1);
              return new CustomerKey(id.equals("-") ? null : id);
            },
            lookup,
            (String order, String customer, LookupStatus status) ->
                order + "=" + customer + "/" + status,
            Types.STRING)
        .withMicroBatch(10, BATCH_DELAY);
  }

  @Test
  void withoutSingleFlight_keyWhoseEqualsThrows_isDeadLettered_andItsBatchGoesOutWithoutIt()
      throws Exception {
    UpperCaseBatchLookup lookup = new UpperCaseBatchLookup(false);
    AsyncStepHarness<String, String> h =
        new AsyncStepHarness<>(
                step(lookup).withSingleFlight(false).withRetry(LookupRetry.none()),
                StringSerializer.INSTANCE)
            .open();
    try {
      h.process("o1:"); // id "", hash 0: waits for its batch
      h.process("o2:-"); // id null, hash 0 too: its equals throws meeting o1's key

      Throwable thrown = catchThrowable(() -> h.advance(BATCH_DELAY));

      assertThat(thrown).as("thrown by the batch flush").isNull();
      assertThat(lookup.calls).containsExactly(List.of(""));
      assertThat(h.outputs()).containsExactly("o1:=<>/LOADED");
      assertThat(h.deadLetters())
          .extracting(DeadLetter::errorClass, DeadLetter::attempt)
          .containsExactly(Tuple.tuple("java.lang.NullPointerException", 1));
    } finally {
      h.release();
    }
  }

  @Test
  void withSingleFlight_retryOfAKeyWhoseEqualsThrows_behindAKeyOfItsHash_losesNoBatch()
      throws Exception {
    UpperCaseBatchLookup lookup = new UpperCaseBatchLookup(true);
    AsyncStepHarness<String, String> h =
        new AsyncStepHarness<>(
                step(lookup)
                    .withRetry(
                        LookupRetry.attempts(2)
                            .withBackoff(Duration.ofMillis(50), Duration.ofMillis(50))
                            .withJitter(0.0)),
                StringSerializer.INSTANCE)
            .open();
    try {
      h.process("o1:-"); // id null, hash 0: first in single-flight, so no equals meets it
      h.advance(BATCH_DELAY); // its batch fails; the retry is due 50 ms later
      h.advance(Duration.ofMillis(20));
      h.process("o2:"); // id "", hash 0: "".equals(null) is fine; waits for the next batch
      h.advance(Duration.ofMillis(30)); // the retry joins the batch behind o2's key

      Throwable thrown = catchThrowable(() -> h.advance(BATCH_DELAY));

      assertThat(thrown).as("thrown by the batch flush").isNull();
      assertThat(h.outputs()).containsExactly("o1:-=<->/LOADED", "o2:=<>/LOADED");
      h.process("o3:"); // the key "" is loaded again, not stuck with a batch that never went out
      h.advance(BATCH_DELAY);
      assertThat(h.outputs()).contains("o3:=<>/LOADED");
    } finally {
      h.release();
    }
  }

  /** One key object per id, as a key selector that hands out shared key objects gives. */
  private static final Map<String, CustomerKey> SHARED_KEYS = new ConcurrentHashMap<>();

  /**
   * A refresh-ahead call joins the micro-batch too. Without single-flight, a cached key whose
   * {@code equals} throws meeting a pending key of its hash threw out of the cache read: the record
   * its fresh entry answers was dead-lettered, and the refresh stayed registered for good, so the
   * key was never refreshed again and the refresh held a place of the capacity.
   */
  @Test
  void withoutSingleFlight_refreshOfAKeyWhoseEqualsThrows_behindAKeyOfItsHash_servesTheHit()
      throws Exception {
    UpperCaseBatchLookup lookup = new UpperCaseBatchLookup(false);
    Enrich.LookupStep<String, CustomerKey, String, String> step =
        Enrich.lookup(
                "customer",
                (String order) -> {
                  String id = order.substring(order.indexOf(':') + 1);
                  return SHARED_KEYS.computeIfAbsent(
                      id, i -> new CustomerKey(i.equals("-") ? null : i));
                },
                lookup,
                (String order, String customer, LookupStatus status) ->
                    order + "=" + customer + "/" + status,
                Types.STRING)
            .withMicroBatch(10, BATCH_DELAY)
            .withSingleFlight(false)
            .withRetry(LookupRetry.none())
            .withCache(LookupCache.maxEntries(100).withRefreshAfterWrite(Duration.ofSeconds(1)));
    AsyncStepHarness<String, String> h =
        new AsyncStepHarness<>(step, StringSerializer.INSTANCE).open();
    try {
      h.process("o1:-"); // id null, hash 0: alone in its batch, so no equals meets it
      h.advance(BATCH_DELAY);
      h.advance(Duration.ofSeconds(1)); // its entry is due for refresh
      h.process("o2:"); // id "", hash 0: waits for its batch
      h.process("o3:-"); // a hit; its refresh meets o2's key in the batch

      h.advance(BATCH_DELAY);

      assertThat(h.deadLetters()).isEmpty();
      assertThat(h.outputs()).containsExactly("o1:-=<->/LOADED", "o2:=<>/LOADED", "o3:-=<->/HIT");
      h.process("o4:-"); // no batch pending: this read refreshes the key
      h.advance(BATCH_DELAY);
      assertThat(lookup.calls).endsWith(List.of("null"));
      assertThat(h.metric("refreshesSkipped")).isZero();
    } finally {
      h.release();
    }
  }
}
