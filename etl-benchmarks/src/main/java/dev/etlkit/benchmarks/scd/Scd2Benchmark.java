package dev.etlkit.benchmarks.scd;

import dev.etlkit.benchmarks.HarnessBenchmarkBase;
import dev.etlkit.benchmarks.KeySequence;
import dev.etlkit.core.Etl;
import dev.etlkit.core.StepMetrics;
import dev.etlkit.scd.ChangeDetection;
import dev.etlkit.scd.EffectiveTime;
import dev.etlkit.scd.Scd2;
import dev.etlkit.scd.Scd2Step;
import dev.etlkit.scd.internal.KeyHistory;
import dev.etlkit.scd.internal.Scd2Function;
import java.time.Duration;
import java.util.SplittableRandom;
import javax.annotation.Nullable;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.SimpleOperatorFactory;
import org.apache.flink.streaming.api.transformations.OneInputTransformation;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.infra.Blackhole;

/**
 * SCD Type 2 over a stream of dimension rows ({@link Customer}), in order, per record:
 *
 * <ul>
 *   <li>{@code ETLKIT}: {@code Scd2.trackRows(...)} as a pipeline expands it (defaults: retract
 *       output; {@code updatedAt} is the effective time and untracked), emitting {@code -U}/{@code
 *       +U} for the closed version and {@code +I} for the new one on every change;
 *   <li>{@code LIMIT}: one ValueState get and put of the current row and one MapState put of the
 *       history entry ({@link LimitFunction}), emitting nothing: the definition;
 *   <li>{@code LIMIT_EMIT}: the same state work plus the step's change detection and retract
 *       output, written by hand for in-order input ({@link EmitLimitFunction}): the least work the
 *       job needs, as the dedup and normalize benchmarks' LIMITs are;
 *   <li>{@code NAIVE}: the anti-baseline keeping the key's history as one list in a ValueState,
 *       read and rewritten per record ({@link NaiveFunction}).
 * </ul>
 *
 * <p>Effective times follow one clock: record {@code i} of the input is {@value #STEP_MILLIS} ms
 * after record {@code i - 1}, and keeps growing over replays of the input ({@link EffectiveClock}).
 * With uniform keys a key changes every {@code keyCount} ms on average; the lateness horizon is
 * {@code versionsPerKey × keyCount} ms, so every key has {@code versionsPerKey} changes within the
 * horizon. Measured records meet the steady state of a long-running job: before measuring, each key
 * gets between one and {@link KeyHistory#PRUNE_AFTER_HORIZONS} (2) horizons of changes (uniformly,
 * so keys prune at different times) from the same clock; the SCD2 step then keeps between one and
 * two horizons of changes per key (it prunes in batches), NAIVE one horizon, LIMIT up to two (its
 * history map has {@code 2 × versionsPerKey} slots). {@code changeRatio} is the share of records
 * whose attributes differ from the key's current ones; the others redeliver them (new effective
 * time, same attributes: no new version). Inputs (preloaded and measured) are fresh objects per
 * record whose strings (key, name, segment) have their own characters, as deserialized records
 * have, so nothing is recognised by identity. (Until 2026-11-22 the name's characters, the segment
 * and the key were shared between records, and the preloaded names were the same objects.)
 *
 * <p>Nothing is late or out of order: this measures the common path, not splicing. Outputs go to a
 * counting sink ({@link dev.etlkit.benchmarks.CountingSink}). State: {@code keyCount ×
 * versionsPerKey} kept changes of ~100 bytes serialized (two of that at most), so at the default
 * 10^4 keys and 100 versions about 100–200 MB on RocksDB, which fits its block cache. On the heap,
 * as objects, with {@link Input#FRESH} records it is about 0.8 GB (GC logs: 1.2–1.35 GB live after
 * young collections, 0.49 GB of it the benchmark's own inputs), above G1's marking threshold in the
 * 2 GiB heap (docs/scd2-performance-notes.md, "The heap's size"). Larger products are refused (run
 * the full pass with {@code -p keyCount=10000}).
 */
public class Scd2Benchmark extends HarnessBenchmarkBase<String, Customer, Object> {

  /** The implementations run side by side. */
  public enum Impl {
    ETLKIT,
    LIMIT,
    LIMIT_EMIT,
    NAIVE
  }

  /** Effective time between two consecutive records of the input, in milliseconds. */
  static final long STEP_MILLIS = 1;

  /** The most horizons of changes the SCD2 step keeps per key: what a key holds at most. */
  static final int KEPT_HORIZONS = KeyHistory.PRUNE_AFTER_HORIZONS;

  /** Largest {@code keyCount × versionsPerKey} (kept changes) a trial accepts. */
  static final long MAX_KEPT_CHANGES = 1_000_000;

  /** Effective time of the first measured record (2024-01-01T00:00:00Z). */
  private static final long ORIGIN = 1_704_067_200_000L;

  private static final int NAME_VARIANTS = 16;
  private static final int NAME_CHARS = 32;
  private static final String[] SEGMENTS = {"retail", "smb", "enterprise", "public"};

