package dev.etlkit.operators.enrich.lookup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlStream;
import dev.etlkit.core.StateInventory;
import dev.etlkit.operators.enrich.AsyncStepHarness;
import dev.etlkit.operators.enrich.Enrich;
import dev.etlkit.operators.enrich.Lookup;
import dev.etlkit.operators.enrich.LookupCache;
import dev.etlkit.operators.enrich.LookupFailure;
import dev.etlkit.operators.enrich.LookupFallback;
import dev.etlkit.operators.enrich.LookupRetry;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

/** The examples of docs/enrichment.md, compiled and run. */
class EnrichDocsExamplesTest {

  private static final Lookup<String, String> CUSTOMERS =
      new CustomerNames(Map.of("c-1", "Anna", "c-2", "Bea"));

  private final StreamExecutionEnvironment env =
      StreamExecutionEnvironment.getExecutionEnvironment();
  private final DataStream<Order> orders =
      env.fromData(Order.TYPE_INFO, new Order("o1", "c-1", 1250));

  @Test
  void quickStart_enrichesOrdersWithCustomerNames() throws Exception {
    Lookup<String, String> customers = CUSTOMERS;
    // tag::quick-start[]
    Enrich.LookupStep<Order, String, String, EnrichedOrder> withCustomer =
        Enrich.lookup(
                "customer",
                Order::customerId,
                customers,
                EnrichedOrder::of,
                EnrichedOrder.TYPE_INFO)
            .withCache(LookupCache.maxEntries(100_000).withExpireAfterWrite(Duration.ofMinutes(10)))
            .withTimeout(Duration.ofSeconds(2))
            .withFallback(LookupFallback.passThrough()); // never drop an order
    EtlStream<EnrichedOrder> enriched = Etl.from(orders, "orders").apply(withCustomer);
    // end::quick-start[]

    assertThat(enriched.pipeline().uids())
        .containsExactlyInAnyOrder("orders/customer", "orders/customer/output");
    AsyncStepHarness<Order, EnrichedOrder> harness =
        new AsyncStepHarness<>(
                withCustomer, Order.TYPE_INFO.createSerializer(new SerializerConfigImpl()))
            .open();
    harness.process(new Order("o1", "c-1", 1250));
    harness.process(new Order("o2", "c-9", 990));
    harness.awaitResults(2); // CustomerNames answers on its own thread
    harness.process(new Order("o3", "c-1", 400));
    assertThat(harness.outputs())
        .containsExactly(
            new EnrichedOrder("o1", "c-1", 1250, "Anna", "LOADED"),
            new EnrichedOrder("o2", "c-9", 990, null, "MISS"),
            new EnrichedOrder("o3", "c-1", 400, "Anna", "HIT"));
  }

  @Test
  void deadLettersAndInventory() {
    // tag::dead-letters[]
    EtlStream<EnrichedOrder> enriched =
        Etl.from(orders, "orders")
            .apply(
                Enrich.lookup(
                    "customer",
                    Order::customerId,
                    CUSTOMERS,
                    EnrichedOrder::of,
                    EnrichedOrder.TYPE_INFO)); // default fallback: dead letter
    DataStream<DeadLetter> failed = enriched.deadLetters(); // sink them, e.g. to Kafka
    StateInventory inventory = enriched.stateInventory(); // the records in flight
    // end::dead-letters[]
    assertThat(failed.getType()).isEqualTo(DeadLetter.TYPE_INFO);
    assertThat(inventory.toTable()).contains(Enrich.IN_FLIGHT_STATE).contains("at most 100");
  }

  @Test
  void fallbacks() {
    // tag::fallbacks[]
    LookupFallback<String> deadLetter = LookupFallback.deadLetter(); // the default
    LookupFallback<String> passThrough = LookupFallback.passThrough(); // FAILED or TIMED_OUT, null
    LookupFallback<String> unknown = LookupFallback.useDefault("unknown customer"); // DEFAULT
    // end::fallbacks[]
    assertThat(deadLetter.kind()).isEqualTo(LookupFallback.Kind.DEAD_LETTER);
    assertThat(passThrough.kind()).isEqualTo(LookupFallback.Kind.PASS_THROUGH);
    assertThat(unknown.defaultValue()).isEqualTo("unknown customer");
  }

