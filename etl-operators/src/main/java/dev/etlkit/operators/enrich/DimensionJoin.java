package dev.etlkit.operators.enrich;

import dev.etlkit.core.Change;
import dev.etlkit.core.internal.Names;
import dev.etlkit.core.internal.UserFunctionCheckpoints;
import java.time.Duration;
import java.util.Objects;
import javax.annotation.Nullable;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.functions.Function;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.datastream.DataStream;

/**
 * Enrichment from Flink state: joins a stream of facts (orders) with a dimension changelog
 * (customers from CDC) that the step keeps in keyed state, and hands each fact with its dimension
 * row to a combiner.
 *
 * <pre>{@code
 * DimensionJoin.latest("customer", customers, Order::customerId, Customer::id,
 *         EnrichedOrder::of, EnrichedOrder.TYPE_INFO)          // EtlStep<Order, EnrichedOrder>
 *     .withMaxWait(Duration.ofSeconds(30));
 * DimensionJoin.asOf("customer-as-of", customers, Order::customerId, Customer::id,
 *         EnrichedOrder::of, EnrichedOrder.TYPE_INFO)
 *     .withAllowedLateness(Duration.ofMinutes(1));
 * }</pre>
 *
 * <h2>Semantics</h2>
 *
 * <ul>
 *   <li><b>Dimension changelog.</b> {@code +I} and {@code +U} set a key's row, {@code -D} deletes
 *       it (the step remembers the delete, so facts of a deleted key get {@link JoinStatus#DELETED}
 *       at once instead of waiting; until the key is written again, or for {@link
 *       DimensionJoinStep#withDeleteRetention}), {@code -U} is ignored (the {@code +U} that follows
 *       carries the new row). Upsert streams without {@code -U} work as they are.
 *   <li><b>{@link #latest Latest}</b> (processing time): a fact is joined with the key's current
 *       row when it arrives. Like Flink SQL's processing-time temporal join, but deletes are
 *       honoured and a fact can wait for a row that has not arrived yet.
 *   <li><b>{@link #asOf Point in time}</b> (event time): a fact at time {@code t} (its record
 *       timestamp) is joined with the version in force at {@code t}: the dimension record with the
 *       greatest timestamp {@code <= t} (equal timestamps: the later arrival). Facts are held until
 *       the watermark passes {@code t}, so versions that arrive out of order still count, like
 *       Flink SQL's {@code FOR SYSTEM_TIME AS OF} join. History is bounded: when a key is written
 *       it keeps the versions newer than the watermark minus the allowed lateness, plus the one in
 *       force then.
 *   <li><b>Waiting.</b> A fact without a row waits up to {@link DimensionJoinStep#withMaxWait}
 *       (default none) in keyed state: measured in processing time from its arrival (latest), or in
 *       event time from {@code t} (point in time: released when the watermark passes {@code t +
 *       maxWait}). A row arriving in time releases it with {@link JoinStatus#FOUND_AFTER_WAIT};
 *       otherwise it leaves with {@link JoinStatus#TIMED_OUT}. At most {@link
 *       DimensionJoinStep#withMaxBufferedFacts} facts wait per key; more are dead-lettered.
 *   <li><b>Unmatched facts</b> ({@code NOT_FOUND}, {@code TIMED_OUT}, {@code DELETED}, {@code
 *       NULL_KEY}) are passed on with a {@code null} dimension, or dead-lettered ({@link
 *       DimensionJoinStep#withUnmatchedFacts}).
 *   <li><b>Bad records</b> become dead letters: a dimension record with a {@code null} key (or a
 *       tuple key with a {@code null} field, which Flink's tuple serializer cannot write, also a
 *       tuple inside a {@code Row}, POJO or record key), a record whose key selector throws, a fact
 *       or dimension record holding a Flink {@code Tuple} with a {@code null} field its serializer
 *       cannot write (at top level or inside a {@code Row}, POJO or record: the shuffle would fail
 *       on it), a fact the combiner throws for or returns {@code null} for, and for point-in-time
 *       joins records without timestamp and facts older than the watermark minus the allowed
 *       lateness.
 *   <li><b>Accounting.</b> Facts are the step's records: {@code in == out + dead-lettered} once no
 *       fact waits. Dimension records are counted separately under the step name {@code
 *       <step>/dimension}: applied to state as out (emitting nothing), {@code -U} as filtered, bad
 *       ones as dead-lettered.
 *   <li><b>Switching variants.</b> The variants keep their state under different names: a step
 *       switched between {@code latest} and {@code asOf} fails to restore a savepoint in which the
 *       other variant holds rows, versions or held facts ({@code IllegalStateException} naming the
 *       step), instead of starting without the dimension's rows. Keep the variant, or give the step
 *       a new name (fresh state) and replay the dimension. Facts waiting for their row wait in
 *       processing time in one variant and in event time in the other: a savepoint in which the
 *       other variant left waiting facts fails to restore too; stopping the job with {@code
 *       --drain} releases them (timed out) before the switch.
 * </ul>
 */
