package dev.etlkit.operators.dedup;

import dev.etlkit.core.Change;
import dev.etlkit.core.ChangeTypeInfo;
import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.core.EtlStep;
import dev.etlkit.core.EtlStream;
import dev.etlkit.core.StateDeclaration;
import dev.etlkit.core.StateTtls;
import dev.etlkit.core.StepContext;
import dev.etlkit.core.internal.KryoTypes;
import dev.etlkit.core.internal.Names;
import dev.etlkit.core.internal.ValueEquality;
import dev.etlkit.operators.dedup.internal.DedupConfig;
import dev.etlkit.operators.dedup.internal.DedupEntryTypeInfo;
import dev.etlkit.operators.dedup.internal.DedupOperator;
import dev.etlkit.operators.internal.ChangeKeySelector;
import dev.etlkit.operators.internal.FingerprintKey;
import dev.etlkit.operators.internal.HeldRecords;
import dev.etlkit.operators.internal.StoredFingerprintKey;
import dev.etlkit.operators.internal.StoredWatermark;
import java.time.Duration;
import java.util.Objects;
import javax.annotation.Nullable;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.functions.InvalidTypesException;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.dag.Transformation;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.api.java.typeutils.TypeExtractor;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.transformations.OneInputTransformation;

/**
 * Deduplication steps: keep the first or the last row per key, like Flink SQL's {@code ROW_NUMBER()
 * OVER (PARTITION BY key ORDER BY time ASC|DESC) = 1}, with the state, the TTL and the output mode
 * in view.
 *
 * <pre>{@code
 * Dedup.keepFirst("first-order", Order::orderId)                // EtlStep<Order, Order>
 *     .withStateTtl(Duration.ofHours(24));
 * Dedup.keepLast("latest-status", Order::orderId)              // EtlStep<Order, Change<Order>>
 *     .withOrdering(DedupOrder.<Order>byEventTime().thenBy(Order::lsn))
 *     .withRetractOutput();
 * }</pre>
 *
 * <h2>Semantics</h2>
 *
 * <ul>
 *   <li><b>Order.</b> Rows of a key are ordered by processing time (arrival at the step, the
 *       default), by event time (the record's timestamp), or by a compound {@link DedupOrder} such
 *       as event time then log position. <b>Ties</b> (equal ordering keys) go by arrival:
 *       keep-first keeps the earlier-arrived row, keep-last takes the later-arrived one.
 *   <li><b>Keep-first</b> emits a key's first row; later rows are duplicates. Its default output is
 *       {@link DedupOutput#APPEND}: plain rows, never retracted. With event-time ordering a row is
 *       held until the watermark passes its timestamp, so an earlier row arriving later still wins.
 *       In upsert or retract output an ordered keep-first emits at once and replaces the row when
 *       an earlier one arrives.
 *   <li><b>Keep-last</b> emits a change for every row that replaces the kept one (output {@link
 *       DedupOutput#UPSERT} by default, or {@link DedupOutput#RETRACT}); a row older than the kept
 *       one (by its ordering key) is stale and dropped.
 *   <li><b>No-op suppression, with or without TTL.</b> A row identical to the kept one (same
 *       serialized form, never the row's {@code equals}) emits nothing. It is decided by comparing
 *       the kept row field by field where the step keeps it (retract output) and the row type
 *       allows, else through a 64-bit fingerprint. Flink SQL stops suppressing them once state TTL
 *       is on; etlkit never does.
 *   <li><b>Changelog input</b> ({@link DedupStep#onChangelog()}): inserts and update-afters are
 *       rows; update-befores are skipped (the update-after carries the new row); a delete retracts
 *       the key's kept row, and the key starts anew. Keep-last with an ordering keeps a tombstone,
 *       so that older records arriving after a delete stay deleted. The dedup key must be the
 *       changelog's key. Keep-first on a changelog is processing-time ordered only.
 *   <li><b>Late records</b> (event-time ordering only): a record at or behind the watermark goes to
 *       the late-records side output ({@link DedupStep#lateRecords}) or to the dead letters ({@link
 *       DedupStep#withLateRecords}), and is counted; it never changes the result.
 *   <li><b>State per key</b>, the least the mode needs: keep-first a one-byte marker; an ordered
 *       keep-first or a keep-last its ordering key and the kept row's 8-byte fingerprint; retract
 *       output the kept row instead (to emit {@code -U}/{@code -D}; with the fingerprint for row
 *       types not compared field by field). The pipeline's state inventory lists it. With {@link
 *       DedupStep#withStateTtl TTL} a key whose state expired is treated as never seen: its next
 *       row is emitted as new.
 *   <li><b>Accounting</b>: emitted rows count as out; duplicates, no-ops, stale records and rows
 *       superseded inside a mini-batch as deduplicated; update-befores and late records sent to the
 *       side output as filtered; late records sent to dead letters, records without a timestamp
 *       under event-time ordering, records the ordering key throws for and records without a key as
 *       dead-lettered.
 *   <li><b>Keys</b>: a record whose key is {@code null} or whose key selector throws becomes a dead
 *       letter (counted, under the step's error policy) before the shuffle, where Flink's {@code
 *       keyBy} would fail the job; the other records are not affected. On changelog input the
 *       {@code -U} records are dropped there too.
 * </ul>
 */
