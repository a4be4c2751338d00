package dev.etlkit.operators.dedup;

import dev.etlkit.core.Change;
import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.core.EtlStep;
import dev.etlkit.core.EtlStream;
import dev.etlkit.core.StateTtls;
import dev.etlkit.core.StepContext;
import dev.etlkit.core.internal.Names;
import dev.etlkit.operators.dedup.internal.DedupExpansion;
import dev.etlkit.operators.dedup.internal.DedupOperator;
import dev.etlkit.operators.dedup.internal.DedupOptions;
import java.time.Duration;
import java.util.Objects;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.dag.Transformation;
import org.apache.flink.api.java.functions.KeySelector;
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
 *       so that older records arriving after a delete stay deleted (until the state TTL or {@link
 *       DedupStep#withDeleteRetention} removes it). The dedup key must be the changelog's key.
 *       Keep-first on a changelog is processing-time ordered only.
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

  /**
   * Where late records go unless {@link DedupStep#withLateRecords} says otherwise; setting it is
   * the same as not setting the option.
   */
  public static final LateRecords DEFAULT_LATE_RECORDS = LateRecords.SIDE_OUTPUT;

  /** Largest mini-batch, in records. */
  public static final int MAX_MINI_BATCH_RECORDS = 1_000_000;

  /** Longest mini-batch delay. */
  public static final Duration MAX_MINI_BATCH_DELAY = Duration.ofHours(1);

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
        DedupOptions.of(
            Names.requireValid(name, "step name"),
            Objects.requireNonNull(key, "key"),
            false,
            DEFAULT_KEEP_FIRST_OUTPUT));
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
        DedupOptions.of(
            Names.requireValid(name, "step name"),
            Objects.requireNonNull(key, "key"),
            true,
            DEFAULT_KEEP_LAST_OUTPUT));
  }

  /**
   * A dedup step. Immutable: every {@code withX} returns a new step, validated when called; the
   * rules between options are checked when the step is applied. The order of calls never matters. A
   * second call of an option replaces its value (of the output modes and of the orderings, which
   * exclude each other, the last call counts); {@link #withoutMiniBatch()} switches mini-batches
   * off again on a step derived from one that has them.
   *
   * @param <I> input type: {@code T}, or {@code Change<T>} after {@link #onChangelog()}
   * @param <T> row type
   * @param <K> key type
   * @param <O> output type: {@code T} for append output, else {@code Change<T>}
   */
  @PublicEvolving
  public static final class DedupStep<I, T, K, O> implements EtlStep<I, O> {
    private final DedupOptions<T, K> options;

    private DedupStep(DedupOptions<T, K> options) {
      this.options = options;
    }

    /** Orders rows by arrival at the step (the default). */
    public DedupStep<I, T, K, O> withProcessingTimeOrder() {
      return new DedupStep<>(options.withOrder(null));
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
      return new DedupStep<>(options.withOrder(Objects.requireNonNull(ordering, "ordering")));
    }

    /**
     * Emits kept rows as plain records, once each: keep-first only, on insert-only input, ordered
     * by processing or event time (the default of {@link Dedup#keepFirst}).
     *
     * @throws IllegalArgumentException on a keep-last step, which replaces rows
     */
    public DedupStep<I, T, K, T> withAppendOutput() {
      if (options.keepLast()) {
        throw new IllegalArgumentException(
            "output APPEND is for keepFirst only: step '"
                + options.name()
                + "' keeps the last row, which replaces earlier ones; use withUpsertOutput() or"
                + " withRetractOutput()");
      }
      return new DedupStep<>(options.withOutput(DedupOutput.APPEND));
    }

    /** Emits an upsert changelog: {@code +I}, {@code +U}, {@code -D} (the default of keep-last). */
    public DedupStep<I, T, K, Change<T>> withUpsertOutput() {
      return new DedupStep<>(options.withOutput(DedupOutput.UPSERT));
    }

    /**
     * Emits a retract changelog: a replaced row is retracted with {@code -U} before its {@code +U},
     * and a delete carries the full kept row. Keeps the row in state to do so.
     */
    public DedupStep<I, T, K, Change<T>> withRetractOutput() {
      return new DedupStep<>(options.withOutput(DedupOutput.RETRACT));
    }

    /**
     * Takes a changelog ({@code Change<T>}, declared with {@code Change.typeInfo}) instead of rows:
     * see {@link Dedup} for what a delete does. The key selector still reads the row.
     */
    public DedupStep<Change<T>, T, K, O> onChangelog() {
      return new DedupStep<>(options.withChangelogInput());
    }

    /**
     * The state TTL of this step, overriding the pipeline's default. A key whose state expired is
     * treated as never seen: its next row is emitted as new. The clock restarts when a key's state
     * is written (a new or replaced row), not when a duplicate is dropped.
     *
     * <p>{@link Duration#ZERO} means no TTL for this step, whatever the pipeline's default (as the
     * value 0 of Flink SQL's {@code STATE_TTL} hint does): its state is kept until the step clears
     * it. A second call replaces the TTL; {@link #withPipelineStateTtl()} gives the pipeline's
     * default back.
     *
     * @throws IllegalArgumentException if negative, or positive but not a whole number of
     *     milliseconds, at least one
     */
    public DedupStep<I, T, K, O> withStateTtl(Duration ttl) {
      return new DedupStep<>(
          options.withStateTtl(StateTtls.requireValidTtlOrZero(ttl, "stateTtl")));
    }

    /**
     * Uses the pipeline's default state TTL ({@code EtlPipeline.defaultStateTtl}, else none), the
     * default, undoing {@link #withStateTtl} (also {@code withStateTtl(Duration.ZERO)}) on a step
     * derived from one that has it: the step is then the step that never had a TTL of its own.
     */
    public DedupStep<I, T, K, O> withPipelineStateTtl() {
      return new DedupStep<>(options.withStateTtl(null));
    }

    /**
     * How long a deleted key's tombstone is kept (keep-last with an ordering on a changelog, the
     * only mode that keeps one), like Kafka's {@code delete.retention.ms} for compacted topics. Not
     * set (the default), a tombstone stays until the state TTL, if any, removes it: a table whose
     * rows are inserted and deleted all day makes the state grow without bound. A second call
     * replaces the retention; {@link #withoutDeleteRetention()} switches it off again.
     *
     * <p>A tombstone is removed once {@code retention} of processing time has passed since it was
     * last written (a delete, or a newer delete that moves it), at the next whole second: between
     * {@code retention} and {@code retention} plus one second. A row that makes the key live again
     * replaces the tombstone as before, and its pending removal leaves the row alone. After the
     * removal the key is exactly like a key never seen: a record older than the delete that arrives
     * then is accepted as new (the trade-off Kafka makes too), so choose the retention from how
     * late a change can arrive. State TTL still applies on top: whichever comes first removes the
     * tombstone. Removed tombstones are counted (metric {@code deleteMarkersRemoved}).
     *
     * <p>The step then keeps a deadline (a long) and a processing-time timer per deleted key (state
     * {@code dedup-delete-deadline}, timers {@code dedup-delete-timers}); without the option it
     * keeps neither, and its job graph and state are those of earlier versions. Added at a restore
     * (tombstones restored from a savepoint taken without the option) or changed (shortened or
     * lengthened), the step reads every key once after the restore: each tombstone without a
     * deadline gets one a retention after the restore, each pending removal set with another
     * retention the new one after the tombstone's last write (at once if that has passed; set again
     * after a run without the option, a retention after the restore: never early). Two operator
     * states ({@code dedup-delete-deadlines-complete}, {@code dedup-delete-retention}, one entry
     * per subtask) let later restores skip that pass. Removed at a restore, tombstones are kept
     * again and pending removals do nothing. With mini-batches, as with state TTL, the tombstone is
     * judged when the bundle is flushed.
     *
     * @throws IllegalArgumentException if {@code retention} is null, not positive, not a whole
     *     number of milliseconds or longer than {@code Long.MAX_VALUE} milliseconds (as {@link
     *     #withStateTtl}); and when the step is applied, if it is not a keep-last with an ordering
     *     on a changelog: every other mode clears a deleted key's state at once, or has no deletes
     */
    public DedupStep<I, T, K, O> withDeleteRetention(Duration retention) {
      return new DedupStep<>(
          options.withDeleteRetention(StateTtls.requireValidTtl(retention, "deleteRetention")));
    }

    /**
     * Keeps tombstones until the state TTL, if any, removes them (the default), undoing {@link
     * #withDeleteRetention} on a step derived from one that has it. At a restore this is the
     * restore without the option described there.
     */
    public DedupStep<I, T, K, O> withoutDeleteRetention() {
      return new DedupStep<>(options.withDeleteRetention(null));
    }

    /**
     * Where late records go (event-time ordering only); default {@link Dedup#DEFAULT_LATE_RECORDS}.
     * A second call replaces the place.
     *
     * <p>The default place is the place never set: {@code withLateRecords(DEFAULT_LATE_RECORDS)}
     * gives the default back on a step derived from one with another place, and the step is then
     * the step that never called this (it prints as that step, and needs no event-time ordering).
     * Only another place needs event-time ordering: a step derived with {@link
     * #withProcessingTimeOrder()} or a non-event-time {@link #withOrdering} is refused when applied
     * unless its place is the default again.
     */
    public DedupStep<I, T, K, O> withLateRecords(LateRecords where) {
      Objects.requireNonNull(where, "where");
      return new DedupStep<>(options.withLateRecords(where == DEFAULT_LATE_RECORDS ? null : where));
    }

    /**
     * Buffers up to {@code maxRecords} records (or {@code maxDelay} of processing time) in memory
     * and then applies them together, so each key's state is read and written once per bundle. A
     * bundle is also flushed on every watermark, before every checkpoint barrier and at the end of
     * input, so results stay exactly-once. Within a bundle only each key's net change is emitted.
     * In batch mode ({@code RuntimeExecutionMode.BATCH}, where each key's records come together)
     * records are applied one by one and this setting has no effect.
     *
     * <p>Off by default: every record is applied, and its result emitted, when it arrives. A second
     * call replaces both values; {@link #withoutMiniBatch()} switches it off again.
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
      return new DedupStep<>(options.withMiniBatch(maxRecords, maxDelay));
    }

    /**
     * Applies and emits every record when it arrives (the default), undoing {@link #withMiniBatch}
     * on a step derived from one that has it.
     */
    public DedupStep<I, T, K, O> withoutMiniBatch() {
      return new DedupStep<>(options.withoutMiniBatch());
    }

    /**
     * The key type, when it cannot be inferred from the key selector (generic lambdas). A selector
     * whose type can be inferred must have this one: the step is refused when applied otherwise.
     */
    public DedupStep<I, T, K, O> withKeyType(TypeInformation<K> type) {
      return new DedupStep<>(options.withKeyType(Objects.requireNonNull(type, "type")));
    }

    /**
     * Overrides the pipeline's error policy for this step's bad records: records whose key is
     * {@code null} or whose key selector throws, records holding a Flink {@code Tuple} with a
     * {@code null} field its serializer cannot write (which would fail the shuffle), late records
     * sent to the dead letters, records without timestamp under event-time ordering, rows the
     * ordering key throws for. A second call replaces the policy; {@link
     * #withPipelineErrorPolicy()} gives the pipeline's default back.
     */
    public DedupStep<I, T, K, O> withErrorPolicy(ErrorPolicy policy) {
      return new DedupStep<>(options.withErrorPolicy(Objects.requireNonNull(policy, "policy")));
    }

    /**
     * Uses the pipeline's default error policy ({@code EtlPipeline.defaultErrorPolicy}, else dead
     * letters), the default, undoing {@link #withErrorPolicy} on a step derived from one that has
     * it: the step is then the step that never had a policy of its own.
     */
    public DedupStep<I, T, K, O> withPipelineErrorPolicy() {
      return new DedupStep<>(options.withErrorPolicy(null));
    }

    @Override
    public String name() {
      return options.name();
    }

    /** The output mode. */
    public DedupOutput output() {
      return options.output();
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
      String name = options.name();
      DedupOrder<T> order = options.order();
      if (order == null || !order.isEventTime()) {
        throw new IllegalArgumentException(
            "dedup step '" + name + "' has no late records: it does not order by event time");
      }
      if (options.lateRecordsOrDefault() != LateRecords.SIDE_OUTPUT) {
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
      return new DedupExpansion<I, T, K, O>(options).expand(input, context);
    }

    @Override
    public String toString() {
      DedupOrder<T> order = options.order();
      Duration stateTtl = options.stateTtl();
      int miniBatchRecords = options.miniBatchRecords();
      return "Dedup."
          + (options.keepLast() ? "keepLast" : "keepFirst")
          + "("
          + options.name()
          + ", output="
          + options.output()
          + ", order="
          + (order == null ? "processing time" : order)
          + (options.changelogInput() ? ", changelog input" : "")
          + (stateTtl != null ? ", ttl=" + (stateTtl.isZero() ? "none" : stateTtl) : "")
          + (miniBatchRecords > 0
              ? ", miniBatch=" + miniBatchRecords + "/" + options.miniBatchDelay()
              : "")
          + (options.deleteRetention() != null
              ? ", deleteRetention=" + options.deleteRetention()
              : "")
          + (options.lateRecords() != null ? ", lateRecords=" + options.lateRecords() : "")
          + (options.errorPolicy() != null ? ", errorPolicy=" + options.errorPolicy() : "")
          + ")";
    }
  }
}
