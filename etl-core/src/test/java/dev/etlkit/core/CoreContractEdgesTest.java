package dev.etlkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.internal.ChangeSerializer;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.flink.api.common.typeinfo.TypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeInformationTestBase;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Edges of etl-core's contracts found by a review on 2026-11-23: accumulator names the accounting
 * cannot parse, changes of arrays, records with an array-aware {@code equals}, {@code BigDecimal}
 * and nanosecond columns through the Table API, inherited POJO fields, and Flink's serializer and
 * type-information contracts for {@code Change} around a stateful value serializer. The first three
 * failed before that day's fixes.
 */
@SuppressWarnings("try") // CloseableIterator.close() may throw InterruptedException
class CoreContractEdgesTest {

  @RegisterExtension static final MiniClusterExtension MINI_CLUSTER = new MiniClusterExtension();

  /**
   * Accumulator names under the prefix without a pipeline, a step and a counter are not etlkit's:
   * skipped. One with a single slash used to throw StringIndexOutOfBoundsException. A step name may
   * hold '/' (a dimension join's {@code <step>/dimension}), a pipeline name may not.
   */
  @Test
  void recordAccounting_accumulatorNamesNotOfAStep_areSkipped() {
    Map<String, Object> accumulators =
        Map.of(
            "etlkit/orders/parse/recordsIn", 1L,
            "etlkit/orders/parse/recordsOut", 1L,
            "etlkit/orders/recordsIn", 5L,
            "etlkit//parse/recordsIn", 6L,
            "etlkit/orders/parse/", 7L,
            "etlkit/orders/join/dimension/recordsIn", 8L,
            "etlkit/orders/join/dimension/recordsOut", 8L);

    RecordAccounting accounting = RecordAccounting.of(accumulators);

    assertThat(accounting.steps()).hasSize(2);
    assertThat(accounting.step("orders", "parse").in()).isEqualTo(1L);
    assertThat(accounting.step("orders", "join/dimension").in()).isEqualTo(8L);
    assertThat(accounting.isBalanced()).isTrue();
  }

