package dev.etlkit.operators.enrich.internal.join;

import java.util.Objects;
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

  /** A mutable POJO: copies must not share it. */
  public static final class Fact {
    public String id;
    public long amount;

    public Fact() {}

    Fact(String id, long amount) {
      this.id = id;
      this.amount = amount;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Fact f && Objects.equals(id, f.id) && amount == f.amount;
    }

    @Override
    public int hashCode() {
      return Objects.hash(id, amount);
    }
  }

  /** A Java record: its serializer has no empty instance to offer. */
  public record Dim(String id, long version) {}

  @SuppressWarnings("unchecked")
  private static <T> Class<T> raw(Class<?> type) {
    return (Class<T>) type;
  }

  @Nested
  class PendingFactOfPojo extends SerializerTestBase<PendingFact<Fact>> {
    @Override
    protected TypeSerializer<PendingFact<Fact>> createSerializer() {
      return JoinStateTypeInfo.pendingFact(TypeInformation.of(Fact.class)).createSerializer(CONFIG);
    }

    @Override
    protected int getLength() {
      return -1;
    }

    @Override
    protected Class<PendingFact<Fact>> getTypeClass() {
      return raw(PendingFact.class);
    }

    @Override
    @SuppressWarnings("unchecked")
    protected PendingFact<Fact>[] getTestData() {
      return new PendingFact[] {
        new PendingFact<>(100L, true, -7L, new Fact("o1", 5)),
        new PendingFact<>(Long.MAX_VALUE, false, 0L, new Fact(null, -1))
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
  class VersionHistoryOfPojo extends SerializerTestBase<VersionHistory<Fact>> {
    @Override
    protected TypeSerializer<VersionHistory<Fact>> createSerializer() {
      return JoinStateTypeInfo.versionHistory(TypeInformation.of(Fact.class))
          .createSerializer(CONFIG);
    }

    @Override
    protected int getLength() {
      return -1;
    }

    @Override
    protected Class<VersionHistory<Fact>> getTypeClass() {
      return raw(VersionHistory.class);
    }

    @Override
    @SuppressWarnings("unchecked")
    protected VersionHistory<Fact>[] getTestData() {
      return new VersionHistory[] {
        VersionHistory.empty(),
        new VersionHistory<>(new long[] {1L, 5L}, new Object[] {new Fact("a", 1), null}, false),
        new VersionHistory<>(new long[] {-3L}, new Object[] {new Fact("b", 2)}, true)
      };
    }
  }
}
