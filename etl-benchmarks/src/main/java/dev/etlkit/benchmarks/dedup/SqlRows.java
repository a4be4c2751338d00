package dev.etlkit.benchmarks.dedup;

import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.binary.BinaryRowData;
import org.apache.flink.table.data.writer.BinaryRowWriter;
import org.apache.flink.table.runtime.generated.GeneratedProjection;
import org.apache.flink.table.runtime.generated.GeneratedRecordEqualiser;
import org.apache.flink.table.runtime.generated.Projection;
import org.apache.flink.table.runtime.generated.RecordEqualiser;
import org.apache.flink.table.runtime.keyselector.BinaryRowDataKeySelector;
import org.apache.flink.table.runtime.typeutils.InternalTypeInfo;
import org.apache.flink.table.types.logical.BigIntType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.logical.VarCharType;

/**
 * The Flink SQL side of the dedup benchmarks: {@link BenchRow} as {@code ROW<key BIGINT, version
 * BIGINT, payload STRING>} in binary form, as rows reach a SQL operator from the network, and the
 * pieces the planner would generate, written by hand like its generated code: the key selector (a
 * projection to a binary key row, copied) and the record equaliser (binary rows compare their
 * bytes, row kind included, as the generated equaliser does).
 */
final class SqlRows {

  static final RowType ROW_TYPE =
      RowType.of(
          new org.apache.flink.table.types.logical.LogicalType[] {
            new BigIntType(), new BigIntType(), VarCharType.STRING_TYPE
          },
          new String[] {"key", "version", "payload"});

  static final InternalTypeInfo<RowData> ROW_INFO = InternalTypeInfo.of(ROW_TYPE);

  static final InternalTypeInfo<RowData> KEY_INFO = InternalTypeInfo.ofFields(new BigIntType());

  private SqlRows() {}

  /** The row as a binary row of its own. */
  static BinaryRowData binary(BenchRow row) {
    return binary(row, StringData.fromString(row.payload));
  }

  /** The row as a binary row of its own, with its payload already encoded. */
  static BinaryRowData binary(BenchRow row, StringData payload) {
    BinaryRowData binary = new BinaryRowData(3);
    BinaryRowWriter writer = new BinaryRowWriter(binary, row.payload.length() + 8);
    writer.writeLong(0, row.key);
    writer.writeLong(1, row.version);
    writer.writeString(2, payload);
    writer.complete();
    return binary;
  }

  static BinaryRowDataKeySelector keySelector() {
    return new BinaryRowDataKeySelector(KEY_INFO, new KeyProjection());
  }

  static GeneratedRecordEqualiser equaliser() {
    return new Equaliser();
  }

  /** Projects field 0 into a reused binary row, as the planner's generated projection does. */
  private static final class KeyProjection extends GeneratedProjection {
    private static final long serialVersionUID = 1L;

    KeyProjection() {
      super("KeyProjection", "", new Object[0]);
    }

    @Override
    @SuppressWarnings("rawtypes")
    public Projection newInstance(ClassLoader classLoader) {
      return new Projection<RowData, BinaryRowData>() {
        private final BinaryRowData key = new BinaryRowData(1);
        private final BinaryRowWriter writer = new BinaryRowWriter(key);

        @Override
        public BinaryRowData apply(RowData row) {
          writer.reset();
          writer.writeLong(0, row.getLong(0));
          writer.complete();
          return key;
        }
      };
    }
  }

  private static final class Equaliser extends GeneratedRecordEqualiser {
    private static final long serialVersionUID = 1L;

    Equaliser() {
      super("Equaliser", "", new Object[0]);
    }

    @Override
    public RecordEqualiser newInstance(ClassLoader classLoader) {
      return (left, right) -> {
        if (left instanceof BinaryRowData && right instanceof BinaryRowData) {
          return left.equals(right);
        }
        return left.getRowKind() == right.getRowKind()
            && left.getLong(0) == right.getLong(0)
            && left.getLong(1) == right.getLong(1)
            && left.getString(2).equals(right.getString(2));
      };
    }
  }
}
