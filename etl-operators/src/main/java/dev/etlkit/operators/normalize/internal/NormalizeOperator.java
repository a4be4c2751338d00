package dev.etlkit.operators.normalize.internal;

import dev.etlkit.core.Change;
import dev.etlkit.core.internal.ProcessOperatorTimers;
import dev.etlkit.operators.internal.DeleteDeadlinePass;
import org.apache.flink.annotation.Internal;
import org.apache.flink.annotation.VisibleForTesting;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The upsert normalize step's operator: Flink's {@link KeyedProcessOperator} running a {@link
 * NormalizeFunctionBase} (so its state, timers and uid are those of {@code keyBy(...).process(...)}
 * as before), plus what a function cannot do, as it sees one key at a time: with {@code
 * withDeleteRetention}, after a restore from a snapshot whose delete markers may lack their removal
 * deadline (taken without the option) or one set with another retention, it reads every key once
 * and gives each marker its deadline ({@link DeleteDeadlinePass}), as SCD2's operator does for its
 * TTL. The pass's two operator states ({@value #DEADLINES_COMPLETE_STATE}, {@value
 * #RETENTION_STATE}) exist only with the option.
 */
@Internal
public final class NormalizeOperator<K, T> extends KeyedProcessOperator<K, Change<T>, Change<T>> {
  private static final long serialVersionUID = 1L;

  private static final Logger LOG = LoggerFactory.getLogger(NormalizeOperator.class);

  /** Operator state: whether every delete marker has its removal deadline. Never rename. */
  public static final String DEADLINES_COMPLETE_STATE = "delete-deadlines-complete";

  /** Operator state: the retention (ms) the deadlines were set with. Never rename. */
  public static final String RETENTION_STATE = "delete-retention";

  private final NormalizeFunctionBase<K, T> function;
  private transient DeleteDeadlinePass deadlinePass;
  private transient long markersGivenDeadlines;

  public NormalizeOperator(NormalizeFunctionBase<K, T> function) {
    super(function);
    this.function = function;
  }

  @Override
  public void initializeState(StateInitializationContext context) throws Exception {
    super.initializeState(context);
    deadlinePass =
        DeleteDeadlinePass.register(
            context, DEADLINES_COMPLETE_STATE, RETENTION_STATE, function.deleteRetentionMillis());
    markersGivenDeadlines = -1L;
  }

  @Override
  public void open() throws Exception {
    super.open();
    if (deadlinePass.due()) {
      markersGivenDeadlines =
          function.giveRestoredDeadlines(
              getKeyedStateBackend(),
              getInternalTimerService(
                  ProcessOperatorTimers.NAME, VoidNamespaceSerializer.INSTANCE, this),
              deadlinePass,
              getProcessingTimeService().getCurrentProcessingTime());
      LOG.info(
          "{}: restored without withDeleteRetention or with another retention; {} delete markers got a"
              + " removal deadline for the retention",
          getOperatorName(),
          markersGivenDeadlines);
    }
  }

  /**
   * How many delete markers the pass after the restore gave a deadline (or another one); -1 if no
   * pass ran (for tests).
   */
  @VisibleForTesting
  public long markersGivenDeadlines() {
    return markersGivenDeadlines;
  }

  @Override
  public void snapshotState(StateSnapshotContext context) throws Exception {
    super.snapshotState(context);
    deadlinePass.snapshot();
  }
}
