package dev.etlkit.operators.enrich;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.etlkit.core.DeadLetter;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * A key whose {@code equals} throws (null-safe hash, unsafe equals), found by a second review on
 * 2026-11-24 of that day's "a key whose hashCode throws is dead-lettered": it threw out of the
 * cache probe (or single-flight) as soon as it met a key of its hash, and failed the task. Now it
 * costs one dead letter, as docs/enrichment.md says for keys that are not null-safe.
 */
class LookupKeyEqualsThrowsTest {

  /** A key with a null-safe hash but an equals that is not null-safe. */
  static final class CustomerKey {
    final String id;

    CustomerKey(String id) {
      this.id = id;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof CustomerKey && id.equals(((CustomerKey) o).id);
    }

    @Override
    public int hashCode() {
      return Objects.hashCode(id); // 0 for null, as for ""
    }
  }

  static final class UpperCaseLookup implements Lookup<CustomerKey, String> {
    @Override
    public CompletableFuture<Optional<String>> lookup(CustomerKey key) {
      return CompletableFuture.completedFuture(Optional.of("<" + key.id.toUpperCase() + ">"));
    }
  }

  @Test
  void keyWhoseEqualsThrows_meetingACachedKeyOfTheSameHash_isDeadLettered_andTheTaskGoesOn()
      throws Exception {
    AsyncStepHarness<String, String> h =
        new AsyncStepHarness<>(
                Enrich.lookup(
                        "customer",
                        (String order) -> {
                          String id = order.substring(order.indexOf(':') + 1);
                          return new CustomerKey(id.equals("-") ? null : id);
                        },
                        new UpperCaseLookup(),
                        (String order, String customer, LookupStatus status) ->
                            order + "=" + customer + "/" + status,
                        Types.STRING)
                    .withRetry(LookupRetry.none())
                    .withCache(LookupCache.maxEntries(100)),
                StringSerializer.INSTANCE)
            .open();
    try {
      h.process("o1:"); // id "", hash 0: loaded and cached
      assertThat(h.outputs()).containsExactly("o1:=<>/LOADED");

      Throwable thrown = catchThrowable(() -> h.process("o2:-")); // id null, hash 0 too

      assertThat(thrown).as("thrown into the task").isNull();
      h.process("o3:c-3");
      assertThat(h.deadLetters())
          .extracting(DeadLetter::errorClass, DeadLetter::attempt)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple("java.lang.NullPointerException", 1));
      assertThat(h.outputs()).containsExactly("o1:=<>/LOADED", "o3:c-3=<C-3>/LOADED");
    } finally {
      h.release();
    }
  }

  @Test
  void keyWhoseEqualsThrows_meetingALoadingKeyOfTheSameHash_isDeadLettered_andTheTaskGoesOn()
      throws Exception {
    List<CompletableFuture<Optional<String>>> calls = new ArrayList<>();
    Lookup<CustomerKey, String> pending =
        key -> {
          CompletableFuture<Optional<String>> reply = new CompletableFuture<>();
          calls.add(reply);
          return reply;
        };
    AsyncStepHarness<String, String> h =
        new AsyncStepHarness<>(
                Enrich.lookup(
                        "customer",
                        (String order) -> {
                          String id = order.substring(order.indexOf(':') + 1);
                          return new CustomerKey(id.equals("-") ? null : id);
                        },
                        pending,
                        (String order, String customer, LookupStatus status) ->
                            order + "=" + customer + "/" + status,
                        Types.STRING)
                    .withRetry(LookupRetry.none()),
                StringSerializer.INSTANCE)
            .open();
    try {
      h.process("o1:"); // id "", hash 0: loading (single-flight holds its key)

      Throwable thrown = catchThrowable(() -> h.process("o2:-")); // id null, hash 0 too

      assertThat(thrown).as("thrown into the task").isNull();
      calls.get(0).complete(Optional.of("<>"));
      h.awaitResults(2);
      assertThat(calls).as("no call for the bad key").hasSize(1);
      assertThat(h.outputs()).containsExactly("o1:=<>/LOADED");
      assertThat(h.deadLetters())
          .extracting(DeadLetter::errorClass, DeadLetter::attempt)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple("java.lang.NullPointerException", 1));
    } finally {
      h.release();
    }
  }

  /**
   * A step with stale-on-error whose records wait on a lookup that answers when the test says: the
   * first call per key is kept in {@code calls}.
   */
  private static AsyncStepHarness<String, String> staleOnErrorStep(
      List<CompletableFuture<Optional<String>>> calls) throws Exception {
    Lookup<CustomerKey, String> pending =
        key -> {
          CompletableFuture<Optional<String>> reply = new CompletableFuture<>();
          calls.add(reply);
          return reply;
        };
    return new AsyncStepHarness<>(
            Enrich.lookup(
                    "customer",
                    (String order) -> {
                      String id = order.substring(order.indexOf(':') + 1);
                      return new CustomerKey(id.equals("-") ? null : id);
                    },
                    pending,
                    (String order, String customer, LookupStatus status) ->
                        order + "=" + customer + "/" + status,
                    Types.STRING)
                .withRetry(LookupRetry.none())
                .withCache(
                    LookupCache.maxEntries(100)
                        .withExpireAfterWrite(Duration.ofMinutes(10))
                        .withStaleOnError(Duration.ofHours(1))),
            StringSerializer.INSTANCE)
        .open();
  }

  @Test
  void keyWhoseEqualsThrows_loadFails_whileAKeyOfItsHashWasCached_isDeadLetteredOnce()
      throws Exception {
    List<CompletableFuture<Optional<String>>> calls = new ArrayList<>();
    AsyncStepHarness<String, String> h = staleOnErrorStep(calls);
    try {
      h.process("o1:-"); // id null, hash 0: no key of its hash anywhere yet, so it loads
      h.process("o2:"); // id "", hash 0: its equals is null-safe, so it loads too
      calls.get(1).complete(Optional.of("<>")); // "" is cached

      // o1's load fails: a stale entry of its key is looked for in the cache, where "" sits
      calls.get(0).completeExceptionally(new IOException("connection refused"));
      h.drain();
      h.advance(Duration.ofSeconds(6)); // past the step timeout: nothing else may come

      assertThat(h.deadLetters())
          .as("o1 comes out once, as a dead letter")
          .extracting(DeadLetter::errorClass)
          .containsExactly("java.lang.NullPointerException");
      assertThat(h.outputs()).containsExactly("o2:=<>/LOADED");
    } finally {
      h.release();
    }
  }

  @Test
  void keyWhoseEqualsThrows_stepTimeoutFiredByFlink_whileAKeyOfItsHashWasCached_isDeadLettered()
      throws Exception {
    List<CompletableFuture<Optional<String>>> calls = new ArrayList<>();
    AsyncStepHarness<String, String> h = staleOnErrorStep(calls);
    try {
      h.process("o1:-");
      h.process("o2:");
      calls.get(1).complete(Optional.of("<>"));
      h.drain();

      // Flink's step timeout of o1 fires (its attempt timeout, on the engine's clock, has not)
      Throwable thrown =
          catchThrowable(
              () -> {
                h.harness.setProcessingTime(h.harness.getProcessingTime() + 5_000);
                h.drain();
              });

      assertThat(thrown).as("thrown into the task").isNull();
      assertThat(h.deadLetters())
          .extracting(DeadLetter::errorClass)
          .containsExactly("java.lang.NullPointerException");
      assertThat(h.outputs()).containsExactly("o2:=<>/LOADED");
    } finally {
      h.release();
    }
  }

  /**
   * With single-flight, a refresh-ahead first looks for a load of its key in flight: a cached key
   * whose {@code equals} throws there, meeting a loading key of its hash, threw out of the cache
   * read, and the record its fresh entry answers was dead-lettered.
   */
  @Test
  void refreshOfAKeyWhoseEqualsThrows_whileAKeyOfItsHashLoads_servesTheHit() throws Exception {
    Map<String, CustomerKey> shared = new HashMap<>(); // one key object per id, so o3 hits o1's
    List<CompletableFuture<Optional<String>>> calls = new ArrayList<>();
    Lookup<CustomerKey, String> pending =
        key -> {
          CompletableFuture<Optional<String>> reply = new CompletableFuture<>();
          calls.add(reply);
          return reply;
        };
    AsyncStepHarness<String, String> h =
        new AsyncStepHarness<>(
                Enrich.lookup(
                        "customer",
                        (String order) -> {
                          String id = order.substring(order.indexOf(':') + 1);
                          return shared.computeIfAbsent(
                              id, i -> new CustomerKey(i.equals("-") ? null : i));
                        },
                        pending,
                        (String order, String customer, LookupStatus status) ->
                            order + "=" + customer + "/" + status,
                        Types.STRING)
                    .withRetry(LookupRetry.none())
                    .withCache(
                        LookupCache.maxEntries(100).withRefreshAfterWrite(Duration.ofSeconds(1))),
                StringSerializer.INSTANCE)
            .open();
    try {
      h.process("o1:-"); // id null, hash 0: alone, loaded and cached
      calls.get(0).complete(Optional.of("<->"));
      h.drain();
      h.advance(Duration.ofSeconds(1)); // its entry is due for refresh
      h.process("o2:"); // id "", hash 0: loading

      h.process("o3:-"); // a fresh hit; its refresh meets o2's key among the keys loading
      calls.get(1).complete(Optional.of("<>"));
      h.drain();

      assertThat(h.deadLetters()).isEmpty();
      assertThat(h.outputs()).containsExactly("o1:-=<->/LOADED", "o2:=<>/LOADED", "o3:-=<->/HIT");
    } finally {
      h.release();
    }
  }
}
