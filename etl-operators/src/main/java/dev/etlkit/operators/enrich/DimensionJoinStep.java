package dev.etlkit.operators.enrich;

import dev.etlkit.core.Change;
import dev.etlkit.core.ChangeTypeInfo;
import dev.etlkit.core.ErrorHandler;
import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.core.EtlStep;
import dev.etlkit.core.StateTtls;
import dev.etlkit.core.StepContext;
import dev.etlkit.core.internal.KryoTypes;
import dev.etlkit.core.internal.ValueEquality;
import dev.etlkit.operators.enrich.internal.join.DimensionJoinOperator;
import dev.etlkit.operators.enrich.internal.join.FactKeyCheck;
import dev.etlkit.operators.enrich.internal.join.JoinConfig;
import dev.etlkit.operators.enrich.internal.join.JoinStates;
import dev.etlkit.operators.internal.ChangeKeySelector;
import dev.etlkit.operators.internal.DeclaredKeyType;
import java.time.Duration;
import java.util.Objects;
import javax.annotation.Nullable;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.functions.InvalidTypesException;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.api.java.typeutils.TypeExtractor;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

/**
 * A dimension join step, made by {@link DimensionJoin#latest} or {@link DimensionJoin#asOf}: the
 * semantics are described there. Immutable: every {@code withX} returns a new step, validated when
 * called; rules between options and inputs are checked when the step is applied. The order of calls
 * never matters.
 *
 * <p>The step adds three operators: a key check before each input's shuffle ({@code
 * <pipeline>/<step>/fact-keys}, {@code <pipeline>/<step>/dimension-keys}; stateless, chained to
 * their inputs) and the join ({@code <pipeline>/<step>}), which holds the state.
 *
 * @param <F> fact type (the step's input)
 * @param <D> dimension row type
 * @param <K> join key type
 * @param <O> output type
 */
@PublicEvolving
public final class DimensionJoinStep<F, D, K, O> implements EtlStep<F, O> {

  private final boolean asOf;
  private final String name;
  private final DataStream<Change<D>> dimension;
  private final KeySelector<F, K> factKey;
  private final KeySelector<D, K> dimensionKey;
  private final DimensionJoin.Combiner<F, D, O> combiner;
  private final TypeInformation<O> outputType;
  private final Options<K> options;

  /** The optional knobs, copied on every {@code withX}. */
  private static final class Options<K> {
    Duration maxWait = DimensionJoin.DEFAULT_MAX_WAIT;

    /** Null: not given, or given as {@link DimensionJoin#DEFAULT_MAX_BUFFERED_FACTS}. */
    @Nullable Integer maxBufferedFacts;

    UnmatchedFacts unmatched = DimensionJoin.DEFAULT_UNMATCHED_FACTS;
    Duration allowedLateness = DimensionJoin.DEFAULT_ALLOWED_LATENESS;
    @Nullable Duration stateTtl;
    @Nullable Duration deleteRetention;
    @Nullable TypeInformation<K> keyType;
    @Nullable ErrorPolicy errorPolicy;

    Options<K> copy() {
      Options<K> o = new Options<>();
      o.maxWait = maxWait;
      o.maxBufferedFacts = maxBufferedFacts;
      o.unmatched = unmatched;
      o.allowedLateness = allowedLateness;
      o.stateTtl = stateTtl;
      o.deleteRetention = deleteRetention;
      o.keyType = keyType;
      o.errorPolicy = errorPolicy;
      return o;
    }
  }

  DimensionJoinStep(
      boolean asOf,
      String name,
      DataStream<Change<D>> dimension,
      KeySelector<F, K> factKey,
      KeySelector<D, K> dimensionKey,
      DimensionJoin.Combiner<F, D, O> combiner,
      TypeInformation<O> outputType) {
    this(asOf, name, dimension, factKey, dimensionKey, combiner, outputType, new Options<>());
  }

  private DimensionJoinStep(
      boolean asOf,
      String name,
      DataStream<Change<D>> dimension,
      KeySelector<F, K> factKey,
      KeySelector<D, K> dimensionKey,
      DimensionJoin.Combiner<F, D, O> combiner,
      TypeInformation<O> outputType,
      Options<K> options) {
    this.asOf = asOf;
    this.name = name;
    this.dimension = dimension;
    this.factKey = factKey;
    this.dimensionKey = dimensionKey;
    this.combiner = combiner;
    this.outputType = outputType;
    this.options = options;
  }

  private DimensionJoinStep<F, D, K, O> with(Options<K> changed) {
    return new DimensionJoinStep<>(
        asOf, name, dimension, factKey, dimensionKey, combiner, outputType, changed);
  }

