package dev.etlkit.benchmarks.enrich;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.etlkit.benchmarks.BenchmarkSettings;
import dev.etlkit.benchmarks.CountingSink;
import dev.etlkit.benchmarks.FiguresProfiler;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.StepIdentity;
import dev.etlkit.operators.enrich.LookupCache;
import dev.etlkit.operators.enrich.LookupCombiner;
import dev.etlkit.operators.enrich.LookupFallback;
import dev.etlkit.operators.enrich.LookupRetry;
import dev.etlkit.operators.enrich.internal.async.AsyncLookupFunction;
import dev.etlkit.operators.enrich.internal.async.CacheFirstWaitOperatorFactory;
import dev.etlkit.operators.enrich.internal.async.LookupSettings;
import dev.etlkit.operators.enrich.internal.async.SystemTimers;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import javax.annotation.Nullable;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.base.LongSerializer;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.api.java.typeutils.EitherTypeInfo;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;
import org.apache.flink.streaming.api.operators.Output;
import org.apache.flink.streaming.api.operators.StreamMap;
import org.apache.flink.streaming.api.operators.async.AsyncWaitOperatorFactory;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.tasks.mailbox.Mail;
import org.apache.flink.streaming.runtime.tasks.mailbox.TaskMailbox;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.types.Either;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What the enrichment benchmarks share: an enrichment operator ({@link EnrichAsyncImpl}) in Flink's
 * one-input operator test harness, fed {@code Long} keys precomputed per trial (a share {@code
 * hitRatio} of hot keys, whose values are cached before measuring, the rest cold keys the lookup
 * has no value for and nobody caches), against {@link EnrichAsyncLookup}.
 *
 * <p>The async operator runs as in a task: when {@code capacity} records are in flight, {@code
 * processElement} yields to the task mailbox and runs the answers that arrived, so the score is the
 * steady-state completion rate. Records still in flight at the end of an invocation complete in the
 * next one. Outputs go to a counting {@link Output}, not copied; the harness's processing time
 * moves one millisecond per invocation so that cancelled operator timeouts leave its timer queue
 * (the operator's own timeout is {@value #OPERATOR_TIMEOUT_MILLIS} harness ms, which never passes
 * for a record in flight). Scores are records per second ({@code @OperationsPerInvocation(BATCH)}).
 */
public abstract class EnrichAsyncBenchmarkBase extends BenchmarkSettings {

  /** Records per benchmark invocation: the value of every {@code @OperationsPerInvocation}. */
  public static final int BATCH = 1000;

  /** Seed of the key sequence. */
  public static final long SEED = 0x5EED_E71L;

  /** Length of the precomputed key sequence (a power of two, read with a wrapping cursor). */
  static final int SEQUENCE_LENGTH = 1 << 20;

  /** Keys with a value, all cached before measuring. */
  static final int HOT_KEYS = 10_000;

  /** Keys without a value: drawn from this many, never cached. */
  static final int COLD_KEYS = 100_000;

  /** The async operator's timeout in harness milliseconds (one per invocation). */
  static final long OPERATOR_TIMEOUT_MILLIS = 50;

  private static final String NONE = "none";
  private static final StepIdentity STEP = new StepIdentity("bench", "enrich", "bench/enrich");

  /** Hot keys of this trial; tests lower it so that preloading is quick. */
  int hotKeys = HOT_KEYS;

  @Nullable private OneInputStreamOperatorTestHarness<Long, Object> harness;
  @Nullable private EnrichAsyncLookup lookup;
  private Long[] inputs;
  private int cursor;
  private long invocations;
  private final CountingOutput output = new CountingOutput();
  private final StreamRecord<Long> record = new StreamRecord<>(null);
  private long callsPublished;
  private long answeredPublished;
  private long answeredNanosPublished;

  protected abstract EnrichAsyncImpl impl();

  protected abstract double hitRatio();

  /** Simulated latency of one lookup call, in microseconds. */
  protected abstract long latencyMicros();

  protected abstract int capacity();

  protected abstract boolean ordered();

  protected abstract boolean singleFlight();

  @Setup(Level.Trial)
  public final void setUpTrial() throws Exception {
    inputs = keys(hitRatio(), hotKeys);
    cursor = 0;
    invocations = 0;
    lookup = new EnrichAsyncLookup(hotKeys, latencyMicros());
    harness = createHarness(impl(), lookup);
    harness.setOutputCreator(serializer -> output);
    Configuration noKryo = new Configuration();
    noKryo.set(PipelineOptions.GENERIC_TYPES, false);
    ExecutionConfig config = harness.getExecutionConfig();
    config.getSerializerConfig().configure(noKryo, getClass().getClassLoader());
    harness.setup();
    harness.open();
    preload();
    markPublished(lookup);
  }

