package dev.etlkit.operators.enrich.internal.async;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.EtlException;
import dev.etlkit.core.StepIdentity;
import dev.etlkit.core.internal.EventTimes;
import dev.etlkit.core.internal.SourcePositions;
import dev.etlkit.core.internal.TaskInterrupts;
import dev.etlkit.operators.enrich.Lookup;
import dev.etlkit.operators.enrich.LookupCombiner;
import dev.etlkit.operators.enrich.LookupContext;
import dev.etlkit.operators.enrich.LookupStatus;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Random;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.annotation.VisibleForTesting;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.async.CollectionSupplier;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;
import org.apache.flink.types.Either;

/**
 * The Flink side of the lookup step, run by Flink's {@code AsyncWaitOperator} (which bounds the
 * records in flight, keeps them in checkpoints and re-issues them on restore, and calls {@link
 * #timeout} when the step timeout passes). Each record gets exactly one output: the combiner's
 * result, or a dead letter to be split off by {@link LookupOutputFunction} (an async function has
 * no side outputs). The combiner runs on the task thread: answers reach Flink as {@link
 * CollectionSupplier}s, which Flink runs in the task's mailbox. Never completes a record
 * exceptionally, so a lookup failure never fails the job. Three things fail the task instead, as in
 * every etlkit step: an {@link Error} thrown by the lookup or completing its future (rethrown when
 * the record's output is made, or by {@link #throwUnreported} when no record carries it), and an
 * interrupted key selector or combiner (an {@link InterruptedException} thrown or among the causes,
 * or the interrupt flag set: the task is being cancelled, so the flag is restored and an {@link
 * EtlException} thrown, nothing is dead-lettered).
 *
 * <p>The records given to the engine are kept by the {@code ResultFuture} Flink gave each one,
 * which is the one {@link #timeout} names the record by, so a step timeout finds its record in
 * constant time, however many records are in flight and in whatever order they time out or are
 * answered. (A search of the records in arrival order is not enough: when a stalled lookup lets a
 * full queue time out in one mailbox turn, no timed-out record's output is made before the last
 * timeout runs, and each timeout would pass all the records that timed out before it.) Flink calls
 * {@link #asyncInvoke}, {@link #timeout} and the answers' {@code get()} on the task thread, so the
 * map is the task thread's alone: a record joins it on its way to the engine and leaves it when its
 * answer is turned into output; lookup threads never touch it.
 */
