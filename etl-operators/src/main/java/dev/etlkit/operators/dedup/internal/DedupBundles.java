package dev.etlkit.operators.dedup.internal;

import dev.etlkit.core.StepMetrics;
import dev.etlkit.operators.dedup.DedupOutput;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import javax.annotation.Nullable;
import org.apache.flink.api.common.operators.ProcessingTimeService.ProcessingTimeCallback;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.streaming.runtime.tasks.ProcessingTimeService;
import org.apache.flink.types.RowKind;

/**
 * The mini-batch path of a {@link DedupOperator}: the records buffered in a {@link MiniBatch}
 * between flushes, the processing-time timer that flushes a bundle after the step's delay, and the
 * flush itself, which applies each key's records with one read and at most one write of its state
 * and emits the key's net change (an insert, a delete, or an update of the row the bundle started
 * from), counting the records that changed the state but not the output as deduplicated. The
 * operator flushes before every checkpoint barrier, at every watermark and at the end of input; a
 * keep-first step in event time hands each key's winner to its {@link HeldCandidates} instead. One
 * per operator instance, made in {@code open()} when the step has mini-batches and does not run in
 * batch mode.
 *
 * @param <K> key type
 * @param <T> row type
 */
final class DedupBundles<K, T> {

  private final DedupOperator<K, ?, T, ?> operator;
  private final DedupConfig<T> config;
  private final DedupRules<T> rules;
  private final ValueState<DedupEntry<T>> state;
  private final StepMetrics metrics;
  private final ProcessingTimeService time;
  private final TypeSerializer<T> rowSerializer;
  private final boolean copyEmittedRows;

  /** The held candidates, which a bundle's winners go to (keep-first in event time); else null. */
  @Nullable private final HeldCandidates<K, T> held;

  /** The delete retention, told of every tombstone a flush writes; else null. */
  @Nullable private final DeleteRetention<T> retention;

  private final boolean retract;
  private final MiniBatch<K, T> batch;
  private final ProcessingTimeCallback batchTimerCallback;
  @Nullable private ScheduledFuture<?> batchTimer;
  private long stateReads;

  /**
   * @param operator the operator, for the current key and the rows it emits
   * @param copyEmittedRows whether to emit a copy of a bundle's row, which state may keep (object
   *     reuse on)
   */
  DedupBundles(
      DedupOperator<K, ?, T, ?> operator,
      DedupConfig<T> config,
      DedupRules<T> rules,
      ValueState<DedupEntry<T>> state,
      StepMetrics metrics,
      ProcessingTimeService time,
      TypeSerializer<T> rowSerializer,
      boolean copyEmittedRows,
      @Nullable HeldCandidates<K, T> held,
      @Nullable DeleteRetention<T> retention) {
    this.operator = operator;
    this.config = config;
    this.rules = rules;
    this.state = state;
    this.metrics = metrics;
    this.time = time;
    this.rowSerializer = rowSerializer;
    this.copyEmittedRows = copyEmittedRows;
    this.held = held;
    this.retention = retention;
    this.retract = config.output() == DedupOutput.RETRACT;
    this.batch = new MiniBatch<>(rules);
    this.batchTimerCallback = now -> flushBatch();
  }

  /** Reads of the per-key state by flushes. */
  long stateReads() {
    return stateReads;
  }

  /** Buffers a record of the current key; flushes when the bundle is full. */
  void buffer(
      boolean delete,
      T row,
      @Nullable long[] order,
      boolean hasTimestamp,
      long timestamp,
      @Nullable Object source)
      throws Exception {
    boolean wasEmpty = batch.isEmpty();
    @SuppressWarnings("unchecked")
    K key = (K) operator.getCurrentKey();
    if (batch.add(key, delete, row, order, hasTimestamp, timestamp, source)) {
      metrics.deduplicated();
    }
    if (batch.records() >= config.miniBatchRecords()) {
      flushBatch();
    } else if (wasEmpty) {
      long now = time.getCurrentProcessingTime();
      batchTimer = time.registerTimer(now + config.miniBatchDelayMillis(), batchTimerCallback);
    }
  }

