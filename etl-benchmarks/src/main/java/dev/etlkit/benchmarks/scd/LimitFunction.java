package dev.etlkit.benchmarks.scd;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The least state work SCD2 needs per record: get the key's current row, put the new current row,
 * put the record into the key's history (one ValueState get and put, one MapState put, same row
 * type), emit nothing. Redeliveries pay the same: the history must keep them while a late change
 * can still land before them.
 *
 * <p>The history entry's map key is a slot of the effective time, {@code (time / spacing) mod
 * slots}, so that a key's map stays at the size the SCD2 step's kept history reaches (up to two
 * horizons of changes) instead of growing through the run.
 */
final class LimitFunction extends KeyedProcessFunction<String, Customer, Void> {
  private static final long serialVersionUID = 1L;

  private final EffectiveClock clock;
  private final long spacing;
  private final Long[] slots;

  private transient ValueState<Customer> current;
  private transient MapState<Long, Customer> history;
  private transient long hits;

  /**
   * @param spacing milliseconds between two changes of a key, on average
   * @param slotCount history entries per key
   */
  LimitFunction(EffectiveClock clock, long spacing, int slotCount) {
    this.clock = clock;
    this.spacing = spacing;
    this.slots = slots(slotCount);
  }

  /** The boxed slot numbers {@code 0 .. count - 1}, boxed once so that puts allocate no key. */
  static Long[] slots(int count) {
    Long[] slots = new Long[count];
    for (int i = 0; i < count; i++) {
      slots[i] = (long) i;
    }
    return slots;
  }

  @Override
  public void open(OpenContext openContext) {
    current =
        getRuntimeContext().getState(new ValueStateDescriptor<>("limit-current", Customer.TYPE));
    history =
        getRuntimeContext()
            .getMapState(new MapStateDescriptor<>("limit-history", Types.LONG, Customer.TYPE));
  }

  @Override
  public void processElement(Customer customer, Context ctx, Collector<Void> out) throws Exception {
    long time = clock.of(customer).toEpochMilli();
    if (current.value() != null) {
      hits++;
    }
    current.update(customer);
    history.put(slots[(int) ((time / spacing) % slots.length)], customer);
  }

  /** Records that found a current row. */
  long hits() {
    return hits;
  }
}