  @Param({"ETLKIT", "LIMIT", "LIMIT_EMIT", "NAIVE"})
  public Impl impl;

  /** Changes per key within one lateness horizon: the history each key holds. */
  @Param({"1", "10", "100"})
  public int versionsPerKey;

  /** Share of records that change the key's attributes; the others redeliver them. */
  @Param({"1.0", "0.5"})
  public double changeRatio;

  /** What the operator receives as a measured record. */
  public enum Input {
    /**
     * The precomputed records themselves, made at setup, so they are in the old generation when
     * measured, and keeping one costs the collector nothing.
     */
    PRELOADED,
    /**
     * A new copy of each with its own strings, as a record deserialized from the network is: what
     * an implementation keeps of it (the history of every version) is copied by young collections
     * and tenured, as in a job.
     */
    FRESH
  }

  @Param({"PRELOADED"})
  public Input input = Input.PRELOADED;

  @Nullable private EffectiveClock clock;
  @Nullable private Customer[] preload;
  private int preloaded;
  @Nullable private Scd2Function<Customer, Customer> etlkit;
  @Nullable private LimitFunction limit;
  @Nullable private EmitLimitFunction emitLimit;
  @Nullable private NaiveFunction naive;
  @Nullable private KeySelector<Customer, String> keySelector;

  /** Milliseconds between two changes of a key, on average. */
  private long spacing() {
    return keyCount * STEP_MILLIS;
  }

  private long horizon() {
    return versionsPerKey * spacing();
  }

  @Override
  @SuppressWarnings({"unchecked", "rawtypes"})
  protected OneInputStreamOperator<Customer, Object> createOperator() {
    switch (impl) {
      case ETLKIT:
        OneInputTransformation<Customer, ?> expanded =
            expand(
                Scd2.trackRows("scd2", new CustomerId(), EffectiveTime.field(clock))
                    .withChangeDetection(ChangeDetection.allExcept("updatedAt"))
                    .withLatenessHorizon(Duration.ofMillis(horizon())));
        KeyedProcessOperator<String, Customer, ?> operator =
            (KeyedProcessOperator<String, Customer, ?>)
                ((SimpleOperatorFactory<?>) expanded.getOperatorFactory()).getOperator();
        etlkit = (Scd2Function<Customer, Customer>) operator.getUserFunction();
        keySelector = (KeySelector<Customer, String>) expanded.getStateKeySelector();
        return (OneInputStreamOperator) operator;
      case LIMIT:
        limit = new LimitFunction(clock, spacing(), KEPT_HORIZONS * versionsPerKey);
        return (OneInputStreamOperator) new KeyedProcessOperator<>(limit);
      case LIMIT_EMIT:
        emitLimit = new EmitLimitFunction(clock, spacing(), KEPT_HORIZONS * versionsPerKey);
        return (OneInputStreamOperator) new KeyedProcessOperator<>(emitLimit);
      case NAIVE:
        naive = new NaiveFunction(clock, horizon());
        return (OneInputStreamOperator) new KeyedProcessOperator<>(naive);
      default:
        throw new IllegalStateException("Unknown impl " + impl);
    }
  }

  @Override
  protected KeySelector<Customer, String> keySelector() {
    return keySelector != null ? keySelector : new CustomerId();
  }

  @Override
  protected TypeInformation<String> keyType() {
    return Types.STRING;
  }

  @Override
  protected Customer[] createInputs(int[] keyIndexes) {
    if (versionsPerKey < 1) {
      throw new IllegalArgumentException("versionsPerKey must be >= 1, was " + versionsPerKey);
    }
    if (!(changeRatio >= 0 && changeRatio <= 1)) {
      throw new IllegalArgumentException("changeRatio must be in [0, 1], was " + changeRatio);
    }
    if ((long) keyCount * versionsPerKey > MAX_KEPT_CHANGES) {
      throw new IllegalArgumentException(
          "keyCount × versionsPerKey must be <= "
              + MAX_KEPT_CHANGES
              + " (state must fit the heap), was "
              + keyCount
              + " × "
              + versionsPerKey
              + ": run Scd2Benchmark with -p keyCount=10000");
    }
    clock = new EffectiveClock(keyIndexes.length, keyIndexes.length * STEP_MILLIS);
    SplittableRandom random = new SplittableRandom(SEED ^ 0x5CD2L);
    String[] names = new String[NAME_VARIANTS];
    for (int v = 0; v < NAME_VARIANTS; v++) {
      StringBuilder name = new StringBuilder(NAME_CHARS);
      for (int c = 0; c < NAME_CHARS; c++) {
        name.append((char) ('a' + random.nextInt(26)));
      }
      names[v] = name.toString();
    }
    String[] ids = new String[keyCount];
    int[] variants = new int[keyCount];
    for (int k = 0; k < keyCount; k++) {
      ids[k] = Long.toString(KeySequence.keyOf(k));
      variants[k] = random.nextInt(NAME_VARIANTS);
    }
    // The two horizons before ORIGIN, keys round-robin, each key in its last n rounds only, n
    // uniform in [versionsPerKey, 2 × versionsPerKey]: like the keys of a long-running job, which
    // hold between one and two horizons of changes, each at its own phase of pruning.
    int rounds = KEPT_HORIZONS * versionsPerKey;
    int[] firstRound = new int[keyCount];
    int preloadLength = 0;
    for (int k = 0; k < keyCount; k++) {
      int kept = versionsPerKey + random.nextInt(rounds - versionsPerKey + 1);
      firstRound[k] = rounds - kept;
      preloadLength += kept;
    }
    long preloadStart = ORIGIN - (long) rounds * keyCount * STEP_MILLIS;
    preload = new Customer[preloadLength];
    int p = 0;
    for (int r = 0; r < rounds; r++) {
      for (int k = 0; k < keyCount; k++) {
        if (r >= firstRound[k]) {
          variants[k] = next(variants[k], random);
          preload[p++] =
              new Customer(
                  own(ids[k]),
                  own(names[variants[k]]),
                  own(SEGMENTS[variants[k] & 3]),
                  preloadStart + ((long) r * keyCount + k) * STEP_MILLIS);
        }
      }
    }
    Customer[] inputs = new Customer[keyIndexes.length];
    for (int i = 0; i < keyIndexes.length; i++) {
      int k = keyIndexes[i];
      variants[k] = next(variants[k], random);
      inputs[i] =
          new Customer(
              own(ids[k]),
              own(names[variants[k]]),
              own(SEGMENTS[variants[k] & 3]),
              ORIGIN + i * STEP_MILLIS);
    }
    return inputs;
  }