@PublicEvolving
public final class Dedup {

  /** Output of {@link #keepFirst} unless changed. */
  public static final DedupOutput DEFAULT_KEEP_FIRST_OUTPUT = DedupOutput.APPEND;

  /** Output of {@link #keepLast} unless changed. */
  public static final DedupOutput DEFAULT_KEEP_LAST_OUTPUT = DedupOutput.UPSERT;

  /** Where late records go unless {@link DedupStep#withLateRecords} says otherwise. */
  public static final LateRecords DEFAULT_LATE_RECORDS = LateRecords.SIDE_OUTPUT;

  /** Largest mini-batch, in records. */
  public static final int MAX_MINI_BATCH_RECORDS = 1_000_000;

  /** Longest mini-batch delay. */
  public static final Duration MAX_MINI_BATCH_DELAY = Duration.ofHours(1);

  /** Uid suffix of the operator that checks the keys before the shuffle: {@code <step>/keys}. */
  private static final String KEY_CHECK = "keys";

  private Dedup() {}

  /**
   * Keeps the first row per key and emits it once: an append-only stream of rows, ordered by
   * processing time until {@link DedupStep#withEventTimeOrder()} or {@link DedupStep#withOrdering}
   * says otherwise.
   *
   * @param name the step's name (part of its uid: never rename a running step)
   * @param key the dedup key; its type is inferred, or given with {@link DedupStep#withKeyType}
   */
  public static <T, K> DedupStep<T, T, K, T> keepFirst(String name, KeySelector<T, K> key) {
    return new DedupStep<>(
        Names.requireValid(name, "step name"),
        Objects.requireNonNull(key, "key"),
        null,
        false,
        DEFAULT_KEEP_FIRST_OUTPUT,
        false,
        null,
        null,
        null,
        0,
        null,
        null);
  }

  /**
   * Keeps the last row per key and emits every change of it as an upsert changelog ({@link
   * DedupStep#withRetractOutput()} for a retract changelog), ordered by processing time until
   * {@link DedupStep#withEventTimeOrder()} or {@link DedupStep#withOrdering} says otherwise.
   *
   * @param name the step's name (part of its uid: never rename a running step)
   * @param key the dedup key; its type is inferred, or given with {@link DedupStep#withKeyType}
   */
  public static <T, K> DedupStep<T, T, K, Change<T>> keepLast(String name, KeySelector<T, K> key) {
    return new DedupStep<>(
        Names.requireValid(name, "step name"),
        Objects.requireNonNull(key, "key"),
        null,
        true,
        DEFAULT_KEEP_LAST_OUTPUT,
        false,
        null,
        null,
        null,
        0,
        null,
        null);
  }

