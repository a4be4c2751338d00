package dev.etlkit.operators.enrich.internal.join;

import dev.etlkit.operators.internal.MutablePojo;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SerializerTestBase;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.junit.jupiter.api.Nested;

/**
 * The join's state serializers against Flink's serializer contract, over a mutable POJO and a
 * record.
 */
class JoinStateSerializerContractTest {

  private static final SerializerConfigImpl CONFIG = new SerializerConfigImpl();

  /** A Java record: its serializer has no empty instance to offer. */
  public record Dim(String id, long version) {}

  @SuppressWarnings("unchecked")
  private static <T> Class<T> raw(Class<?> type) {
    return (Class<T>) type;
  }

  @Nested
  class PendingFactOfPojo extends SerializerTestBase<PendingFact<MutablePojo>> {
    @Override
    protected TypeSerializer<PendingFact<MutablePojo>> createSerializer() {
      return JoinStateTypeInfo.pendingFact(TypeInformation.of(MutablePojo.class))
          .createSerializer(CONFIG);
    }

    @Override
    protected int getLength() {
      return -1;
    }

    @Override
    protected Class<PendingFact<MutablePojo>> getTypeClass() {
      return raw(PendingFact.class);
    }

    @Override
    @SuppressWarnings("unchecked")
    protected PendingFact<MutablePojo>[] getTestData() {
      return new PendingFact[] {
        new PendingFact<>(100L, true, -7L, new MutablePojo("o1", 5)),
        new PendingFact<>(Long.MAX_VALUE, false, 0L, new MutablePojo(null, -1))
      };
    }
  }

  @Nested
  class PendingFactOfRecord extends SerializerTestBase<PendingFact<Dim>> {
    @Override
    protected TypeSerializer<PendingFact<Dim>> createSerializer() {
      return JoinStateTypeInfo.pendingFact(TypeInformation.of(Dim.class)).createSerializer(CONFIG);
    }

    /** A record's serializer has no empty instance, so neither has a fact waiting with one. */
    @Override
    protected boolean allowNullInstances(TypeSerializer<PendingFact<Dim>> serializer) {
      return true;
    }

    @Override
    protected int getLength() {
      return -1;
    }

    @Override
    protected Class<PendingFact<Dim>> getTypeClass() {
      return raw(PendingFact.class);
    }

    @Override
    @SuppressWarnings("unchecked")
    protected PendingFact<Dim>[] getTestData() {
      return new PendingFact[] {new PendingFact<>(1L, true, 2L, new Dim("d", 3))};
    }
  }

  @Nested
  class VersionHistoryOfPojo extends SerializerTestBase<VersionHistory<MutablePojo>> {
    @Override
    protected TypeSerializer<VersionHistory<MutablePojo>> createSerializer() {
      return JoinStateTypeInfo.versionHistory(TypeInformation.of(MutablePojo.class))
          .createSerializer(CONFIG);
    }

    @Override
    protected int getLength() {
      return -1;
    }

    @Override
    protected Class<VersionHistory<MutablePojo>> getTypeClass() {
      return raw(VersionHistory.class);
    }

    @Override
    @SuppressWarnings("unchecked")
    protected VersionHistory<MutablePojo>[] getTestData() {
      return new VersionHistory[] {
        VersionHistory.empty(),
        new VersionHistory<>(
            new long[] {1L, 5L}, new Object[] {new MutablePojo("a", 1), null}, false),
        new VersionHistory<>(new long[] {-3L}, new Object[] {new MutablePojo("b", 2)}, true)
      };
    }
  }
}
