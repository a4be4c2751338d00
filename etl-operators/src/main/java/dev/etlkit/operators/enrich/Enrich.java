package dev.etlkit.operators.enrich;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.core.EtlStep;
import dev.etlkit.core.StateDeclaration;
import dev.etlkit.core.StepContext;
import dev.etlkit.core.StepIdentity;
import dev.etlkit.core.internal.KryoTypes;
import dev.etlkit.core.internal.Names;
import dev.etlkit.core.internal.UserFunctionCheckpoints;
import dev.etlkit.core.internal.ValueEquality;
import dev.etlkit.operators.enrich.internal.async.AsyncLookupFunction;
import dev.etlkit.operators.enrich.internal.async.CacheFirstWaitOperatorFactory;
import dev.etlkit.operators.enrich.internal.async.InFlightTypeInfo;
import dev.etlkit.operators.enrich.internal.async.LookupOutputFunction;
import dev.etlkit.operators.enrich.internal.async.LookupSettings;
import dev.etlkit.operators.enrich.internal.async.SystemTimers;
import dev.etlkit.operators.enrich.internal.async.Timers;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;
import javax.annotation.Nullable;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.functions.InvalidTypesException;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.api.java.typeutils.EitherTypeInfo;
import org.apache.flink.api.java.typeutils.TypeExtractor;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.types.Either;

/**
 * Enrichment by asynchronous lookup: each record's key is looked up in an external system (a
 * database, an HTTP API) through a {@link Lookup}, and a {@link LookupCombiner} builds the output
 * from the record and what was found. A slow or failing lookup never restarts the job: every record
 * comes out exactly once, enriched or by its fallback.
 *
 * <pre>{@code
 * Enrich.lookup("customer", Order::customerId, customers, Order::withCustomer, Order.TYPE_INFO)
 *     .withCache(LookupCache.maxEntries(100_000).withExpireAfterWrite(Duration.ofMinutes(10)))
 *     .withTimeout(Duration.ofSeconds(2))
 *     .withRetry(LookupRetry.attempts(3))
 *     .withFallback(LookupFallback.passThrough());
 * }</pre>
 *
 * <h2>Semantics</h2>
 *
 * <ul>
 *   <li><b>Runtime</b>: Flink's async I/O operator ({@code AsyncWaitOperator}) with at most {@link
 *       LookupStep#withCapacity capacity} records in flight per subtask, followed by a thin output
 *       operator that splits off dead letters and keeps the record accounting ({@code in == out +
 *       deadLettered}). A fresh cache hit that overtakes nothing it must not is emitted at once,
 *       without entering the async queue.
 *   <li><b>Order</b>: records leave in arrival order ({@link LookupStep#withOrderedOutput}, the
 *       default) or as they are answered ({@link LookupStep#withUnorderedOutput}); either way no
 *       record passes a watermark.
 *   <li><b>Exactly one output per record</b>, whatever races between replies, attempt timeouts,
 *       retries and the step timeout: the first outcome wins, later ones are dropped.
 *   <li><b>Failures</b>: a failed or timed-out call is retried per {@link LookupRetry} (default
 *       {@link #DEFAULT_MAX_ATTEMPTS} attempts). A record whose key is still unanswered when its
 *       {@link LookupStep#withTimeout step timeout} passes, or whose attempts are used up, gets a
 *       stale cache entry if allowed ({@link LookupCache#withStaleOnError}), else the {@link
 *       LookupFallback} (default: dead letter). None of this fails the job; an error-policy budget
 *       on the dead letters can, if you set one. An {@link Error} thrown by the lookup, or
 *       completing its future, is no failure: it fails the task under every fallback, as everywhere
 *       in etlkit.
 *   <li><b>Checkpoints</b>: records in flight are part of the async operator's state and their
 *       lookups are issued again after a restore, so <b>lookups must be idempotent</b>. The
 *       watermarks in flight between them are not put out again (after a rescale one old subtask's
 *       could stand before another's records); the upstream's move event time on. The cache,
 *       micro-batches and rate limit are not checkpointed.
 *   <li><b>Status</b>: the combiner learns how each value was found ({@link LookupStatus}); put it
 *       into the output when downstream needs to know.
 *   <li>A key selector or combiner that throws (or returns null), or a key whose {@code hashCode}
 *       throws, dead-letters the record per the step's {@link ErrorPolicy}; an interrupted one (an
 *       {@link InterruptedException} thrown or among the causes, or the interrupt flag set) instead
 *       restores the interrupt flag and fails the task with an {@code EtlException}.
 * </ul>
 */
