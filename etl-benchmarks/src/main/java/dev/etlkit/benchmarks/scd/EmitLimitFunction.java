package dev.etlkit.benchmarks.scd;

import dev.etlkit.core.Change;
import dev.etlkit.scd.Scd2Row;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The least work an SCD2 job needs per record, written by hand for this benchmark's in-order input:
 * the {@link LimitFunction}'s state work, plus the change detection and the output the step must
 * produce. Per record: get the key's current version (an {@link Scd2Row}, which a {@code -U} can
 * emit as it is), put the record into the key's history; when the tracked attributes differ ({@link
 * Customer#sameAttributes}), emit {@code -U} of the current version, {@code +U} of it closed at the
 * record's time and {@code +I} of the new version, and put the new version as current; a key's
 * first record emits {@code +I}. This is the step's retract output, record for record in count (a
 * test checks it).
 *
 * <p>What it leaves out, and the step cannot: late and out-of-order changes (it assumes none),
 * pruning the history (its slots are overwritten in place, as in {@link LimitFunction}), hard
 * deletes, Type-1 columns, accounting and dead letters.
 */
final class EmitLimitFunction
    extends KeyedProcessFunction<String, Customer, Change<Scd2Row<Customer>>> {
  private static final long serialVersionUID = 1L;

  private final EffectiveClock clock;
  private final long spacing;
  private final Long[] slots;

  private transient ValueState<Scd2Row<Customer>> current;
  private transient MapState<Long, Customer> history;
  private transient long versionsOpened;

  /**
   * @param spacing milliseconds between two changes of a key, on average
   * @param slotCount history entries per key
   */
  EmitLimitFunction(EffectiveClock clock, long spacing, int slotCount) {
    this.clock = clock;
    this.spacing = spacing;
    this.slots = LimitFunction.slots(slotCount);
  }

  @Override
  public void open(OpenContext openContext) {
    current =
        getRuntimeContext()
            .getState(
                new ValueStateDescriptor<>("emit-limit-current", Scd2Row.typeInfo(Customer.TYPE)));
    history =
        getRuntimeContext()
            .getMapState(new MapStateDescriptor<>("emit-limit-history", Types.LONG, Customer.TYPE));
  }

  @Override
  public void processElement(
      Customer customer, Context ctx, Collector<Change<Scd2Row<Customer>>> out) throws Exception {
    long time = clock.of(customer).toEpochMilli();
    Scd2Row<Customer> version = current.value();
    history.put(slots[(int) ((time / spacing) % slots.length)], customer);
    if (version != null && customer.sameAttributes(version.value())) {
      return;
    }
    long number = 1;
    if (version != null) {
      out.collect(Change.updateBefore(version));
      out.collect(
          Change.updateAfter(
              Scd2Row.of(
                  customer.id,
                  version.value(),
                  version.validFromMillis(),
                  time,
                  false,
                  version.version(),
                  false)));
      number = version.version() + 1;
    }
    Scd2Row<Customer> next = Scd2Row.of(customer.id, customer, time, null, true, number, false);
    out.collect(Change.insert(next));
    current.update(next);
    versionsOpened++;
  }

  /** Versions opened, preload included (for tests). */
  long versionsOpened() {
    return versionsOpened;
  }
}
