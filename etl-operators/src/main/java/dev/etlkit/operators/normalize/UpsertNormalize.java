package dev.etlkit.operators.normalize;

import dev.etlkit.core.Change;
import dev.etlkit.core.ChangeTypeInfo;
import dev.etlkit.core.ErrorHandler;
import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.core.EtlStep;
import dev.etlkit.core.StateDeclaration;
import dev.etlkit.core.StateTtls;
import dev.etlkit.core.StepContext;
import dev.etlkit.core.internal.KryoTypes;
import dev.etlkit.core.internal.ProcessOperatorTimers;
import dev.etlkit.core.internal.UserFunctionCheckpoints;
import dev.etlkit.core.internal.ValueEquality;
import dev.etlkit.operators.internal.ChangeKeySelector;
import dev.etlkit.operators.internal.DeclaredKeyType;
import dev.etlkit.operators.internal.FingerprintKey;
import dev.etlkit.operators.internal.KeyCheck;
import dev.etlkit.operators.normalize.internal.NormalizeFunctionBase;
import dev.etlkit.operators.normalize.internal.NormalizeOperator;
import dev.etlkit.operators.normalize.internal.Projection;
import dev.etlkit.operators.normalize.internal.UpsertNormalizeFunction;
import dev.etlkit.operators.normalize.internal.VersionedNormalizeFunction;
import java.time.Duration;
import java.util.Objects;
import javax.annotation.Nullable;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

/**
 * Turns an upsert changelog by key into a full changelog: Flink SQL's {@code ChangelogNormalize} as
 * a visible, tunable step. Create it with {@link Normalize#upserts}; immutable, every {@code withX}
 * returns a copy. The options that are off by default have a {@code withoutX()} that returns the
 * step as if the option had never been set, for variants of a shared base step.
 *
 * <p><b>Input</b>: {@code Change<T>} records of an upsert changelog keyed by the key selector:
 * {@code +I} and {@code +U} are both upserts (the row is the key's new value), {@code -D} deletes
 * the key (its value may carry only the key fields, as a Kafka tombstone does), {@code -U} is
 * ignored (counted as filtered: the step has the before-image in state). No before-images needed.
 *
 * <p><b>Output</b>: a full changelog, one key's records in input order:
 *
 * <ul>
 *   <li>{@code +I}(new) for an upsert of a key that is not live;
 *   <li>{@code -U}(stored) then {@code +U}(new) for an upsert that changes the live row;
 *   <li>nothing for an upsert of the identical live row (a no-op or a redelivery), counted as
 *       deduplicated, whatever the TTL;
 *   <li>{@code -D}(stored full row) for a delete of a live key;
 *   <li>a delete of a key that is not live goes where {@link #withUnknownKeyDeletes} says.
 * </ul>
 *
 * <p>Retractions carry the stored row (or what {@link #withProjectedState} builds); all records
 * carry the event time and source position of the input change that caused them. Rows are compared
 * with {@code equals}, so the value type must implement it (records and POJOs with equals do).
 *
 * <p><b>Versions</b>: with {@link #withSequence}, a change is applied only when its sequence is
 * greater than the stored one; an older change is stale and goes where {@link #withStaleChanges}
 * says, never overwriting newer state. An equal sequence is the same event again (dropped as a
 * duplicate) when it carries the same row or deletes a deleted key, and stale otherwise. Deleted
 * keys then keep their delete's sequence (one long), so a late update cannot resurrect them: for
 * ever, or until the TTL, unless {@link #withDeleteRetention} removes it after a while.
 *
 * <p><b>State</b> (listed in the pipeline's state inventory): one {@code ValueState} per key
 * holding the live row; versioned, a deleted key's sequence too (for {@link #withDeleteRetention},
 * if set, after its delete); projected, only the projection plus a 64-bit keyed hash of the full
 * row, and the step's 128-bit hash key in operator state (see {@link #withProjectedState}).
 * Unversioned, a delete clears the key. <b>TTL</b> ({@link #withStateTtl}, else the pipeline
 * default): a key whose state expired is treated as never seen: its next upsert is emitted as
 * {@code +I}, its next delete is an unknown-key delete, and its sequence is forgotten (choose a TTL
 * longer than changes can arrive late). No-op suppression stays on with TTL; a suppressed no-op
 * does not restart the TTL clock (a no-op with a newer sequence does, as it writes the sequence).
 *
 * <pre>{@code
 * EtlStream<Change<Customer>> normalized =
 *     customers.apply(
 *         Normalize.upserts("normalize-customers", Customer::id, Types.STRING)
 *             .withSequence(ChangeSequence.sourcePosition())
 *             .withStateTtl(Duration.ofDays(30)));
 * }</pre>
 *
 * @param <T> row type
 * @param <K> key type
 */