@PublicEvolving
public final class Enrich {

  /** Step timeout unless {@link LookupStep#withTimeout} says otherwise. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

  /** Longest step timeout. */
  public static final Duration MAX_TIMEOUT = Duration.ofHours(1);

  /** Records in flight per subtask unless {@link LookupStep#withCapacity} says otherwise. */
  public static final int DEFAULT_CAPACITY = 100;

  /** Largest capacity. */
  public static final int MAX_CAPACITY = 100_000;

  /** Attempts per key of the default retry ({@code LookupRetry.attempts(3)}). */
  public static final int DEFAULT_MAX_ATTEMPTS = 3;

  /** Largest micro-batch, in keys. */
  public static final int MAX_BATCH_KEYS = 10_000;

  /** Longest micro-batch delay. */
  public static final Duration MAX_BATCH_DELAY = Duration.ofSeconds(10);

  /** Name of the async operator's state holding the records in flight (Flink's own name). */
  public static final String IN_FLIGHT_STATE = "_async_wait_operator_state_";

  /** Why a lookup step rejects Flink's checkpoint interfaces on its lookup and combiner. */
  private static final String NO_HOOKS =
      "the step's operators keep the records in flight and the cache, not the state of its"
          + " functions; cache values with withCache, keep other state in a step of its own";

  private Enrich() {}

  /**
   * Enriches every record with the value {@code lookup} finds for its key.
   *
   * @param name the step's name (part of its uids: never rename a running step)
   * @param key the lookup key of a record; a key selector that throws or returns null dead-letters
   *     the record
   * @param lookup where values are found; must be idempotent
   * @param combiner builds the output from the record, the value (or null) and its status
   * @param outputType the output's type information
   * @throws IllegalArgumentException if the name is invalid, {@code outputType} would be serialized
   *     with Kryo, or the lookup or the combiner implements one of Flink's checkpoint interfaces
   *     ({@code CheckpointedFunction}, {@code ListCheckpointed}, {@code CheckpointListener}), which
   *     the step does not pass on
   */
  public static <I, K, V, O> LookupStep<I, K, V, O> lookup(
      String name,
      KeySelector<I, K> key,
      Lookup<K, V> lookup,
      LookupCombiner<I, V, O> combiner,
      TypeInformation<O> outputType) {
    Names.requireValid(name, "step name");
    Objects.requireNonNull(outputType, "outputType");
    KryoTypes.requireNoKryo(outputType, "output type of enrichment step '" + name + "'");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(lookup, "lookup");
    Objects.requireNonNull(combiner, "combiner");
    UserFunctionCheckpoints.requireNone(lookup, "lookup of step '" + name + "'", NO_HOOKS);
    UserFunctionCheckpoints.requireNone(combiner, "combiner of step '" + name + "'", NO_HOOKS);
    return new LookupStep<>(
        name,
        key,
        lookup,
        combiner,
        outputType,
        LookupSettings.defaults(
            DEFAULT_TIMEOUT,
            DEFAULT_CAPACITY,
            true,
            true,
            LookupRetry.attempts(DEFAULT_MAX_ATTEMPTS),
            LookupFallback.deadLetter()),
        null);
  }