@PublicEvolving
public final class DimensionJoin {

  /** How long a fact waits for its dimension row unless changed: not at all. */
  public static final Duration DEFAULT_MAX_WAIT = Duration.ZERO;

  /** Longest wait and allowed lateness (a delete retention is bounded as a state TTL is). */
  public static final Duration MAX_DURATION = Duration.ofDays(365);

  /**
   * Facts that may wait per key unless changed; setting it is the same as not setting the option.
   */
  public static final int DEFAULT_MAX_BUFFERED_FACTS = 1_000;

  /** Largest limit of waiting facts per key. */
  public static final int MAX_BUFFERED_FACTS = 1_000_000;

  /** What happens to facts without a dimension row unless changed. */
  public static final UnmatchedFacts DEFAULT_UNMATCHED_FACTS = UnmatchedFacts.EMIT;

  /** How far behind the watermark a fact of a point-in-time join may be, unless changed. */
  public static final Duration DEFAULT_ALLOWED_LATENESS = Duration.ZERO;

  private DimensionJoin() {}

  /**
   * Joins each fact with the current row of its key in the dimension changelog (processing time).
   *
   * @param name the step's name (part of its uid: never rename a running step)
   * @param dimension the dimension changelog, declared with {@code Change.typeInfo(...)}; keyed by
   *     {@code dimensionKey} of its rows (a key-only delete must carry the key fields)
   * @param factKey the key of a fact; a {@code null} key, or a tuple key (or a tuple inside a
   *     {@code Row}, POJO or record key) with a {@code null} field, is status {@link
   *     JoinStatus#NULL_KEY}
   * @param dimensionKey the key of a dimension row, of the same type as the fact key
   * @param combiner makes the output of a fact, its row or {@code null}, and the status
   * @param outputType the output's type; must not be a generic (Kryo) type
   * @throws IllegalArgumentException if the name is invalid, the output type generic, or the
   *     combiner implements one of Flink's checkpoint interfaces (see {@link Combiner})
   */
  public static <F, D, K, O> DimensionJoinStep<F, D, K, O> latest(
      String name,
      DataStream<Change<D>> dimension,
      KeySelector<F, K> factKey,
      KeySelector<D, K> dimensionKey,
      Combiner<F, D, O> combiner,
      TypeInformation<O> outputType) {
    return create(false, name, dimension, factKey, dimensionKey, combiner, outputType);
  }

