package dev.etlkit.benchmarks.enrich;

import dev.etlkit.benchmarks.enrich.DimensionJoinBenchData.Customer;
import dev.etlkit.benchmarks.enrich.DimensionJoinBenchData.Enriched;
import dev.etlkit.benchmarks.enrich.DimensionJoinBenchData.Event;
import dev.etlkit.benchmarks.enrich.DimensionJoinBenchData.Order;
import dev.etlkit.core.Change;
import dev.etlkit.operators.enrich.JoinStatus;
import dev.etlkit.operators.enrich.internal.join.DimensionJoinOperator;
import dev.etlkit.operators.enrich.internal.join.JoinConfig;
import org.apache.flink.api.common.functions.AbstractRichFunction;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.binary.BinaryRowData;
import org.apache.flink.table.runtime.generated.GeneratedJoinCondition;
import org.apache.flink.table.runtime.generated.JoinCondition;
import org.apache.flink.table.runtime.operators.join.temporal.TemporalProcessTimeJoinOperator;
import org.apache.flink.table.runtime.operators.join.temporal.TemporalRowTimeJoinOperator;
import org.apache.flink.util.Collector;

/**
 * The operators of the dimension join benchmark, each with a one-input face so that {@code
 * HarnessBenchmarkBase}'s keyed one-input harness drives them: an {@link Event} goes to {@code
 * processElement1} (fact), {@code processElement2} (dimension change) or becomes a watermark. The
 * join operators are unchanged otherwise (a subclass adds only the dispatch), so their state,
 * timers and output are exactly what a two-input job runs. Every record is stamped with a clock
 * that increases per record.
 */
final class DimensionJoinOperators {

  private DimensionJoinOperators() {}

  /** Every {@link Event} is keyed by its key, for all impls. */
  static final class EventKey implements KeySelector<Event, Long> {
    private static final long serialVersionUID = 1L;

    @Override
    public Long getKey(Event event) {
      return event.key;
    }
  }

  /** etlkit's operator, as the step configured it. */
  static final class Etlkit extends DimensionJoinOperator<Long, Order, Customer, Enriched>
      implements OneInputStreamOperator<Event, Enriched> {
    private static final long serialVersionUID = 1L;

    private transient long clock;
    private transient StreamRecord<Order> fact;
    private transient StreamRecord<Change<Customer>> change;

    Etlkit(JoinConfig<Order, Customer, Enriched> config) {
      super(config);
    }

    @Override
    public void open() throws Exception {
      super.open();
      fact = new StreamRecord<>(null);
      change = new StreamRecord<>(null);
    }

    @Override
    @SuppressWarnings("unchecked")
    public void processElement(StreamRecord<Event> record) throws Exception {
      Event event = record.getValue();
      switch (event.kind) {
        case DimensionJoinBenchData.FACT:
          processElement1(fact.replace((Order) event.payload, ++clock));
          break;
        case DimensionJoinBenchData.DIMENSION:
          processElement2(change.replace((Change<Customer>) event.payload, ++clock));
          break;
        default:
          processWatermark(new Watermark(clock));
      }
    }
  }

  /** Flink SQL's processing-time temporal join ({@code FOR SYSTEM_TIME AS OF proctime}). */
  static final class SqlLatest extends TemporalProcessTimeJoinOperator
      implements OneInputStreamOperator<Event, RowData> {
    private static final long serialVersionUID = 1L;

    private transient StreamRecord<RowData> row;

    SqlLatest() {
      super(DimensionJoinBenchData.CUSTOMER_ROW_INFO, new KeysEqualCondition(), 0L, 0L, true);
    }

    @Override
    public void open() throws Exception {
      super.open();
      row = new StreamRecord<>(null);
    }

    @Override
    public void processElement(StreamRecord<Event> record) throws Exception {
      Event event = record.getValue();
      if (event.kind == DimensionJoinBenchData.FACT) {
        processElement1(row.replace((RowData) event.payload));
      } else if (event.kind == DimensionJoinBenchData.DIMENSION) {
        processElement2(row.replace((RowData) event.payload));
      }
    }
  }