  /**
   * A dedup step. Immutable: every {@code withX} returns a new step, validated when called; the
   * rules between options are checked when the step is applied. The order of calls never matters.
   *
   * @param <I> input type: {@code T}, or {@code Change<T>} after {@link #onChangelog()}
   * @param <T> row type
   * @param <K> key type
   * @param <O> output type: {@code T} for append output, else {@code Change<T>}
   */
  @PublicEvolving
  public static final class DedupStep<I, T, K, O> implements EtlStep<I, O> {
    private final String name;
    private final KeySelector<T, K> key;
    @Nullable private final TypeInformation<K> keyType;
    private final boolean keepLast;
    private final DedupOutput output;
    private final boolean changelogInput;
    @Nullable private final DedupOrder<T> order;
    @Nullable private final Duration stateTtl;
    @Nullable private final LateRecords lateRecords;
    private final int miniBatchRecords;
    @Nullable private final Duration miniBatchDelay;
    @Nullable private final ErrorPolicy errorPolicy;

    private DedupStep(
        String name,
        KeySelector<T, K> key,
        @Nullable TypeInformation<K> keyType,
        boolean keepLast,
        DedupOutput output,
        boolean changelogInput,
        @Nullable DedupOrder<T> order,
        @Nullable Duration stateTtl,
        @Nullable LateRecords lateRecords,
        int miniBatchRecords,
        @Nullable Duration miniBatchDelay,
        @Nullable ErrorPolicy errorPolicy) {
      this.name = name;
      this.key = key;
      this.keyType = keyType;
      this.keepLast = keepLast;
      this.output = output;
      this.changelogInput = changelogInput;
      this.order = order;
      this.stateTtl = stateTtl;
      this.lateRecords = lateRecords;
      this.miniBatchRecords = miniBatchRecords;
      this.miniBatchDelay = miniBatchDelay;
      this.errorPolicy = errorPolicy;
    }

    @SuppressWarnings("unchecked")
    private <I2, O2> DedupStep<I2, T, K, O2> copy(
        @Nullable TypeInformation<K> keyType,
        DedupOutput output,
        boolean changelogInput,
        @Nullable DedupOrder<T> order,
        @Nullable Duration stateTtl,
        @Nullable LateRecords lateRecords,
        int miniBatchRecords,
        @Nullable Duration miniBatchDelay,
        @Nullable ErrorPolicy errorPolicy) {
      return new DedupStep<>(
          name,
          key,
          keyType,
          keepLast,
          output,
          changelogInput,
          order,
          stateTtl,
          lateRecords,
          miniBatchRecords,
          miniBatchDelay,
          errorPolicy);
    }

    /** Orders rows by arrival at the step (the default). */
    public DedupStep<I, T, K, O> withProcessingTimeOrder() {
      return copy(
          keyType,
          output,
          changelogInput,
          null,
          stateTtl,
          lateRecords,
          miniBatchRecords,
          miniBatchDelay,
          errorPolicy);
    }

    /**
     * Orders rows by the record's timestamp; equal timestamps by arrival. Records at or behind the
     * watermark are late (see {@link #withLateRecords}).
     */
    public DedupStep<I, T, K, O> withEventTimeOrder() {
      return withOrdering(DedupOrder.byEventTime());
    }

    /**
     * Orders rows by a compound key, for example event time then a log position: {@code
     * DedupOrder.<Order>byEventTime().thenBy(Order::lsn)}. Equal keys go by arrival.
     */
    public DedupStep<I, T, K, O> withOrdering(DedupOrder<T> ordering) {
      return copy(
          keyType,
          output,
          changelogInput,
          Objects.requireNonNull(ordering, "ordering"),
          stateTtl,
          lateRecords,
          miniBatchRecords,
          miniBatchDelay,
          errorPolicy);
    }