  /**
   * An enrichment step by asynchronous lookup. Immutable: every {@code withX} returns a new step,
   * validated when called; rules between options are checked when the step is applied. A second
   * call of an option replaces its value; the options that are off by default have a {@code
   * withoutX()} that switches them off again on a step derived from one that has them.
   *
   * @param <I> input record type
   * @param <K> lookup key type
   * @param <V> looked-up value type
   * @param <O> output record type
   */
  @PublicEvolving
  public static final class LookupStep<I, K, V, O> implements EtlStep<I, O> {
    private final String name;
    private final KeySelector<I, K> key;
    private final Lookup<K, V> lookup;
    private final LookupCombiner<I, V, O> combiner;
    private final TypeInformation<O> outputType;
    private final LookupSettings settings;
    @Nullable private final ErrorPolicy errorPolicy;

    private LookupStep(
        String name,
        KeySelector<I, K> key,
        Lookup<K, V> lookup,
        LookupCombiner<I, V, O> combiner,
        TypeInformation<O> outputType,
        LookupSettings settings,
        @Nullable ErrorPolicy errorPolicy) {
      this.name = name;
      this.key = key;
      this.lookup = lookup;
      this.combiner = combiner;
      this.outputType = outputType;
      this.settings = settings;
      this.errorPolicy = errorPolicy;
    }

    private LookupStep<I, K, V, O> with(Consumer<LookupSettings.Builder> change) {
      return new LookupStep<>(
          name, key, lookup, combiner, outputType, settings.with(change), errorPolicy);
    }

    /**
     * Caches what the lookup finds, per subtask (see {@link LookupCache}). Default: no cache, every
     * record is looked up; a second call replaces the cache, and {@link #withoutCache()} switches
     * it off again.
     *
     * @throws IllegalArgumentException if the cache's options contradict each other
     */
    public LookupStep<I, K, V, O> withCache(LookupCache cache) {
      Objects.requireNonNull(cache, "cache").validate();
      return with(s -> s.cache = cache);
    }

    /** Looks up every record, without a cache (the default). */
    public LookupStep<I, K, V, O> withoutCache() {
      return with(s -> s.cache = null);
    }

    /**
     * The step timeout: the longest a record waits for its value, retries, backoffs, micro-batch
     * and rate-limit waits included. Then it gets a stale entry or the fallback, with status {@link
     * LookupStatus#TIMED_OUT} for pass-through. Processing time. Default {@link
     * Enrich#DEFAULT_TIMEOUT}. Flink counts it in whole milliseconds: a fraction of one is dropped
     * (1.5 ms waits 1 ms).
     *
     * @throws IllegalArgumentException if null, not in (0, {@link Enrich#MAX_TIMEOUT}], or shorter
     *     than 1 ms (Flink counts the timeout in milliseconds)
     */
    public LookupStep<I, K, V, O> withTimeout(Duration timeout) {
      if (timeout == null) {
        throw new IllegalArgumentException("timeout must not be null");
      }
      if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(MAX_TIMEOUT) > 0) {
        throw new IllegalArgumentException(
            "timeout must be in (0, " + MAX_TIMEOUT + "], was " + timeout);
      }
      if (timeout.toMillis() == 0) {
        throw new IllegalArgumentException(
            "timeout must be at least 1 ms (Flink counts it in milliseconds), was " + timeout);
      }
      return with(s -> s.timeout = timeout);
    }

    /**
     * How failed calls are retried; default {@code LookupRetry.attempts(}{@value
     * Enrich#DEFAULT_MAX_ATTEMPTS}{@code )}. {@link LookupRetry#none()} turns retries off.
     */
    @SuppressWarnings("unchecked")
    public LookupStep<I, K, V, O> withRetry(LookupRetry<? super V> retry) {
      Objects.requireNonNull(retry, "retry");
      return with(s -> s.retry = retry);
    }

    /** What records get when their lookup fails for good or times out; default dead letter. */
    public LookupStep<I, K, V, O> withFallback(LookupFallback<? extends V> fallback) {
      Objects.requireNonNull(fallback, "fallback");
      return with(s -> s.fallback = fallback);
    }