  /**
   * How long a fact without a dimension row waits for it (default {@link
   * DimensionJoin#DEFAULT_MAX_WAIT}: not at all). Latest join: processing time from the fact's
   * arrival. Point-in-time join: event time after the fact's timestamp; the step then holds back
   * the watermark it forwards by this much, so released facts are not late downstream (restored
   * with a shorter wait, by the longest wait of the facts it restored waiting, until the watermark
   * passes their last deadline). Facts waiting in a savepoint keep the deadline they got when
   * restored with another wait. Both times count whole milliseconds: a fraction of one rounds up (a
   * fact never waits less than asked). A second call replaces the wait; {@code
   * withMaxWait(DEFAULT_MAX_WAIT)} gives the default back.
   *
   * @throws IllegalArgumentException if null or not in [0, {@link DimensionJoin#MAX_DURATION}]
   */
  public DimensionJoinStep<F, D, K, O> withMaxWait(Duration maxWait) {
    Options<K> o = options.copy();
    o.maxWait = requireInRange(maxWait, "maxWait");
    return with(o);
  }

  /**
   * How many facts may wait for their dimension row per key (default {@link
   * DimensionJoin#DEFAULT_MAX_BUFFERED_FACTS}). A fact beyond the limit is dead-lettered ({@link
   * DimensionJoinException.Reason#BUFFER_FULL}). Facts a point-in-time join holds until the
   * watermark passes them are not counted: the watermark bounds them. A second call replaces the
   * bound.
   *
   * <p>The default bound is the bound never set: {@code
   * withMaxBufferedFacts(DEFAULT_MAX_BUFFERED_FACTS)} gives the default back on a step derived from
   * one with another bound, and the step is then the step that never called this (it needs no
   * wait). Only another bound needs {@link #withMaxWait}: a step derived with {@code
   * withMaxWait(DEFAULT_MAX_WAIT)} (zero) is refused when applied unless its bound is the default
   * again.
   *
   * @throws IllegalArgumentException if not in 1..{@value DimensionJoin#MAX_BUFFERED_FACTS}; and
   *     when the step is applied, if it is not {@link DimensionJoin#DEFAULT_MAX_BUFFERED_FACTS} and
   *     {@link #withMaxWait} is zero: then no fact waits, and the bound could not act
   */
  public DimensionJoinStep<F, D, K, O> withMaxBufferedFacts(int maxFacts) {
    if (maxFacts < 1 || maxFacts > DimensionJoin.MAX_BUFFERED_FACTS) {
      throw new IllegalArgumentException(
          "maxBufferedFacts must be in 1.."
              + DimensionJoin.MAX_BUFFERED_FACTS
              + ", was "
              + maxFacts);
    }
    Options<K> o = options.copy();
    o.maxBufferedFacts = maxFacts == DimensionJoin.DEFAULT_MAX_BUFFERED_FACTS ? null : maxFacts;
    return with(o);
  }

  /**
   * What happens to facts without a dimension row (default {@link
   * DimensionJoin#DEFAULT_UNMATCHED_FACTS}: passed on with a {@code null} row).
   */
  public DimensionJoinStep<F, D, K, O> withUnmatchedFacts(UnmatchedFacts unmatched) {
    Options<K> o = options.copy();
    o.unmatched = Objects.requireNonNull(unmatched, "unmatched");
    return with(o);
  }

  /**
   * Point-in-time joins only: how far behind the watermark a fact may be and still be joined
   * (default {@link DimensionJoin#DEFAULT_ALLOWED_LATENESS}). The history keeps the versions such
   * facts need; older facts are dead-lettered ({@link DimensionJoinException.Reason#LATE}). Raised
   * at a restore, it cannot bring back versions pruned under the old lateness: until the watermark
   * has advanced by the raise, a fact whose version was pruned is late too. Histories restored from
   * savepoints of etlkit before 2026-11-24 carry no mark of their pruning until their key next
   * prunes: there such a fact gets {@link JoinStatus#NOT_FOUND} (or waits).
   *
   * @throws IllegalArgumentException on a latest join, or if null or not in [0, {@link
   *     DimensionJoin#MAX_DURATION}]
   */
  public DimensionJoinStep<F, D, K, O> withAllowedLateness(Duration allowedLateness) {
    if (!asOf) {
      throw new IllegalArgumentException(
          "allowedLateness is for point-in-time joins only: step '"
              + name
              + "' is a latest join, which joins facts in processing time; use DimensionJoin.asOf");
    }
    Options<K> o = options.copy();
    o.allowedLateness = requireInRange(allowedLateness, "allowedLateness");
    return with(o);
  }

