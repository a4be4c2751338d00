package dev.etlkit.operators.enrich.internal.join;

import dev.etlkit.core.Change;
import dev.etlkit.core.StateTtls;
import dev.etlkit.operators.enrich.JoinStatus;
import dev.etlkit.operators.internal.DeleteDeadlinePass;
import javax.annotation.Nullable;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.streaming.api.operators.InternalTimer;
import org.apache.flink.streaming.api.operators.InternalTimerService;
import org.apache.flink.streaming.api.operators.Triggerable;

/**
 * The latest (processing-time) join: per key the current row, or the delete that removed it, in one
 * {@code ValueState}; a fact reads it once. Without a row a fact waits (if the step waits) in a
 * list with its processing-time deadline until a row arrives (released with {@link
 * JoinStatus#FOUND_AFTER_WAIT}, or {@link JoinStatus#DELETED} for a delete) or its timer fires
 * ({@link JoinStatus#TIMED_OUT}). Each waiting fact has a processing-time timer at its deadline,
 * deleted when a row releases the fact, so the timers are those of the facts waiting. Waiting facts
 * of a key are released in arrival order; since deadlines grow with arrival, the expired ones are
 * always a prefix.
 *
 * <p>Invariant: a key has waiting facts only while it has no row and no delete, so a fact that
 * finds a row never needs to look at the waiting list. A dimension record reads the waiting list
 * only when the step waits at all.
 *
 * <p>A step without a wait keeps its rows only: it opens the waiting list, the timers and the count
 * of waiting facts only when it restored waiting facts (from a savepoint taken while the step
 * waited); otherwise it opens the timers only where Flink restores them unasked ({@link
 * DimensionJoinOperator#openRestoredTimers}), and they do nothing. Those facts leave as {@link
 * JoinStatus#TIMED_OUT} when their timer fires, or at the end of input; a row that arrives for
 * their key does not release them (that would cost every dimension record a read), so for such keys
 * the invariant does not hold until they left.
 *
 * <p>With a delete retention, a delete's marker is removed when the retention has passed since it
 * was written ({@link DeleteRetention}; timers in a service of their own, {@link
 * JoinConfig#DELETE_TIMERS}): the key then has neither row nor delete, so the invariant holds, and
 * its facts wait or get {@link JoinStatus#NOT_FOUND}. Without one, neither the deadline state nor
 * that timer service exists.
 */
final class LatestJoin<K, F, D, O> implements JoinLogic<F, D> {

  private final DimensionJoinOperator<K, F, D, O> operator;
  private final JoinConfig<F, D, O> config;
  private final long maxWait;
  private final boolean waits;

  private ValueState<Change<D>> row;
  private ValueStateDescriptor<Change<D>> rowDescriptor;

  /** Null without a wait unless this attempt restored waiting facts; so are the timers. */
  @Nullable private WaitingFacts<F> waiting;

  @Nullable private InternalTimerService<VoidNamespace> timers;

  /** Null without a delete retention. */
  @Nullable private DeleteRetention deletes;

  LatestJoin(DimensionJoinOperator<K, F, D, O> operator, JoinConfig<F, D, O> config) {
    this.operator = operator;
    this.config = config;
    this.maxWait = config.maxWaitMillis();
    this.waits = config.waits();
  }

  @Override
  public void open() throws Exception {
    rowDescriptor =
        new ValueStateDescriptor<>(JoinConfig.ROW_STATE, Change.typeInfo(config.dimensionType()));
    if (config.ttl() != null) {
      rowDescriptor.enableTimeToLive(StateTtls.config(config.ttl()));
    }
    row = operator.getRuntimeContext().getState(rowDescriptor);
    // also without a wait: facts restored from a savepoint taken with one must leave
    if (waits || operator.restoredWaitingFacts()) {
      waiting =
          new WaitingFacts<>(operator.getRuntimeContext(), config.factType(), operator.heldFacts());
      timers = operator.timers();
    } else {
      // the wait removed at a restore (or a point-in-time join's savepoint without rows): its
      // timer service may be restored all the same, with no fact waiting
      operator.openRestoredTimers(JoinConfig.TIMERS);
    }
    if (config.deleteRetentionMillis() > 0) {
      deletes =
          new DeleteRetention(
              operator.getRuntimeContext(),
              config.deleteRetentionMillis(),
              operator.deleteTimers(new MarkerRemoval()));
    } else if (operator.mustOpenRestoredDeleteTimers()) {
      // The option removed at a restore: its timers may be restored all the same (fired, they do
      // nothing), and Flink cannot checkpoint them unopened.
      operator.deleteTimers(new MarkerRemoval());
    }
  }

