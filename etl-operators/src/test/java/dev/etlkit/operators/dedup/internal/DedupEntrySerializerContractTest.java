package dev.etlkit.operators.dedup.internal;

import java.util.List;
import java.util.Objects;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SerializerTestBase;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.junit.jupiter.api.Nested;

/** The dedup state serializer against Flink's serializer contract, over a mutable POJO row. */
class DedupEntrySerializerContractTest {

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
  class KeepLastByEventTime extends SerializerTestBase<DedupEntry<Row>> {
    @Override
    protected TypeSerializer<DedupEntry<Row>> createSerializer() {
      DedupLayout layout =
          new DedupLayout(
              1,
              true,
              true,
              new DedupLayout.Meaning(true, List.of(DedupLayout.Component.EVENT_TIME)));
      return new DedupEntryTypeInfo<>(layout, TypeInformation.of(Row.class))
          .createSerializer(new SerializerConfigImpl());
    }

    @Override
    protected int getLength() {
      return -1;
    }

    @Override
    @SuppressWarnings("unchecked")
    protected Class<DedupEntry<Row>> getTypeClass() {
      return (Class<DedupEntry<Row>>) (Class<?>) DedupEntry.class;
    }

    @Override
    @SuppressWarnings("unchecked")
    protected DedupEntry<Row>[] getTestData() {
      return new DedupEntry[] {
        new DedupEntry<>(true, new long[] {5L}, true, -9L, new Row("a", 1)),
        new DedupEntry<>(false, new long[] {Long.MIN_VALUE}, false, 0L, null),
        new DedupEntry<>()
      };
    }
  }
}
