package dev.etlkit.operators.dedup.internal;

import dev.etlkit.core.StepMetrics;
import dev.etlkit.operators.internal.HeldRecords;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.InternalTimerService;
import org.apache.flink.types.RowKind;

/**
 * The held candidates of a {@link DedupOperator} that keeps the first row in event time with append
 * output: each key's earliest row so far waits in the {@link DedupConfig#PENDING_STATE} state, with
 * an event-time timer at its time, until the watermark passes it and it is emitted, once; an
 * earlier row displaces it (and its timer) before then. Counts a row that does not become the
 * candidate and a displaced candidate as deduplicated, an emitted one as out, and keeps the count
 * of held candidates per key group in {@link HeldRecords}, which the operator snapshots and
 * restores. One per operator instance, made in {@code open()}; it registers the pending state and
 * the timer service there.
 *
 * @param <K> key type
 * @param <T> row type
 */
final class HeldCandidates<K, T> {

  private final DedupOperator<K, ?, T, ?> operator;
  private final DedupRules<T> rules;
  private final ValueState<DedupEntry<T>> state;
  private final ValueState<DedupEntry<T>> pending;
  private final InternalTimerService<VoidNamespace> timers;
  private final StepMetrics metrics;
  private final HeldRecords heldRecords;
  private long stateReads;

  /**
   * @param operator the operator: its keyed state, its timers (it is their {@code Triggerable}) and
   *     the output of a released candidate
   * @param state the key's state, which an emitted candidate's entry goes to
   */
  HeldCandidates(
      DedupOperator<K, ?, T, ?> operator,
      DedupConfig<T> config,
      DedupRules<T> rules,
      ValueState<DedupEntry<T>> state,
      StepMetrics metrics,
      HeldRecords heldRecords) {
    this.operator = operator;
    this.rules = rules;
    this.state = state;
    this.metrics = metrics;
    this.heldRecords = heldRecords;
    // No TTL: a held row must never expire before the watermark releases it.
    pending =
        operator
            .getRuntimeContext()
            .getState(
                new ValueStateDescriptor<>(
                    DedupConfig.PENDING_STATE,
                    new DedupEntryTypeInfo<>(config.pendingLayout(), config.rowType())));
    timers =
        operator.getInternalTimerService(
            DedupConfig.TIMERS, VoidNamespaceSerializer.INSTANCE, operator);
  }

  /** Reads of the per-key state by {@link #hold}. */
  long stateReads() {
    return stateReads;
  }

  /** Keep-first append in event time: the row may become the key's held candidate. */
  void hold(long[] order, T row) throws Exception {
    stateReads++;
    DedupEntry<T> held = pending.value();
    DedupRules.Outcome outcome = rules.hold(state.value(), held, order, row);
    if (outcome != DedupRules.Outcome.HOLD) {
      metrics.deduplicated();
      return;
    }
    if (rules.displaced()) {
      timers.deleteEventTimeTimer(VoidNamespace.INSTANCE, rules.displacedTimestamp());
      metrics.deduplicated(); // the displaced candidate
      heldRecords.released(1);
    }
    pending.update(rules.entry(held));
    heldRecords.held();
    timers.registerEventTimeTimer(VoidNamespace.INSTANCE, order[0]);
  }

  /** The watermark passed the current key's held candidate (its timer at {@code time}): emit it. */
  void release(long time) throws Exception {
    DedupEntry<T> candidate = pending.value();
    if (candidate == null) {
      return;
    }
    pending.clear();
    state.update(rules.emitted());
    heldRecords.released(1);
    operator.emit(RowKind.INSERT, candidate.row, true, time, null);
    metrics.out();
  }
}
