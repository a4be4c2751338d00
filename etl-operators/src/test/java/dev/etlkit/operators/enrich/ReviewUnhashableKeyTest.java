package dev.etlkit.operators.enrich;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.etlkit.core.DeadLetter;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * Review: the step dead-letters a record whose key cannot be read (the key selector throws or
 * returns null), but a key whose {@code hashCode} throws for one record (a key class that is not
 * null-safe, say) escapes from the cache probe or the single-flight map and fails the task: one bad
 * record kills the job instead of becoming a dead letter.
 */
class ReviewUnhashableKeyTest {

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

  @Test
  void keyWhoseHashCodeThrows_withCache_isDeadLettered_andTheTaskGoesOn() throws Exception {
    AsyncStepHarness<String, String> h =
        new AsyncStepHarness<>(
                step().withCache(LookupCache.maxEntries(100)), StringSerializer.INSTANCE)
            .open();
    try {
      assertThatCode(() -> h.process("o1:")).doesNotThrowAnyException();
      h.process("o2:c-2");

      assertThat(h.deadLetters())
          .extracting(DeadLetter::errorClass)
          .containsExactly("java.lang.IllegalArgumentException");
      assertThat(h.outputs()).containsExactly("o2:c-2=C-2/LOADED");
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

      assertThat(h.deadLetters())
          .extracting(DeadLetter::errorClass)
          .containsExactly("java.lang.IllegalArgumentException");
      assertThat(h.outputs()).containsExactly("o2:c-2=C-2/LOADED");
    } finally {
      h.release();
    }
  }
}