  /** Applies every buffered record, touching each key's state once, and emits the net changes. */
  void flushBatch() throws Exception {
    if (batch.isEmpty()) {
      return;
    }
    if (batchTimer != null) {
      batchTimer.cancel(false);
      batchTimer = null;
    }
    Iterator<Map.Entry<K, List<MiniBatch.Item<T>>>> keys = batch.keys();
    while (keys.hasNext()) {
      Map.Entry<K, List<MiniBatch.Item<T>>> bundle = keys.next();
      operator.setCurrentKey(bundle.getKey());
      if (held != null) {
        MiniBatch.Item<T> winner = bundle.getValue().get(0); // insert-only: one item per key
        held.hold(winner.order, winner.row);
      } else {
        flushKey(bundle.getValue());
      }
    }
    batch.clear();
  }

  private void flushKey(List<MiniBatch.Item<T>> items) throws Exception {
    stateReads++;
    DedupEntry<T> entry = state.value();
    boolean beforeLive = entry != null && entry.live;
    T beforeRow = beforeLive ? entry.row : null;
    boolean beforeHasHash = beforeLive && entry.hasHash;
    long beforeHash = beforeLive ? entry.hash : 0L;
    boolean write = false;
    MiniBatch.Item<T> lastAccumulate = null;
    MiniBatch.Item<T> lastDelete = null;
    // Records that changed the key's state in this bundle: the one behind the net change counts as
    // out, the others were superseded within the bundle (deduplicated), as are all of them when
    // their changes cancel out.
    int changes = 0;
    for (int i = 0; i < items.size(); i++) {
      MiniBatch.Item<T> item = items.get(i);
      DedupRules.Outcome outcome = rules.apply(entry, item.delete, item.order, item.row);
      entry = rules.entry(entry);
      write |= rules.mustWrite();
      if (outcome == DedupRules.Outcome.DUPLICATE) {
        metrics.deduplicated();
      } else {
        changes++;
        if (item.delete) {
          lastDelete = item;
        } else {
          lastAccumulate = item;
        }
      }
    }
    if (write) {
      if (entry == null) {
        state.clear();
      } else {
        state.update(entry);
        if (retention != null && !entry.live) {
          retention.tombstoneWritten();
        }
      }
    }
    boolean afterLive = entry != null && entry.live;
    int outputs = 0;
    if (!beforeLive && afterLive) {
      emit(RowKind.INSERT, lastAccumulate);
      outputs = 1;
    } else if (beforeLive && !afterLive) {
      T deleted = beforeRow != null ? beforeRow : lastDelete.row;
      operator.emit(
          RowKind.DELETE,
          deleted,
          lastDelete.hasTimestamp,
          lastDelete.timestamp,
          lastDelete.source);
      outputs = 1;
    } else if (beforeLive
        && lastAccumulate != null
        && !rules.unchanged(beforeHasHash, beforeHash, beforeRow, entry)) {
      if (retract) {
        operator.emit(
            RowKind.UPDATE_BEFORE,
            beforeRow,
            lastAccumulate.hasTimestamp,
            lastAccumulate.timestamp,
            lastAccumulate.source);
      }
      emit(RowKind.UPDATE_AFTER, lastAccumulate);
      outputs = retract ? 2 : 1;
    }
    if (outputs > 0) {
      metrics.out(outputs);
      changes--;
    }
    for (; changes > 0; changes--) {
      metrics.deduplicated(); // superseded within the bundle, or cancelled out
    }
  }

  /**
   * Emits a bundle's row, which state may keep too: with object reuse on, a copy, so that a
   * function after the step that changes the record it gets in place does not change the kept row.
   */
  private void emit(RowKind kind, MiniBatch.Item<T> item) {
    T row = copyEmittedRows ? rowSerializer.copy(item.row) : item.row;
    operator.emit(kind, row, item.hasTimestamp, item.timestamp, item.source);
  }
}
