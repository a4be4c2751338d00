package dev.etlkit.examples;

import dev.etlkit.core.RawRecord;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;

/**
 * Passes Kafka records on and fails the job on a plan, at places spread over the input: execution
 * attempt {@code a} of subtask 0 fails once its partition has reached offset {@code (a + 1) *
 * spacing} and one checkpoint of the attempt has completed (so every attempt makes progress). The
 * first {@code recordFailures} attempts throw at a record, the next {@code checkpointFailures}
 * while a checkpoint is taken. Counts in a static (the MiniCluster runs in this JVM; the function
 * is recreated on every restart).
 */
final class FailureInjector extends RichMapFunction<RawRecord, RawRecord>
    implements CheckpointedFunction, CheckpointListener {

  private static final long serialVersionUID = 1L;

  /** Failures thrown so far, in this JVM. */
  static final AtomicInteger INJECTED = new AtomicInteger();

  private final int recordFailures;
  private final int checkpointFailures;
  private final long spacing;

  private transient boolean armed;
  private transient boolean atCheckpoint;
  private transient long failAtOffset;
  private transient long offset = -1;
  private transient boolean checkpointCompleted;

  /**
   * @param spacing offsets between two failures: the partition's size divided by the failures + 1
   */
  FailureInjector(int recordFailures, int checkpointFailures, long spacing) {
    this.recordFailures = recordFailures;
    this.checkpointFailures = checkpointFailures;
    this.spacing = spacing;
  }

  @Override
  public void open(OpenContext context) {
    int attempt = getRuntimeContext().getTaskInfo().getAttemptNumber();
    boolean first = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() == 0;
    armed = first && attempt < recordFailures + checkpointFailures;
    atCheckpoint = attempt >= recordFailures;
    failAtOffset = (attempt + 1) * spacing;
  }

  @Override
  public RawRecord map(RawRecord record) {
    String source = record.source();
    offset = Long.parseLong(source.substring(source.lastIndexOf('@') + 1));
    if (armed && !atCheckpoint && ready()) {
      armed = false;
      INJECTED.incrementAndGet();
      throw new IllegalStateException("injected failure at offset " + offset);
    }
    return record;
  }

  @Override
  public void snapshotState(FunctionSnapshotContext context) {
    if (armed && atCheckpoint && ready()) {
      armed = false;
      INJECTED.incrementAndGet();
      throw new IllegalStateException("injected failure while taking checkpoint at " + offset);
    }
  }

  private boolean ready() {
    return offset >= failAtOffset && checkpointCompleted;
  }

  @Override
  public void notifyCheckpointComplete(long checkpointId) {
    checkpointCompleted = true;
  }

  @Override
  public void initializeState(FunctionInitializationContext context) {}
}
