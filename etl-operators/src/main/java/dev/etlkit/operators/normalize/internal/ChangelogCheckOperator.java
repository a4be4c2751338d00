package dev.etlkit.operators.normalize.internal;

import dev.etlkit.core.Change;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.annotation.VisibleForTesting;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.runtime.jobgraph.JobType;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.streaming.api.graph.StreamConfig;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.FlinkRuntimeException;

/**
 * The changelog check's operator: Flink's {@link KeyedProcessOperator} running a {@link
 * ChangelogCheckFunction} (so its state, timers and uid are those of {@code
 * keyBy(...).process(...)} as before), plus what a function cannot do in batch mode.
 *
 * <p>In streaming mode every record goes straight to the function, as before: nothing is buffered.
 *
 * <p>In batch mode with sorted inputs (Flink's default) the input comes sorted by key and then by
 * timestamp, and records of a key that share a timestamp come in no defined order. The operator
 * holds such a group (in a plain field: batch mode gives one key at a time, and its keyed state is
 * thrown away when the next key starts, so there is nothing a checkpoint could miss) until a record
 * with another timestamp comes, the key changes (the state backend tells before it switches, while
 * the group's state is still readable), a watermark comes (batch mode's only one, the final
 * watermark, comes before the end of input: the group's records go before it) or the input ends;
 * then it applies the group in an order the rules accept, if there is one ({@link
 * ChangelogGroupOrder}), else in arrival order, so real violations get the reasons they get today.
 * Records without a timestamp form one group per key. A group that grows past {@link
 * ChangelogGroupOrder#MAX_SEARCHED} records is applied in arrival order at once, and the rest of it
 * passes straight through: the operator never holds more than that many records. With object reuse
 * on, it holds copies (made with the type's serializer).
 *
 * <p>Batch mode without sorted inputs (sorted inputs and the batch state backend switched off)
 * gives the keys mixed: the operator then works as in streaming mode.
 */
@Internal
public final class ChangelogCheckOperator<K, T>
    extends KeyedProcessOperator<K, Change<T>, Change<T>> implements BoundedOneInput {
  private static final long serialVersionUID = 1L;

  private final ChangelogCheckFunction<K, T> function;

  /** Whether tests made the operator act as on sorted batch input, whatever its job. */
  private final boolean assumeSortedBatch;

  /** Whether the input is sorted batch input: groups are ordered. Set in {@link #open}. */
  private transient boolean sortedBatch;

  /** The current group's records, in arrival order (sorted batch input only). */
  @Nullable private transient List<StreamRecord<Change<T>>> group;

  /** Whether a group is open: records came since the last key, timestamp or end of a group. */
  private transient boolean inGroup;

  private transient boolean groupHasTimestamp;
  private transient long groupTimestamp;

  /** Copies the records a group holds: with object reuse only (sorted batch input only). */
  @Nullable private transient TypeSerializer<Change<T>> copier;

  /** Whether the current group outgrew the search: its further records pass straight through. */
  private transient boolean passingThrough;

  public ChangelogCheckOperator(ChangelogCheckFunction<K, T> function) {
    this(function, false);
  }

  private ChangelogCheckOperator(ChangelogCheckFunction<K, T> function, boolean assumeSortedBatch) {
    super(function);
    this.function = function;
    this.assumeSortedBatch = assumeSortedBatch;
  }

  /**
   * An operator that orders groups as on sorted batch input, for harness tests (a test harness runs
   * a streaming job): feed it each key's records together, in timestamp order.
   */
  @VisibleForTesting
  public static <K, T> ChangelogCheckOperator<K, T> assumingSortedBatchInput(
      ChangelogCheckFunction<K, T> function) {
    return new ChangelogCheckOperator<>(function, true);
  }

  @Override
  public void open() throws Exception {
    super.open();
    sortedBatch = assumeSortedBatch || sortedBatchInput();
    if (sortedBatch) {
      group = new ArrayList<>(ChangelogGroupOrder.MAX_SEARCHED + 1);
      copier =
          getExecutionConfig().isObjectReuseEnabled()
              ? Change.typeInfo(function.valueType())
                  .createSerializer(getExecutionConfig().getSerializerConfig())
              : null;
      KeyedStateBackend<K> backend = getKeyedStateBackend();
      backend.registerKeySelectionListener(this::keySelected);
    }
  }

  private boolean sortedBatchInput() {
    if (getRuntimeContext().getJobType() != JobType.BATCH) {
      return false;
    }
    StreamConfig.InputConfig[] inputs = getOperatorConfig().getInputs(getUserCodeClassloader());
    return inputs.length == 1 && StreamConfig.requiresSorting(inputs[0]);
  }

  @Override
  public void processElement(StreamRecord<Change<T>> element) throws Exception {
    if (!sortedBatch) {
      super.processElement(element);
      return;
    }
    if (inGroup
        && (element.hasTimestamp() != groupHasTimestamp
            || (groupHasTimestamp && element.getTimestamp() != groupTimestamp))) {
      endGroup();
    }
    if (!inGroup) {
      inGroup = true;
      groupHasTimestamp = element.hasTimestamp();
      groupTimestamp = element.hasTimestamp() ? element.getTimestamp() : 0L;
    }
    if (passingThrough) {
      super.processElement(element);
      return;
    }
    // With object reuse, the input object may be reused upstream: copy what outlives the call.
    group.add(copier == null ? element : element.copy(copier.copy(element.getValue())));
    if (group.size() > ChangelogGroupOrder.MAX_SEARCHED) {
      applyInArrivalOrder();
      passingThrough = true;
    }
  }

  /**
   * Before the state backend switches to {@code newKey}: the current key's group ends. Batch mode's
   * timer service listens to the switch too, and first (it registers its listener before this
   * operator opens): it has fired and dropped the old key's timers when this runs. The function
   * sets no timer (its TTL is Flink's state TTL); one it set while a group ends here would not fire
   * for the old key.
   */
  private void keySelected(K newKey) {
    if (inGroup && !Objects.equals(newKey, getCurrentKey())) {
      try {
        endGroup();
      } catch (Exception e) {
        // no key in the message: it may hold field values
        throw new FlinkRuntimeException(
            getOperatorName() + ": could not check the last records of a key before the next", e);
      }
    }
  }

  /**
   * Ends the group before the watermark passes on: batch mode's sorted input sends the final
   * watermark before it ends the input, and the group's records, which came before it, must not
   * reach the operators after the check behind it.
   */
  @Override
  public void processWatermark(Watermark mark) throws Exception {
    if (sortedBatch && inGroup) {
      endGroup();
    }
    super.processWatermark(mark);
  }

  @Override
  public void endInput() throws Exception {
    if (sortedBatch) {
      endGroup();
    }
  }

  /** Applies the group in an order the rules accept, else in arrival order. */
  private void endGroup() throws Exception {
    inGroup = false;
    passingThrough = false;
    int size = group.size();
    if (size > 1) {
      @SuppressWarnings("unchecked")
      ChangelogGroupOrder order = function.orderOf((K) getCurrentKey(), group);
      if (order != null) {
        for (int i = 0; i < size; i++) {
          super.processElement(group.get(order.at(i)));
        }
        group.clear();
        return;
      }
    }
    applyInArrivalOrder();
  }

  private void applyInArrivalOrder() throws Exception {
    for (int i = 0; i < group.size(); i++) {
      super.processElement(group.get(i));
    }
    group.clear();
  }
}
