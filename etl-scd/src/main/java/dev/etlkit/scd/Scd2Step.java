package dev.etlkit.scd;

import dev.etlkit.core.Change;
import dev.etlkit.core.ChangeTypeInfo;
import dev.etlkit.core.ErrorHandler;
import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.core.EtlStep;
import dev.etlkit.core.EtlStream;
import dev.etlkit.core.StateTtls;
import dev.etlkit.core.StepContext;
import dev.etlkit.core.internal.KryoTypes;
import dev.etlkit.scd.internal.Columns;
import dev.etlkit.scd.internal.Scd2Config;
import dev.etlkit.scd.internal.Scd2Function;
import dev.etlkit.scd.internal.Scd2KeySelector;
import dev.etlkit.scd.internal.Scd2Operator;
import dev.etlkit.scd.internal.Scd2RecordCheck;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import javax.annotation.Nullable;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.dag.Transformation;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.transformations.OneInputTransformation;

/**
 * An SCD Type 2 step, created by {@link Scd2#trackChangelog} or {@link Scd2#trackRows}. Immutable:
 * every {@code withX} returns a new step, validated when called; rules between options and the
 * attribute type are checked when the step is applied. The order of calls never matters.
 *
 * <h2>Semantics</h2>
 *
 * <ul>
 *   <li><b>History.</b> Per business key, the history is what you get by applying the key's changes
 *       in the order of their effective times: a change whose tracked columns ({@link
 *       #withChangeDetection}) differ from the version in force opens a new version at its
 *       effective time and closes that one there; a change of {@link #withType1Columns Type-1
 *       columns} alone overwrites the version in force (its attributes become the change's); any
 *       other change (a redelivery, a change of untracked columns, a repeated state) changes
 *       nothing, but is kept while within the horizon, as it tells the state at its time. Intervals
 *       are half-open {@code [validFrom, validTo)}, instants in UTC, milliseconds.
 *   <li><b>Out-of-order changes</b> with an effective time at or after the key's latest effective
 *       time minus the {@link #withLatenessHorizon lateness horizon} are spliced in: the version in
 *       force at that time is split (or overwritten), its neighbours' intervals adjusted, later
 *       versions renumbered, and every version that changed is emitted again ({@code -U}/{@code
 *       +U}, or {@code -D} when it disappeared). The result is exactly the history of all accepted
 *       changes sorted by effective time. Older changes are late ({@link #withLateChanges}), and so
 *       are changes before the key's prune point after a restore with a longer horizon than the key
 *       pruned under ({@link #withLatenessHorizon}).
 *   <li><b>Equal effective times</b>: one change per key and instant counts, chosen by {@link
 *       #withTieBreak} (default: the last to arrive).
 *   <li><b>Hard deletes</b>: see {@link HardDeletes}; a change after a delete opens a new version.
 *   <li><b>Output</b>: {@code Change<Scd2Row<T>>} as {@link Scd2Output} says: a new version is
 *       {@code +I}; a version that is closed, overwritten or renumbered is {@code -U} old, {@code
 *       +U} new. Within one input's output, vanished versions come first, then changed ones, then
 *       new ones, each by validFrom, so a sink never holds two current rows of a key.
 *   <li><b>State per key</b>: the key's cursor (its current version, latest effective time, prune
 *       point, the replay base: the version in force at the prune point, and the newest kept
 *       changes) and the older accepted changes within the horizon in chunks keyed by their first
 *       effective time. Changes older than the horizon are pruned in batches once the prune point
 *       is more than two horizons behind the latest: a key keeps its changes of the last one to two
 *       horizons (three while a prune waits), never state in proportion to its number of versions.
 *       With {@link #withStateTtl TTL} (else the pipeline default) a key whose state was not
 *       written for the TTL is forgotten whole, by a cleanup timer, and treated as never seen; with
 *       {@link #withDeleteRetention} so is a key whose latest change is a delete, once it was not
 *       written for the retention. Both are ignored in batch mode, as Flink's state TTL is.
 *   <li><b>Accounting</b>: changes that change the history are out (with append output they may
 *       emit nothing yet); changes that change nothing (redeliveries, no-ops, superseded ties) are
 *       deduplicated, even when, with append output, their time makes versions final and they emit
 *       those; {@code -U} inputs, ignored deletes (dropped before their time is read) and late
 *       changes sent to the side output are filtered; changes without key, effective time (or one
 *       out of range) or sequence, and late changes sent to the dead letters, are dead-lettered.
 *   <li><b>Changes the shuffle cannot write</b>: a change whose row holds a Flink tuple with a
 *       {@code null} field its serializer cannot write (a {@code Long}, a nested tuple or row; at
 *       top level or inside a POJO, record or row; a {@code String} writes its {@code null}) would
 *       fail the job at the step's {@code keyBy}, after every restart again. Where the input type
 *       can hold one, such changes are finished before the shuffle, in an operator chained to the
 *       input (uid {@code <pipeline>/<step>/records}): dead-lettered ({@code "record field
 *       amount.f1 is null, which Flink's tuple serializer cannot write"}, the path, never a value;
 *       or the missing business key), or filtered when skipped unread. Other input types get no
 *       such operator. Tuples inside lists, sets, maps and object arrays are looked into too
 *       ({@code "lines[3].amount.f1"}, {@code "byRegion[value].amount.f1"}; never a map key), and
 *       so is a {@code null} list element or map key whose serializer refuses it, of any type (a
 *       declared {@code Types.LIST(Types.LONG)}: {@code "record field quantities[2] is null, which
 *       Flink's list serializer cannot write"}; the type extractor's {@code List<Long>} field
 *       writes it).
 * </ul>
 *
 * @param <I> input type: {@code Change<T>} or {@code T}
 * @param <T> the entity's attribute type
 */
