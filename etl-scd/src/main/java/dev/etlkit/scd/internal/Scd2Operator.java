package dev.etlkit.scd.internal;

import dev.etlkit.core.Change;
import dev.etlkit.scd.Scd2Row;
import java.util.List;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
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
 */
@Internal
public final class Scd2Operator<I, T> extends KeyedProcessOperator<String, I, Change<Scd2Row<T>>> {
  private static final long serialVersionUID = 1L;

  private static final Logger LOG = LoggerFactory.getLogger(Scd2Operator.class);

  /** Operator state: whether every key of the snapshot has a cleanup timer (TTL on). */
  public static final String TIMERS_COMPLETE_STATE = "scd2-cleanup-timers-complete";

  /** The name of {@link KeyedProcessOperator}'s timer service, which the function's timers use. */
  private static final String USER_TIMERS = "user-timers";

  private final Scd2Function<I, T> function;
  private transient ListState<Boolean> timersComplete;
  private transient boolean giveMissingTimers;
  private transient long keysGivenCleanupTimers;

  public Scd2Operator(Scd2Function<I, T> function) {
    super(function);
    this.function = function;
  }

  @Override
  public void initializeState(StateInitializationContext context) throws Exception {
    super.initializeState(context);
    timersComplete =
        context
            .getOperatorStateStore()
            .getUnionListState(new ListStateDescriptor<>(TIMERS_COMPLETE_STATE, Types.BOOLEAN));
    boolean complete = false;
    if (context.isRestored()) {
      for (Boolean flag : timersComplete.get()) {
        complete |= flag;
      }
    }
    giveMissingTimers = context.isRestored() && function.hasTtl() && !complete;
    keysGivenCleanupTimers = -1;
  }

  @Override
  public void open() throws Exception {
    super.open();
    if (giveMissingTimers) {
      long now = getProcessingTimeService().getCurrentProcessingTime();
      keysGivenCleanupTimers =
          function.registerMissingCleanupTimers(
              getKeyedStateBackend(),
              getInternalTimerService(USER_TIMERS, VoidNamespaceSerializer.INSTANCE, this),
              now);
      LOG.info(
          "{}: restored without a TTL; {} keys got a cleanup timer for the TTL after the restore",
          getOperatorName(),
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
  }
}
