package dev.etlkit.operators.enrich;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.tuple;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.operators.enrich.internal.async.LookupMetrics;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * Edges of lookup keys found by a review on 2026-11-24, each failing before that day's fixes: the
 * step dead-letters a record whose key cannot be read (the key selector throws or returns null),
 * but before, a key whose {@code hashCode} throws for one record (a key class that is not
 * null-safe, say) escaped from the cache probe or the single-flight map and failed the task: one
 * bad record killed the job. Such a key is now unreadable like the others: the record is a dead
 * letter with the hash's exception, after one attempt, and no lookup is made.
 */
class UnhashableLookupKeyTest {

  /** A key whose hash fails for an empty id, as a key class that is not null-safe does. */
  static final class CustomerKey {
    final String id;

    CustomerKey(String id) {
      this.id = id;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof CustomerKey && ((CustomerKey) o).id.equals(id);
    }

    @Override
    public int hashCode() {
      if (id.isEmpty()) {
        throw new IllegalArgumentException("empty customer id");
      }
      return id.hashCode();
    }
  }

  /** Answers every key with its id upper-cased. */
  static final class UpperCaseLookup implements Lookup<CustomerKey, String> {
    @Override
    public CompletableFuture<Optional<String>> lookup(CustomerKey key) {
      return CompletableFuture.completedFuture(Optional.of(key.id.toUpperCase()));
    }
  }

  private static Enrich.LookupStep<String, CustomerKey, String, String> step() {
    return Enrich.lookup(
            "customer",
            (String order) -> new CustomerKey(order.substring(order.indexOf(':') + 1)),
            new UpperCaseLookup(),
            (String order, String customer, LookupStatus status) ->
                order + "=" + customer + "/" + status,
            Types.STRING)
        .withRetry(LookupRetry.none());
  }

  private static void assertUnhashableKeyDeadLettered(AsyncStepHarness<String, String> h) {
    assertThat(h.deadLetters())
        .extracting(DeadLetter::errorClass, DeadLetter::errorMessage, DeadLetter::attempt)
        .containsExactly(tuple("java.lang.IllegalArgumentException", "empty customer id", 1));
    assertThat(h.deadLetters().get(0).payloadText()).isEqualTo("o1:");
    assertThat(h.outputs()).containsExactly("o2:c-2=C-2/LOADED");
    assertThat(h.metric(LookupMetrics.CACHE_MISSES)).as("records loaded").isEqualTo(1);
    assertThat(h.metric(LookupMetrics.LOADS)).isEqualTo(1);
  }

  @Test
  void keyWhoseHashCodeThrows_withCache_isDeadLettered_andTheTaskGoesOn() throws Exception {
    AsyncStepHarness<String, String> h =
        new AsyncStepHarness<>(
                step().withCache(LookupCache.maxEntries(100)), StringSerializer.INSTANCE)
            .open();
    try {
      assertThatCode(() -> h.process("o1:")).doesNotThrowAnyException();
      h.process("o2:c-2");

      assertUnhashableKeyDeadLettered(h);
    } finally {
      h.release();
    }
  }

  @Test
  void keyWhoseHashCodeThrows_withoutCache_isDeadLettered_andTheTaskGoesOn() throws Exception {
    AsyncStepHarness<String, String> h =
        new AsyncStepHarness<>(step(), StringSerializer.INSTANCE).open();
    try {
      assertThatCode(() -> h.process("o1:")).doesNotThrowAnyException();
      h.process("o2:c-2");

      assertUnhashableKeyDeadLettered(h);
    } finally {
      h.release();
    }
  }
}
