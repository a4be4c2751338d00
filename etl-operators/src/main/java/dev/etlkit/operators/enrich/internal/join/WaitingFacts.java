package dev.etlkit.operators.enrich.internal.join;

import dev.etlkit.operators.internal.HeldRecords;
import java.util.ArrayList;
import java.util.List;
import javax.annotation.Nullable;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * The facts of the current key that wait for their dimension row, in arrival order, with their
 * number kept beside them so that a new fact checks the bound without reading the list. No TTL: a
 * waiting fact must never vanish before it is released. Both variants use it; only facts without a
 * row touch it (and dimension records, to release them). Keeps the step's count of the facts in
 * state ({@link HeldRecords}) as facts come and go.
 */
final class WaitingFacts<F> {

  private final ListState<PendingFact<F>> facts;
  private final ValueState<Integer> count;
  private final HeldRecords held;

  WaitingFacts(RuntimeContext context, TypeInformation<F> factType, HeldRecords held) {
    this.held = held;
    this.facts =
        context.getListState(
            new ListStateDescriptor<>(
                JoinConfig.WAITING_STATE, JoinStateTypeInfo.pendingFact(factType)));
    this.count = context.getState(new ValueStateDescriptor<>(JoinConfig.COUNT_STATE, Types.INT));
  }

  /** How many facts wait. */
  int size() throws Exception {
    Integer n = count.value();
    return n == null ? 0 : n;
  }

  /** Adds a fact; the caller checked the bound with {@link #size()}. */
  void add(PendingFact<F> fact, int sizeBefore) throws Exception {
    facts.add(fact);
    count.update(sizeBefore + 1);
    held.held();
  }

  /** The facts that wait, in arrival order, without changing them; {@code null} if none. */
  @Nullable
  Iterable<PendingFact<F>> all() throws Exception {
    return facts.get();
  }

  /** Removes and returns the facts whose deadline is at or before {@code time}. */
  List<PendingFact<F>> expire(long time) throws Exception {
    return take(time, true);
  }

  /** Removes and returns the facts whose timestamp is at or after {@code time}. */
  List<PendingFact<F>> releaseFrom(long time) throws Exception {
    return take(time, false);
  }

  private List<PendingFact<F>> take(long time, boolean byDeadline) throws Exception {
    Iterable<PendingFact<F>> all = facts.get();
    if (all == null) {
      return List.of();
    }
    List<PendingFact<F>> taken = new ArrayList<>();
    List<PendingFact<F>> remaining = new ArrayList<>();
    for (PendingFact<F> p : all) {
      boolean take = byDeadline ? p.deadline <= time : p.timestamp >= time;
      (take ? taken : remaining).add(p);
    }
    if (taken.isEmpty()) {
      return taken;
    }
    if (remaining.isEmpty()) {
      facts.clear();
      count.clear();
    } else {
      facts.update(remaining);
      count.update(remaining.size());
    }
    held.released(taken.size());
    return taken;
  }
}