    /**
     * Emits kept rows as plain records, once each: keep-first only, on insert-only input, ordered
     * by processing or event time (the default of {@link Dedup#keepFirst}).
     *
     * @throws IllegalArgumentException on a keep-last step, which replaces rows
     */
    public DedupStep<I, T, K, T> withAppendOutput() {
      if (keepLast) {
        throw new IllegalArgumentException(
            "output APPEND is for keepFirst only: step '"
                + name
                + "' keeps the last row, which replaces earlier ones; use withUpsertOutput() or"
                + " withRetractOutput()");
      }
      return copy(
          keyType,
          DedupOutput.APPEND,
          changelogInput,
          order,
          stateTtl,
          lateRecords,
          miniBatchRecords,
          miniBatchDelay,
          errorPolicy);
    }

    /** Emits an upsert changelog: {@code +I}, {@code +U}, {@code -D} (the default of keep-last). */
    public DedupStep<I, T, K, Change<T>> withUpsertOutput() {
      return copy(
          keyType,
          DedupOutput.UPSERT,
          changelogInput,
          order,
          stateTtl,
          lateRecords,
          miniBatchRecords,
          miniBatchDelay,
          errorPolicy);
    }

    /**
     * Emits a retract changelog: a replaced row is retracted with {@code -U} before its {@code +U},
     * and a delete carries the full kept row. Keeps the row in state to do so.
     */
    public DedupStep<I, T, K, Change<T>> withRetractOutput() {
      return copy(
          keyType,
          DedupOutput.RETRACT,
          changelogInput,
          order,
          stateTtl,
          lateRecords,
          miniBatchRecords,
          miniBatchDelay,
          errorPolicy);
    }

    /**
     * Takes a changelog ({@code Change<T>}, declared with {@code Change.typeInfo}) instead of rows:
     * see {@link Dedup} for what a delete does. The key selector still reads the row.
     */
    public DedupStep<Change<T>, T, K, O> onChangelog() {
      return copy(
          keyType,
          output,
          true,
          order,
          stateTtl,
          lateRecords,
          miniBatchRecords,
          miniBatchDelay,
          errorPolicy);
    }

    /**
     * The state TTL of this step, overriding the pipeline's default. A key whose state expired is
     * treated as never seen: its next row is emitted as new. The clock restarts when a key's state
     * is written (a new or replaced row), not when a duplicate is dropped.
     *
     * <p>{@link Duration#ZERO} means no TTL for this step, whatever the pipeline's default (as the
     * value 0 of Flink SQL's {@code STATE_TTL} hint does): its state is kept until the step clears
     * it.
     *
     * @throws IllegalArgumentException if negative, or positive but not a whole number of
     *     milliseconds, at least one
     */
    public DedupStep<I, T, K, O> withStateTtl(Duration ttl) {
      return copy(
          keyType,
          output,
          changelogInput,
          order,
          StateTtls.requireValidTtlOrZero(ttl, "stateTtl"),
          lateRecords,
          miniBatchRecords,
          miniBatchDelay,
          errorPolicy);
    }

    /**
     * Where late records go (event-time ordering only); default {@link Dedup#DEFAULT_LATE_RECORDS}.
     */
    public DedupStep<I, T, K, O> withLateRecords(LateRecords where) {
      return copy(
          keyType,
          output,
          changelogInput,
          order,
          stateTtl,
          Objects.requireNonNull(where, "where"),
          miniBatchRecords,
          miniBatchDelay,
          errorPolicy);
    }