  @Override
  public long giveRestoredDeadlines(DeleteDeadlinePass pass) throws Exception {
    return deletes.giveRestoredDeadlines(
        operator.<K>getKeyedStateBackend(),
        rowDescriptor,
        current -> !current.isAccumulate(),
        pass,
        operator.now());
  }

  @Override
  public void fact(F fact, boolean hasTimestamp, long timestamp) throws Exception {
    Change<D> current = row.value();
    if (current != null) {
      if (current.isAccumulate()) {
        operator.emit(fact, hasTimestamp, timestamp, current.value(), JoinStatus.FOUND);
      } else {
        operator.unmatched(fact, hasTimestamp, timestamp, JoinStatus.DELETED);
      }
    } else if (!waits) {
      operator.unmatched(fact, hasTimestamp, timestamp, JoinStatus.NOT_FOUND);
    } else {
      int waitingFacts = waiting.size();
      if (waitingFacts >= config.maxBufferedFacts()) {
        operator.bufferFull(fact, hasTimestamp, timestamp);
        return;
      }
      long deadline = operator.now() + maxWait;
      waiting.add(
          new PendingFact<>(deadline, hasTimestamp, timestamp, operator.keep(fact)), waitingFacts);
      timers.registerProcessingTimeTimer(VoidNamespace.INSTANCE, deadline);
    }
  }

  @Override
  public void dimension(Change<D> change, boolean hasTimestamp, long timestamp) throws Exception {
    row.update(operator.keep(change));
    if (deletes != null) {
      if (change.isAccumulate()) {
        deletes.liveRowWritten();
      } else {
        deletes.deleteWritten(operator.now());
      }
    }
    operator.applied();
    if (waits) {
      for (PendingFact<F> p : waiting.releaseFrom(Long.MIN_VALUE)) {
        // its timer would fire for nothing; facts with one deadline share it, deleted once each
        timers.deleteProcessingTimeTimer(VoidNamespace.INSTANCE, p.deadline);
        if (change.isAccumulate()) {
          operator.emit(
              p.fact, p.hasTimestamp, p.timestamp, change.value(), JoinStatus.FOUND_AFTER_WAIT);
        } else {
          operator.unmatched(p.fact, p.hasTimestamp, p.timestamp, JoinStatus.DELETED);
        }
      }
    }
  }

  @Override
  public void onProcessingTime(long time) throws Exception {
    release(time);
  }

  @Override
  public void onEventTime(long time) {
    // no event-time timers
  }

  /**
   * Removes the current key's delete marker if {@code time} is its deadline: the key is then like a
   * key never seen. Never a live row (a live row cancels the removal; checked all the same).
   */
  private void removeMarker(long time) throws Exception {
    if (!deletes.isDue(time)) {
      return; // a removal cancelled or moved since (not expected: those delete their timer)
    }
    Change<D> current = row.value();
    if (current != null && !current.isAccumulate()) {
      row.clear();
      operator.joins().deleteMarkerRemoved();
    }
    deletes.clear();
  }

  /** The timers of the pending marker removals, apart from the waiting facts'. */
  private final class MarkerRemoval implements Triggerable<K, VoidNamespace> {

    @Override
    public void onProcessingTime(InternalTimer<K, VoidNamespace> timer) throws Exception {
      if (deletes != null) { // else a removal restored after the option was removed: kept
        removeMarker(timer.getTimestamp());
      }
    }

    @Override
    public void onEventTime(InternalTimer<K, VoidNamespace> timer) {
      // processing time only
    }
  }

  /** Releases the facts whose deadline is at or before {@code time} as timed out. */
  private void release(long time) throws Exception {
    for (PendingFact<F> p : waiting.expire(time)) {
      operator.unmatched(p.fact, p.hasTimestamp, p.timestamp, JoinStatus.TIMED_OUT);
    }
  }

  /**
   * End of input, or the final watermark after the dimension input ended: no row will come any
   * more, every waiting fact times out (also without a wait: a restored savepoint may hold some).
   */
  @Override
  public void finish() throws Exception {
    if (waiting == null) {
      return;
    }
    for (K key : operator.waitingKeys()) {
      operator.setCurrentKey(key);
      release(Long.MAX_VALUE);
    }
  }
}