    /**
     * The most records in flight per subtask (Flink's async capacity): waiting for a value, or
     * answered and waiting for their turn in ordered output. A strict bound: when full, the step
     * stops taking input (backpressure); a cache hit answered at once is never in flight.
     * Throughput is bounded by {@code capacity / average wait}. Default {@value
     * Enrich#DEFAULT_CAPACITY}.
     *
     * <p>It bounds the lookup calls of a subtask in two parts: the loads of the records in flight
     * (at most one call per record waiting), and, separately, the refresh-ahead calls ({@link
     * LookupCache#withRefreshAfterWrite}), which hold no place among the records: one starts only
     * while the records waiting for a load and the refreshes in flight are fewer than the capacity.
     * So a subtask has at most twice the capacity of calls in flight with refresh-ahead, and the
     * capacity without (plus calls whose records all timed out, until they answer or their attempt
     * timeout passes, unless the lookup {@linkplain Lookup#supportsCancellation supports
     * cancellation}: then the step cancels such a call when its last record times out).
     *
     * @throws IllegalArgumentException if not in 1..{@value Enrich#MAX_CAPACITY}
     */
    public LookupStep<I, K, V, O> withCapacity(int capacity) {
      if (capacity < 1 || capacity > MAX_CAPACITY) {
        throw new IllegalArgumentException(
            "capacity must be in 1.." + MAX_CAPACITY + ", was " + capacity);
      }
      return with(s -> s.capacity = capacity);
    }

    /** Records leave in arrival order (the default). */
    public LookupStep<I, K, V, O> withOrderedOutput() {
      return with(s -> s.ordered = true);
    }

    /**
     * Records leave as soon as they are answered, so a slow key does not hold up the others; they
     * still never pass a watermark.
     */
    public LookupStep<I, K, V, O> withUnorderedOutput() {
      return with(s -> s.ordered = false);
    }

    /**
     * Whether records of a key that is loading wait for that load instead of starting their own
     * (default true). Turn it off only for lookups whose answers differ per call.
     */
    public LookupStep<I, K, V, O> withSingleFlight(boolean singleFlight) {
      return with(s -> s.singleFlight = singleFlight);
    }

    /**
     * Collects keys to load into one {@link Lookup#lookupAll} call: sent when {@code maxKeys}
     * distinct keys are collected or {@code maxDelay} after the first, whichever comes first; keys
     * whose records have all timed out by then are left out. Only for lookups that answer many keys
     * in one round trip ({@link Lookup#supportsBatch()}). {@code maxDelay} must also be shorter
     * than the step timeout ({@link #withTimeout}, in the whole milliseconds Flink waits), and
     * {@code maxKeys} at most the {@link #withCapacity capacity} (at most that many records wait
     * for a load, so a larger batch would never fill), both checked when the step is applied.
     *
     * <p>Off by default: every load is a {@link Lookup#lookup} call of its own. A second call
     * replaces both values; {@link #withoutMicroBatch()} switches it off again.
     *
     * @throws IllegalArgumentException if the lookup does not support batches, {@code maxKeys} is
     *     not in 2..{@value Enrich#MAX_BATCH_KEYS} or {@code maxDelay} is null or not in (0, {@link
     *     Enrich#MAX_BATCH_DELAY}]
     */
    public LookupStep<I, K, V, O> withMicroBatch(int maxKeys, Duration maxDelay) {
      if (!lookup.supportsBatch()) {
        throw new IllegalArgumentException(
            "microBatch needs a lookup that supports batches, "
                + lookup.getClass().getName()
                + " does not (supportsBatch() is false)");
      }
      if (maxKeys < 2 || maxKeys > MAX_BATCH_KEYS) {
        throw new IllegalArgumentException(
            "microBatch maxKeys must be in 2.." + MAX_BATCH_KEYS + ", was " + maxKeys);
      }
      if (maxDelay == null) {
        throw new IllegalArgumentException("microBatch maxDelay must not be null");
      }
      if (maxDelay.isNegative() || maxDelay.isZero() || maxDelay.compareTo(MAX_BATCH_DELAY) > 0) {
        throw new IllegalArgumentException(
            "microBatch maxDelay must be in (0, " + MAX_BATCH_DELAY + "], was " + maxDelay);
      }
      return with(
          s -> {
            s.batchKeys = maxKeys;
            s.batchDelay = maxDelay;
          });
    }