@PublicEvolving
public final class UpsertNormalize<T, K> implements EtlStep<Change<T>, Change<T>> {

  /** Where a change goes that the step does not apply. */
  @PublicEvolving
  public enum Route {
    /** Drop it; it is counted as filtered and in the step's specific counter. */
    DROP,
    /**
     * Pass it on unchanged (for unknown-key deletes only): downstream receives the delete as it
     * came, possibly key-only, and an upsert sink deletes the key if it still has it.
     */
    EMIT,
    /**
     * Emit it on the step's side output ({@link Normalize#rejected}); counted as filtered and in
     * the step's specific counter.
     */
    SIDE_OUTPUT,
    /**
     * Make it a dead letter ({@link ChangelogViolationException}), per the step's error policy;
     * counted as dead-lettered.
     */
    DEAD_LETTER
  }

  /**
   * Where stale changes go unless {@link #withStaleChanges} says otherwise; setting it is the same
   * as not setting the option.
   */
  public static final Route DEFAULT_STALE_CHANGES = Route.SIDE_OUTPUT;

  /**
   * Where deletes of unknown keys go without state TTL: nothing was emitted for such a key, so
   * there is nothing to delete downstream (it is a redelivered delete, or a delete of a row that
   * never existed).
   */
  public static final Route DEFAULT_UNKNOWN_KEY_DELETES = Route.DROP;

  /**
   * Where deletes of unknown keys go with state TTL: the key may have expired after its row was
   * emitted, so the delete is passed on for the sink to apply by key rather than leaving a row
   * behind.
   */
  public static final Route DEFAULT_UNKNOWN_KEY_DELETES_WITH_TTL = Route.EMIT;

  /** Uid suffix of the operator that checks the keys before the shuffle: {@code <step>/keys}. */
  static final String KEY_CHECK = "keys";

  private final String name;
  private final KeySelector<T, K> key;
  private final TypeInformation<K> keyType;
  @Nullable private ChangeSequence<T> sequence;
  @Nullable private Projection<T, ?> projection;
  @Nullable private Route unknownKeyDeletes;
  @Nullable private Route staleChanges;
  @Nullable private Duration stateTtl;
  @Nullable private Duration deleteRetention;
  @Nullable private ErrorPolicy errorPolicy;

  UpsertNormalize(String name, KeySelector<T, K> key, TypeInformation<K> keyType) {
    this.name = name;
    this.key = key;
    this.keyType = keyType;
  }

  /** A copy of {@code from}, for one withX to change (no field changes once returned). */
  private UpsertNormalize(UpsertNormalize<T, K> from) {
    name = from.name;
    key = from.key;
    keyType = from.keyType;
    sequence = from.sequence;
    projection = from.projection;
    unknownKeyDeletes = from.unknownKeyDeletes;
    staleChanges = from.staleChanges;
    stateTtl = from.stateTtl;
    deleteRetention = from.deleteRetention;
    errorPolicy = from.errorPolicy;
  }

  private UpsertNormalize<T, K> copy() {
    return new UpsertNormalize<>(this);
  }

  /**
   * Makes the step version-aware: {@code sequence} gives each change's version within its key (see
   * {@link ChangeSequence}); changes not newer than the stored one are stale. Default: none,
   * changes apply in arrival order, as in Flink SQL. A second call replaces the sequence; {@link
   * #withoutSequence()} switches it off again.
   */
  public UpsertNormalize<T, K> withSequence(ChangeSequence<T> sequence) {
    UpsertNormalize<T, K> copy = copy();
    copy.sequence = Objects.requireNonNull(sequence, "sequence");
    return copy;
  }

  /**
   * Applies changes in arrival order (the default), undoing {@link #withSequence} on a step derived
   * from one that has it: the step is then the step that never had a sequence. The options that
   * need one are still refused when the step is applied: {@link #withDeleteRetention} unless it is
   * switched off too ({@link #withoutDeleteRetention()}), {@link #withStaleChanges} unless its
   * route is the default again ({@code withStaleChanges(DEFAULT_STALE_CHANGES)}). It changes the
   * state's layout as removing the call does: state written with a sequence does not restore into
   * it (see the class comment's state and the user guide); give the step a new name.
   */
  public UpsertNormalize<T, K> withoutSequence() {
    UpsertNormalize<T, K> copy = copy();
    copy.sequence = null;
    return copy;
  }

