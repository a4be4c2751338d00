package dev.etlkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

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
 * Findings of a review of etl-core (Changelogs, RowMapping, Change and DeadLetter serializers,
 * uids, accounting, error policies).
 *
 * <p>Tests named in the FINDINGS sections fail on the current code: each shows a defect. Tests
 * marked "CONTRACT (passes)" pass; they cover contracts no other test covered and are kept as
 * regression tests.
 */
@SuppressWarnings("try")
class ReviewFindingsTest {

  @RegisterExtension static final MiniClusterExtension MINI_CLUSTER = new MiniClusterExtension();

  // ---------------------------------------------------------------- FINDING: RecordAccounting

  /**
   * RecordAccounting.of skips accumulator names it cannot parse ({@code lastSlash <= 0}) but not
   * one with a single slash after the prefix: that one throws StringIndexOutOfBoundsException.
   */
  @Test
  void recordAccounting_accumulatorUnderPrefixWithoutStep_isSkippedNotAnException() {
    Map<String, Object> accumulators =
        Map.of(
            "etlkit/orders/parse/recordsIn", 1L,
            "etlkit/orders/parse/recordsOut", 1L,
            "etlkit/orders/recordsIn", 5L);

    assertThatCode(() -> RecordAccounting.of(accumulators)).doesNotThrowAnyException();
  }

  // ---------------------------------------------------------------- FINDING (minor): Change equality

  /** Change.equals/hashCode use value.equals: a Change of an array is never equal to its copy. */
  @Test
  void change_ofByteArray_equalsItsSerializedCopy() throws Exception {
    ChangeSerializer<byte[]> serializer =
        new ChangeSerializer<>(
            org.apache.flink.api.common.typeutils.base.array.BytePrimitiveArraySerializer
                .INSTANCE);
    Change<byte[]> change = Change.insert(new byte[] {1, 2, 3});
    DataOutputSerializer out = new DataOutputSerializer(32);
    serializer.serialize(change, out);
    Change<byte[]> back = serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));

    assertThat(back).isEqualTo(change);
    assertThat(serializer.copy(change)).isEqualTo(change);
  }

  // ---------------------------------------------------------------- FINDING: ValueEquality

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

  /**
   * docs/concepts.md: "a class with an equals of its own is trusted as written". A record that
   * declares its own array-aware equals and hashCode (as etlkit's own RawRecord does) is still opened
   * and its array reported as compared by identity.
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
  }

  // ---------------------------------------------------------------- RowMapping.pojo

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

  /** CONTRACT (passes): fields from a superclass, private with getters and setters. */
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

  // ---------------------------------------------------------------- FINDING: Changelogs through a table

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
   * RowMapping.pojo types a BigDecimal column BIG_DEC, which the Table API reads as DECIMAL(38, 18):
   * a value with more than 20 integer digits comes back as null (silently), and every other value
   * comes back with scale 18 (1.5 becomes 1.500000000000000000, not equal to 1.5).
   */
  @Test
  @Timeout(180)
  void changelogsTableRoundTrip_bigDecimalField_keepsItsValue() throws Exception {
    List<Change<Amount>> input =
        List.of(
            Change.insert(new Amount(1, new BigDecimal("1.5"))),
            Change.insert(new Amount(2, new BigDecimal("123456789012345678901234.5"))));

    List<Change<Amount>> back = tableRoundTrip(RowMapping.pojo(Amount.class), input);

    assertThat(back).containsExactlyElementsOf(input);
  }

  /**
   * CONTRACT (passes): JavaTimeTypeInfoFactory on a POJO field (not only a record component), and
   * nanosecond Instant / LocalDateTime values through toTable/fromTable.
   */
  @Test
  @Timeout(180)
  void changelogsTableRoundTrip_nanosecondTimes_keepTheirValues() throws Exception {
    assertThat((Object) ((org.apache.flink.api.java.typeutils.PojoTypeInfo<Stamped>)
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

  // ---------------------------------------------------------------- CONTRACT (passes): serializers

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

  // ---------------------------------------------------------------- CONTRACT (passes): type infos

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
