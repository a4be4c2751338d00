package dev.etlkit.benchmarks.dedup;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/** The LIMIT variants: the least state work each dedup needs, and nothing else. */
final class LimitFunctions {
  private LimitFunctions() {}

  /** Keep-first: one flag get per record, a put and an emit for a new key. */
  static final class KeepFirst extends KeyedProcessFunction<Long, BenchRow, BenchRow> {
    private static final long serialVersionUID = 1L;
    private transient ValueState<Boolean> seen;

    @Override
    public void open(OpenContext openContext) {
      seen = getRuntimeContext().getState(new ValueStateDescriptor<>("limit-seen", Types.BOOLEAN));
    }

    @Override
    public void processElement(BenchRow row, Context ctx, Collector<BenchRow> out)
        throws Exception {
      if (seen.value() == null) {
        seen.update(Boolean.TRUE);
        out.collect(row);
      }
    }
  }

  /** Keep-last: one row get per record, a put and an emit when the row changed. */
  static final class KeepLast extends KeyedProcessFunction<Long, BenchRow, BenchRow> {
    private static final long serialVersionUID = 1L;
    private transient ValueState<BenchRow> last;

    @Override
    public void open(OpenContext openContext) {
      last =
          getRuntimeContext()
              .getState(
                  new ValueStateDescriptor<>("limit-last", TypeInformation.of(BenchRow.class)));
    }

    @Override
    public void processElement(BenchRow row, Context ctx, Collector<BenchRow> out)
        throws Exception {
      if (!row.equals(last.value())) {
        last.update(row);
        out.collect(row);
      }
    }
  }
}