@PublicEvolving
public final class Scd2Step<I, T> implements EtlStep<I, Change<Scd2Row<T>>> {

  /**
   * Uid suffix of the operator that finishes, before the shuffle, the changes it cannot write:
   * {@code <step>/records}; only where the input type can hold one.
   */
  private static final String RECORD_CHECK = "records";

  private final String name;
  private final boolean changelog;
  private final KeySelector<T, String> key;
  private final EffectiveTime<T> effectiveTime;
  private ChangeDetection changeDetection = Scd2.DEFAULT_CHANGE_DETECTION;
  private List<String> type1Columns = List.of();
  @Nullable private Duration latenessHorizon;
  private TieBreak<T> tieBreak = TieBreak.arrival();
  private HardDeletes hardDeletes = Scd2.DEFAULT_HARD_DELETES;
  @Nullable private Instant validToCurrent = Scd2.DEFAULT_VALID_TO_CURRENT;
  private Scd2Output output = Scd2.DEFAULT_OUTPUT;
  private LateChanges lateChanges = Scd2.DEFAULT_LATE_CHANGES;
  @Nullable private Duration stateTtl;
  @Nullable private Duration deleteRetention;
  @Nullable private ErrorPolicy errorPolicy;

  Scd2Step(
      String name, boolean changelog, KeySelector<T, String> key, EffectiveTime<T> effectiveTime) {
    this.name = name;
    this.changelog = changelog;
    this.key = key;
    this.effectiveTime = effectiveTime;
  }

  private Scd2Step<I, T> copy() {
    Scd2Step<I, T> copy = new Scd2Step<>(name, changelog, key, effectiveTime);
    copy.changeDetection = changeDetection;
    copy.type1Columns = type1Columns;
    copy.latenessHorizon = latenessHorizon;
    copy.tieBreak = tieBreak;
    copy.hardDeletes = hardDeletes;
    copy.validToCurrent = validToCurrent;
    copy.output = output;
    copy.lateChanges = lateChanges;
    copy.stateTtl = stateTtl;
    copy.deleteRetention = deleteRetention;
    copy.errorPolicy = errorPolicy;
    return copy;
  }

  /**
   * Which columns open a new version when they change (default {@link
   * Scd2#DEFAULT_CHANGE_DETECTION}, all of them).
   */
  public Scd2Step<I, T> withChangeDetection(ChangeDetection detection) {
    Scd2Step<I, T> copy = copy();
    copy.changeDetection = Objects.requireNonNull(detection, "changeDetection");
    return copy;
  }

  /**
   * Type-1 columns: a change of these alone overwrites the version in force, emitted as {@code
   * -U}/{@code +U} of that version, instead of opening a new one; the version's attributes become
   * the change's. They are never tracked: with {@link ChangeDetection#all()} or {@link
   * ChangeDetection#allExcept} they are left out of the tracked columns, and listing one of them in
   * {@link ChangeDetection#only} fails. Default: none. A second call replaces the columns; {@link
   * #withoutType1Columns()} gives the default back.
   *
   * @throws IllegalArgumentException if no column is given, or a name is blank or repeated
   */
  public Scd2Step<I, T> withType1Columns(String... columns) {
    Scd2Step<I, T> copy = copy();
    copy.type1Columns = ChangeDetection.names("type1Columns", columns);
    return copy;
  }