    /**
     * Loads every key with a {@link Lookup#lookup} call of its own (the default), undoing {@link
     * #withMicroBatch} on a step derived from one that has it.
     */
    public LookupStep<I, K, V, O> withoutMicroBatch() {
      return with(
          s -> {
            s.batchKeys = 0;
            s.batchDelay = Duration.ZERO;
          });
    }

    /**
     * At most {@code callsPerSecond} calls to the lookup per subtask (a micro-batch is one call),
     * with bursts of up to one second's worth after a quiet period. Calls over the limit wait
     * (their records' step timeout keeps running). Any positive rate works, however low: a call
     * whose records all timed out is dropped from the wait within a step timeout or two, even when
     * the next permit is days away.
     *
     * <p>Off by default (calls are not limited). A second call replaces the rate; {@link
     * #withoutRateLimit()} switches it off again.
     *
     * @throws IllegalArgumentException if not positive and finite
     */
    public LookupStep<I, K, V, O> withRateLimit(double callsPerSecond) {
      if (!(callsPerSecond > 0.0) || Double.isInfinite(callsPerSecond)) {
        throw new IllegalArgumentException(
            "rateLimit must be positive and finite (calls per second), was " + callsPerSecond);
      }
      return with(s -> s.rateLimit = callsPerSecond);
    }

    /**
     * Calls the lookup without a rate limit (the default), undoing {@link #withRateLimit} on a step
     * derived from one that has it.
     */
    public LookupStep<I, K, V, O> withoutRateLimit() {
      return with(s -> s.rateLimit = 0.0);
    }

    /**
     * Overrides the pipeline's error policy for this step's dead letters (fallback dead letters,
     * key selector and combiner errors). A second call replaces the policy; {@link
     * #withPipelineErrorPolicy()} gives the pipeline's default back.
     */
    public LookupStep<I, K, V, O> withErrorPolicy(ErrorPolicy policy) {
      return new LookupStep<>(
          name,
          key,
          lookup,
          combiner,
          outputType,
          settings,
          Objects.requireNonNull(policy, "policy"));
    }

    /**
     * Uses the pipeline's default error policy ({@code EtlPipeline.defaultErrorPolicy}, else dead
     * letters), the default, undoing {@link #withErrorPolicy} on a step derived from one that has
     * it: the step is then the step that never had a policy of its own.
     */
    public LookupStep<I, K, V, O> withPipelineErrorPolicy() {
      return new LookupStep<>(name, key, lookup, combiner, outputType, settings, null);
    }

    @Override
    public String name() {
      return name;
    }

    private void requireKeyEquality(TypeInformation<I> inputType) {
      TypeInformation<K> keyType;
      try {
        keyType = TypeExtractor.getKeySelectorTypes(key, inputType);
      } catch (InvalidTypesException e) {
        return; // a generic lambda: the key's class is known only at run time
      }
      ValueEquality.identityHashedPart(keyType, "key")
          .ifPresent(
              part -> {
                throw new IllegalArgumentException(
                    "enrichment step '"
                        + name
                        + "': "
                        + part
                        + " is compared by identity (no equals or hashCode of its own, or an"
                        + " array), so no two records' keys would ever be equal: the cache would"
                        + " never hit, concurrent lookups of one key would not be shared, and a"
                        + " batched lookup's answers would match no key. Give the key class equals"
                        + " and hashCode (or make it a record), or select a key of such a type");
              });
    }