  /**
   * Keeps only a projection of each row in state instead of the full row. <b>The {@code -U} and
   * {@code -D} records the step emits then carry {@code retraction.map(projected)}</b>, not the
   * previous full row: use it when downstream deletes by the projected columns (an upsert sink
   * deletes by key). No-op detection compares a 64-bit hash of each full row's serialized form,
   * kept beside the projection: SipHash-1-3 under a secret key the step draws when the job graph is
   * built and keeps in operator state, so nobody can craft a changed row that passes for a no-op
   * (as with an unkeyed hash). Rows of state written by an etlkit before keyed hashes are compared
   * by their former, unkeyed hash until their key's entry is next written. Rich functions are given
   * the runtime context and opened and closed with the step. Default: full rows; a second call
   * replaces the projection, and {@link #withoutProjectedState()} switches it off again.
   *
   * @param project the part of a row to keep
   * @param projectedType its Flink type; must not be a generic (Kryo) type
   * @param retraction builds the value of {@code -U} and {@code -D} records from the kept part. A
   *     change for which either function throws or returns null, or a Flink {@code Tuple} with a
   *     null field (which Flink's tuple serializer cannot write), also one inside a POJO, record or
   *     {@code Row}, list, set, map or object array, or a value holding a {@code null} list element
   *     or map key its serializer cannot write (a declared {@code Types.LIST(Types.LONG)}), is a
   *     dead letter
   * @throws IllegalArgumentException if {@code projectedType} is generic, or a function implements
   *     one of Flink's checkpoint interfaces ({@code CheckpointedFunction}, {@code
   *     ListCheckpointed}, {@code CheckpointListener}): both are plain functions of a row, called
   *     by the step, which passes no checkpoint hooks on to them
   */
  public <P> UpsertNormalize<T, K> withProjectedState(
      MapFunction<T, P> project, TypeInformation<P> projectedType, MapFunction<P, T> retraction) {
    Objects.requireNonNull(project, "project");
    Objects.requireNonNull(retraction, "retraction");
    requireNotGeneric(projectedType, "projectedType");
    String why =
        "it is a plain function of a row and keeps no state; keep state in a step of its own";
    UserFunctionCheckpoints.requireNone(project, "state projection of step '" + name + "'", why);
    UserFunctionCheckpoints.requireNone(retraction, "retraction of step '" + name + "'", why);
    UpsertNormalize<T, K> copy = copy();
    copy.projection = new Projection<>(project, projectedType, retraction);
    return copy;
  }

  /**
   * Keeps full rows in state and retracts with them (the default), undoing {@link
   * #withProjectedState} on a step derived from one that has it: the step is then the step that
   * never had a projection, so the value type needs value equality again (checked when the step is
   * applied), and no hash key is kept in operator state. It changes the state's layout as removing
   * the call does: state written with a projection does not restore into it (see the class
   * comment's state and the user guide); give the step a new name.
   */
  public UpsertNormalize<T, K> withoutProjectedState() {
    UpsertNormalize<T, K> copy = copy();
    copy.projection = null;
    return copy;
  }

  /**
   * Where a delete goes whose key is not live: never seen, already deleted (a redelivery), or
   * expired. Default: {@link #DEFAULT_UNKNOWN_KEY_DELETES} ({@code DROP}) without state TTL, {@link
   * #DEFAULT_UNKNOWN_KEY_DELETES_WITH_TTL} ({@code EMIT}) with it. Every such delete is counted
   * ({@code unknownKeyDeletes}).
   */
  public UpsertNormalize<T, K> withUnknownKeyDeletes(Route route) {
    UpsertNormalize<T, K> copy = copy();
    copy.unknownKeyDeletes = Objects.requireNonNull(route, "route");
    return copy;
  }

