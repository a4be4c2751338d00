package dev.etlkit.benchmarks.normalize;

import java.io.Serializable;
import javax.annotation.Nullable;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.binary.BinaryRowData;
import org.apache.flink.table.data.writer.BinaryRowWriter;
import org.apache.flink.table.runtime.generated.GeneratedRecordEqualiser;
import org.apache.flink.table.runtime.operators.deduplicate.ProcTimeDeduplicateKeepLastRowFunction;
import org.apache.flink.table.runtime.operators.deduplicate.ProcTimeMiniBatchDeduplicateKeepLastRowFunction;
import org.apache.flink.table.runtime.typeutils.InternalTypeInfo;
import org.apache.flink.table.types.logical.BigIntType;
import org.apache.flink.types.RowKind;
import org.apache.flink.util.Collector;

/**
 * Flink SQL's ChangelogNormalize functions made to replay pre-built rows: Flink changes the row
 * kind of its input rows in place (and keeps them in heap state), so each record's kind is reset
 * before the function sees it. The functions are otherwise Flink's, unchanged. The key is the
 * {@code BinaryRowData} projection of {@code id} the planner keys ChangelogNormalize by.
 */
final class ReplayableRows {

  /** The key type the planner uses: a row of the primary key column. */
  static final InternalTypeInfo<RowData> KEY_TYPE =
      InternalTypeInfo.ofFields(new BigIntType(false));

  private ReplayableRows() {}

  /** Like the planner's {@code BinaryRowDataKeySelector}: projects into a reused row, copies. */
  static final class IdKey implements KeySelector<RowData, RowData> {
    private static final long serialVersionUID = 1L;

    private transient BinaryRowData reuse;
    private transient BinaryRowWriter writer;

    @Override
    public RowData getKey(RowData row) {
      if (writer == null) {
        reuse = new BinaryRowData(1);
        writer = new BinaryRowWriter(reuse);
      }
      writer.reset();
      writer.writeLong(0, row.getLong(0));
      writer.complete();
      return reuse.copy();
    }
  }

  /** {@code ProcTimeDeduplicateKeepLastRowFunction} with the kind of each input reset first. */
  static final class KeepLastRow extends ProcTimeDeduplicateKeepLastRowFunction {
    private static final long serialVersionUID = 1L;

    @Nullable private final RowKind[] kinds;
    private final int mask;
    @Nullable private final CountingCollector counting;
    private long records;

    /**
     * @param kinds the kind of each input row, by position in the input; null for rows that are new
     *     per record (converted on arrival), whose kinds are left alone
     * @param countOutputs wrap the collector to count outputs (tests only: not measured so)
     */
    KeepLastRow(
        @Nullable RowKind[] kinds, GeneratedRecordEqualiser equaliser, boolean countOutputs) {
      super(AccountRows.TYPE, 0L, true, true, false, equaliser, null);
      this.kinds = kinds;
      this.mask = kinds == null ? 0 : kinds.length - 1;
      this.counting = countOutputs ? new CountingCollector() : null;
    }

    @Override
    public void processElement(RowData input, Context ctx, Collector<RowData> out)
        throws Exception {
      if (kinds != null) {
        input.setRowKind(kinds[(int) (records & mask)]);
      }
      records++;
      if (counting != null) {
        counting.delegate = out;
        super.processElement(input, ctx, counting);
      } else {
        super.processElement(input, ctx, out);
      }
    }

    long records() {
      return records;
    }

    long emitted() {
      return counting == null ? -1 : counting.count;
    }
  }

  /** Counts what passes through to the real collector. */
  private static final class CountingCollector implements Collector<RowData>, Serializable {
    private static final long serialVersionUID = 1L;

    private transient Collector<RowData> delegate;
    private long count;

    @Override
    public void collect(RowData record) {
      count++;
      delegate.collect(record);
    }

    @Override
    public void close() {}
  }

  /** The mini-batch variant; it copies its inputs, but their kinds are reset all the same. */
  static final class MiniBatchKeepLastRow extends ProcTimeMiniBatchDeduplicateKeepLastRowFunction {
    private static final long serialVersionUID = 1L;

    private final RowKind[] kinds;
    private final int mask;
    private long records;

    MiniBatchKeepLastRow(
        RowKind[] kinds, TypeSerializer<RowData> serializer, GeneratedRecordEqualiser equaliser) {
      super(AccountRows.TYPE, serializer, 0L, true, true, false, equaliser, null);
      this.kinds = kinds;
      this.mask = kinds.length - 1;
    }

    @Override
    public RowData addInput(RowData value, RowData input) {
      input.setRowKind(kinds[(int) (records++ & mask)]);
      return super.addInput(value, input);
    }

    long records() {
      return records;
    }
  }
}