  /**
   * The state TTL of the dimension rows, overriding the pipeline's default. The clock restarts when
   * a key's row changes, not when a fact reads it: a row (for a point-in-time join: a key's whole
   * history) that has not changed for the TTL or longer is forgotten, and its key's facts find no
   * row. Waiting and held facts never expire.
   *
   * <p>{@link Duration#ZERO} means no TTL for this step, whatever the pipeline's default (as the
   * value 0 of Flink SQL's {@code STATE_TTL} hint does): its state is kept until the step clears
   * it. A second call replaces the TTL; {@link #withPipelineStateTtl()} gives the pipeline's
   * default back.
   *
   * @throws IllegalArgumentException if negative, or positive but not a whole number of
   *     milliseconds, at least one
   */
  public DimensionJoinStep<F, D, K, O> withStateTtl(Duration ttl) {
    Options<K> o = options.copy();
    o.stateTtl = StateTtls.requireValidTtlOrZero(ttl, "stateTtl");
    return with(o);
  }

  /**
   * Uses the pipeline's default state TTL ({@code EtlPipeline.defaultStateTtl}, else none), the
   * default, undoing {@link #withStateTtl} (also {@code withStateTtl(Duration.ZERO)}) on a step
   * derived from one that has it: the step is then the step that never had a TTL of its own.
   */
  public DimensionJoinStep<F, D, K, O> withPipelineStateTtl() {
    Options<K> o = options.copy();
    o.stateTtl = null;
    return with(o);
  }

  /**
   * How long the step remembers a deleted key (default: until the key is written again, or its
   * state TTL expires), like Kafka's {@code delete.retention.ms} for the tombstones of a compacted
   * topic. Without it, a dimension whose keys are inserted and deleted all day (order lines,
   * sessions) makes the join's state grow without bound: one delete marker per key ever deleted.
   *
   * <p>Processing time, as the state TTL: a deleted key's marker is removed once {@code retention}
   * has passed since the delete was last written (a newer delete restarts the clock; a live row
   * written meanwhile replaces the marker and cancels its removal). The removal happens at the
   * first whole second at or after that, counted in {@code deleteMarkersRemoved}. After it the key
   * is exactly like a key never seen (as after its TTL expired): its facts get {@link
   * JoinStatus#NOT_FOUND}, or wait for a row, instead of {@link JoinStatus#DELETED}. That is the
   * trade-off, as with Kafka: a fact of the key after the retention no longer learns that its row
   * was deleted. The state TTL still applies on top (whichever comes first). A second call replaces
   * the retention; {@link #withoutDeleteRetention()} switches it off again.
   *
   * <p>Point-in-time join: what is removed is the key's history once the delete is its newest
   * version and the only one left, that is when both the retention has passed and the watermark
   * minus the allowed lateness has reached the delete's time (the pruning rule keeps only the
   * version in force there). Until then a fact within the allowed lateness can still need the
   * version before the delete, and the history stays (it goes at the first processing-time tick
   * after the watermark got there, never between the facts one watermark makes due). A version
   * older than the delete that arrives after the removal starts a new history: facts after the
   * delete then get that version, as for a key whose delete was never seen.
   *
   * <p>Added at a restore (markers restored from a savepoint taken without this option) or changed
   * (shortened or lengthened), the step reads every key once after the restore: each marker without
   * a deadline gets one a retention after the restore, each pending removal set with another
   * retention the new one after the delete's last write (at once if that has passed; set again
   * after a run without the option, a retention after the restore: never early; a point-in-time
   * history still waits for the watermark, as above). Two operator states ({@code
   * join-delete-deadlines-complete}, {@code join-delete-retention}, one entry per subtask) let
   * later restores skip that pass. Removing the option later leaves the pending removals unexecuted
   * (the markers are kept, as without it). In batch mode a key's markers are removed when its
   * records end, after its facts were joined: the result is the same.
   *
   * @throws IllegalArgumentException if null, not positive, or not a whole number of milliseconds
   *     (as for {@link #withStateTtl} and every step's {@code withDeleteRetention})
   */
  public DimensionJoinStep<F, D, K, O> withDeleteRetention(Duration retention) {
    Options<K> o = options.copy();
    o.deleteRetention = StateTtls.requireValidTtl(retention, "deleteRetention");
    return with(o);
  }

  /**
   * Keeps delete markers until the state TTL, if any, removes them (the default), undoing {@link
   * #withDeleteRetention} on a step derived from one that has it. At a restore this is the restore
   * without the option described there.
   */
  public DimensionJoinStep<F, D, K, O> withoutDeleteRetention() {
    Options<K> o = options.copy();
    o.deleteRetention = null;
    return with(o);
  }