@Internal
public final class AsyncLookupFunction<I, K, V, O>
    extends RichAsyncFunction<I, Either<O, DeadLetter>>
    implements ResultTypeQueryable<Either<O, DeadLetter>> {
  private static final long serialVersionUID = 1L;

  private final KeySelector<I, K> keySelector;
  private final Lookup<K, V> lookup;
  private final LookupCombiner<I, V, O> combiner;
  private final LookupSettings settings;
  private final StepIdentity step;
  private final TypeInformation<Either<O, DeadLetter>> producedType;
  private final Timers.Factory timersFactory;

  private transient LookupEngine<K, V> engine;
  private transient Timers timers;
  private transient LookupMetrics metrics;

  /**
   * Records given to the engine whose output was not made yet, by their {@code ResultFuture}; task
   * thread only. An {@link IdentityHashMap} keeps keys and values in one array, so a record adds no
   * node: the table grows to the most records ever in flight (at most the capacity) and stays.
   */
  private transient IdentityHashMap<ResultFuture<?>, Pending> inFlight;

  /**
   * The record {@link #answerFromCache} just found no fresh entry for, and its key: the next {@link
   * #asyncInvoke} of that same record goes straight to the load instead of reading the key and the
   * cache again. Task thread only; cleared by that call or by {@link #forgetCacheMiss}.
   */
  @Nullable private transient Object missedInput;

  @Nullable private transient K missedKey;
  private transient boolean lookupOpened;

  /** Records looked up so far for the step timeouts that named them; task thread only. */
  private transient long timeoutSearchSteps;

  public AsyncLookupFunction(
      KeySelector<I, K> keySelector,
      Lookup<K, V> lookup,
      LookupCombiner<I, V, O> combiner,
      LookupSettings settings,
      StepIdentity step,
      TypeInformation<Either<O, DeadLetter>> producedType,
      Timers.Factory timersFactory) {
    this.keySelector = keySelector;
    this.lookup = lookup;
    this.combiner = combiner;
    this.settings = settings;
    this.step = step;
    this.producedType = producedType;
    this.timersFactory = timersFactory;
  }

  @Override
  public void open(OpenContext openContext) throws Exception {
    RuntimeContext context = getRuntimeContext();
    int subtask = context.getTaskInfo().getIndexOfThisSubtask();
    int parallelism = context.getTaskInfo().getNumberOfParallelSubtasks();
    inFlight = new IdentityHashMap<>();
    metrics = LookupMetrics.register(context.getMetricGroup(), step, this::recordsWaiting);
    lookupOpened = true;
    lookup.open(
        new SubtaskContext(subtask, parallelism, metrics.group().addGroup("lookup"), context));
    timers =
        timersFactory.create(
            "etlkit-lookup " + step.uid() + " (" + (subtask + 1) + "/" + parallelism + ")");
    engine = new LookupEngine<>(lookup, settings, timers, new Random(), metrics);
  }

  @Override
  public void close() throws Exception {
    try {
      if (engine != null) {
        engine.close();
      }
      if (timers != null) {
        timers.shutdown();
      }
    } finally {
      if (lookupOpened) {
        lookupOpened = false;
        lookup.close();
      }
    }
  }

  @Override
  public void asyncInvoke(I input, ResultFuture<Either<O, DeadLetter>> result) {
    engine.throwUnreported(); // an Error no record carried (a refresh's, a late one) fails here
    Pending record = new Pending(input, result);
    K key = missedKey;
    if (key != null && missedInput == input) {
      // answerFromCache found no fresh entry a moment ago (with no wait for room in between)
      forgetCacheMiss();
      startLoad(key, record);
      return;
    }
    forgetCacheMiss();
    try {
      key = keyOf(input);
    } catch (Exception e) {
      throwIfInterrupted(e);
      record.reject(e, 1);
      return;
    }
    Object hit;
    try {
      hit = engine.probe(key);
    } catch (RuntimeException e) { // the key's equals threw, meeting a cached key of its hash
      record.reject(e, 1);
      return;
    }
    if (hit != LookupEngine.NO_ENTRY) {
      @SuppressWarnings("unchecked")
      V value = (V) hit;
      record.deliver(value, value == null ? LookupStatus.MISS : LookupStatus.HIT, 0);
      return;
    }
    startLoad(key, record);
  }

  private void startLoad(K key, Pending record) {
    inFlight.put(record.result, record);
    record.tracked = true;
    try {
      engine.load(key, record);
    } catch (RuntimeException e) { // the key's equals threw in single-flight or a micro-batch
      inFlight.remove(record.result);
      record.tracked = false;
      record.reject(e, 1);
    }
  }

  /**
   * The key of {@code input}: what the key selector returns, checked to be usable. A null key
   * throws a {@link NullPointerException}; a key whose {@code hashCode} throws throws that here, on
   * the task thread, as the cache, single-flight and micro-batches all hash it (else it would throw
   * inside the engine, on whichever thread hashed it first). A key whose {@code equals} throws is
   * found when it meets another key of its hash in the cache or in single-flight, before the engine
   * registers anything for it: the callers dead-letter it then.
   */
  private K keyOf(I input) throws Exception {
    K key = keySelector.getKey(input);
    if (key == null) {
      throw nullKey();
    }
    key.hashCode();
    return key;
  }

  /**
   * The key selector or the combiner was interrupted: the task is being cancelled, the record is
   * not bad. Restores the interrupt flag and returns what to fail the task with, as {@link
   * dev.etlkit.core.ErrorHandler#reject} does for other steps.
   */
  /** Fails the task if {@code error} of code run on the task thread means it is being cancelled. */
  private void throwIfInterrupted(Exception error) {
    if (TaskInterrupts.interrupted(error)) {
      throw TaskInterrupts.failure(step, error);
    }
  }

  /**
   * Throws the first {@link Error} of the lookup that no record carried (a refresh-ahead call's, or
   * one that came after every record of its call was answered), if any; task thread only. The next
   * record does so first thing, and the operator when it finishes and when it takes a checkpoint,
   * so that the end of a bounded input or a checkpoint never passes over one; an idle input waits
   * for the first of these.
   */
  public void throwUnreported() {
    LookupEngine<K, V> current = engine;
    if (current != null) { // null if open failed (a test harness still finishes the operator)
      current.throwUnreported();
    }
  }

  /** Records given to the engine and not answered yet: the {@code inFlight} gauge. */
  private int recordsWaiting() {
    LookupEngine<K, V> current = engine;
    return current == null ? 0 : current.recordsWaiting();
  }

  /**
   * Makes the next {@link #asyncInvoke} read the key and the cache itself, whatever {@link
   * #answerFromCache} found: the operator calls it when the record may first wait for room in the
   * async queue (its key may be loaded meanwhile), and after every record.
   */
  public void forgetCacheMiss() {
    missedInput = null;
    missedKey = null;
  }

  /** The step timeout of {@code input} passed: a stale value or the fallback answers it. */
  @Override
  public void timeout(I input, ResultFuture<Either<O, DeadLetter>> result) {
    Pending record = inFlight.get(result);
    if (record != null) {
      timeoutSearchSteps++;
      engine.timeout(record);
    }
  }

  /**
   * Answers {@code input} without going through the async queue if it can: from the cache, or with
   * a dead letter when its key cannot be read (the key selector throws or returns null: such a
   * record needs no lookup, so it does not wait for room behind records that do). Returns null when
   * the key must be loaded. An enriched output is put into {@code reuse} (when given) and returned,
   * so a hit allocates nothing: the caller emits it before the next call (downstream copies or
   * reads it at once). When the key has no fresh entry, it is remembered for this record's {@link
   * #asyncInvoke}, which follows (see {@link #forgetCacheMiss}).
   */
  @Nullable
  public Either<O, DeadLetter> answerFromCache(
      I input, @Nullable Either.Left<O, DeadLetter> reuse) {
    engine.throwUnreported();
    K key;
    try {
      key = keyOf(input);
    } catch (Exception e) {
      throwIfInterrupted(e);
      return Either.Right(deadLetter(input, e, 1));
    }
    Object hit;
    try {
      hit = engine.probe(key);
    } catch (RuntimeException e) { // the key's equals threw, meeting a cached key of its hash
      return Either.Right(deadLetter(input, e, 1));
    }
    if (hit == LookupEngine.NO_ENTRY) {
      missedInput = input;
      missedKey = key;
      return null;
    }
    @SuppressWarnings("unchecked")
    V value = (V) hit;
    LookupStatus status = value == null ? LookupStatus.MISS : LookupStatus.HIT;
    O out;
    try {
      out = combiner.combine(input, value, status);
    } catch (Exception e) {
      throwIfInterrupted(e);
      return Either.Right(deadLetter(input, e, 0));
    }
    if (out == null) {
      return Either.Right(
          deadLetter(input, new NullPointerException("the lookup combiner returned null"), 0));
    }
    if (reuse == null) {
      return new Either.Left<>(out);
    }
    reuse.setValue(out);
    return reuse;
  }

  @Override
  public TypeInformation<Either<O, DeadLetter>> getProducedType() {
    return producedType;
  }

  /** The lookup metrics of this subtask, once opened. */
  @VisibleForTesting
  public LookupMetrics metrics() {
    return metrics;
  }

  /**
   * Records looked at so far to find the records step timeouts named: one per timeout that found
   * its record, which tests check so that the search never again walks the records in flight (read
   * on the task thread).
   */
  @VisibleForTesting
  public long timeoutSearchSteps() {
    return timeoutSearchSteps;
  }

  private Either<O, DeadLetter> output(
      I input, @Nullable V value, LookupStatus status, @Nullable Throwable error, int attempts) {
    if (error instanceof Error) {
      throw (Error) error; // the lookup threw it or failed with it: not a bad record
    }
    if (error != null) {
      return Either.Right(deadLetter(input, error, attempts));
    }
    try {
      O out = combiner.combine(input, value, status);
      if (out == null) {
        throw new NullPointerException("the lookup combiner returned null");
      }
      return Either.Left(out);
    } catch (Exception e) {
      throwIfInterrupted(e);
      return Either.Right(deadLetter(input, e, attempts));
    }
  }

  private static NullPointerException nullKey() {
    return new NullPointerException("the lookup key selector returned null");
  }

  /**
   * A draft: {@link LookupOutputFunction} applies the error policy and counts it. Its event time is
   * the record's own (a {@code Change}'s or a {@code RawRecord}'s, else null), for the output
   * function to use when the record has no Flink timestamp.
   */
  private DeadLetter deadLetter(I input, Throwable error, int attempts) {
    return DeadLetter.builder()
        .step(step)
        .error(error)
        .eventTime(EventTimes.of(null, input))
        .payloadOf(input)
        .sourcePosition(SourcePositions.of(input))
        .attempt(Math.max(1, attempts))
        .rejectedAt(System.currentTimeMillis())
        .build();
  }

  /** One record in the async queue, answered once; its output is made on the task thread. */
  private final class Pending extends Waiter<V>
      implements CollectionSupplier<Either<O, DeadLetter>> {
    private final I input;
    private final ResultFuture<Either<O, DeadLetter>> result;
    @Nullable private V value;
    @Nullable private LookupStatus status;
    @Nullable private Throwable error;
    private int attempts;

    /** Given to the engine: in {@code inFlight} until its output is made. */
    boolean tracked;

    Pending(I input, ResultFuture<Either<O, DeadLetter>> result) {
      this.input = input;
      this.result = result;
    }

    @Override
    protected void deliver(@Nullable V value, LookupStatus status, int attempts) {
      this.value = value;
      this.status = status;
      this.attempts = attempts;
      answer();
    }

    @Override
    protected void reject(Throwable error, int attempts) {
      this.error = error;
      this.attempts = attempts;
      answer();
    }

    private void answer() {
      result.complete(this);
    }

    /** Runs in the task's mailbox. */
    @Override
    public Collection<Either<O, DeadLetter>> get() {
      if (tracked) {
        inFlight.remove(result);
      }
      return Collections.singletonList(output(input, value, status, error, attempts));
    }
  }

  private record SubtaskContext(
      int subtaskIndex, int parallelism, MetricGroup metricGroup, RuntimeContext runtime)
      implements LookupContext {
    @Override
    public void registerReleaseHookIfAbsent(String name, Runnable hook) {
      runtime.registerUserCodeClassLoaderReleaseHookIfAbsent(name, hook);
    }
  }
}