  /**
   * No Type 1 columns (the default): every column is tracked or not as the {@link
   * #withChangeDetection change detection} says. Undoes {@link #withType1Columns} on a step derived
   * from one that has them.
   */
  public Scd2Step<I, T> withoutType1Columns() {
    Scd2Step<I, T> copy = copy();
    copy.type1Columns = List.of();
    return copy;
  }

  /**
   * How far behind the key's latest effective time a change may be and still be spliced into the
   * history; older changes are late. A change exactly at the horizon is accepted. Zero accepts only
   * changes at or after the latest effective time (a tie then replaces the latest change, per
   * {@link #withTieBreak}). Default {@link Scd2#DEFAULT_LATENESS_HORIZON}. Not for {@link
   * EffectiveTime#processingTime()}, which is never out of order.
   *
   * <p>The horizon is not state: a job may be restored with another one. A shorter one takes effect
   * at once. A longer one takes effect for each key as its kept history grows into it: a key keeps
   * only the changes its prunes under the old horizon left, so a change before the oldest of them
   * (the key's prune point) is late as well (as a dead letter, a {@link
   * LateChangeException#beforePrunePoint}), although within the new horizon.
   *
   * @throws IllegalArgumentException if null, negative or above {@link Scd2#MAX_LATENESS_HORIZON}
   */
  public Scd2Step<I, T> withLatenessHorizon(Duration horizon) {
    if (horizon == null) {
      throw new IllegalArgumentException("latenessHorizon must not be null");
    }
    if (horizon.isNegative() || horizon.compareTo(Scd2.MAX_LATENESS_HORIZON) > 0) {
      throw new IllegalArgumentException(
          "latenessHorizon must be in [PT0S, " + Scd2.MAX_LATENESS_HORIZON + "], was " + horizon);
    }
    Scd2Step<I, T> copy = copy();
    copy.latenessHorizon = horizon;
    return copy;
  }

  /** Which change wins among changes of a key with equal effective times (default arrival). */
  public Scd2Step<I, T> withTieBreak(TieBreak<T> tieBreak) {
    Scd2Step<I, T> copy = copy();
    copy.tieBreak = Objects.requireNonNull(tieBreak, "tieBreak");
    return copy;
  }

  /**
   * What a hard delete does (default {@link Scd2#DEFAULT_HARD_DELETES}). Changelog input only.
   *
   * @throws IllegalArgumentException on a {@link Scd2#trackRows} step: rows never delete
   */
  public Scd2Step<I, T> withHardDeletes(HardDeletes deletes) {
    Objects.requireNonNull(deletes, "hardDeletes");
    if (!changelog) {
      throw new IllegalArgumentException(
          "hardDeletes needs changelog input (Scd2.trackChangelog): step '"
              + name
              + "' tracks rows, which never delete");
    }
    Scd2Step<I, T> copy = copy();
    copy.hardDeletes = deletes;
    return copy;
  }

  /**
   * The {@code validTo} written for current versions: null for an open end (the default, {@link
   * Scd2#DEFAULT_VALID_TO_CURRENT}) or a far-future instant such as {@link Scd2#END_OF_TIME}, like
   * dbt's {@code dbt_valid_to_current}. A change effective at or after the sentinel becomes a dead
   * letter, and so does, after a restore that set or lowered the sentinel, a change that would emit
   * a key's current version that does not start before it (accepted without the sentinel: its row
   * cannot end there); the key's state stays as it was (docs/operations.md, upgrades).
   *
   * @throws IllegalArgumentException if the sentinel is before {@link Scd2#MIN_EFFECTIVE_TIME} or
   *     after {@link Scd2#MAX_EFFECTIVE_TIME}, or not a whole number of milliseconds (effective
   *     times are kept in milliseconds)
   */
  public Scd2Step<I, T> withValidToCurrent(@Nullable Instant sentinel) {
    if (sentinel != null
        && (sentinel.isBefore(Scd2.MIN_EFFECTIVE_TIME)
            || sentinel.isAfter(Scd2.MAX_EFFECTIVE_TIME))) {
      throw new IllegalArgumentException(
          "validToCurrent must be within ["
              + Scd2.MIN_EFFECTIVE_TIME
              + ", "
              + Scd2.MAX_EFFECTIVE_TIME
              + "], was "
              + sentinel);
    }
    if (sentinel != null && sentinel.getNano() % 1_000_000 != 0) {
      throw new IllegalArgumentException(
          "validToCurrent must be a whole number of milliseconds (effective times are kept in"
              + " milliseconds), was "
              + sentinel);
    }
    Scd2Step<I, T> copy = copy();
    copy.validToCurrent = sentinel;
    return copy;
  }

