package dev.etlkit.operators.enrich.internal.join;

import dev.etlkit.core.Change;
import dev.etlkit.core.StateTtls;
import dev.etlkit.operators.enrich.DimensionJoinException;
import dev.etlkit.operators.enrich.JoinStatus;
import dev.etlkit.operators.internal.DeleteDeadlinePass;
import dev.etlkit.operators.internal.HeldRecords;
import java.util.ArrayList;
import java.util.List;
import javax.annotation.Nullable;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeutils.base.LongSerializer;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.internal.InternalListState;
import org.apache.flink.streaming.api.operators.InternalTimerService;

/**
 * The point-in-time (event-time) join.
 *
 * <p>State per key: the versions of the dimension row as one sorted {@link VersionHistory} in a
 * {@code ValueState} (a delete is a version too; one read per due fact, a binary search, no state
 * iteration), the facts not yet due in a list per event time (namespace = the fact's timestamp, so
 * holding a fact is one append and one timer), and, if the step waits, the facts that found no
 * version and wait for a late one (with their event-time deadline) and their number.
 *
 * <p>A fact at time {@code t} is due when the watermark reaches {@code t} (an event-time timer at
 * {@code t}); a fact arriving at or behind the watermark is due at once, unless it is older than
 * the watermark minus the allowed lateness (rejected as late). A due fact is joined with the
 * version in force at {@code t}. Without one it waits until the watermark passes {@code t +
 * maxWait}: a version at or before {@code t} arriving meanwhile (necessarily late) releases it.
 *
 * <p>History is pruned when a version is written, at horizon {@code watermark − allowedLateness}:
 * versions older than the one in force at the horizon are dropped. When a version is written every
 * fact at or before the watermark has been resolved, and facts arriving later are at or after the
 * horizon (or rejected as late), so no fact ever needs a pruned version. Reads never write (they
 * would restart the state TTL). A history that lost versions is marked ({@link
 * VersionHistory#earlierPruned()}): a fact before its oldest version needs a pruned one and is
 * rejected as late, like a fact behind the horizon. That happens only where the horizon a history
 * was pruned at is later than the current one: restored with a larger allowed lateness, or with a
 * smaller watermark (key groups merged at a rescale). There, a late version older than the oldest
 * kept (within the restored horizon) goes in front of the marked history and serves the facts after
 * it, although a pruned version may have been in force at their time: the mark says that a history
 * pruned, not up to when (docs/enrichment-state.md). A fact before the first version of an unmarked
 * history finds none ({@link JoinStatus#NOT_FOUND}, or it waits): the row did not exist yet, or (a
 * history restored from a snapshot written before the mark) its versions were pruned before the
 * mark, which it gets at its next prune.
 *
 * <p>A step without a wait opens the waiting list only if it restored waiting facts (from a
 * savepoint taken while it waited; one look at the restored keys when it opens): they leave as
 * {@link JoinStatus#TIMED_OUT} when the watermark passes their deadline, or at the end of input. A
 * late version does not release them (that would cost every dimension record a read) and new facts
 * of their key do not wait. Otherwise such a step neither registers nor reads the waiting list.
 *
 * <p>Restored waiting facts keep their deadline. When it restores any, the step reads them all once
 * and has the operator hold the forwarded watermark back by their longest wait until the watermark
 * passes their last deadline, so a step restored with a shorter wait (or none) never forwards a
 * watermark ahead of them.
 *
 * <p>With a delete retention, a history whose newest version is a delete is removed once the
 * retention has passed since that delete was written ({@link DeleteRetention}, a processing-time
 * timer) and the horizon has reached the delete: then it is the only version pruning keeps, and no
 * fact that can still be joined needs one before it. If the horizon is not there yet when the
 * retention passes, an event-time timer at the delete's time plus the allowed lateness sets the
 * processing-time timer again. Removals happen in processing-time timers only, so never between the
 * facts one watermark makes due. Held and waiting facts are not touched; facts after the removal
 * find no version.
 */
final class AsOfJoin<K, F, D, O> implements JoinLogic<F, D> {

  private final DimensionJoinOperator<K, F, D, O> operator;
  private final JoinConfig<F, D, O> config;
  private final long maxWait;
  private final boolean waits;
  private final long lateness;

  private ValueState<VersionHistory<D>> versions;
  private ValueStateDescriptor<VersionHistory<D>> versionsDescriptor;
  private InternalListState<K, Long, F> held;