  /**
   * Where a stale change goes (needs {@link #withSequence}): {@code DROP}, {@code SIDE_OUTPUT} or
   * {@code DEAD_LETTER}. Default {@link #DEFAULT_STALE_CHANGES}. Every stale change is counted
   * ({@code staleChanges}). A second call replaces the route.
   *
   * <p>The default route is the route never set: {@code withStaleChanges(DEFAULT_STALE_CHANGES)}
   * gives the default back on a step derived from one with another route, and the step is then the
   * step that never called this (it prints as that step, and needs no sequence). Only another route
   * needs {@link #withSequence}: a step derived with {@link #withoutSequence()} is refused when
   * applied unless its route is the default again.
   *
   * @throws IllegalArgumentException for {@code EMIT}: a stale change is never applied
   */
  public UpsertNormalize<T, K> withStaleChanges(Route route) {
    Objects.requireNonNull(route, "route");
    if (route == Route.EMIT) {
      throw new IllegalArgumentException(
          "staleChanges must be DROP, SIDE_OUTPUT or DEAD_LETTER, was EMIT");
    }
    UpsertNormalize<T, K> copy = copy();
    copy.staleChanges = route == DEFAULT_STALE_CHANGES ? null : route;
    return copy;
  }

  /**
   * Overrides the pipeline's default state TTL for this step (see the class comment).
   *
   * <p>{@link Duration#ZERO} means no TTL for this step, whatever the pipeline's default (as the
   * value 0 of Flink SQL's {@code STATE_TTL} hint does): its state is kept until the step clears
   * it. A second call replaces the TTL; {@link #withPipelineStateTtl()} gives the pipeline's
   * default back.
   *
   * @throws IllegalArgumentException if negative, or positive but not a whole number of
   *     milliseconds, at least one
   */
  public UpsertNormalize<T, K> withStateTtl(Duration ttl) {
    UpsertNormalize<T, K> copy = copy();
    copy.stateTtl = StateTtls.requireValidTtlOrZero(ttl, "stateTtl");
    return copy;
  }

  /**
   * Uses the pipeline's default state TTL ({@code EtlPipeline.defaultStateTtl}, else none), the
   * default, undoing {@link #withStateTtl} (also {@code withStateTtl(Duration.ZERO)}) on a step
   * derived from one that has it: the step is then the step that never had a TTL of its own.
   */
  public UpsertNormalize<T, K> withPipelineStateTtl() {
    UpsertNormalize<T, K> copy = copy();
    copy.stateTtl = null;
    return copy;
  }

  /**
   * Removes a deleted key's delete marker (the sequence {@link #withSequence} keeps for it, so that
   * a late update cannot resurrect the key) once {@code retention} has passed on processing time
   * since the marker was last written, as Kafka's {@code delete.retention.ms} removes a compacted
   * topic's tombstones. Default: not set, markers are kept until the state TTL, if any, removes
   * them; a table whose keys are inserted and deleted all day then keeps one marker per key ever
   * deleted. Needs {@link #withSequence}: without one a delete clears the key's state and keeps no
   * marker, so the step is refused when applied. A second call replaces the retention; {@link
   * #withoutDeleteRetention()} switches it off again.
   *
   * <p>Each marker write (a delete, also one of a key that was not live) sets the key's removal
   * deadline to the write's processing time plus {@code retention}, rounded up to a whole second,
   * and keeps one processing-time timer per key at that deadline: a newer delete moves it, an
   * upsert of the key replaces the marker by its live row, which the removal then leaves alone.
   * <b>After the removal the key is like a key never seen</b> (as after state TTL): a late change
   * older than the delete is applied ({@code +I}), and a redelivered delete is an unknown-key
   * delete. Choose a retention longer than changes can arrive late. The state TTL still applies
   * too, whichever comes first. Removals are counted ({@code deleteMarkersRemoved}).
   *
   * <p>The step then also keeps the deadline of each pending removal in state ({@code
   * delete-deadline}, one long per key deleted within the retention). Added at a restore (markers
   * restored from a savepoint taken without this option) or changed (shortened or lengthened), the
   * step reads every key once after the restore: each marker without a deadline gets one a
   * retention after the restore, each pending removal set with another retention the new one after
   * the marker's last write (at once if that has passed; set again after a run without the option,
   * a retention after the restore: never early). Two operator states ({@code
   * delete-deadlines-complete}, {@code delete-retention}, one entry per subtask) let later restores
   * skip that pass. A restore without the option keeps every marker; the removals that were pending
   * then do nothing. In batch mode ({@code RuntimeExecutionMode.BATCH}) Flink fires a key's timers
   * at the end of the key's input, so markers are removed then, when no record of the key is left
   * to read them: the output is the same.
   *
   * @throws IllegalArgumentException if null, not positive, or not a whole number of milliseconds
   *     (as for {@link #withStateTtl})
   */
  public UpsertNormalize<T, K> withDeleteRetention(Duration retention) {
    UpsertNormalize<T, K> copy = copy();
    copy.deleteRetention = StateTtls.requireValidTtl(retention, "deleteRetention");
    return copy;
  }