  /**
   * The join key's type, when it cannot be inferred from the key selectors (generic lambdas). A
   * selector whose type can be inferred must have this one: the step is refused when applied
   * otherwise.
   */
  public DimensionJoinStep<F, D, K, O> withKeyType(TypeInformation<K> keyType) {
    Options<K> o = options.copy();
    o.keyType = requireNotGeneric(Objects.requireNonNull(keyType, "keyType"), "keyType", name);
    return with(o);
  }

  /**
   * Overrides the pipeline's error policy for this step's bad records (unmatched facts too, when
   * they are dead-lettered). Facts and dimension records have separate budgets. A second call
   * replaces the policy; {@link #withPipelineErrorPolicy()} gives the pipeline's default back.
   */
  public DimensionJoinStep<F, D, K, O> withErrorPolicy(ErrorPolicy policy) {
    Options<K> o = options.copy();
    o.errorPolicy = Objects.requireNonNull(policy, "policy");
    return with(o);
  }

  /**
   * Uses the pipeline's default error policy ({@code EtlPipeline.defaultErrorPolicy}, else dead
   * letters), the default, undoing {@link #withErrorPolicy} on a step derived from one that has it:
   * the step is then the step that never had a policy of its own.
   */
  public DimensionJoinStep<F, D, K, O> withPipelineErrorPolicy() {
    Options<K> o = options.copy();
    o.errorPolicy = null;
    return with(o);
  }

  @Override
  public String name() {
    return name;
  }

  /** True for a point-in-time ({@link DimensionJoin#asOf}) join. */
  public boolean isPointInTime() {
    return asOf;
  }

  @Override
  public DataStream<O> expand(DataStream<F> facts, StepContext context) {
    if (facts.getExecutionEnvironment() != dimension.getExecutionEnvironment()) {
      throw new IllegalArgumentException(
          "dimension join '"
              + name
              + "': the dimension stream comes from another execution environment than the facts");
    }
    TypeInformation<F> factType = requireNotGeneric(facts.getType(), "fact type", name);
    TypeInformation<D> dimensionType = dimensionType();
    TypeInformation<K> keyType = keyType(factType, dimensionType);
    ValueEquality.requireKeyEquality(keyType, "dimension join '" + name + "'");
    checkOptions();
    Duration ttl = context.stateTtl(options.stateTtl).orElse(null);
    ErrorPolicy policy = context.errorPolicy(options.errorPolicy);
    ErrorHandler factErrors = context.errorHandler(options.errorPolicy);
    ErrorHandler dimensionErrors =
        new ErrorHandler(DimensionJoinOperator.dimensionIdentity(context.identity()), policy);
    JoinConfig<F, D, O> config =
        new JoinConfig<>(
            asOf,
            factType,
            dimensionType,
            outputType,
            combiner,
            options.maxWait,
            maxBufferedFacts(),
            options.unmatched,
            options.allowedLateness,
            ttl,
            options.deleteRetention,
            factErrors,
            dimensionErrors);

    SingleOutputStreamOperator<F> checkedFacts =
        context.named(
            facts
                .process(
                    new FactKeyCheck<>(
                        factKey,
                        keyType,
                        factType,
                        combiner,
                        options.unmatched,
                        factErrors,
                        outputType),
                    factType)
                .setParallelism(facts.getParallelism()),
            "fact-keys");
    SingleOutputStreamOperator<Change<D>> checkedDimension =
        context.named(
            dimension
                .process(
                    DimensionJoinOperator.dimensionKeyCheck(
                        dimensionKey, keyType, dimension.getType(), dimensionErrors),
                    dimension.getType())
                .setParallelism(dimension.getParallelism()),
            "dimension-keys");
    SingleOutputStreamOperator<O> joined =
        context.named(
            checkedFacts
                .keyBy(factKey, keyType)
                .connect(checkedDimension.keyBy(new ChangeKeySelector<>(dimensionKey), keyType))
                .transform(name, outputType, new DimensionJoinOperator<K, F, D, O>(config)));
    context.addDeadLettersOf(checkedFacts);
    context.addDeadLettersOf(checkedDimension);
    context.addDeadLettersOf(joined);
    JoinStates.declare(context, keyType, config);
    return joined.union(checkedFacts.getSideOutput(FactKeyCheck.nullKeyTag(outputType)));
  }

