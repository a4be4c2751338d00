package dev.etlkit.operators.dedup.internal;

import dev.etlkit.operators.internal.MutablePojo;
import java.util.List;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SerializerTestBase;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.junit.jupiter.api.Nested;

/** The dedup state serializer against Flink's serializer contract, over a mutable POJO row. */
class DedupEntrySerializerContractTest {

  @Nested
  class KeepLastByEventTime extends SerializerTestBase<DedupEntry<MutablePojo>> {
    @Override
    protected TypeSerializer<DedupEntry<MutablePojo>> createSerializer() {
      DedupLayout layout =
          new DedupLayout(
              1,
              true,
              true,
              new DedupLayout.Meaning(true, List.of(DedupLayout.Component.EVENT_TIME)));
      return new DedupEntryTypeInfo<>(layout, TypeInformation.of(MutablePojo.class))
          .createSerializer(new SerializerConfigImpl());
    }

    @Override
    protected int getLength() {
      return -1;
    }

    @Override
    @SuppressWarnings("unchecked")
    protected Class<DedupEntry<MutablePojo>> getTypeClass() {
      return (Class<DedupEntry<MutablePojo>>) (Class<?>) DedupEntry.class;
    }

    @Override
    @SuppressWarnings("unchecked")
    protected DedupEntry<MutablePojo>[] getTestData() {
      return new DedupEntry[] {
        new DedupEntry<>(true, new long[] {5L}, true, -9L, new MutablePojo("a", 1)),
        new DedupEntry<>(false, new long[] {Long.MIN_VALUE}, false, 0L, null),
        new DedupEntry<>()
      };
    }
  }
}