  @Test
  void retries() {
    // tag::retry[]
    LookupRetry<String> retry =
        LookupRetry.<String>attempts(4)
            .withBackoff(Duration.ofMillis(20), Duration.ofSeconds(1))
            .withAttemptTimeout(Duration.ofMillis(300)) // a hung call is retried
            .withRetryOn(failure -> !(failure instanceof SecurityException)); // not retried: 403
    // end::retry[]
    assertThat(retry.retries(new IOException())).isTrue();
    assertThat(retry.retries(new SecurityException())).isFalse();
  }

  @Test
  void retryOn_buildsOnTheDefault() {
    // tag::retry-on-default[]
    LookupRetry<String> not403 =
        LookupRetry.<String>attempts(4)
            .withRetryOn( // the default's rule, and a 403 is final too
                failure ->
                    LookupRetry.DEFAULT_RETRY_ON.test(failure)
                        && !(failure instanceof SecurityException));
    LookupRetry<String> asBefore = not403.withRetryOn(LookupRetry.DEFAULT_RETRY_ON);
    // end::retry-on-default[]
    assertThat(not403.retries(new IOException())).isTrue();
    assertThat(not403.retries(new SecurityException())).isFalse();
    assertThat(not403.retries(new FinalFailure())).isFalse();
    assertThat(asBefore.retries(new SecurityException())).isTrue();
    assertThat(asBefore).hasToString(LookupRetry.<String>attempts(4).toString());
  }

  /** A failure that says trying again cannot help, as an HTTP 400 does. */
  private static final class FinalFailure extends RuntimeException implements LookupFailure {
    private static final long serialVersionUID = 1L;

    @Override
    public boolean retryable() {
      return false;
    }
  }

  @Test
  void retryOnMiss_forLateArrivingCustomers() {
    // tag::retry-on-miss[]
    Enrich.LookupStep<Order, String, String, EnrichedOrder> lateCustomers =
        Enrich.lookup(
                "customer",
                Order::customerId,
                CUSTOMERS,
                EnrichedOrder::of,
                EnrichedOrder.TYPE_INFO)
            .withRetry(
                LookupRetry.<String>attempts(5)
                    .withBackoff(Duration.ofMillis(200), Duration.ofSeconds(2))
                    .withRetryOnMiss()) // the customer row may arrive after the order
            .withTimeout(Duration.ofSeconds(10))
            .withCache(LookupCache.maxEntries(100_000).withMissCaching(false));
    // end::retry-on-miss[]
    assertThat(Etl.from(orders, "orders").apply(lateCustomers).type())
        .isEqualTo(EnrichedOrder.TYPE_INFO);
    assertThat(LookupRetry.<String>attempts(5).withRetryOnMiss().retries(Optional.empty()))
        .isTrue();
  }

  @Test
  void cacheOptions() {
    // tag::cache[]
    LookupCache cache =
        LookupCache.maxEntries(100_000) // per subtask
            .withExpireAfterWrite(Duration.ofMinutes(10)) // fresh for 10 minutes
            .withRefreshAfterWrite(Duration.ofMinutes(8)) // reloaded in the background after 8
            .withStaleOnError(Duration.ofHours(1)) // served for 1 h more if the source is down
            .withMissCaching(true); // "no such customer" is cached too (the default)
    // end::cache[]
    assertThat(cache.toString()).contains("staleOnError=PT1H");
  }

  @Test
  void batchesAndRateLimit() {
    // tag::batch-and-rate[]
    Enrich.LookupStep<Order, String, String, EnrichedOrder> batched =
        Enrich.lookup(
                "customer",
                Order::customerId,
                CUSTOMERS,
                EnrichedOrder::of,
                EnrichedOrder.TYPE_INFO)
            .withMicroBatch(200, Duration.ofMillis(5)) // one lookupAll per 200 keys or 5 ms
            .withRateLimit(50) // at most 50 calls per second and subtask
            .withCapacity(1_000) // records in flight per subtask
            .withUnorderedOutput(); // a slow key does not hold up the others
    // end::batch-and-rate[]
    assertThat(batched.toString()).contains("microBatch=200").contains("rateLimit=50.0/s");
  }

  @Test
  void customLookup_answersOffTheTaskThread() throws Exception {
    CustomerNames names = new CustomerNames(Map.of("c-1", "Anna"));
    names.open(null);
    try {
      CompletableFuture<Optional<String>> anna = names.lookup("c-1");
      assertThat(anna.get()).contains("Anna");
      assertThat(names.lookupAll(java.util.List.of("c-1", "c-2")).get())
          .containsExactly(Map.entry("c-1", "Anna"));
    } finally {
      names.close();
    }
  }
}