  /** Null unless the step waits or restored waiting facts (from a savepoint taken with a wait). */
  @Nullable private WaitingFacts<F> waiting;

  private InternalTimerService<VoidNamespace> timers;
  private HeldRecords heldFacts;

  /** Null without a delete retention. */
  @Nullable private DeleteRetention deletes;

  AsOfJoin(DimensionJoinOperator<K, F, D, O> operator, JoinConfig<F, D, O> config) {
    this.operator = operator;
    this.config = config;
    this.maxWait = config.maxWaitMillis();
    this.waits = config.waits();
    this.lateness = config.allowedLatenessMillis();
  }

  @Override
  @SuppressWarnings("unchecked")
  public void open() throws Exception {
    versionsDescriptor =
        new ValueStateDescriptor<>(
            JoinConfig.VERSIONS_STATE, JoinStateTypeInfo.versionHistory(config.dimensionType()));
    if (config.ttl() != null) {
      versionsDescriptor.enableTimeToLive(StateTtls.config(config.ttl()));
    }
    versions = operator.getRuntimeContext().getState(versionsDescriptor);
    // No TTL on facts: a held or waiting fact must never vanish before it is released.
    held =
        (InternalListState<K, Long, F>)
            operator.keyedState(
                LongSerializer.INSTANCE,
                new ListStateDescriptor<>(JoinConfig.HELD_STATE, config.factType()));
    // Without a wait, the waiting facts of a savepoint taken with one must still leave; only then
    // is the waiting list opened, so a step that never waited keeps its state and per-timer cost.
    if (waits || operator.restoredWaitingFacts()) {
      waiting =
          new WaitingFacts<>(operator.getRuntimeContext(), config.factType(), operator.heldFacts());
    }
    timers = operator.timers();
    heldFacts = operator.heldFacts();
    if (config.deleteRetentionMillis() > 0) {
      // The removals are processing-time timers of the facts' timer service, whose processing-time
      // queue is otherwise empty: at the end of a key in batch mode Flink fires a service's
      // event-time timers before its processing-time ones, so a key's held facts are joined before
      // its history goes (timer services fire in no defined order among each other).
      deletes =
          new DeleteRetention(operator.getRuntimeContext(), config.deleteRetentionMillis(), timers);
    }
    // A latest join's savepoint without rows may hold its removals' timer service (also without a
    // delete retention: a latest join opens it at every restore where Flink restores it unasked).
    operator.openRestoredTimers(JoinConfig.DELETE_TIMERS);
    if (operator.restoredWaitingFacts()) {
      holdBackForRestoredFacts();
    }
  }

  /**
   * Facts restored waiting keep the deadline they got, also when the step now waits less (or not at
   * all) and so holds the watermark back by less: once at the restore, this reads every waiting
   * fact and has the operator hold the watermark back by the longest wait among them until the
   * watermark passes their last deadline, so that they never leave behind the watermark forwarded.
   */
  private void holdBackForRestoredFacts() throws Exception {
    long longest = 0;
    long last = Long.MIN_VALUE;
    for (K key : operator.waitingKeys()) {
      operator.setCurrentKey(key);
      Iterable<PendingFact<F>> facts = waiting.all();
      if (facts == null) {
        continue;
      }
      for (PendingFact<F> p : facts) {
        long waited = p.deadline - p.timestamp; // a deadline is never before its fact's time
        longest = Math.max(longest, waited < 0 ? Long.MAX_VALUE : waited); // < 0: overflowed
        last = Math.max(last, p.deadline);
      }
    }
    operator.holdBackForRestoredFacts(longest, last);
  }

  /**
   * A history whose newest version is a delete is a marker; its removal still waits for the horizon
   * to reach the delete when its timer fires ({@link #removeDeleted}).
   */
  @Override
  public long giveRestoredDeadlines(DeleteDeadlinePass pass) throws Exception {
    return deletes.giveRestoredDeadlines(
        operator.<K>getKeyedStateBackend(),
        versionsDescriptor,
        history -> history.size() > 0 && history.row(history.size() - 1) == null,
        pass,
        operator.now());
  }