  private void checkOptions() {
    if (options.maxBufferedFacts != null && options.maxWait.isZero()) {
      // Refused rather than ignored: the bound is on waiting facts, and without a wait none waits.
      throw new IllegalArgumentException(
          "dimension join '"
              + name
              + "': withMaxBufferedFacts("
              + options.maxBufferedFacts
              + ") bounds the facts waiting for their row, which needs withMaxWait (now "
              + options.maxWait
              + "): without a wait no fact waits"
              + (asOf
                  ? " (the facts a point-in-time join holds until the watermark passes them are"
                      + " not counted)"
                  : ""));
    }
  }

  private int maxBufferedFacts() {
    return options.maxBufferedFacts != null
        ? options.maxBufferedFacts
        : DimensionJoin.DEFAULT_MAX_BUFFERED_FACTS;
  }

  @SuppressWarnings("unchecked")
  private TypeInformation<D> dimensionType() {
    TypeInformation<Change<D>> type = dimension.getType();
    if (!(type instanceof ChangeTypeInfo)) {
      throw new IllegalArgumentException(
          "dimension join '"
              + name
              + "': the dimension stream must be a changelog declared with Change.typeInfo(...),"
              + " was "
              + type);
    }
    return requireNotGeneric(((ChangeTypeInfo<D>) type).getValueType(), "dimension row type", name);
  }

  private TypeInformation<K> keyType(TypeInformation<F> factType, TypeInformation<D> rowType) {
    if (options.keyType != null) {
      // Declared where the selectors' types are lost to erasure, but also where they are not: a
      // selector whose type is known must have the declared one, or the join's key serializer
      // could not write its keys.
      requireDeclared(options.keyType, factKey, factType, "fact key");
      requireDeclared(options.keyType, dimensionKey, rowType, "dimension key");
      return options.keyType;
    }
    TypeInformation<K> fromFacts = inferKeyType(factKey, factType, "fact key");
    TypeInformation<K> fromRows = inferKeyType(dimensionKey, rowType, "dimension key");
    if (!fromFacts.equals(fromRows)) {
      throw new IllegalArgumentException(
          "dimension join '"
              + name
              + "': the fact key is "
              + fromFacts
              + " but the dimension key is "
              + fromRows
              + "; both must have the same type");
    }
    return requireNotGeneric(fromFacts, "key type", name);
  }

  private <T> void requireDeclared(
      TypeInformation<K> declared,
      KeySelector<T, K> selector,
      TypeInformation<T> inputType,
      String what) {
    TypeInformation<K> inferred = DeclaredKeyType.conflicting(declared, selector, inputType);
    if (inferred != null) {
      throw new IllegalArgumentException(
          "dimension join '"
              + name
              + "': the "
              + what
              + " is "
              + inferred
              + " but the declared key type (withKeyType) is "
              + declared
              + "; both must be the same");
    }
  }

  private <T> TypeInformation<K> inferKeyType(
      KeySelector<T, K> selector, TypeInformation<T> inputType, String what) {
    try {
      return TypeExtractor.getKeySelectorTypes(selector, inputType);
    } catch (InvalidTypesException e) {
      throw new IllegalArgumentException(
          "dimension join '"
              + name
              + "': the type of the "
              + what
              + " cannot be inferred from its key selector; pass it with withKeyType(...)",
          e);
    }
  }

  static <T> TypeInformation<T> requireNotGeneric(
      TypeInformation<T> type, String what, String step) {
    if (!KryoTypes.genericParts(type).isEmpty()) {
      throw new IllegalArgumentException(
          "dimension join '"
              + step
              + "': the "
              + what
              + " "
              + type
              + " would be serialized with Kryo; give it a POJO, record, Avro or basic type");
    }
    return type;
  }

  private static Duration requireInRange(Duration value, String option) {
    if (value == null) {
      throw new IllegalArgumentException(option + " must not be null");
    }
    if (value.isNegative() || value.compareTo(DimensionJoin.MAX_DURATION) > 0) {
      throw new IllegalArgumentException(
          option + " must be in [PT0S, " + DimensionJoin.MAX_DURATION + "], was " + value);
    }
    return value;
  }

  @Override
  public String toString() {
    return "DimensionJoin."
        + (asOf ? "asOf" : "latest")
        + "("
        + name
        + ", maxWait="
        + options.maxWait
        + ", maxBufferedFacts="
        + maxBufferedFacts()
        + ", unmatched="
        + options.unmatched
        + (asOf ? ", allowedLateness=" + options.allowedLateness : "")
        + (options.stateTtl != null
            ? ", ttl=" + (options.stateTtl.isZero() ? "none" : options.stateTtl)
            : "")
        + (options.deleteRetention != null ? ", deleteRetention=" + options.deleteRetention : "")
        + (options.errorPolicy != null ? ", errorPolicy=" + options.errorPolicy : "")
        + ")";
  }
}