  /**
   * Keeps delete markers until the state TTL, if any, removes them (the default), undoing {@link
   * #withDeleteRetention} on a step derived from one that has it. At a restore this is the restore
   * without the option described there.
   */
  public UpsertNormalize<T, K> withoutDeleteRetention() {
    UpsertNormalize<T, K> copy = copy();
    copy.deleteRetention = null;
    return copy;
  }

  /**
   * Overrides the pipeline's error policy for this step: it applies to dead-lettered changes
   * (rejected sequences or projections, and the routes set to {@code DEAD_LETTER}). A second call
   * replaces the policy; {@link #withPipelineErrorPolicy()} gives the pipeline's default back.
   */
  public UpsertNormalize<T, K> withErrorPolicy(ErrorPolicy policy) {
    UpsertNormalize<T, K> copy = copy();
    copy.errorPolicy = Objects.requireNonNull(policy, "policy");
    return copy;
  }

  /**
   * Uses the pipeline's default error policy ({@code EtlPipeline.defaultErrorPolicy}, else dead
   * letters), the default, undoing {@link #withErrorPolicy} on a step derived from one that has it:
   * the step is then the step that never had a policy of its own.
   */
  public UpsertNormalize<T, K> withPipelineErrorPolicy() {
    UpsertNormalize<T, K> copy = copy();
    copy.errorPolicy = null;
    return copy;
  }