  /**
   * Flink SQL's event-time temporal join ({@code FOR SYSTEM_TIME AS OF rowtime}); it reads times
   * from the rows' {@code ts} field, which the clock writes into a copy of each pre-built binary
   * row (the operator keeps rows in state, and the input rows come round again), or into the row
   * itself when it was converted on arrival ({@code FLINK_SQL_FROM_POJO}: a {@code GenericRowData}
   * new per record, see {@link DimensionJoinConversions}).
   */
  static final class SqlAsOf extends TemporalRowTimeJoinOperator
      implements OneInputStreamOperator<Event, RowData> {
    private static final long serialVersionUID = 1L;

    private final boolean convertedRows;
    private transient long clock;
    private transient StreamRecord<RowData> row;

    /**
     * @param convertedRows whether the events carry rows converted on arrival rather than pre-built
     *     binary rows
     */
    SqlAsOf(boolean convertedRows) {
      super(
          DimensionJoinBenchData.ORDER_ROW_INFO,
          DimensionJoinBenchData.CUSTOMER_ROW_INFO,
          new KeysEqualCondition(),
          DimensionJoinBenchData.TIME_FIELD,
          DimensionJoinBenchData.TIME_FIELD,
          0L,
          0L,
          true);
      this.convertedRows = convertedRows;
    }

    @Override
    public void open() throws Exception {
      super.open();
      row = new StreamRecord<>(null);
    }

    @Override
    public void processElement(StreamRecord<Event> record) throws Exception {
      Event event = record.getValue();
      if (event.kind == DimensionJoinBenchData.WATERMARK) {
        processWatermark(new Watermark(clock));
        return;
      }
      RowData data;
      if (convertedRows) {
        GenericRowData converted = (GenericRowData) event.payload;
        converted.setField(DimensionJoinBenchData.TIME_FIELD, ++clock);
        data = converted;
      } else {
        BinaryRowData binary = ((BinaryRowData) event.payload).copy(); // held in heap state
        binary.setLong(DimensionJoinBenchData.TIME_FIELD, ++clock);
        data = binary;
      }
      if (event.kind == DimensionJoinBenchData.FACT) {
        processElement1(row.replace(data, clock));
      } else {
        processElement2(row.replace(data, clock));
      }
    }
  }

  /**
   * The join condition the planner generates for {@code o.customer_id = c.id}: both sides are keyed
   * by it already, so the generated code compares the keys again; this one does the same.
   */
  private static final class KeysEqualCondition extends GeneratedJoinCondition {
    private static final long serialVersionUID = 1L;

    KeysEqualCondition() {
      super("KeysEqual", "", new Object[0]);
    }

    @Override
    public JoinCondition newInstance(ClassLoader classLoader) {
      return new KeysEqual();
    }
  }

  private static final class KeysEqual extends AbstractRichFunction implements JoinCondition {
    private static final long serialVersionUID = 1L;

    @Override
    public boolean apply(RowData in1, RowData in2) {
      return in1.getLong(0) == in2.getLong(0);
    }
  }

  /**
   * LIMIT: the least state work a dimension join needs, one {@code ValueState} get per fact (and
   * the output it makes, new or refilled) and one put per dimension change.
   */
  static final class Limit extends KeyedProcessFunction<Long, Event, Enriched> {
    private static final long serialVersionUID = 1L;

    private final boolean reuse;
    private transient ValueState<Customer> row;
    private transient DimensionJoinBenchData.ReusingEnrich reusing;

    Limit(boolean reuse) {
      this.reuse = reuse;
    }

    @Override
    public void open(OpenContext openContext) {
      reusing = new DimensionJoinBenchData.ReusingEnrich();
      row =
          getRuntimeContext()
              .getState(
                  new ValueStateDescriptor<>("limit-row", DimensionJoinBenchData.CUSTOMER_INFO));
    }

    @Override
    @SuppressWarnings("unchecked")
    public void processElement(Event event, Context ctx, Collector<Enriched> out) throws Exception {
      if (event.kind == DimensionJoinBenchData.FACT) {
        Customer customer = row.value();
        Order order = (Order) event.payload;
        JoinStatus status = customer == null ? JoinStatus.NOT_FOUND : JoinStatus.FOUND;
        out.collect(
            reuse
                ? reusing.combine(order, customer, status)
                : DimensionJoinBenchData.enrich(order, customer, status));
      } else if (event.kind == DimensionJoinBenchData.DIMENSION) {
        row.update(((Change<Customer>) event.payload).value());
      }
    }
  }
}
