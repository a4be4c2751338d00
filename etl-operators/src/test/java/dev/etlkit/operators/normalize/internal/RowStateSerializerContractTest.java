package dev.etlkit.operators.normalize.internal;

import dev.etlkit.operators.internal.MutablePojo;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SerializerTestBase;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.junit.jupiter.api.Nested;

/** The normalizer's row state serializer against Flink's serializer contract, over a POJO. */
class RowStateSerializerContractTest {

  @Nested
  class VersionedProjected extends SerializerTestBase<RowState<MutablePojo>> {
    @Override
    protected TypeSerializer<RowState<MutablePojo>> createSerializer() {
      return new RowStateTypeInfo<>(
              new RowLayout(true, true), TypeInformation.of(MutablePojo.class))
          .createSerializer(new SerializerConfigImpl());
    }

    @Override
    protected int getLength() {
      return -1;
    }

    @Override
    @SuppressWarnings("unchecked")
    protected Class<RowState<MutablePojo>> getTypeClass() {
      return (Class<RowState<MutablePojo>>) (Class<?>) RowState.class;
    }

    @Override
    @SuppressWarnings("unchecked")
    protected RowState<MutablePojo>[] getTestData() {
      return new RowState[] {
        new RowState<>(new MutablePojo("a", 1), true, 42L, true, true, -1L),
        new RowState<>(new MutablePojo(null, 0), true, Long.MIN_VALUE, true, false, 7L),
        new RowState<>(null, true, 3L, false, false, 0L)
      };
    }
  }
}