  /**
   * A change of an array equals its copies and hashes alike (values compare with deepEquals, as
   * Row's fields do); it used to equal nothing but itself.
   */
  @Test
  void change_ofByteArray_equalsItsSerializedCopy() throws Exception {
    ChangeSerializer<byte[]> serializer =
        new ChangeSerializer<>(
            org.apache.flink.api.common.typeutils.base.array.BytePrimitiveArraySerializer.INSTANCE);
    Change<byte[]> change = Change.insert(new byte[] {1, 2, 3});
    DataOutputSerializer out = new DataOutputSerializer(32);
    serializer.serialize(change, out);
    Change<byte[]> back = serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));

    assertThat(back).isEqualTo(change).hasSameHashCodeAs(change);
    assertThat(serializer.copy(change)).isEqualTo(change);
    assertThat(back).isNotEqualTo(Change.insert(new byte[] {1, 2, 4}));
    assertThat(back).isNotEqualTo(Change.delete(new byte[] {1, 2, 3}));
    assertThat(back).hasToString("+I[[1, 2, 3]]");
  }

  /** A record key with an array component and an equals/hashCode of its own that compare it. */
  public record BytesKey(byte[] id) {
    @Override
    public boolean equals(Object o) {
      return o instanceof BytesKey && java.util.Arrays.equals(id, ((BytesKey) o).id);
    }

    @Override
    public int hashCode() {
      return java.util.Arrays.hashCode(id);
    }
  }

  /** The same record with the compiler's equals: its array compares by identity. */
  public record GeneratedBytesKey(byte[] id) {}

  /** A record whose compact constructor refuses the probe's empty arrays. */
  public record RefusingBytesKey(byte[] id) {
    public RefusingBytesKey {
      if (id.length == 0) {
        throw new IllegalArgumentException("empty id");
      }
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof RefusingBytesKey
          && java.util.Arrays.equals(id, ((RefusingBytesKey) o).id);
    }

    @Override
    public int hashCode() {
      return java.util.Arrays.hashCode(id);
    }
  }

  /**
   * "A class with an equals of its own is trusted as written": a record whose equals and hashCode
   * compare its array by content (as etlkit's RawRecord does) is trusted; it used to be refused
   * like one with the compiler's equals. The probe cannot tell when the constructor refuses it:
   * then the array is reported, as before.
   */
  @Test
  void valueEquality_recordWithItsOwnArrayAwareEquals_isTrusted() {
    assertThat(new BytesKey(new byte[] {1})).isEqualTo(new BytesKey(new byte[] {1}));
    assertThat(new RawRecord(new byte[] {1}, null, null, null))
        .isEqualTo(new RawRecord(new byte[] {1}, null, null, null));

    assertThat(
            dev.etlkit.core.internal.ValueEquality.identityHashedPart(
                TypeInformation.of(BytesKey.class), "key"))
        .isEmpty();
    assertThat(
            dev.etlkit.core.internal.ValueEquality.identityComparedPart(
                RawRecord.TYPE_INFO, "RawRecord", true))
        .isEmpty();
    assertThat(
            dev.etlkit.core.internal.ValueEquality.identityHashedPart(
                TypeInformation.of(GeneratedBytesKey.class), "key"))
        .contains("key.id (an array, whose equals is identity)");
    assertThat(
            dev.etlkit.core.internal.ValueEquality.identityHashedPart(
                TypeInformation.of(RefusingBytesKey.class), "key"))
        .contains("key.id (an array, whose equals is identity)");
  }

  /** A POJO whose fields live in its superclass, private, with getters and setters. */
  public static class Base {
    private String name;

    public String getName() {
      return name;
    }

    public void setName(String name) {
      this.name = name;
    }
  }

  public static class Derived extends Base {
    private int count;

    public Derived() {}

    public int getCount() {
      return count;
    }

    public void setCount(int count) {
      this.count = count;
    }
  }

  /** Fields from a superclass, private with getters and setters. */
  @Test
  void rowMappingPojo_inheritedPrivateFields_roundTrip() {
    RowMapping<Derived> mapping = RowMapping.pojo(Derived.class);
    Derived d = new Derived();
    d.setName("x");
    d.setCount(3);

    Row row = mapping.toRow(d);
    Derived back = mapping.fromRow(row);

    assertThat(mapping.rowType().getFieldNames()).containsExactly("count", "name");
    assertThat(row).isEqualTo(Row.of(3, "x"));
    assertThat(back.getName()).isEqualTo("x");
    assertThat(back.getCount()).isEqualTo(3);
  }

  /** A POJO with a BigDecimal field, the Flink type BIG_DEC. */
  public static class Amount {
    public long id;
    public BigDecimal amount;

    public Amount() {}

    Amount(long id, BigDecimal amount) {
      this.id = id;
      this.amount = amount;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Amount
          && id == ((Amount) o).id
          && Objects.equals(amount, ((Amount) o).amount);
    }

    @Override
    public int hashCode() {
      return Objects.hash(id, amount);
    }

    @Override
    public String toString() {
      return "Amount{" + id + ", " + amount + "}";
    }
  }

  /** A POJO (not a record) with annotated java.time fields, as the factory's Javadoc allows. */
  public static class Stamped {
    public long id;
    public Instant at;

    @TypeInfo(JavaTimeTypeInfoFactory.class)
    public LocalDateTime local;

    public Stamped() {}

    Stamped(long id, Instant at, LocalDateTime local) {
      this.id = id;
      this.at = at;
      this.local = local;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Stamped
          && id == ((Stamped) o).id
          && Objects.equals(at, ((Stamped) o).at)
          && Objects.equals(local, ((Stamped) o).local);
    }

    @Override
    public int hashCode() {
      return Objects.hash(id, at, local);
    }

    @Override
    public String toString() {
      return "Stamped{" + id + ", " + at + ", " + local + "}";
    }
  }

  private static <T> List<Change<T>> tableRoundTrip(RowMapping<T> mapping, List<Change<T>> input)
      throws Exception {
    Configuration config = new Configuration();
    config.set(CoreOptions.DEFAULT_PARALLELISM, 1);
    config.set(org.apache.flink.configuration.PipelineOptions.GENERIC_TYPES, false);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(config);
    StreamTableEnvironment tableEnv = StreamTableEnvironment.create(env);
    DataStream<Change<T>> changes = env.fromData(input, Change.typeInfo(mapping.valueType()));
    List<Change<T>> back = new ArrayList<>();
    try (CloseableIterator<Change<T>> results =
        Changelogs.fromTable(tableEnv, Changelogs.toTable(tableEnv, changes, mapping), mapping)
            .executeAndCollect()) {
      results.forEachRemaining(back::add);
    }
    return back;
  }

  /**
   * The documented limit of {@code RowMapping.pojo} (concepts.md, "BigDecimal fields"): Flink types
   * a BigDecimal field BIG_DEC, which a table reads as DECIMAL(38, 18). A value comes back with
   * scale 18, equal by {@code compareTo}; one with more than 20 integer digits comes back null,
   * without an error (Flink's conversion). If Flink changes this, the docs must change with it.
   */
  @Test
  @Timeout(180)
  void changelogsTableRoundTrip_bigDecimalField_isDecimal38_18() throws Exception {
    List<Change<Amount>> input =
        List.of(
            Change.insert(new Amount(1, new BigDecimal("1.5"))),
            Change.insert(new Amount(2, new BigDecimal("123456789012345678901234.5"))));

    List<Change<Amount>> back = tableRoundTrip(RowMapping.pojo(Amount.class), input);

    assertThat(back).hasSize(2);
    assertThat(back.get(0).value().amount).isEqualTo(new BigDecimal("1.500000000000000000"));
    assertThat(back.get(1).value().amount).isNull();
  }

  /**
   * JavaTimeTypeInfoFactory on a POJO field (not only a record component), and nanosecond Instant /
   * LocalDateTime values through toTable/fromTable.
   */
  @Test
  @Timeout(180)
  void changelogsTableRoundTrip_nanosecondTimes_keepTheirValues() throws Exception {
    assertThat(
            (Object)
                ((org.apache.flink.api.java.typeutils.PojoTypeInfo<Stamped>)
                        TypeInformation.of(Stamped.class))
                    .getTypeAt("local"))
        .isEqualTo(Types.LOCAL_DATE_TIME);
    List<Change<Stamped>> input =
        List.of(
            Change.insert(
                new Stamped(
                    1,
                    Instant.parse("2025-01-02T03:04:05.123456789Z"),
                    LocalDateTime.parse("2025-01-02T03:04:05.123456789"))),
            Change.delete(new Stamped(2, Instant.EPOCH, LocalDateTime.MIN.withYear(1))));

    assertThat(tableRoundTrip(RowMapping.pojo(Stamped.class), input))
        .containsExactlyElementsOf(input);
  }

  /** A class Flink serializes with Kryo (no no-argument constructor). */
  public static final class Opaque {
    final String s;

    Opaque(String s) {
      this.s = s;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Opaque && s.equals(((Opaque) o).s);
    }

    @Override
    public int hashCode() {
      return s.hashCode();
    }
  }

  /** ChangeSerializer around a stateful (Kryo) value serializer: duplicate(), copy, snapshot. */
  @Nested
  class ChangeOfKryoValue
      extends org.apache.flink.api.common.typeutils.SerializerTestBase<Change<Opaque>> {
    @Override
    protected org.apache.flink.api.common.typeutils.TypeSerializer<Change<Opaque>>
        createSerializer() {
      return new ChangeSerializer<>(
          new org.apache.flink.api.java.typeutils.GenericTypeInfo<>(Opaque.class)
              .createSerializer(
                  new org.apache.flink.api.common.serialization.SerializerConfigImpl()));
    }

    @Override
    protected boolean allowNullInstances(
        org.apache.flink.api.common.typeutils.TypeSerializer<Change<Opaque>> serializer) {
      return true;
    }

    @Override
    protected int getLength() {
      return -1;
    }

    @Override
    @SuppressWarnings("unchecked")
    protected Class<Change<Opaque>> getTypeClass() {
      return (Class<Change<Opaque>>) (Class<?>) Change.class;
    }

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    protected Change<Opaque>[] getTestData() {
      return new Change[] {
        Change.insert(new Opaque("x")),
        Change.of(org.apache.flink.types.RowKind.DELETE, new Opaque(""), 1L, 2L)
      };
    }
  }

  /** Flink's TypeInformation contract (equality, serializability) for Change and DeadLetter. */
  @Nested
  class ChangeTypeInfoContract extends TypeInformationTestBase<TypeInformation<?>> {
    @Override
    protected TypeInformation<?>[] getTestData() {
      return new TypeInformation<?>[] {
        Change.typeInfo(Types.STRING),
        Change.typeInfo(Types.LONG),
        Change.typeInfo(Types.POJO(Customer.class)),
        DeadLetter.TYPE_INFO
      };
    }
  }
}