  /**
   * Hands the simulated lookup's calls per record and, with a simulated latency, its answers'
   * latency during the iteration to {@link FiguresProfiler} (preloading left out).
   */
  @TearDown(Level.Iteration)
  public final void publishLookupFigures() {
    EnrichAsyncLookup l = lookup;
    if (l == null) {
      return;
    }
    long calls = l.calls();
    long answered = l.answered();
    long answeredNanos = l.answeredNanos();
    FiguresProfiler.addPerRecord(FiguresProfiler.LOOKUP_CALLS, "calls/op", calls - callsPublished);
    if (latencyMicros() > 0) {
      FiguresProfiler.addSamples(
          FiguresProfiler.LOOKUP_LATENCY,
          "µs",
          (answeredNanos - answeredNanosPublished) / 1_000.0,
          answered - answeredPublished);
    }
    callsPublished = calls;
    answeredPublished = answered;
    answeredNanosPublished = answeredNanos;
  }

  private void markPublished(EnrichAsyncLookup l) {
    callsPublished = l.calls();
    answeredPublished = l.answered();
    answeredNanosPublished = l.answeredNanos();
  }

  @TearDown(Level.Trial)
  public final void tearDownTrial() throws Exception {
    try {
      if (harness != null) {
        harness.close();
      }
    } finally {
      harness = null;
      if (lookup != null) {
        lookup.close();
        lookup = null;
      }
    }
  }

  /** Feeds the next {@link #BATCH} keys; yields to the mailbox whenever capacity is reached. */
  protected final void processBatch() throws Exception {
    OneInputStreamOperatorTestHarness<Long, Object> h = harness;
    Long[] in = inputs;
    StreamRecord<Long> r = record;
    int mask = in.length - 1;
    int c = cursor;
    for (int i = 0; i < BATCH; i++) {
      h.processElement(r.replace(in[c]));
      c = (c + 1) & mask;
    }
    cursor = c;
    h.setProcessingTime(++invocations);
  }

  /** Outputs so far (tests). */
  final long outputs() {
    return output.records();
  }

  /** Calls the lookup got so far (tests). */
  final long lookupCalls() {
    return lookup.calls();
  }

  /** Every hot key once through the operator, until all are answered: the caches are warm. */
  private void preload() throws Exception {
    if (impl() == EnrichAsyncImpl.SYNC_MAP) {
      return;
    }
    for (long k = 0; k < hotKeys; k++) {
      harness.processElement(record.replace(k));
    }
    TaskMailbox mailbox = harness.getTaskMailbox();
    while (output.records() < hotKeys) {
      Optional<Mail> mail = mailbox.tryTake(TaskMailbox.MIN_PRIORITY);
      if (mail.isPresent()) {
        mail.get().run();
      } else {
        Thread.sleep(1);
      }
    }
  }