  @Override
  public void fact(F fact, boolean hasTimestamp, long timestamp) throws Exception {
    if (!hasTimestamp) {
      operator.rejectFact(DimensionJoinOperator.noTimestamp("the fact"), fact, false, 0L);
      return;
    }
    long watermark = operator.watermark();
    if (timestamp < minus(watermark, lateness)) {
      rejectLate(
          fact,
          timestamp,
          " is behind the watermark "
              + watermark
              + " minus the allowed lateness: the versions it needs may be gone");
      return;
    }
    if (timestamp <= watermark) {
      due(fact, timestamp, versions.value(), watermark); // due at once
      return;
    }
    held.setCurrentNamespace(timestamp);
    held.add(operator.keep(fact));
    heldFacts.held();
    timers.registerEventTimeTimer(VoidNamespace.INSTANCE, timestamp);
  }

  @Override
  public void dimension(Change<D> change, boolean hasTimestamp, long timestamp) throws Exception {
    if (!hasTimestamp) {
      operator.rejectDimension(
          DimensionJoinOperator.noTimestamp("the dimension record"), change, false, 0L);
      return;
    }
    Change<D> kept = operator.keep(change);
    D row = kept.isAccumulate() ? kept.value() : null;
    VersionHistory<D> history = versions.value();
    VersionHistory<D> updated =
        (history == null ? VersionHistory.<D>empty() : history)
            .with(timestamp, row, minus(operator.watermark(), lateness));
    versions.update(updated);
    if (deletes != null) {
      int newest = updated.size() - 1;
      if (updated.row(newest) != null) {
        deletes.liveRowWritten();
      } else if (updated.time(newest) == timestamp) {
        deletes.deleteWritten(operator.now());
      } else {
        deletes.deleteKept(operator.now()); // a late version before the delete
      }
    }
    operator.applied();
    if (waits) {
      releaseWaiting(row, timestamp);
    }
  }

  /**
   * A late version releases the waiting facts at or after its time (it is in force for them), in
   * time order.
   */
  private void releaseWaiting(@Nullable D row, long version) throws Exception {
    for (PendingFact<F> p : inTimeOrder(waiting.releaseFrom(version))) {
      if (row != null) {
        operator.emit(p.fact, true, p.timestamp, row, JoinStatus.FOUND_AFTER_WAIT);
      } else {
        operator.unmatched(p.fact, true, p.timestamp, JoinStatus.DELETED);
      }
    }
  }

  /**
   * The watermark reached {@code time}: waiting facts whose deadline passed time out, then the
   * facts at {@code time} are joined.
   */
  @Override
  public void onEventTime(long time) throws Exception {
    if (waiting != null) {
      timeOut(time);
    }
    held.setCurrentNamespace(time);
    Iterable<F> due = held.get();
    if (due != null) {
      joinDue(time, due);
    }
    // A history whose retention passed before the horizon reached its delete may go now: not here,
    // between the facts this watermark makes due (in batch mode: the key's every held fact), but by
    // its processing-time timer again, which fires after them. Not at the end of all input (or of
    // a key in batch mode), where the timer service takes no new timers and the removal is moot.
    if (deletes != null && timers.currentWatermark() != Long.MAX_VALUE) {
      deletes.retryIfPassed(operator.now());
    }
  }

  /** Joins the facts held for {@code time}, which the watermark reached. */
  private void joinDue(long time, Iterable<F> due) throws Exception {
    List<F> facts = new ArrayList<>();
    due.forEach(facts::add);
    held.clear();
    heldFacts.released(facts.size());
    VersionHistory<D> history = versions.value();
    // In batch mode Flink fires a key's timers when its records end, with the timer service's
    // watermark at Long.MAX_VALUE (the operator's stays behind), and ignores timers registered
    // meanwhile: a fact without a version must time out now, not wait for a deadline timer.
    // In streaming the timer service's watermark never passes the operator's.
    long watermark = Math.max(operator.watermark(), timers.currentWatermark());
    for (F fact : facts) {
      due(fact, time, history, watermark);
    }
  }