  /**
   * How versions are emitted (default {@link Scd2#DEFAULT_OUTPUT}, a retract changelog).
   *
   * <p>The mode's class is part of the step's state: {@link Scd2Output#APPEND} holds back closed
   * versions until they are final and never emits the current one, {@link Scd2Output#RETRACT} and
   * {@link Scd2Output#UPSERT} have emitted every version as it changed. A restore that switches
   * between {@code APPEND} and {@code RETRACT} or {@code UPSERT} therefore fails, naming the step
   * and both modes ({@code SavepointCheck} reports it before as {@code STATE_INCOMPATIBLE}):
   * restore with the mode the savepoint was written with, or give the step a new name and rebuild
   * its history from the source. {@code RETRACT} and {@code UPSERT} keep the same state and restore
   * into each other. Savepoints of etlkit before 2026-11-26 do not record the mode and restore into
   * any mode, unchecked (docs/operations.md, the upgrade table).
   *
   * @throws NullPointerException if {@code mode} is null
   */
  public Scd2Step<I, T> withOutput(Scd2Output mode) {
    Scd2Step<I, T> copy = copy();
    copy.output = Objects.requireNonNull(mode, "output");
    return copy;
  }

  /** Where late changes go (default {@link Scd2#DEFAULT_LATE_CHANGES}, a side output). */
  public Scd2Step<I, T> withLateChanges(LateChanges where) {
    Scd2Step<I, T> copy = copy();
    copy.lateChanges = Objects.requireNonNull(where, "lateChanges");
    return copy;
  }

  /**
   * The state TTL of this step, overriding the pipeline's default: a key whose state was not
   * written for this long (processing time; every accepted change writes, a dropped redelivery does
   * not) is forgotten, all of its state at once, by a processing-time cleanup timer per key. It is
   * then treated as never seen: its next change opens version 1 again, and the sink still holds its
   * old versions (the old current version is never closed). So choose a TTL longer than any key
   * stays unchanged while it still exists; TTL is for keys that are gone for good. With {@link
   * Scd2Output#APPEND} the forgotten key's closed versions not final yet (within the horizon of its
   * latest change) are emitted as it is forgotten: nothing can change them any more. Ignored in
   * batch mode ({@code RuntimeExecutionMode.BATCH}), as Flink's state TTL is: a key is kept until
   * its records end.
   *
   * <p>{@link Duration#ZERO} means no TTL for this step, whatever the pipeline's default (as the
   * value 0 of Flink SQL's {@code STATE_TTL} hint does): no key is forgotten (a dimension whose
   * keys live as long as the table). A second call replaces the TTL; {@link
   * #withPipelineStateTtl()} gives the pipeline's default back.
   *
   * @throws IllegalArgumentException if negative, or positive but not a whole number of
   *     milliseconds, at least one
   */
  public Scd2Step<I, T> withStateTtl(Duration ttl) {
    Scd2Step<I, T> copy = copy();
    copy.stateTtl = StateTtls.requireValidTtlOrZero(ttl, "stateTtl");
    return copy;
  }

  /**
   * Uses the pipeline's default state TTL ({@code EtlPipeline.defaultStateTtl}, else none), the
   * default, undoing {@link #withStateTtl} (also {@code withStateTtl(Duration.ZERO)}) on a step
   * derived from one that has it: the step is then the step that never had a TTL of its own.
   */
  public Scd2Step<I, T> withPipelineStateTtl() {
    Scd2Step<I, T> copy = copy();
    copy.stateTtl = null;
    return copy;
  }