    /** The output type. */
    public TypeInformation<O> outputType() {
      return outputType;
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException if options contradict each other, or the key type (where
     *     Flink can extract it from the key selector) has a part without {@code equals} or {@code
     *     hashCode} of its own, or an array: the cache, single-flight and a batch's answers find
     *     keys by {@code equals}, and would find none
     */
    @Override
    public DataStream<O> expand(DataStream<I> input, StepContext context) {
      checkOptions();
      requireKeyEquality(input.getType());
      AsyncLookupFunction<I, K, V, O> function = function(context.identity(), SystemTimers::new);
      // Flink's async I/O operator, answering fresh cache hits without a queue round trip.
      SingleOutputStreamOperator<Either<O, DeadLetter>> answered =
          input.transform(
              name,
              function.getProducedType(),
              new CacheFirstWaitOperatorFactory<>(
                  input.getExecutionEnvironment().clean(function),
                  settings.timeout().toMillis(),
                  settings.capacity(),
                  settings.ordered()
                      ? AsyncDataStream.OutputMode.ORDERED
                      : AsyncDataStream.OutputMode.UNORDERED));
      context.named(answered);
      SingleOutputStreamOperator<O> output =
          context.named(
              answered.process(
                  new LookupOutputFunction<O>(context.errorHandler(errorPolicy), outputType),
                  outputType),
              "output");
      context.addDeadLettersOf(output);
      context.declareState(
          Types.VOID,
          StateDeclaration.of(
                  IN_FLIGHT_STATE, StateDeclaration.Kind.LIST, Names.describeType(input.getType()))
              .withStateType(new InFlightTypeInfo<>(input.getType()))
              .withGrowth(
                  "the records in flight, at most "
                      + settings.capacity()
                      + " per subtask (operator state, re-issued on restore)"));
      return output;
    }

    /** The async function of this step on the given timers (tests run it on a manual clock). */
    AsyncLookupFunction<I, K, V, O> function(StepIdentity step, Timers.Factory timers) {
      return new AsyncLookupFunction<>(
          key,
          lookup,
          combiner,
          settings,
          step,
          new EitherTypeInfo<>(outputType, DeadLetter.TYPE_INFO),
          timers);
    }

    LookupSettings settings() {
      return settings;
    }

    private void checkOptions() {
      // Against the whole milliseconds of the timeout, which Flink waits (1.5 ms waits 1 ms).
      Duration waited = Duration.ofMillis(settings.timeout().toMillis());
      if (settings.batchKeys() > 0 && settings.batchDelay().compareTo(waited) >= 0) {
        throw new IllegalArgumentException(
            "enrichment step '"
                + name
                + "': microBatch maxDelay ("
                + settings.batchDelay()
                + ") must be shorter than the step timeout ("
                + settings.timeout()
                + "): the first record of a batch that does not fill would have timed out by the"
                + " time the batch is sent");
      }
      if (settings.batchKeys() > settings.capacity()) {
        throw new IllegalArgumentException(
            "enrichment step '"
                + name
                + "': microBatch maxKeys ("
                + settings.batchKeys()
                + ") must not exceed the capacity ("
                + settings.capacity()
                + "): at most capacity records wait for a load, so a batch of more keys never"
                + " fills and every batch waits maxDelay; raise withCapacity or lower maxKeys");
      }
      LookupCache cache = settings.cache();
      if (settings.retry().retriesMisses() && cache != null && cache.missCaching()) {
        throw new IllegalArgumentException(
            "enrichment step '"
                + name
                + "': retry on miss with a cache that caches misses would answer the retried keys"
                + " from the cache; use withCache(cache.withMissCaching(false))");
      }
    }

    @Override
    public String toString() {
      return "Enrich.lookup("
          + name
          + ", "
          + settings
          + (errorPolicy != null ? ", errorPolicy=" + errorPolicy : "")
          + ")";
    }
  }
}