  @Override
  public String name() {
    return name;
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalArgumentException if the input is not a {@code Change} stream with a real value
   *     type, a part of the value type has no value equality (full state: a class without an {@code
   *     equals} of its own, or an array inside a record, tuple, list or map), {@link
   *     #withStaleChanges} (with a route other than the default) or {@link #withDeleteRetention}
   *     was set without {@link #withSequence}, or the key selector's type can be inferred and is
   *     not the key type
   */
  @Override
  public DataStream<Change<T>> expand(DataStream<Change<T>> input, StepContext context) {
    TypeInformation<T> valueType = valueTypeOf(input.getType(), name);
    if (staleChanges != null && sequence == null) {
      throw new IllegalArgumentException(
          "staleChanges needs withSequence(...): without a sequence no change is stale");
    }
    if (deleteRetention != null && sequence == null) {
      throw new IllegalArgumentException(
          "deleteRetention needs withSequence(...): without a sequence a delete clears the key's"
              + " state and keeps no marker to remove");
    }
    if (projection == null) {
      NormalizeFunctionBase.requireValueEquality(valueType);
    }
    requireKeyTypeOf(key, keyType, valueType, "upsert normalize step '" + name + "'");
    ValueEquality.requireKeyEquality(keyType, "upsert normalize step '" + name + "'");
    Duration ttl = context.stateTtl(stateTtl).orElse(null);
    ErrorHandler errors = context.errorHandler(errorPolicy);
    // the key of the row fingerprints, drawn once per job graph (a restore keeps the stored one)
    NormalizeFunctionBase<K, T> function =
        createFunction(valueType, ttl, errors, FingerprintKey.random());
    // Flink's keyBy fails the job on a null key or a throwing key selector: check the keys first
    // (and drop -U records, which the step ignores, before they are keyed or shipped)
    SingleOutputStreamOperator<Change<T>> checked =
        context.named(
            input
                .process(
                    new KeyCheck<>(
                        changeKey(),
                        keyType,
                        input.getType(),
                        true,
                        errors,
                        UpsertNormalize::nullKey,
                        true),
                    input.getType())
                .setParallelism(input.getParallelism()),
            KEY_CHECK);
    KeyedStream<Change<T>, K> keyed = checked.keyBy(changeKey(), keyType);
    for (StateDeclaration state : function.stateDeclarations()) {
      context.declareState(keyType, state);
    }
    context.declareState(
        keyType,
        deleteRetention == null
            ? ProcessOperatorTimers.unused()
            : ProcessOperatorTimers.declaration(
                "processing time",
                "one timer per key deleted within deleteRetention ("
                    + deleteRetention
                    + "): the removal of its delete marker, at the deadline rounded up to a"
                    + " second"));
    SingleOutputStreamOperator<Change<T>> normalized =
        context.named(
            // keyBy(...).process(function) as before, in an operator that can read all keys once
            keyed.transform(
                "KeyedProcess",
                input.getType(),
                new NormalizeOperator<>(input.getExecutionEnvironment().clean(function))));
    context.addDeadLettersOf(checked);
    context.addDeadLettersOf(normalized);
    return normalized;
  }

  /**
   * The error of a change whose key is null or has a null field (no field values in the message).
   */
  static IllegalArgumentException nullKey(@Nullable String field) {
    return new IllegalArgumentException(KeyCheck.nullKeyMessage("the upsert key", field));
  }

  /**
   * The step's function with the resolved TTL and error handler; with projected state it
   * fingerprints rows under {@code drawnKey} unless a restore brings the key a former run kept
   * (also used by tests).
   */
  NormalizeFunctionBase<K, T> createFunction(
      TypeInformation<T> valueType,
      @Nullable Duration ttl,
      ErrorHandler errors,
      FingerprintKey drawnKey) {
    Route unknown =
        unknownKeyDeletes != null
            ? unknownKeyDeletes
            : ttl == null ? DEFAULT_UNKNOWN_KEY_DELETES : DEFAULT_UNKNOWN_KEY_DELETES_WITH_TTL;
    Route stale = staleChanges != null ? staleChanges : DEFAULT_STALE_CHANGES;
    return sequence == null && projection == null
        ? new UpsertNormalizeFunction<>(valueType, ttl, unknown, errors)
        : VersionedNormalizeFunction.create(
            valueType,
            sequence,
            projection,
            ttl,
            deleteRetention,
            unknown,
            stale,
            errors,
            drawnKey);
  }

  /** The key of a change: the key of its value. */
  KeySelector<Change<T>, K> changeKey() {
    return new ChangeKeySelector<>(key);
  }

  TypeInformation<K> keyType() {
    return keyType;
  }

  static <T> TypeInformation<T> valueTypeOf(TypeInformation<Change<T>> inputType, String step) {
    if (!(inputType instanceof ChangeTypeInfo)) {
      throw new IllegalArgumentException(
          "step '"
              + step
              + "' needs a stream of Change records typed with Change.typeInfo(valueType), was "
              + inputType);
    }
    TypeInformation<T> valueType = ((ChangeTypeInfo<T>) inputType).getValueType();
    requireNotGeneric(valueType, "value type of step '" + step + "'");
    return valueType;
  }

  /**
   * Refuses a key type the key selector's keys do not have, where its type can be inferred: the
   * keyed operator's key serializer could not write them.
   */
  static <T, K> void requireKeyTypeOf(
      KeySelector<T, K> key,
      TypeInformation<K> keyType,
      TypeInformation<T> valueType,
      String step) {
    TypeInformation<K> inferred = DeclaredKeyType.conflicting(keyType, key, valueType);
    if (inferred != null) {
      throw new IllegalArgumentException(
          step
              + ": the key selector's type is "
              + inferred
              + " but the key type is "
              + keyType
              + "; both must be the same");
    }
  }

  static void requireNotGeneric(TypeInformation<?> type, String what) {
    Objects.requireNonNull(type, what);
    if (!KryoTypes.genericParts(type).isEmpty()) {
      throw new IllegalArgumentException(
          what
              + " must have a real Flink type (POJO, record, Row, tuple, basic type), was the"
              + " generic (Kryo) type, or one with a generic (Kryo) part: "
              + type);
    }
  }

  @Override
  public String toString() {
    return "UpsertNormalize{"
        + name
        + (sequence != null ? ", versioned" : "")
        + (projection != null ? ", projected state" : "")
        + (unknownKeyDeletes != null ? ", unknownKeyDeletes=" + unknownKeyDeletes : "")
        + (staleChanges != null ? ", staleChanges=" + staleChanges : "")
        + (stateTtl != null ? ", stateTtl=" + (stateTtl.isZero() ? "none" : stateTtl) : "")
        + (deleteRetention != null ? ", deleteRetention=" + deleteRetention : "")
        + (errorPolicy != null ? ", errorPolicy=" + errorPolicy : "")
        + "}";
  }
}