  /**
   * How long a deleted key is remembered, like Kafka's {@code delete.retention.ms} for the
   * tombstones of a compacted topic. Not set (the default), a key deleted under {@link
   * HardDeletes#INVALIDATE} or {@link HardDeletes#NEW_RECORD} keeps its state (its cursor, so that
   * a re-insert opens the next version number, and its kept changes, so that a late change splices)
   * until its state TTL, if any: a dimension whose keys are inserted and deleted all day grows its
   * state without bound. A second call replaces the retention; {@link #withoutDeleteRetention()}
   * switches it off again.
   *
   * <p>A key whose latest change is a delete (its version closed, or a delete marker current; also
   * a delete of a key never live) is forgotten, all of its state at once as by its {@link
   * #withStateTtl TTL}, once {@code retention} of processing time has passed since the key was last
   * written, at the first whole second at or after that, by the key's one cleanup timer. Every
   * accepted change writes: a newer delete restarts the clock, and so does a late change spliced in
   * before the delete; a redelivery changes nothing and does not. A re-insert before then makes the
   * key live again: it keeps its history and numbering, and the removal is off. Until the removal
   * late changes within the {@link #withLatenessHorizon lateness horizon} splice as usual; after it
   * the key is one never seen, as after its TTL: its next change, however old, opens version 1
   * again, and the sink still holds its old versions. The horizon cannot delay the removal: it is
   * measured from the key's latest effective time, which only the key's own changes move, so the
   * delete, its latest change, never falls behind it. Choose a retention longer than a change of
   * the key can arrive after its delete. State TTL still applies on top: whichever comes first (a
   * key the TTL forgets is not counted as a removal). Removals are counted (metric {@code
   * deleteMarkersRemoved}). With {@link Scd2Output#APPEND} a forgotten key's closed versions not
   * final yet (within the horizon of its latest change) are emitted when it is forgotten, as
   * nothing can change them any more. Ignored in batch mode ({@code RuntimeExecutionMode.BATCH}),
   * as Flink's state TTL is: a key is kept until its records end.
   *
   * <p>No keyed state and no timer service more: the clock is kept in the key's cursor, and the
   * timer is the key's cleanup timer (a live key without TTL keeps none); one long per subtask of
   * operator state records the retention. Not set, nothing changes. Added or shortened at a
   * restore, it applies to the deleted keys restored: once, after the restore, every deleted key
   * whose timer is not due by its deadline gets one there, at its last write plus the retention
   * when its cursor knows that write (the step had a state TTL or the option then; at once if that
   * is past), else at the restore plus the retention. Removing the option at a restore keeps
   * deleted keys; a pending timer then does nothing.
   *
   * @throws IllegalArgumentException if {@code retention} is null, not positive, not a whole number
   *     of milliseconds or longer than {@code Long.MAX_VALUE} milliseconds (as {@link
   *     #withStateTtl}); and when the step is applied, under {@link HardDeletes#IGNORE}, which
   *     keeps nothing for a delete, or on a {@link Scd2#trackRows} step, whose rows never delete
   */
  public Scd2Step<I, T> withDeleteRetention(Duration retention) {
    Scd2Step<I, T> copy = copy();
    copy.deleteRetention = StateTtls.requireValidTtl(retention, "deleteRetention");
    return copy;
  }

  /**
   * Keeps deleted keys' state until the state TTL, if any, removes them (the default), undoing
   * {@link #withDeleteRetention} on a step derived from one that has it. At a restore this is the
   * restore without the option described there.
   */
  public Scd2Step<I, T> withoutDeleteRetention() {
    Scd2Step<I, T> copy = copy();
    copy.deleteRetention = null;
    return copy;
  }

  /**
   * Overrides the pipeline's error policy for this step's bad changes: no key, no effective time or
   * one outside the supported range, no sequence, an effective time at or after {@link
   * #withValidToCurrent validToCurrent} or that would emit a current version not starting before it
   * (a sentinel set at a restore), a change whose comparison with the key's history throws, late
   * changes sent to the dead letters, a change holding a tuple with a {@code null} field the
   * shuffle cannot write (docs/scd2.md, "Accounting, metrics and dead letters"). A second call
   * replaces the policy; {@link #withPipelineErrorPolicy()} gives the pipeline's default back.
   */
  public Scd2Step<I, T> withErrorPolicy(ErrorPolicy policy) {
    Scd2Step<I, T> copy = copy();
    copy.errorPolicy = Objects.requireNonNull(policy, "errorPolicy");
    return copy;
  }

