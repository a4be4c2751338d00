package dev.etlkit.operators.enrich.lookup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlStream;
import dev.etlkit.core.StateInventory;
import dev.etlkit.operators.enrich.Enrich;
import dev.etlkit.operators.enrich.FakeLookup;
import dev.etlkit.operators.enrich.Lookup;
import dev.etlkit.operators.enrich.LookupCache;
import dev.etlkit.operators.enrich.LookupCombiner;
import dev.etlkit.operators.enrich.LookupFailure;
import dev.etlkit.operators.enrich.LookupFallback;
import dev.etlkit.operators.enrich.LookupRetry;
import dev.etlkit.operators.enrich.LookupStatus;
import dev.etlkit.operators.enrich.PartialLookupException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import javax.annotation.Nullable;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.dag.Transformation;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

/** The lookup step's spec: defaults, every validation message, and how it expands. */
class EnrichStepTest {

  private static final CustomerNames NAMES = new CustomerNames(Map.of("c-1", "Anna"));

  private static Enrich.LookupStep<Order, String, String, EnrichedOrder> step() {
    return Enrich.lookup(
        "customer", Order::customerId, NAMES, EnrichedOrder::of, EnrichedOrder.TYPE_INFO);
  }

  private static EtlStream<Order> orders() {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    return Etl.from(env.fromData(Order.TYPE_INFO, new Order("o1", "c-1", 100)), "orders");
  }

  @Test
  void defaults_areTheDocumentedConstants() {
    assertThat(step().toString())
        .contains("timeout=" + Enrich.DEFAULT_TIMEOUT)
        .contains("capacity=" + Enrich.DEFAULT_CAPACITY)
        .contains("ordered")
        .contains("maxAttempts=" + Enrich.DEFAULT_MAX_ATTEMPTS)
        .contains("DEAD_LETTER")
        .doesNotContain("cache")
        .doesNotContain("microBatch")
        .doesNotContain("rateLimit");
  }

  @Test
  void expand_namesBothOperators_reportsDeadLetters_andDeclaresTheInFlightState() {
    EtlStream<EnrichedOrder> enriched = orders().apply(step().withCapacity(50));

    assertThat(enriched.pipeline().uids())
        .containsExactlyInAnyOrder("orders/customer", "orders/customer/output");
    assertThat(enriched.type()).isEqualTo(EnrichedOrder.TYPE_INFO);
    Transformation<?> output = enriched.toDataStream().getTransformation();
    assertThat(output.getName()).isEqualTo("orders/customer/output");
    assertThat(output.getInputs().get(0).getName()).isEqualTo("orders/customer");
    assertThat(enriched.deadLetters().getType()).isEqualTo(DeadLetter.TYPE_INFO);
    StateInventory.Entry state = enriched.stateInventory().entries().get(0);
    assertThat(state.uid()).isEqualTo("orders/customer");
    assertThat(state.state().name()).isEqualTo(Enrich.IN_FLIGHT_STATE);
    assertThat(state.state().growth()).contains("at most 50 per subtask");
  }

  /** A lookup that wants to hear of checkpoints, which the step does not pass on. */
  static final class ListeningLookup implements Lookup<String, String>, CheckpointListener {
    private static final long serialVersionUID = 1L;

    @Override
    public CompletableFuture<Optional<String>> lookup(String key) {
      return CompletableFuture.completedFuture(Optional.empty());
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {}
  }

  /** A combiner with checkpointed state, which the step could not keep. */
  static final class CheckpointedCombiner
      implements LookupCombiner<Order, String, EnrichedOrder>, CheckpointedFunction {
    private static final long serialVersionUID = 1L;

    @Override
    public EnrichedOrder combine(Order order, @Nullable String name, LookupStatus status) {
      return EnrichedOrder.of(order, name, status);
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) {}

    @Override
    public void initializeState(FunctionInitializationContext context) {}
  }

