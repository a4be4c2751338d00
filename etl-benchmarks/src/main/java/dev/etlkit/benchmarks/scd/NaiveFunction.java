package dev.etlkit.benchmarks.scd;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.api.java.typeutils.ListTypeInfo;
import org.apache.flink.api.java.typeutils.TupleTypeInfo;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The anti-baseline: SCD2 state written the naive way, the key's whole kept history as one list in
 * a ValueState, read and rewritten for every record. Per record it reads the list, compares the
 * record with the latest entry (a change opens a version), appends the record, drops the entries
 * older than the lateness horizon and writes the list back; it emits nothing. It keeps what the
 * SCD2 step keeps (every change within the horizon), so both hold the same history; only the layout
 * differs. On RocksDB every access (de)serializes the whole list, so its cost grows with the
 * versions per key; on the heap the list is updated in place.
 */
final class NaiveFunction extends KeyedProcessFunction<String, Customer, Void> {
  private static final long serialVersionUID = 1L;

  private final EffectiveClock clock;
  private final long horizon;

  private transient ValueState<List<Tuple2<Long, Customer>>> history;
  private transient long versionsOpened;
  private transient int preloadEntries;
  private transient long preloadSpacing;

  NaiveFunction(EffectiveClock clock, long horizon) {
    this.clock = clock;
    this.horizon = horizon;
  }

  @Override
  public void open(OpenContext openContext) {
    history =
        getRuntimeContext()
            .getState(
                new ValueStateDescriptor<>(
                    "naive-history",
                    new ListTypeInfo<>(new TupleTypeInfo<>(Types.LONG, Customer.TYPE))));
  }

  /**
   * While {@code entries > 0}, each record writes its key's steady-state history in one go instead
   * of being processed: {@code entries} copies of it, {@code spacing} milliseconds apart, ending at
   * its effective time. Much faster than growing each list record by record.
   */
  void preload(int entries, long spacing) {
    preloadEntries = entries;
    preloadSpacing = spacing;
  }

  @Override
  public void processElement(Customer customer, Context ctx, Collector<Void> out) throws Exception {
    long time = clock.of(customer).toEpochMilli();
    if (preloadEntries > 0) {
      List<Tuple2<Long, Customer>> list = new ArrayList<>(preloadEntries);
      for (int i = preloadEntries - 1; i >= 0; i--) {
        list.add(Tuple2.of(time - i * preloadSpacing, customer));
      }
      history.update(list);
      return;
    }
    List<Tuple2<Long, Customer>> list = history.value();
    if (list == null) {
      list = new ArrayList<>();
    }
    if (list.isEmpty() || !list.get(list.size() - 1).f1.sameAttributes(customer)) {
      versionsOpened++;
    }
    list.add(Tuple2.of(time, customer));
    long keepFrom = time - horizon;
    int expired = 0;
    while (expired < list.size() && list.get(expired).f0 < keepFrom) {
      expired++;
    }
    if (expired > 0) {
      list.subList(0, expired).clear();
    }
    history.update(list);
  }

  /** Records that opened a version (for tests). */
  long versionsOpened() {
    return versionsOpened;
  }
}