  /**
   * Uses the pipeline's default error policy ({@code EtlPipeline.defaultErrorPolicy}, else dead
   * letters), the default, undoing {@link #withErrorPolicy} on a step derived from one that has it:
   * the step is then the step that never had a policy of its own.
   */
  public Scd2Step<I, T> withPipelineErrorPolicy() {
    Scd2Step<I, T> copy = copy();
    copy.errorPolicy = null;
    return copy;
  }

  @Override
  public String name() {
    return name;
  }

  /** The output mode. */
  public Scd2Output output() {
    return output;
  }

  /** The lateness horizon in effect (zero for processing time). */
  public Duration latenessHorizon() {
    if (effectiveTime.source() == EffectiveTime.Source.PROCESSING_TIME) {
      return Duration.ZERO;
    }
    return latenessHorizon != null ? latenessHorizon : Scd2.DEFAULT_LATENESS_HORIZON;
  }

  /**
   * The late changes of this step, from the stream this step returned, as they arrived. Only with
   * late changes sent to the side output (the default).
   *
   * @throws IllegalArgumentException if {@code history} is not this step's output, or the step
   *     sends late changes to the dead letters
   */
  public DataStream<I> lateChanges(EtlStream<Change<Scd2Row<T>>> history) {
    Objects.requireNonNull(history, "history");
    if (lateChanges != LateChanges.SIDE_OUTPUT) {
      throw new IllegalArgumentException(
          "scd2 step '" + name + "' sends late changes to the dead letters, not a side output");
    }
    DataStream<Change<Scd2Row<T>>> stream = history.toDataStream();
    Transformation<Change<Scd2Row<T>>> transformation = stream.getTransformation();
    String uid = transformation.getUid();
    if (!(stream instanceof SingleOutputStreamOperator)
        || !(transformation instanceof OneInputTransformation)
        || uid == null
        || !uid.endsWith("/" + name)) {
      throw new IllegalArgumentException(
          "the stream is not the output of scd2 step '" + name + "'");
    }
    @SuppressWarnings("unchecked")
    TypeInformation<I> inputType =
        ((OneInputTransformation<I, ?>) (Transformation<?>) transformation).getInputType();
    return ((SingleOutputStreamOperator<Change<Scd2Row<T>>>) stream)
        .getSideOutput(Scd2Function.lateChangesTag(inputType));
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalArgumentException if the input type does not fit the factory (a changelog for
   *     {@link Scd2#trackChangelog}), the attribute type is a generic (Kryo) type, a column name is
   *     unknown, a Type-1 column is also tracked, an option needs changelog input, a lateness
   *     horizon was set with processing time, or a delete retention with {@link HardDeletes#IGNORE}
   */
  @Override
  public DataStream<Change<Scd2Row<T>>> expand(DataStream<I> input, StepContext context) {
    Scd2Config<I, T> config = config(input.getType(), context.stateTtl(stateTtl).orElse(null));
    ErrorHandler errors = context.errorHandler(errorPolicy);
    Scd2Function<I, T> function = new Scd2Function<>(config, errors);
    // A change holding a null its serializer cannot write (a tuple's field, a list's element or a
    // map's key) would fail the
    // shuffle's network serializer: where the input type can hold one, such changes are finished
    // before it, in an operator chained to the input (no operator for other input types).
    Scd2RecordCheck<I, T> check = Scd2RecordCheck.of(config, errors);
    SingleOutputStreamOperator<I> checked =
        check == null
            ? null
            : context.named(
                input.process(check, input.getType()).setParallelism(input.getParallelism()),
                RECORD_CHECK);
    SingleOutputStreamOperator<Change<Scd2Row<T>>> history =
        context.named(
            (checked == null ? input : checked)
                .keyBy(new Scd2KeySelector<I, T>(key, changelog), Types.STRING)
                .transform("KeyedProcess", config.outputType(), new Scd2Operator<>(function)));
    if (checked != null) {
      context.addDeadLettersOf(checked);
    }
    context.addDeadLettersOf(history);
    function.declareState(context);
    return history;
  }

  /** The resolved configuration of this step for an input type (also used by tests). */
  Scd2Config<I, T> config(TypeInformation<I> inputType, @Nullable Duration ttl) {
    TypeInformation<T> valueType = valueType(inputType);
    if (!changelog && effectiveTime.source() == EffectiveTime.Source.CHANGE_EVENT_TIME) {
      throw new IllegalArgumentException(
          "scd2 step '"
              + name
              + "': EffectiveTime.changeEventTime() needs changelog input (Scd2.trackChangelog)");
    }
    if (!changelog && tieBreak.isSourcePosition()) {
      throw new IllegalArgumentException(
          "scd2 step '"
              + name
              + "': TieBreak.sourcePosition() needs changelog input (Scd2.trackChangelog)");
    }
    if (latenessHorizon != null && effectiveTime.source() == EffectiveTime.Source.PROCESSING_TIME) {
      throw new IllegalArgumentException(
          "scd2 step '"
              + name
              + "': latenessHorizon "
              + latenessHorizon
              + " has no effect with EffectiveTime.processingTime(), which is never out of order");
    }
    if (deleteRetention != null && !changelog) {
      throw new IllegalArgumentException(
          "scd2 step '"
              + name
              + "': withDeleteRetention("
              + deleteRetention
              + ") needs changelog input (Scd2.trackChangelog): rows never delete");
    }
    if (deleteRetention != null && hardDeletes == HardDeletes.IGNORE) {
      // Refused rather than ignored: no key is ever held for a delete, so the option would promise
      // a bound the step already has.
      throw new IllegalArgumentException(
          "scd2 step '"
              + name
              + "': withDeleteRetention("
              + deleteRetention
              + ") needs deletes that are kept; HardDeletes.IGNORE drops every delete, so no key"
              + " is ever held for one");
    }
    Columns<T> columns;
    try {
      columns = Columns.resolve(valueType, changeDetection, type1Columns);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("scd2 step '" + name + "': " + e.getMessage(), e);
    }
    return new Scd2Config<>(
        inputType,
        valueType,
        changelog,
        key,
        effectiveTime,
        tieBreak,
        columns,
        changelog ? hardDeletes : HardDeletes.INVALIDATE,
        validToCurrent == null ? null : validToCurrent.toEpochMilli(),
        output,
        latenessHorizon(),
        lateChanges,
        ttl,
        deleteRetention);
  }

  /** The function of this step, with a resolved TTL and error handler (for tests). */
  Scd2Function<I, T> createFunction(
      TypeInformation<I> inputType, @Nullable Duration ttl, ErrorHandler errors) {
    return new Scd2Function<>(config(inputType, ttl), errors);
  }

  /** The key selector of the keyed stream this step processes (for tests). */
  Scd2KeySelector<I, T> keySelector() {
    return new Scd2KeySelector<>(key, changelog);
  }

  @SuppressWarnings("unchecked")
  private TypeInformation<T> valueType(TypeInformation<I> inputType) {
    TypeInformation<T> valueType;
    if (changelog) {
      if (!(inputType instanceof ChangeTypeInfo)) {
        throw new IllegalArgumentException(
            "scd2 step '"
                + name
                + "': Scd2.trackChangelog needs a stream of Change<T> declared with"
                + " Change.typeInfo(...), was "
                + inputType);
      }
      valueType = ((ChangeTypeInfo<T>) inputType).getValueType();
    } else {
      if (inputType instanceof ChangeTypeInfo) {
        throw new IllegalArgumentException(
            "scd2 step '"
                + name
                + "': the input is a changelog ("
                + inputType
                + "); use Scd2.trackChangelog");
      }
      valueType = (TypeInformation<T>) inputType;
    }
    if (!KryoTypes.genericParts(valueType).isEmpty()) {
      throw new IllegalArgumentException(
          "scd2 step '"
              + name
              + "': the attribute type "
              + valueType
              + " would be serialized with Kryo; give the stream a POJO, record, Row, tuple or"
              + " basic type");
    }
    return valueType;
  }

  @Override
  public String toString() {
    return "Scd2."
        + (changelog ? "trackChangelog" : "trackRows")
        + "("
        + name
        + ", effectiveTime="
        + effectiveTime
        + ", changeDetection="
        + changeDetection
        + (type1Columns.isEmpty() ? "" : ", type1Columns=" + type1Columns)
        + ", latenessHorizon="
        + latenessHorizon()
        + ", tieBreak="
        + tieBreak
        + (changelog ? ", hardDeletes=" + hardDeletes : "")
        + ", validToCurrent="
        + validToCurrent
        + ", output="
        + output
        + ", lateChanges="
        + lateChanges
        + (stateTtl != null ? ", stateTtl=" + (stateTtl.isZero() ? "none" : stateTtl) : "")
        + (deleteRetention != null ? ", deleteRetention=" + deleteRetention : "")
        + (errorPolicy != null ? ", errorPolicy=" + errorPolicy : "")
        + ")";
  }
}