  @Test
  void lookup_functionsWithCheckpointHooks_areRejected() {
    assertThatThrownBy(
            () ->
                Enrich.lookup(
                    "customer",
                    Order::customerId,
                    new ListeningLookup(),
                    EnrichedOrder::of,
                    EnrichedOrder.TYPE_INFO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "the lookup of step 'customer' ("
                + ListeningLookup.class.getName()
                + ") implements CheckpointListener, which the step does not pass on: the step's"
                + " operators keep the records in flight and the cache, not the state of its"
                + " functions; cache values with withCache, keep other state in a step of its own");
    assertThatThrownBy(
            () ->
                Enrich.lookup(
                    "customer",
                    Order::customerId,
                    NAMES,
                    new CheckpointedCombiner(),
                    EnrichedOrder.TYPE_INFO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("the combiner of step 'customer' (")
        .hasMessageContaining(") implements CheckpointedFunction, which the step does not pass");
  }

  @Test
  void lookup_outputTypeWithKryoFallback_isRejected() {
    TypeInformation<Object> generic = TypeInformation.of(Object.class);
    assertThatThrownBy(
            () -> Enrich.lookup("customer", Order::customerId, NAMES, (o, v, s) -> o, generic))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("output type of enrichment step 'customer'")
        .hasMessageContaining("Kryo");
  }

  @Test
  void lookup_invalidName_isRejected() {
    assertThatThrownBy(
            () ->
                Enrich.lookup(
                    "bad name",
                    Order::customerId,
                    NAMES,
                    EnrichedOrder::of,
                    EnrichedOrder.TYPE_INFO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("step name");
  }

  @Test
  void withTimeout_outOfRange_isRejected() {
    assertThatThrownBy(() -> step().withTimeout(Duration.ZERO))
        .hasMessage("timeout must be in (0, PT1H], was PT0S");
    assertThatThrownBy(() -> step().withTimeout(Duration.ofHours(2)))
        .hasMessage("timeout must be in (0, PT1H], was PT2H");
    assertThatThrownBy(() -> step().withTimeout(Duration.ofNanos(10)))
        .hasMessageContaining("timeout must be at least 1 ms");
    assertThatThrownBy(() -> step().withTimeout(null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("timeout must not be null");
  }

  @Test
  void withCapacity_outOfRange_isRejected() {
    assertThatThrownBy(() -> step().withCapacity(0))
        .hasMessage("capacity must be in 1..100000, was 0");
    assertThatThrownBy(() -> step().withCapacity(100_001))
        .hasMessage("capacity must be in 1..100000, was 100001");
  }

  @Test
  void withMicroBatch_lookupWithoutBatches_isRejected() {
    Enrich.LookupStep<String, String, String, String> single =
        Enrich.lookup("c", (String s) -> s, FakeLookup.manual(), (i, v, s) -> i, Types.STRING);
    assertThatThrownBy(() -> single.withMicroBatch(10, Duration.ofMillis(5)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("microBatch needs a lookup that supports batches")
        .hasMessageContaining(FakeLookup.class.getName());
  }

  @Test
  void withMicroBatch_outOfRange_isRejected() {
    Enrich.LookupStep<String, String, String, String> batching =
        Enrich.lookup("c", (String s) -> s, FakeLookup.manualBatch(), (i, v, s) -> i, Types.STRING);
    assertThatThrownBy(() -> batching.withMicroBatch(1, Duration.ofMillis(5)))
        .hasMessage("microBatch maxKeys must be in 2..10000, was 1");
    assertThatThrownBy(() -> batching.withMicroBatch(10, Duration.ZERO))
        .hasMessage("microBatch maxDelay must be in (0, PT10S], was PT0S");
    assertThatThrownBy(() -> batching.withMicroBatch(10, Duration.ofMinutes(1)))
        .hasMessage("microBatch maxDelay must be in (0, PT10S], was PT1M");
    assertThatThrownBy(() -> batching.withMicroBatch(10, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("microBatch maxDelay must not be null");
    assertThat(batching.withMicroBatch(100, Duration.ofMillis(5)).toString())
        .contains("microBatch=100/PT0.005S");
  }

  @Test
  void withRateLimit_notPositiveOrInfinite_isRejected() {
    assertThatThrownBy(() -> step().withRateLimit(0))
        .hasMessage("rateLimit must be positive and finite (calls per second), was 0.0");
    assertThatThrownBy(() -> step().withRateLimit(Double.NaN)).hasMessageContaining("was NaN");
    assertThatThrownBy(() -> step().withRateLimit(Double.POSITIVE_INFINITY))
        .hasMessageContaining("was Infinity");
  }

  @Test
  void withoutMicroBatch_withoutRateLimit_giveTheBaseSpecBack() {
    Enrich.LookupStep<String, String, String, String> base =
        Enrich.lookup("c", (String s) -> s, FakeLookup.manualBatch(), (i, v, s) -> i, Types.STRING);
    var limited = base.withMicroBatch(100, Duration.ofMillis(5)).withRateLimit(2.5);

    assertThat(limited.toString()).contains("microBatch=100/PT0.005S").contains("rateLimit=2.5/s");
    assertThat(limited.withoutMicroBatch().withoutRateLimit().toString())
        .isEqualTo(base.withoutRateLimit().withoutMicroBatch().toString())
        .isEqualTo(base.toString());
    assertThat(limited.withoutMicroBatch().toString())
        .doesNotContain("microBatch")
        .contains("rateLimit=2.5/s");
  }

  @Test
  void withoutMicroBatch_dropsTheMicroBatchRulesCheckedWhenApplied() {
    var batched =
        step().withTimeout(Duration.ofSeconds(5)).withMicroBatch(100, Duration.ofSeconds(2));
    var variant = batched.withTimeout(Duration.ofSeconds(1)).withCapacity(10);

    assertThatThrownBy(() -> orders().apply(variant))
        .hasMessageContaining("microBatch maxDelay (PT2S) must be shorter than the step timeout");
    assertThatCode(() -> orders().apply(variant.withoutMicroBatch())).doesNotThrowAnyException();
  }

  @Test
  void withCache_contradictingOptions_areRejected() {
    assertThatThrownBy(
            () ->
                step()
                    .withCache(
                        LookupCache.maxEntries(10)
                            .withExpireAfterWrite(Duration.ofMinutes(1))
                            .withRefreshAfterWrite(Duration.ofMinutes(1))))
        .hasMessageContaining(
            "cache refreshAfterWrite must be shorter than expireAfterWrite (PT1M)");
    assertThatThrownBy(
            () ->
                step().withCache(LookupCache.maxEntries(10).withStaleOnError(Duration.ofHours(1))))
        .hasMessageContaining("cache staleOnError (PT1H) needs withExpireAfterWrite(...)");
  }

  @Test
  void cacheOptions_switchedOffOnADerivedCache_areTheCacheWithout() {
    LookupCache plain = LookupCache.maxEntries(10);
    LookupCache base =
        plain
            .withExpireAfterWrite(Duration.ofMinutes(10))
            .withExpireAfterAccess(Duration.ofMinutes(5))
            .withRefreshAfterWrite(Duration.ofMinutes(8))
            .withStaleOnError(Duration.ofHours(1));

    LookupCache switchedOff =
        base.withoutStaleOnError()
            .withoutRefreshAfterWrite()
            .withoutExpireAfterAccess()
            .withoutExpireAfterWrite();
    assertThat(switchedOff).isEqualTo(plain).hasSameHashCodeAs(plain).hasToString(plain.toString());
    assertThat(base.withoutExpireAfterAccess())
        .isEqualTo(
            plain
                .withExpireAfterWrite(Duration.ofMinutes(10))
                .withRefreshAfterWrite(Duration.ofMinutes(8))
                .withStaleOnError(Duration.ofHours(1)));
    assertThat(base.withoutExpireAfterWrite().expireAfterWrite()).isNull();
    assertThat(base.withExpireAfterWrite(Duration.ofMinutes(10))).isEqualTo(base);
  }

  @Test
  void cacheOptions_switchedOff_takeTheirRulesWithThem() {
    LookupCache base =
        LookupCache.maxEntries(10)
            .withExpireAfterWrite(Duration.ofMinutes(10))
            .withRefreshAfterWrite(Duration.ofMinutes(8))
            .withStaleOnError(Duration.ofHours(1));
    LookupCache shortLived = base.withExpireAfterWrite(Duration.ofMinutes(5));

    assertThatThrownBy(() -> step().withCache(shortLived))
        .hasMessageContaining("cache refreshAfterWrite must be shorter than expireAfterWrite");
    assertThatCode(() -> step().withCache(shortLived.withoutRefreshAfterWrite()))
        .doesNotThrowAnyException();
    // Without write expiry, stale-on-error is refused as on a cache that never had expiry ...
    assertThatThrownBy(() -> step().withCache(base.withoutExpireAfterWrite()))
        .hasMessageContaining("cache staleOnError (PT1H) needs withExpireAfterWrite(...)");
    // ... unless it is switched off too.
    assertThatCode(() -> step().withCache(base.withoutExpireAfterWrite().withoutStaleOnError()))
        .doesNotThrowAnyException();
  }

  @Test
  void cacheOptions_invalidValues_areRejected() {
    assertThatThrownBy(() -> LookupCache.maxEntries(0))
        .hasMessage("cache maxEntries must be >= 1, was 0");
    assertThatThrownBy(() -> LookupCache.maxEntries(1).withExpireAfterWrite(Duration.ofSeconds(-1)))
        .hasMessage("cache expireAfterWrite must be positive, was PT-1S");
    assertThatThrownBy(() -> LookupCache.maxEntries(1).withExpireAfterAccess(Duration.ZERO))
        .hasMessage("cache expireAfterAccess must be positive, was PT0S");
    assertThatThrownBy(() -> LookupCache.maxEntries(1).withRefreshAfterWrite(Duration.ZERO))
        .hasMessage("cache refreshAfterWrite must be positive, was PT0S");
    assertThatThrownBy(() -> LookupCache.maxEntries(1).withStaleOnError(Duration.ZERO))
        .hasMessage("cache staleOnError must be positive, was PT0S");
  }

  @Test
  void retryOptions_invalidValues_areRejected() {
    assertThatThrownBy(() -> LookupRetry.attempts(0))
        .hasMessage("retry maxAttempts must be in 1..100, was 0");
    assertThatThrownBy(() -> LookupRetry.attempts(101))
        .hasMessage("retry maxAttempts must be in 1..100, was 101");
    assertThatThrownBy(
            () -> LookupRetry.attempts(2).withBackoff(Duration.ZERO, Duration.ofSeconds(1)))
        .hasMessage("retry initialBackoff must be positive, was PT0S");
    assertThatThrownBy(
            () -> LookupRetry.attempts(2).withBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .hasMessage("retry maxBackoff must be in [PT2S, PT1H], was PT1S");
    assertThatThrownBy(() -> LookupRetry.attempts(2).withBackoff(Duration.ofSeconds(2), null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("retry maxBackoff must not be null");
    assertThatThrownBy(() -> LookupRetry.attempts(2).withJitter(1.5))
        .hasMessage("retry jitter must be in [0, 1], was 1.5");
    assertThatThrownBy(() -> LookupRetry.attempts(2).withAttemptTimeout(Duration.ZERO))
        .hasMessage("retry attemptTimeout must be positive, was PT0S");
  }

  @Test
  void fallbackDefault_notSerializable_isRejected() {
    assertThatThrownBy(() -> LookupFallback.useDefault(new Object()))
        .hasMessage("fallback default value must be Serializable, was a java.lang.Object");
    assertThat(LookupFallback.useDefault("unknown").toString()).doesNotContain("unknown");
  }

  @Test
  void retryOnMiss_withACacheThatCachesMisses_isRejectedWhenApplied() {
    Enrich.LookupStep<Order, String, String, EnrichedOrder> step =
        step()
            .withCache(LookupCache.maxEntries(10))
            .withRetry(LookupRetry.attempts(3).withRetryOnMiss());

    assertThatThrownBy(() -> orders().apply(step))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(
            "enrichment step 'customer': retry on miss with a cache that caches misses")
        .hasMessageContaining("withMissCaching(false)");
    orders().apply(step.withCache(LookupCache.maxEntries(10).withMissCaching(false)));
    // Switched off on a retry derived from it, retry on miss takes its rule with it.
    assertThatCode(
            () ->
                orders()
                    .apply(
                        step.withRetry(
                            LookupRetry.<String>attempts(3)
                                .withRetryOnMiss()
                                .withoutRetryOnResult())))
        .doesNotThrowAnyException();
  }

  @Test
  void retryOptions_switchedOffOnADerivedRetry_areTheRetryWithout() {
    LookupRetry<String> plain = LookupRetry.attempts(3);
    LookupRetry<String> base = plain.withAttemptTimeout(Duration.ofMillis(200)).withRetryOnMiss();

    assertThat(base.toString()).contains("attemptTimeout=PT0.2S").contains("retryOnMiss");
    assertThat(base.withoutAttemptTimeout().withoutRetryOnResult()).hasToString(plain.toString());
    assertThat(base.withoutAttemptTimeout().attemptTimeout()).isNull();
    assertThat(base.withoutRetryOnResult().retriesMisses()).isFalse();
    assertThat(base.withoutRetryOnResult().retries(Optional.<String>empty())).isFalse();
    assertThat(plain.withRetryOnResult(found -> found.isEmpty()).withoutRetryOnResult())
        .hasToString(plain.toString());
  }

  /**
   * The default condition given to withRetryOn is the condition never given: a retry derived from
   * one with its own condition gets the default back, which retries every failure but a final
   * {@code LookupFailure}.
   */
  @Test
  void withRetryOn_theDefaultCondition_isTheRetryThatNeverSetIt() {
    LookupRetry<String> plain = LookupRetry.attempts(3);
    LookupRetry<String> base = plain.withRetryOn(failure -> false);
    LookupRetry<String> variant = base.withRetryOn(LookupRetry.DEFAULT_RETRY_ON);
    RuntimeException transientFailure = new IllegalStateException("connection reset");
    RuntimeException finalFailure = new FinalFailure();

    assertThat(base.toString()).contains("retryOn=<condition>");
    assertThat(variant).hasToString(plain.toString());
    assertThat(base.retries(transientFailure)).isFalse();
    assertThat(variant.retries(transientFailure)).isTrue();
    assertThat(variant.retries(finalFailure)).isFalse();
    assertThat(LookupRetry.DEFAULT_RETRY_ON.test(transientFailure)).isTrue();
    assertThat(LookupRetry.DEFAULT_RETRY_ON.test(finalFailure)).isFalse();
  }

  /** A failure that says trying again cannot help, as an HTTP 400 does. */
  private static final class FinalFailure extends RuntimeException implements LookupFailure {
    private static final long serialVersionUID = 1L;

    @Override
    public boolean retryable() {
      return false;
    }
  }

  /** A key class without equals and hashCode of its own. */
  public static final class PlainId {
    public String value;

    public PlainId() {}

    PlainId(String value) {
      this.value = value;
    }
  }

  /** A key class with both, as a record has them. */
  public record RecordId(String value) {}

  private static <K> Enrich.LookupStep<Order, K, String, EnrichedOrder> keyedBy(
      org.apache.flink.api.java.functions.KeySelector<Order, K> key) {
    Lookup<K, String> none = k -> CompletableFuture.completedFuture(Optional.empty());
    return Enrich.lookup("customer", key, none, EnrichedOrder::of, EnrichedOrder.TYPE_INFO);
  }

  @Test
  void keyComparedByIdentity_isRejectedWhenApplied() {
    // Every record's key is a new object: the cache would never hit, single-flight never share,
    // and a batch's answers (found by equals) would match no key.
    assertThatThrownBy(() -> orders().apply(keyedBy(o -> new PlainId(o.customerId()))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "enrichment step 'customer': key ("
                + PlainId.class.getName()
                + ") is compared by"
                + " identity")
        .hasMessageContaining("equals and hashCode");
    assertThatThrownBy(() -> orders().apply(keyedBy(o -> o.customerId().getBytes())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("key (an array");
    // A record, a string: fine.
    orders().apply(keyedBy(o -> new RecordId(o.customerId())));
    orders().apply(keyedBy(Order::customerId));
  }

  @Test
  void microBatchDelay_notShorterThanTheStepTimeout_isRejectedWhenApplied() {
    Enrich.LookupStep<Order, String, String, EnrichedOrder> step =
        step().withTimeout(Duration.ofSeconds(2)).withMicroBatch(100, Duration.ofSeconds(2));

    assertThatThrownBy(() -> orders().apply(step))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "enrichment step 'customer': microBatch maxDelay (PT2S) must be shorter than the step"
                + " timeout (PT2S): the first record of a batch that does not fill would have timed"
                + " out by the time the batch is sent");
    orders().apply(step.withTimeout(Duration.ofMillis(2_001)));
  }

  @Test
  void microBatchKeys_overTheCapacity_areRejectedWhenApplied() {
    // At most `capacity` records wait for a load, so a batch of more distinct keys never fills:
    // every batch would wait its whole maxDelay.
    Enrich.LookupStep<Order, String, String, EnrichedOrder> step =
        step().withMicroBatch(101, Duration.ofMillis(5));

    assertThatThrownBy(() -> orders().apply(step))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "enrichment step 'customer': microBatch maxKeys (101) must not exceed the capacity"
                + " (100): at most capacity records wait for a load, so a batch of more keys never"
                + " fills and every batch waits maxDelay; raise withCapacity or lower maxKeys");
    orders().apply(step.withCapacity(101));
    orders().apply(step().withMicroBatch(100, Duration.ofMillis(5)));
  }

  @Test
  void microBatchDelay_notShorterThanTheWholeMillisecondsOfTheStepTimeout_isRejectedWhenApplied() {
    // Flink waits 2000 ms of a 2000.5 ms timeout: a batch sent after 2 s comes too late.
    Enrich.LookupStep<Order, String, String, EnrichedOrder> step =
        step()
            .withTimeout(Duration.ofMillis(2_000).plusNanos(500_000))
            .withMicroBatch(100, Duration.ofSeconds(2));

    assertThatThrownBy(() -> orders().apply(step))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("microBatch maxDelay (PT2S) must be shorter than the step timeout");
  }

  @Test
  void retry_defaultRetriesEveryFailureButNoAnswer() {
    LookupRetry<String> retry = LookupRetry.attempts(3);
    assertThat(retry.retries(new java.io.IOException())).isTrue();
    assertThat(retry.retries(Optional.<String>empty())).isFalse();
    assertThat(LookupRetry.<String>none().retries(new java.io.IOException())).isFalse();
    assertThat(LookupRetry.<String>attempts(2).withRetryOnMiss().retries(Optional.empty()))
        .isTrue();
  }

  @Test
  void status_answersAndFallbacks() {
    assertThat(LookupStatus.HIT.isAnswer()).isTrue();
    assertThat(LookupStatus.MISS.isAnswer()).isTrue();
    assertThat(LookupStatus.STALE.isAnswer()).isFalse();
    assertThat(LookupStatus.TIMED_OUT.isAnswer()).isFalse();
  }

  @Test
  void withX_returnsNewSpecs_andOrderDoesNotMatter() {
    Enrich.LookupStep<Order, String, String, EnrichedOrder> base = step();
    var a = base.withCapacity(7).withUnorderedOutput().withSingleFlight(false);
    var b = base.withSingleFlight(false).withUnorderedOutput().withCapacity(7);

    assertThat(a.toString())
        .isEqualTo(b.toString())
        .contains("unordered")
        .contains("no single-flight");
    assertThat(base.toString()).contains("capacity=100");
    assertThat(a.withOrderedOutput().toString()).contains(", ordered");
    assertThat(base.withCache(LookupCache.maxEntries(5)).withoutCache().toString())
        .isEqualTo(base.toString());
  }

  @Test
  void lookupSpi_defaultLookupAll_asksEveryKeyAndDropsMisses() throws Exception {
    Lookup<String, String> single =
        key ->
            CompletableFuture.completedFuture(
                key.equals("c-1") ? Optional.of("Anna") : Optional.empty());
    assertThat(single.lookupAll(java.util.List.of("c-1", "c-2")).get())
        .containsExactly(Map.entry("c-1", "Anna"));
    assertThat(single.supportsBatch()).isFalse();
  }

  @Test
  void lookupSpi_defaultLookupAll_aKeyThatFails_failsAlone() {
    // One per-key call failing (its future, or lookup() itself throwing) failed every key of the
    // call; the default now answers the others and names each failed key's own failure.
    IllegalStateException down = new IllegalStateException("c-2 failed");
    IllegalArgumentException unsendable = new IllegalArgumentException("c-3 cannot be sent");
    Lookup<String, String> single =
        key -> {
          switch (key) {
            case "c-1":
              return CompletableFuture.completedFuture(Optional.of("Anna"));
            case "c-2":
              return CompletableFuture.failedFuture(down);
            case "c-3":
              throw unsendable;
            case "c-5":
              return null;
            case "c-6":
              return CompletableFuture.completedFuture(null);
            default:
              return CompletableFuture.completedFuture(Optional.empty());
          }
        };

    CompletableFuture<Map<String, String>> all =
        single.lookupAll(java.util.List.of("c-1", "c-2", "c-3", "c-4", "c-5", "c-6"));

    assertThat(all)
        .failsWithin(java.time.Duration.ZERO)
        .withThrowableOfType(java.util.concurrent.ExecutionException.class)
        .havingCause()
        .isInstanceOfSatisfying(
            PartialLookupException.class,
            partial -> {
              assertThat(partial.found()).isEqualTo(Map.of("c-1", "Anna"));
              Map<Object, Throwable> failures = new java.util.HashMap<>(partial.failures());
              assertThat(failures)
                  .containsEntry("c-2", down)
                  .containsEntry("c-3", unsendable)
                  .hasSize(4);
              assertThat(failures.get("c-5"))
                  .isInstanceOf(NullPointerException.class)
                  .hasMessage("the lookup returned no future");
              assertThat(failures.get("c-6"))
                  .isInstanceOf(NullPointerException.class)
                  .hasMessage("the lookup completed its future with null");
            });
  }
}
