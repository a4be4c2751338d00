package dev.etlkit.operators.internal;

import java.util.List;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.StateInitializationContext;

/**
 * The watermark an event-time step keeps in operator state, so that lateness is decided the same
 * way after a restore as before it (Flink itself restarts every operator without a watermark).
 *
 * <p>Union list state: every subtask stores its watermark, and every subtask restores all of them.
 * Behind a {@code keyBy} all subtasks see the same combined watermark, so the smallest is the safe
 * choice (never more late); it also covers rescaling.
 *
 * <p>The end-of-input watermark ({@code Long.MAX_VALUE}, which Flink sends when a bounded input
 * ends and when a job is stopped with {@code --drain}) is not event time: it is never stored. The
 * highest watermark below it is, so a job restored from a drained savepoint goes on with the event
 * time it had reached instead of finding every later record late. Entries of {@code Long.MAX_VALUE}
 * in savepoints written before this rule are ignored at restore.
 */
@Internal
public final class StoredWatermark {
  private final ListState<Long> state;
  private final long restored;

  /** The highest watermark below the end of input, {@code Long.MIN_VALUE} before any. */
  private long stored;

  private StoredWatermark(ListState<Long> state, long restored) {
    this.state = state;
    this.restored = restored;
    this.stored = restored;
  }

  /** Registers the union list state {@code name} and reads what a restore brought back. */
  public static StoredWatermark register(StateInitializationContext context, String name)
      throws Exception {
    ListState<Long> state =
        context
            .getOperatorStateStore()
            .getUnionListState(new ListStateDescriptor<>(name, Types.LONG));
    long restored = Long.MIN_VALUE;
    if (context.isRestored()) {
      long smallest = Long.MAX_VALUE;
      for (Long w : state.get()) {
        smallest = Math.min(smallest, w);
      }
      restored = smallest == Long.MAX_VALUE ? Long.MIN_VALUE : smallest;
    }
    return new StoredWatermark(state, restored);
  }

  /** The watermark to start from: restored, or {@code Long.MIN_VALUE} on a fresh start. */
  public long restored() {
    return restored;
  }

  /** Called with every watermark the step receives. */
  public void advance(long time) {
    if (time > stored && time != Long.MAX_VALUE) {
      stored = time;
    }
  }

  /** Writes the watermark to store into the state (called from {@code snapshotState}). */
  public void snapshot() throws Exception {
    state.update(stored == Long.MIN_VALUE ? List.of() : List.of(stored));
  }
}