  static Long[] keys(double hitRatio, int hotKeys) {
    SplittableRandom random = new SplittableRandom(SEED);
    Long[] keys = new Long[SEQUENCE_LENGTH];
    for (int i = 0; i < keys.length; i++) {
      keys[i] =
          random.nextDouble() < hitRatio
              ? (long) random.nextInt(hotKeys)
              : (long) (hotKeys + random.nextInt(COLD_KEYS));
    }
    return keys;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private OneInputStreamOperatorTestHarness<Long, Object> createHarness(
      EnrichAsyncImpl impl, EnrichAsyncLookup simulated) throws Exception {
    AsyncDataStream.OutputMode mode =
        ordered() ? AsyncDataStream.OutputMode.ORDERED : AsyncDataStream.OutputMode.UNORDERED;
    switch (impl) {
      case ETLKIT:
        return new OneInputStreamOperatorTestHarness<>(
            new CacheFirstWaitOperatorFactory(
                etlkitFunction(simulated), OPERATOR_TIMEOUT_MILLIS, capacity(), mode),
            LongSerializer.INSTANCE);
      case LIMIT:
        return new OneInputStreamOperatorTestHarness<>(
            new AsyncWaitOperatorFactory(
                new LimitFunction(simulated), OPERATOR_TIMEOUT_MILLIS, capacity(), mode),
            LongSerializer.INSTANCE);
      case SYNC_MAP:
        return new OneInputStreamOperatorTestHarness<>(
            new StreamMap(new SyncMapFunction(EnrichAsyncLookup.values(hotKeys))),
            LongSerializer.INSTANCE);
      case SYNC_CACHE:
        return new OneInputStreamOperatorTestHarness<>(
            new StreamMap(new SyncCacheFunction(simulated)), LongSerializer.INSTANCE);
      default:
        throw new IllegalStateException("Unknown impl " + impl);
    }
  }

  /** What {@code Enrich.lookup(...)} runs (operator and function), with every hot key cached. */
  private AsyncLookupFunction<Long, Long, String, String> etlkitFunction(
      EnrichAsyncLookup simulated) {
    LookupSettings settings =
        LookupSettings.defaults(
                Duration.ofSeconds(30),
                capacity(),
                ordered(),
                singleFlight(),
                LookupRetry.none(),
                LookupFallback.passThrough())
            .with(s -> s.cache = LookupCache.maxEntries(2L * hotKeys).withMissCaching(false));
    KeySelector<Long, Long> key = k -> k;
    LookupCombiner<Long, String, String> combiner =
        (k, value, status) -> value != null ? value : NONE;
    return new AsyncLookupFunction<>(
        key,
        simulated,
        combiner,
        settings,
        STEP,
        new EitherTypeInfo<>(Types.STRING, DeadLetter.TYPE_INFO),
        SystemTimers::new);
  }

  /** LIMIT: a concurrent map in front of the lookup, nothing else. */
  static final class LimitFunction extends RichAsyncFunction<Long, String> {
    private static final long serialVersionUID = 1L;
    private final EnrichAsyncLookup lookup;
    private transient Map<Long, String> cache;

    LimitFunction(EnrichAsyncLookup lookup) {
      this.lookup = lookup;
    }

    @Override
    public void open(OpenContext openContext) {
      cache = new ConcurrentHashMap<>();
      lookup.open(null);
    }

    @Override
    public void asyncInvoke(Long key, ResultFuture<String> result) {
      String cached = cache.get(key);
      if (cached != null) {
        result.complete(Collections.singletonList(cached));
        return;
      }
      lookup
          .lookup(key)
          .thenAccept(
              value -> {
                if (value.isPresent()) {
                  cache.put(key, value.get());
                }
                result.complete(Collections.singletonList(value.orElse(NONE)));
              });
    }
  }

  /** SYNC_MAP: a plain map lookup per record (every key cached). */
  static final class SyncMapFunction implements MapFunction<Long, String> {
    private static final long serialVersionUID = 1L;
    private final Map<Long, String> map;

    SyncMapFunction(String[] values) {
      Map<Long, String> m = new java.util.HashMap<>();
      for (int i = 0; i < values.length; i++) {
        m.put((long) i, values[i]);
      }
      this.map = m;
    }

    @Override
    public String map(Long key) {
      String value = map.get(key);
      return value != null ? value : NONE;
    }
  }

  /**
   * SYNC_CACHE: a bounded Caffeine cache in front of the same simulated lookup, read synchronously,
   * as a job's map function would use one: a miss blocks on the lookup and caches its answer under
   * the record's key (the preload passes every hot key once, so every key is cached when
   * measuring).
   */
  static final class SyncCacheFunction extends RichMapFunction<Long, String> {
    private static final long serialVersionUID = 1L;
    private final EnrichAsyncLookup lookup;
    private transient Cache<Long, String> cache;
    private transient Function<Long, String> load;

    SyncCacheFunction(EnrichAsyncLookup lookup) {
      this.lookup = lookup;
    }

    @Override
    public void open(OpenContext openContext) {
      lookup.open(null);
      load = key -> lookup.lookup(key).join().orElse(null);
      cache =
          Caffeine.newBuilder().maximumSize(2L * lookup.hotKeys()).executor(Runnable::run).build();
    }

    @Override
    public String map(Long key) {
      String value = cache.get(key, load);
      return value != null ? value : NONE;
    }
  }

  /** Counts records (unwrapping etlkit's enriched-or-dead-letter results); keeps the last. */
  private static final class CountingOutput extends CountingSink {
    long deadLetters;
    @Nullable Object last;

    @Override
    public void collect(StreamRecord<Object> record) {
      super.collect(record);
      Object value = record.getValue();
      if (value instanceof Either) {
        Either<?, ?> either = (Either<?, ?>) value;
        if (either.isRight()) {
          deadLetters++;
        }
        value = either.isLeft() ? either.left() : either.right();
      }
      last = value;
    }
  }
}