  /**
   * Joins each fact with the version of its key's dimension row in force at the fact's event time
   * (its record timestamp), like {@code FOR SYSTEM_TIME AS OF}. Both inputs need timestamps and
   * watermarks.
   *
   * @param name the step's name (part of its uid: never rename a running step)
   * @param dimension the dimension changelog, declared with {@code Change.typeInfo(...)}; a
   *     record's timestamp is the time from which its version is in force
   * @param factKey the key of a fact; a {@code null} key, or a tuple key (or a tuple inside a
   *     {@code Row}, POJO or record key) with a {@code null} field, is status {@link
   *     JoinStatus#NULL_KEY}
   * @param dimensionKey the key of a dimension row, of the same type as the fact key
   * @param combiner makes the output of a fact, its row or {@code null}, and the status
   * @param outputType the output's type; must not be a generic (Kryo) type
   * @throws IllegalArgumentException if the name is invalid, the output type generic, or the
   *     combiner implements one of Flink's checkpoint interfaces (see {@link Combiner})
   */
  public static <F, D, K, O> DimensionJoinStep<F, D, K, O> asOf(
      String name,
      DataStream<Change<D>> dimension,
      KeySelector<F, K> factKey,
      KeySelector<D, K> dimensionKey,
      Combiner<F, D, O> combiner,
      TypeInformation<O> outputType) {
    return create(true, name, dimension, factKey, dimensionKey, combiner, outputType);
  }

  private static <F, D, K, O> DimensionJoinStep<F, D, K, O> create(
      boolean asOf,
      String name,
      DataStream<Change<D>> dimension,
      KeySelector<F, K> factKey,
      KeySelector<D, K> dimensionKey,
      Combiner<F, D, O> combiner,
      TypeInformation<O> outputType) {
    Names.requireValid(name, "step name");
    Objects.requireNonNull(dimension, "dimension");
    Objects.requireNonNull(factKey, "factKey");
    Objects.requireNonNull(dimensionKey, "dimensionKey");
    Objects.requireNonNull(combiner, "combiner");
    UserFunctionCheckpoints.requireNone(
        combiner,
        "combiner of step '" + name + "'",
        "a combiner runs in two operators (the fact key check before the shuffle and the join),"
            + " each with a copy of its own, and keeps no state; keep state in a step of its own,"
            + " such as a Steps.map after the join");
    return new DimensionJoinStep<>(
        asOf,
        name,
        dimension,
        factKey,
        dimensionKey,
        combiner,
        DimensionJoinStep.requireNotGeneric(
            Objects.requireNonNull(outputType, "outputType"), "outputType", name));
  }

  /**
   * Makes the output record of a fact. Called once per fact that is passed on, on the task thread;
   * an exception or a {@code null} result sends the fact to the dead letters. May be a {@link
   * org.apache.flink.api.common.functions.RichFunction} (opened and closed with the step). It must
   * not implement Flink's {@code CheckpointedFunction}, {@code ListCheckpointed} or {@code
   * CheckpointListener} (the step fails with an {@code IllegalArgumentException} when built): the
   * step runs the combiner in two operators, the key check before the shuffle and the join, and
   * passes no checkpoint hooks on, which would otherwise lose the state silently. Keep state in a
   * step of its own.
   *
   * <p>The step passes each result on before it calls the combiner again and keeps no reference to
   * it, so a combiner may refill and return one output record for every fact, as Flink SQL's joins
   * refill one joined row; that saves an allocation per fact. It is safe with Flink's default of
   * object reuse off, under which records are copied between chained operators, and with object
   * reuse on as long as no function after the step keeps a reference to its input (Flink's own rule
   * for object reuse). The record must not be shared between combiner instances.
   *
   * <p>Do not modify the fact or the row it is given. On the heap state backend the row is the
   * object kept in state, which every later fact of its key is joined with (on RocksDB it is a
   * fresh copy, so a change would show on one backend only); putting the row, or a part of it, into
   * the output is safe, as the step's output is always serialized for the next operator.
   *
   * @param <F> fact type
   * @param <D> dimension row type
   * @param <O> output type
   */
  @PublicEvolving
  @FunctionalInterface
  public interface Combiner<F, D, O> extends Function {

    /**
     * @param fact the fact
     * @param dimension its dimension row, or {@code null} unless {@code status.isMatched()}
     * @param status how the fact was joined
     */
    O combine(F fact, @Nullable D dimension, JoinStatus status) throws Exception;
  }
}