    /**
     * Buffers up to {@code maxRecords} records (or {@code maxDelay} of processing time) in memory
     * and then applies them together, so each key's state is read and written once per bundle. A
     * bundle is also flushed on every watermark, before every checkpoint barrier and at the end of
     * input, so results stay exactly-once. Within a bundle only each key's net change is emitted.
     * In batch mode ({@code RuntimeExecutionMode.BATCH}, where each key's records come together)
     * records are applied one by one and this setting has no effect.
     *
     * @throws IllegalArgumentException if {@code maxRecords} is not in 1..{@value
     *     Dedup#MAX_MINI_BATCH_RECORDS} or {@code maxDelay} not in (0, {@link
     *     Dedup#MAX_MINI_BATCH_DELAY}] or not a whole number of milliseconds (the step waits whole
     *     milliseconds)
     */
    public DedupStep<I, T, K, O> withMiniBatch(int maxRecords, Duration maxDelay) {
      if (maxRecords < 1 || maxRecords > MAX_MINI_BATCH_RECORDS) {
        throw new IllegalArgumentException(
            "miniBatch maxRecords must be in 1.." + MAX_MINI_BATCH_RECORDS + ", was " + maxRecords);
      }
      if (maxDelay == null
          || maxDelay.isNegative()
          || maxDelay.isZero()
          || maxDelay.compareTo(MAX_MINI_BATCH_DELAY) > 0) {
        throw new IllegalArgumentException(
            "miniBatch maxDelay must be in (0, " + MAX_MINI_BATCH_DELAY + "], was " + maxDelay);
      }
      if (maxDelay.getNano() % 1_000_000 != 0) {
        throw new IllegalArgumentException(
            "miniBatch maxDelay must be a whole number of milliseconds, was " + maxDelay);
      }
      return copy(
          keyType,
          output,
          changelogInput,
          order,
          stateTtl,
          lateRecords,
          maxRecords,
          maxDelay,
          errorPolicy);
    }

    /** The key type, when it cannot be inferred from the key selector (generic lambdas). */
    public DedupStep<I, T, K, O> withKeyType(TypeInformation<K> type) {
      return copy(
          Objects.requireNonNull(type, "type"),
          output,
          changelogInput,
          order,
          stateTtl,
          lateRecords,
          miniBatchRecords,
          miniBatchDelay,
          errorPolicy);
    }

    /**
     * Overrides the pipeline's error policy for this step's bad records: records whose key is
     * {@code null} or whose key selector throws, late records sent to the dead letters, records
     * without timestamp under event-time ordering, rows the ordering key throws for.
     */
    public DedupStep<I, T, K, O> withErrorPolicy(ErrorPolicy policy) {
      return copy(
          keyType,
          output,
          changelogInput,
          order,
          stateTtl,
          lateRecords,
          miniBatchRecords,
          miniBatchDelay,
          Objects.requireNonNull(policy, "policy"));
    }

    @Override
    public String name() {
      return name;
    }

    /** The output mode. */
    public DedupOutput output() {
      return output;
    }

    /**
     * The late records of this step, from the stream this step returned: records at or behind the
     * watermark, as they arrived. Only for event-time ordering with late records sent to the side
     * output.
     *
     * <p>A step spec does not know which pipeline it was applied to: the stream is recognised by
     * its step name and by an operator that has a late-records side output, so the output of a
     * same-named step of another pipeline is refused only when that step has none (one with a side
     * output of its own is taken for this one).
     *
     * @throws IllegalArgumentException if {@code deduplicated} is not the output of a dedup step of
     *     this name with a late-records side output, or this step has none
     */
    public DataStream<I> lateRecords(EtlStream<O> deduplicated) {
      Objects.requireNonNull(deduplicated, "deduplicated");
      if (order == null || !order.isEventTime()) {
        throw new IllegalArgumentException(
            "dedup step '" + name + "' has no late records: it does not order by event time");
      }
      if (lateRecordsOrDefault() != LateRecords.SIDE_OUTPUT) {
        throw new IllegalArgumentException(
            "dedup step '" + name + "' sends late records to the dead letters, not a side output");
      }
      DataStream<O> stream = deduplicated.toDataStream();
      Transformation<O> transformation = stream.getTransformation();
      String uid = transformation.getUid();
      if (!(stream instanceof SingleOutputStreamOperator)
          || !DedupOperator.hasLateRecordsOutput(transformation)
          || uid == null
          || !uid.endsWith("/" + name)) {
        throw new IllegalArgumentException(
            "the stream is not the output of dedup step '" + name + "'");
      }
      @SuppressWarnings("unchecked")
      TypeInformation<I> inputType =
          ((OneInputTransformation<I, O>) (Transformation<?>) transformation).getInputType();
      return ((SingleOutputStreamOperator<O>) stream)
          .getSideOutput(DedupOperator.lateRecordsTag(inputType));
    }