  @Override
  protected Customer arriving(Customer value) {
    if (input == Input.PRELOADED) {
      return value;
    }
    return new Customer(own(value.id), own(value.name), own(value.segment), value.updatedAt);
  }

  /**
   * A copy of {@code s} with its own characters and no cached hash, as a record a source
   * deserializes has: no comparison or hash of the step or the LIMITs can take a shortcut by
   * identity. ({@code new String(String)} would share the characters.)
   */
  private static String own(String s) {
    return new String(s.toCharArray());
  }

  /** The attribute variant of a key's next record: a different one for a change. */
  private int next(int variant, SplittableRandom random) {
    if (random.nextDouble() >= changeRatio) {
      return variant;
    }
    // Always another name (and mostly another segment): never the same attributes.
    return (variant + 1 + random.nextInt(NAME_VARIANTS - 1)) % NAME_VARIANTS;
  }

  /**
   * Preloads the steady state: the preceding changes through the operator itself, or for NAIVE
   * (which would take minutes to grow its lists record by record on RocksDB) each key's list of one
   * horizon written once from the key's last preload record (the last round holds every key).
   */
  @Override
  protected void afterOpen() throws Exception {
    if (impl == Impl.NAIVE) {
      naive.preload(versionsPerKey, spacing());
      for (int j = preload.length - keyCount; j < preload.length; j++) {
        process(preload[j]);
      }
      naive.preload(0, 0);
    } else {
      for (int j = 0; j < preload.length; j++) {
        process(preload[j]);
      }
    }
    preloaded = preload.length;
    preload = null;
    clock.start();
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void scd2(Blackhole blackhole) throws Exception {
    processBatch();
    blackhole.consume(clock);
  }

  /** Records processed before measuring (for tests). */
  int preloaded() {
    return preloaded;
  }

  /** The ETLKIT function's accounting since the trial started, preload included (for tests). */
  @Nullable
  StepMetrics etlkitMetrics() {
    return etlkit == null ? null : etlkit.stepMetrics();
  }

  /** Late changes the ETLKIT function saw (for tests: there must be none). */
  long etlkitLate() {
    return etlkit == null ? 0 : etlkit.lateCount();
  }

  long limitHits() {
    return limit == null ? 0 : limit.hits();
  }

  long emitLimitVersionsOpened() {
    return emitLimit == null ? 0 : emitLimit.versionsOpened();
  }

  long naiveVersionsOpened() {
    return naive == null ? 0 : naive.versionsOpened();
  }

  /** The ETLKIT step as a pipeline expands it: its keyed operator, key selector and output type. */
  private static OneInputTransformation<Customer, ?> expand(Scd2Step<Customer, Customer> step) {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    DataStream<Customer> source = env.fromSequence(0, 0).map(new Unused(), Customer.TYPE);
    return (OneInputTransformation<Customer, ?>)
        Etl.from(source, "bench").apply(step).toDataStream().getTransformation();
  }

  /** The business key. */
  static final class CustomerId implements KeySelector<Customer, String> {
    private static final long serialVersionUID = 1L;

    @Override
    public String getKey(Customer customer) {
      return customer.id;
    }
  }

  /** The placeholder source of {@link #expand}: the job is never run. */
  private static final class Unused implements MapFunction<Long, Customer> {
    private static final long serialVersionUID = 1L;

    @Override
    public Customer map(Long value) {
      throw new UnsupportedOperationException("never executed");
    }
  }
}
