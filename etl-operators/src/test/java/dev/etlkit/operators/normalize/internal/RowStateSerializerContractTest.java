package dev.etlkit.operators.normalize.internal;

import java.util.Objects;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SerializerTestBase;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.junit.jupiter.api.Nested;

/** The normalizer's row state serializer against Flink's serializer contract, over a POJO. */
class RowStateSerializerContractTest {

  /** A mutable POJO: copies must not share it. */
  public static final class Row {
    public String id;
    public long amount;

    public Row() {}

    Row(String id, long amount) {
      this.id = id;
      this.amount = amount;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Row r && Objects.equals(id, r.id) && amount == r.amount;
    }

    @Override
    public int hashCode() {
      return Objects.hash(id, amount);
    }
  }

  @Nested
  class VersionedProjected extends SerializerTestBase<RowState<Row>> {
    @Override
    protected TypeSerializer<RowState<Row>> createSerializer() {
      return new RowStateTypeInfo<>(new RowLayout(true, true), TypeInformation.of(Row.class))
          .createSerializer(new SerializerConfigImpl());
    }

    @Override
    protected int getLength() {
      return -1;
    }

    @Override
    @SuppressWarnings("unchecked")
    protected Class<RowState<Row>> getTypeClass() {
      return (Class<RowState<Row>>) (Class<?>) RowState.class;
    }

    @Override
    @SuppressWarnings("unchecked")
    protected RowState<Row>[] getTestData() {
      return new RowState[] {
        new RowState<>(new Row("a", 1), true, 42L, true, true, -1L),
        new RowState<>(new Row(null, 0), true, Long.MIN_VALUE, true, false, 7L),
        new RowState<>(null, true, 3L, false, false, 0L)
      };
    }
  }
}