    @Override
    public DataStream<O> expand(DataStream<I> input, StepContext context) {
      checkOptions();
      TypeInformation<T> rowType = rowType(input.getType());
      TypeInformation<K> resolvedKeyType = keyType != null ? keyType : inferKeyType(rowType);
      requireNotGeneric(resolvedKeyType, "key type", "pass the key type with withKeyType(...)");
      ValueEquality.requireKeyEquality(resolvedKeyType, "dedup step '" + name + "'");
      Duration ttl = context.stateTtl(stateTtl).orElse(null);
      DedupConfig<T> config =
          new DedupConfig<>(
              keepLast,
              output,
              order,
              changelogInput,
              rowType,
              ttl,
              lateRecordsOrDefault(),
              miniBatchRecords,
              miniBatchDelay == null ? 0L : miniBatchDelay.toMillis(),
              context.errorHandler(errorPolicy),
              FingerprintKey.random());
      @SuppressWarnings("unchecked")
      TypeInformation<O> outputType =
          output == DedupOutput.APPEND
              ? (TypeInformation<O>) rowType
              : (TypeInformation<O>) (TypeInformation<?>) Change.typeInfo(rowType);
      @SuppressWarnings("unchecked")
      KeySelector<I, K> selector =
          changelogInput
              ? (KeySelector<I, K>) (KeySelector<?, K>) new ChangeKeySelector<>(key)
              : (KeySelector<I, K>) key;
      // Flink's keyBy would fail the job on a null or throwing key: such records become dead
      // letters before the shuffle, in an operator chained to the input.
      SingleOutputStreamOperator<I> keyed =
          context.named(
              input
                  .process(DedupOperator.keyCheck(selector, config), input.getType())
                  .setParallelism(input.getParallelism()),
              KEY_CHECK);
      SingleOutputStreamOperator<O> deduplicated =
          context.named(
              keyed
                  .keyBy(selector, resolvedKeyType)
                  .transform(name, outputType, new DedupOperator<K, I, T, O>(config)));
      context.addDeadLettersOf(keyed);
      context.addDeadLettersOf(deduplicated);
      declareState(context, resolvedKeyType, config);
      return deduplicated;
    }

    private void checkOptions() {
      boolean ordered = order != null;
      boolean eventTime = ordered && order.isEventTime();
      if (output == DedupOutput.APPEND && changelogInput) {
        throw new IllegalArgumentException(
            "dedup step '"
                + name
                + "': output APPEND needs insert-only input, but onChangelog() was given; use"
                + " withUpsertOutput() or withRetractOutput()");
      }
      if (output == DedupOutput.APPEND && ordered && !eventTime) {
        throw new IllegalArgumentException(
            "dedup step '"
                + name
                + "': output APPEND cannot know when a row ordered by "
                + order
                + " is final; order by processing or event time, or use withUpsertOutput() or"
                + " withRetractOutput()");
      }
      if (!keepLast && changelogInput && ordered) {
        throw new IllegalArgumentException(
            "dedup step '"
                + name
                + "': keepFirst on a changelog is ordered by processing time only (ordering by "
                + order
                + " would need every later row in state to recover from an out-of-order delete);"
                + " use keepLast, or deduplicate before the changelog is formed");
      }
      if (lateRecords != null && !eventTime) {
        throw new IllegalArgumentException(
            "dedup step '"
                + name
                + "': withLateRecords("
                + lateRecords
                + ") needs event-time ordering; records ordered by "
                + (ordered ? order.toString() : "processing time")
                + " are never late");
      }
    }

