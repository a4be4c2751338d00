package dev.etlkit.benchmarks.dedup;

import dev.etlkit.core.Change;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.types.RowKind;
import org.apache.flink.util.Collector;

/**
 * The LIMIT variants: the least work each dedup needs, written by hand: its state work and the
 * records the step emits for the same input, nothing else.
 */
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

  /**
   * Keep-last: one row get per record; a put and the output the step emits when the row changed
   * ({@code equals}): {@code +U}(new), and in retract output {@code -U}(kept) before it ({@code +I}
   * for a key's first row).
   */
  static final class KeepLast extends KeyedProcessFunction<Long, BenchRow, Change<BenchRow>> {
    private static final long serialVersionUID = 1L;
    private final boolean retract;
    private transient ValueState<BenchRow> last;

    KeepLast(boolean retract) {
      this.retract = retract;
    }

    @Override
    public void open(OpenContext openContext) {
      last =
          getRuntimeContext()
              .getState(
                  new ValueStateDescriptor<>("limit-last", TypeInformation.of(BenchRow.class)));
    }

    @Override
    public void processElement(BenchRow row, Context ctx, Collector<Change<BenchRow>> out)
        throws Exception {
      BenchRow kept = last.value();
      if (kept == null) {
        last.update(row);
        out.collect(Change.of(RowKind.INSERT, row));
      } else if (!row.equals(kept)) {
        last.update(row);
        if (retract) {
          out.collect(Change.of(RowKind.UPDATE_BEFORE, kept));
        }
        out.collect(Change.of(RowKind.UPDATE_AFTER, row));
      }
    }
  }
}
