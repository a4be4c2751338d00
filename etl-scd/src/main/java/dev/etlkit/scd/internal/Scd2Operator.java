package dev.etlkit.scd.internal;

import dev.etlkit.core.Change;
import dev.etlkit.scd.Scd2Row;
import java.util.List;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.OperatorStateStore;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.jobgraph.JobType;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.operators.TimestampedCollector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SCD2 step's operator: Flink's {@link KeyedProcessOperator} running an {@link Scd2Function},
 * plus what a function cannot do, as it sees one key at a time: when the step has a TTL and its
 * state was restored from a snapshot taken without one, every key without a cleanup timer gets one
 * for the TTL after the restore (the way Flink's own state TTL stamps state restored without a TTL
 * with the restore time). Keys written later restart their clock as usual; a key nobody writes is
 * forgotten a TTL after the restore instead of never.
 *
 * <p>Whether the snapshot's keys all have cleanup timers is kept in a union list state of one flag
 * per subtask ({@value #TIMERS_COMPLETE_STATE}), so the pass over all keys runs once, on the first
 * restore with a TTL after a run without one (or from a snapshot that has no flag: older etlkit
 * versions), not on every restore.
 *
 * <p>The pass also runs when the TTL is shorter than the snapshot's ({@value #CLEANUP_TTL_STATE},
 * one TTL per subtask, absent in snapshots of older versions, which count as unknown): a key's
 * timer then lies at its last write plus the old TTL, and the pass gives every key whose timer is
 * later than its last write plus the new TTL one at that time (at once if it is past), so idle keys
 * are forgotten by the new TTL, as Flink's own state TTL does.
 *
 * <p>Likewise for the delete retention ({@code withDeleteRetention}): the retention the timers were
 * set with is kept in {@value #DELETE_RETENTION_STATE} (one per subtask), and when the step has one
 * and the snapshot none (a run without the option, or an older version) or a longer one, the same
 * pass gives every deleted key whose timer is not due by its deadline one there: its last write
 * plus the retention, or, for a key whose last write is not known (written without TTL or the
 * option), the restore plus the retention. That state exists only with the option: a run without it
 * registers it only to clear it, when restored from a run with it, so that the option switched on
 * again passes over the keys deleted meanwhile.
 *
 * <p>The function's cleanup timers emit through a collector of this operator's output ({@code
 * Scd2Function.timerOutput}), not through the one {@code KeyedProcessOperator} gives them, which
 * erases the timestamp of what a processing-time timer emits: a key forgotten with append output
 * emits its closed versions with the effective time of its latest change as their timestamp, so an
 * event-time window after the step never meets a row without one.
 *
 * <p>In a {@code BATCH} job ({@link #isBatchJob}) the function ignores its state TTL and delete
 * retention ({@code Scd2Function.inBatchMode}), as batch mode ignores Flink's state TTL, and no
 * pass over restored keys runs.
 */
@Internal
public final class Scd2Operator<I, T> extends KeyedProcessOperator<String, I, Change<Scd2Row<T>>> {
  private static final long serialVersionUID = 1L;

  private static final Logger LOG = LoggerFactory.getLogger(Scd2Operator.class);

  /** Operator state: whether every key of the snapshot has a cleanup timer (TTL on). */
  public static final String TIMERS_COMPLETE_STATE = "scd2-cleanup-timers-complete";

  /** Operator state: the TTL (milliseconds, 0 for none) the keys' cleanup timers were set with. */
  public static final String CLEANUP_TTL_STATE = "scd2-cleanup-ttl";

  /**
   * Operator state, only with {@code withDeleteRetention} (or to clear it): the retention
   * (milliseconds) the deleted keys' cleanup timers were set with.
   */
  public static final String DELETE_RETENTION_STATE = "scd2-delete-retention";

  /** The name of {@link KeyedProcessOperator}'s timer service, which the function's timers use. */
  private static final String USER_TIMERS = "user-timers";

  private final Scd2Function<I, T> function;
  private transient ListState<Boolean> timersComplete;
  private transient ListState<Long> cleanupTtl;
  @Nullable private transient ListState<Long> deleteRetention;
  private transient boolean giveMissingTimers;
  private transient boolean giveDeleteDeadlines;
  private transient long keysGivenCleanupTimers;

  public Scd2Operator(Scd2Function<I, T> function) {
    super(function);
    this.function = function;
  }

  @Override
  public void initializeState(StateInitializationContext context) throws Exception {
    super.initializeState(context);
    boolean batch = isBatchJob();
    if (batch) {
      function.inBatchMode();
    }
    timersComplete =
        context
            .getOperatorStateStore()
            .getUnionListState(new ListStateDescriptor<>(TIMERS_COMPLETE_STATE, Types.BOOLEAN));
    cleanupTtl =
        context
            .getOperatorStateStore()
            .getUnionListState(new ListStateDescriptor<>(CLEANUP_TTL_STATE, Types.LONG));
    boolean complete = false;
    long previousTtl = -1; // unknown: a snapshot of an older version
    if (context.isRestored()) {
      for (Boolean flag : timersComplete.get()) {
        complete |= flag;
      }
      for (Long ttl : cleanupTtl.get()) {
        previousTtl = Math.max(previousTtl, ttl);
      }
    }
    giveMissingTimers =
        !batch
            && context.isRestored()
            && function.hasTtl()
            && (!complete || previousTtl < 0 || previousTtl > function.ttlMillis());
    OperatorStateStore operatorState = context.getOperatorStateStore();
    long previousRetention = -1; // unknown: none, or a snapshot of an older version
    if (function.hasDeleteRetention()
        || operatorState.getRegisteredStateNames().contains(DELETE_RETENTION_STATE)) {
      deleteRetention =
          operatorState.getUnionListState(
              new ListStateDescriptor<>(DELETE_RETENTION_STATE, Types.LONG));
      if (context.isRestored()) {
        for (Long retention : deleteRetention.get()) {
          previousRetention = Math.max(previousRetention, retention);
        }
      }
    }
    giveDeleteDeadlines =
        !batch
            && context.isRestored()
            && function.hasDeleteRetention()
            && (previousRetention < 0 || previousRetention > function.deleteRetentionMillis());
    keysGivenCleanupTimers = -1;
  }

  /**
   * Whether the job runs in {@code BATCH} mode ({@code execution.runtime-mode}): the step then
   * ignores its state TTL and delete retention, as batch mode ignores Flink's state TTL.
   */
  boolean isBatchJob() {
    return getContainingTask().getEnvironment().getJobType() == JobType.BATCH;
  }

  @Override
  public void open() throws Exception {
    super.open();
    function.timerOutput(new TimestampedCollector<>(output));
    if (giveMissingTimers || giveDeleteDeadlines) {
      long now = getProcessingTimeService().getCurrentProcessingTime();
      keysGivenCleanupTimers =
          function.registerMissingCleanupTimers(
              getKeyedStateBackend(),
              getInternalTimerService(USER_TIMERS, VoidNamespaceSerializer.INSTANCE, this),
              now,
              giveMissingTimers,
              giveDeleteDeadlines);
      LOG.info(
          "{}: restored without {} or with a longer one; {} keys got a cleanup timer",
          getOperatorName(),
          giveMissingTimers
              ? (giveDeleteDeadlines ? "a TTL and a delete retention" : "a TTL")
              : "a delete retention",
          keysGivenCleanupTimers);
    }
  }

  /**
   * How many keys the pass after the restore gave a cleanup timer; -1 if no pass ran (for tests).
   */
  public long keysGivenCleanupTimers() {
    return keysGivenCleanupTimers;
  }

  @Override
  public void snapshotState(StateSnapshotContext context) throws Exception {
    super.snapshotState(context);
    timersComplete.update(List.of(function.hasTtl()));
    cleanupTtl.update(List.of(function.hasTtl() ? function.ttlMillis() : 0L));
    if (deleteRetention != null) { // cleared without the option: the next one passes again
      deleteRetention.update(
          function.hasDeleteRetention() ? List.of(function.deleteRetentionMillis()) : List.of());
    }
  }
}