    @SuppressWarnings("unchecked")
    private TypeInformation<T> rowType(TypeInformation<I> inputType) {
      TypeInformation<T> rowType;
      if (changelogInput) {
        if (!(inputType instanceof ChangeTypeInfo)) {
          throw new IllegalArgumentException(
              "dedup step '"
                  + name
                  + "': onChangelog() needs a stream of Change<T> declared with"
                  + " Change.typeInfo(...), was "
                  + inputType);
        }
        rowType = ((ChangeTypeInfo<T>) inputType).getValueType();
      } else {
        if (inputType instanceof ChangeTypeInfo) {
          throw new IllegalArgumentException(
              "dedup step '"
                  + name
                  + "': the input is a changelog ("
                  + inputType
                  + "); call onChangelog() to deduplicate its rows");
        }
        rowType = (TypeInformation<T>) inputType;
      }
      requireNotGeneric(rowType, "row type", "give the stream a POJO, record, Avro or basic type");
      return rowType;
    }

    private TypeInformation<K> inferKeyType(TypeInformation<T> rowType) {
      try {
        return TypeExtractor.getKeySelectorTypes(key, rowType);
      } catch (InvalidTypesException e) {
        throw new IllegalArgumentException(
            "dedup step '"
                + name
                + "': the key type cannot be inferred from the key selector; pass it with"
                + " withKeyType(...)",
            e);
      }
    }

    private void requireNotGeneric(TypeInformation<?> type, String what, String fix) {
      if (!KryoTypes.genericParts(type).isEmpty()) {
        throw new IllegalArgumentException(
            "dedup step '"
                + name
                + "': the "
                + what
                + " "
                + type
                + " would be serialized with Kryo; "
                + fix);
      }
    }

    private LateRecords lateRecordsOrDefault() {
      return lateRecords != null ? lateRecords : DEFAULT_LATE_RECORDS;
    }

    private void declareState(
        StepContext context, TypeInformation<K> keyType, DedupConfig<T> config) {
      context.declareState(
          keyType,
          StateDeclaration.value(
                  DedupConfig.STATE, new DedupEntryTypeInfo<>(config.layout(), config.rowType()))
              .withGrowth(config.growth())
              .withTtl(config.ttl()));
      if (config.holdsCandidates()) {
        context.declareState(
            keyType,
            StateDeclaration.value(
                    DedupConfig.PENDING_STATE,
                    new DedupEntryTypeInfo<>(config.pendingLayout(), config.rowType()))
                .withGrowth("the held row per key until the watermark passes it (no TTL)"));
        context.declareState(
            keyType,
            StateDeclaration.of(DedupConfig.TIMERS, StateDeclaration.Kind.TIMERS, "event time")
                .withGrowth("one timer per held row"));
      }
      if (config.isEventTime()) {
        for (StateDeclaration watermark :
            StoredWatermark.declarations(
                DedupConfig.WATERMARK_STATE, DedupConfig.WATERMARK_RANGES_STATE)) {
          context.declareState(keyType, watermark);
        }
      }
      if (config.holdsCandidates()) {
        context.declareState(
            keyType, HeldRecords.declaration(DedupConfig.HELD_RECORDS_STATE, "held rows"));
      }
      if (config.keepsFingerprints()) {
        context.declareState(
            keyType, StoredFingerprintKey.declaration(DedupConfig.FINGERPRINT_KEY_STATE));
      }
    }

    @Override
    public String toString() {
      return "Dedup."
          + (keepLast ? "keepLast" : "keepFirst")
          + "("
          + name
          + ", output="
          + output
          + ", order="
          + (order == null ? "processing time" : order)
          + (changelogInput ? ", changelog input" : "")
          + (stateTtl != null ? ", ttl=" + (stateTtl.isZero() ? "none" : stateTtl) : "")
          + (miniBatchRecords > 0 ? ", miniBatch=" + miniBatchRecords + "/" + miniBatchDelay : "")
          + ")";
    }
  }
}