  /**
   * Joins a due fact with the version in force at its time, rejects it as late if that version was
   * pruned, or lets it wait.
   */
  private void due(F fact, long time, @Nullable VersionHistory<D> history, long watermark)
      throws Exception {
    int version = history == null ? -1 : history.inForce(time);
    if (version >= 0) {
      D row = history.row(version);
      if (row != null) {
        operator.emit(fact, true, time, row, JoinStatus.FOUND);
      } else {
        operator.unmatched(fact, true, time, JoinStatus.DELETED);
      }
    } else if (history != null && history.earlierPruned()) {
      rejectLate(
          fact,
          time,
          " is before the oldest version its key keeps, "
              + history.time(0)
              + ": the version in force then was pruned (under a smaller allowed lateness or a"
              + " later watermark)");
    } else if (!waits) {
      operator.unmatched(fact, true, time, JoinStatus.NOT_FOUND);
    } else if (plus(time, maxWait) <= watermark) {
      operator.unmatched(fact, true, time, JoinStatus.TIMED_OUT);
    } else {
      int waitingFacts = waiting.size();
      if (waitingFacts >= config.maxBufferedFacts()) {
        operator.bufferFull(fact, true, time);
        return;
      }
      long deadline = plus(time, maxWait);
      waiting.add(new PendingFact<>(deadline, true, time, operator.keep(fact)), waitingFacts);
      timers.registerEventTimeTimer(VoidNamespace.INSTANCE, deadline);
    }
  }

  /**
   * End of input: the final watermark has fired every timer; facts still waiting (the input ended
   * without it) time out.
   */
  @Override
  public void finish() throws Exception {
    if (waiting == null) {
      return;
    }
    for (K key : operator.waitingKeys()) {
      operator.setCurrentKey(key);
      timeOut(Long.MAX_VALUE);
    }
  }

  /**
   * The current key's waiting facts whose deadline is at or before {@code time} time out, in time
   * order.
   */
  private void timeOut(long time) throws Exception {
    for (PendingFact<F> p : inTimeOrder(waiting.expire(time))) {
      operator.unmatched(p.fact, true, p.timestamp, JoinStatus.TIMED_OUT);
    }
  }

  /**
   * Sorts facts released together by time, stable for equal times: they waited in the order they
   * became due, which is not their time order for facts that arrived within the allowed lateness.
   * In place; below 32 facts it allocates nothing (an insertion sort).
   */
  private static <F> List<PendingFact<F>> inTimeOrder(List<PendingFact<F>> facts) {
    if (facts.size() > 1) {
      facts.sort(PendingFact.BY_TIMESTAMP);
    }
    return facts;
  }

  /**
   * The only processing-time timers are the removals of a delete retention: the current key's
   * history goes if {@code time} is its deadline and the delete is all that is left of it.
   */
  @Override
  public void onProcessingTime(long time) throws Exception {
    if (deletes != null && deletes.isDue(time)) {
      removeDeleted();
    }
  }

  /**
   * The retention of the current key's newest version, a delete, has passed: the history goes if
   * the delete is the version in force at the horizon (watermark − allowed lateness), so that no
   * fact that can still be joined needs a version before it; pruned there, the delete would be all
   * that is left. Until then, an event-time timer at the delete's time + allowed lateness, when the
   * horizon reaches it, sets the processing-time timer again ({@link #onEventTime}). The watermark
   * is the timer service's too: in batch mode it is at its maximum when a key's timers fire at its
   * end (event-time timers first), the operator's at its minimum.
   */
  private void removeDeleted() throws Exception {
    VersionHistory<D> history = versions.value();
    int newest = history == null ? -1 : history.size() - 1;
    if (newest < 0 || history.row(newest) != null) {
      deletes.clear(); // expired by its TTL, or (not expected) a live row: never removed
      return;
    }
    long deleted = history.time(newest);
    long watermark = Math.max(operator.watermark(), timers.currentWatermark());
    if (deleted <= minus(watermark, lateness)) {
      versions.clear();
      deletes.clear();
      operator.joins().deleteMarkerRemoved();
    } else {
      timers.registerEventTimeTimer(VoidNamespace.INSTANCE, plus(deleted, lateness));
    }
  }

  /** A late fact, counted as late and dead-lettered: its time {@code timestamp} and {@code why}. */
  private void rejectLate(F fact, long timestamp, String why) {
    operator.joins().late();
    operator.rejectFact(
        new DimensionJoinException(
            DimensionJoinException.Reason.LATE, "the fact's time " + timestamp + why),
        fact,
        true,
        timestamp);
  }

  private static long plus(long time, long millis) {
    return time > Long.MAX_VALUE - millis ? Long.MAX_VALUE : time + millis;
  }

  private static long minus(long time, long millis) {
    return time < Long.MIN_VALUE + millis ? Long.MIN_VALUE : time - millis;
  }
}
