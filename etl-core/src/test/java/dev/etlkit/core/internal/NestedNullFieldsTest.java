package dev.etlkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import java.util.Objects;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.api.java.tuple.Tuple3;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.types.Row;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;

/**
 * Which key types get the deeper check of the key checks (decided once, from the key's type), and
 * what it finds: a {@code null} field of a tuple held by a POJO, record or row, which the POJO and
 * row serializers hand to Flink's tuple serializer, which refuses it.
 */
class NestedNullFieldsTest {

  public record Flat(String tenant, Long id) {}

  public record TenantKey(String tenant, Tuple2<String, Long> id) {}

  public record Outer(String region, TenantKey inner) {}

  public record WithRow(Row row) {}

  /** A POJO key holding a tuple. */
  public static final class AccountKey {
    public String region;
    public Tuple2<String, Long> id;

    public AccountKey() {}

    AccountKey(String region, Tuple2<String, Long> id) {
      this.region = region;
      this.id = id;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof AccountKey other
          && Objects.equals(region, other.region)
          && Objects.equals(id, other.id);
    }

    @Override
    public int hashCode() {
      return Objects.hash(region, id);
    }
  }

  private static final TypeInformation<Tuple2<String, Long>> ID =
      Types.TUPLE(Types.STRING, Types.LONG);
  private static final TypeInformation<Row> ROW_WITH_TUPLE =
      Types.ROW_NAMED(new String[] {"tenant", "id"}, Types.STRING, ID);

  @Test
  void of_keyTypesTheTupleWalkCovers_noDeeperCheck() {
    assertThat(NestedNullFields.of(Types.STRING)).isNull();
    assertThat(NestedNullFields.of(Types.LONG)).isNull();
    assertThat(NestedNullFields.of(ID)).isNull();
    assertThat(NestedNullFields.of(Types.TUPLE(Types.STRING, ID))).isNull();
    assertThat(NestedNullFields.of(TypeInformation.of(Flat.class))).isNull();
    assertThat(NestedNullFields.of(Types.ROW(Types.STRING, Types.LONG))).isNull();
    assertThat(NestedNullFields.of(Types.LIST(Types.STRING))).isNull();
  }

  @Test
  void of_tupleBelowAPojoRecordOrRow_deeperCheck() {
    assertThat(TypeInformation.of(TenantKey.class)).isInstanceOf(PojoTypeInfo.class);
    assertThat(NestedNullFields.of(TypeInformation.of(TenantKey.class))).isNotNull();
    assertThat(NestedNullFields.of(TypeInformation.of(AccountKey.class))).isNotNull();
    assertThat(NestedNullFields.of(ROW_WITH_TUPLE)).isNotNull();
    assertThat(NestedNullFields.of(TypeInformation.of(Outer.class))).isNotNull();
    // a tuple holding a record holding a tuple: the plain walk looks through tuples only
    assertThat(NestedNullFields.of(Types.TUPLE(Types.STRING, TypeInformation.of(TenantKey.class))))
        .isNotNull();
  }

  @Test
  void find_namesThePathOfTheNullTupleField_neverAValue() {
    NestedNullFields record = NestedNullFields.of(TypeInformation.of(TenantKey.class));
    assertThat(record.find(new TenantKey("t1", Tuple2.of("k1", 1L)))).isNull();
    assertThat(record.find(new TenantKey("t1", Tuple2.of("k1", null)))).isEqualTo("id.f1");
    assertThat(record.find(new TenantKey(null, null))).isNull(); // the record writes its nulls

    assertThat(
            NestedNullFields.of(TypeInformation.of(AccountKey.class))
                .find(new AccountKey("eu", Tuple2.of(null, 1L))))
        .isEqualTo("id.f0");
    assertThat(
            NestedNullFields.of(TypeInformation.of(Outer.class))
                .find(new Outer("eu", new TenantKey("t1", Tuple2.of("k1", null)))))
        .isEqualTo("inner.id.f1");
    assertThat(
            NestedNullFields.of(Types.TUPLE(Types.STRING, TypeInformation.of(TenantKey.class)))
                .find(Tuple2.of("k", new TenantKey("t1", Tuple2.of("k1", null)))))
        .isEqualTo("f1.id.f1");
    assertThat(
            NestedNullFields.of(Types.TUPLE(Types.STRING, TypeInformation.of(TenantKey.class)))
                .find(Tuple2.of(null, new TenantKey("t1", Tuple2.of("k1", 1L)))))
        .isEqualTo("f0");
  }

  @Test
  void find_rowsByPositionAndByName() {
    NestedNullFields row = NestedNullFields.of(ROW_WITH_TUPLE);
    assertThat(row.find(Row.of("t1", Tuple2.of("k1", 1L)))).isNull();
    assertThat(row.find(Row.of("t1", Tuple2.of("k1", null)))).isEqualTo("id.f1");
    Row byName = Row.withNames();
    byName.setField("tenant", "t1");
    byName.setField("id", Tuple2.of(null, 1L));
    assertThat(row.find(byName)).isEqualTo("id.f0");
    assertThat(
            NestedNullFields.of(Types.POJO(WithRow.class, java.util.Map.of("row", ROW_WITH_TUPLE)))
                .find(new WithRow(Row.of("t1", Tuple2.of("k1", null)))))
        .isEqualTo("row.id.f1");
  }

  @Test
  void find_afterSerialization_asTheCheckIsShipped() throws Exception {
    NestedNullFields copy =
        InstantiationUtil.clone(NestedNullFields.of(TypeInformation.of(Outer.class)));
    assertThat(copy.find(new Outer("eu", new TenantKey("t1", Tuple2.of("k1", null)))))
        .isEqualTo("inner.id.f1");
  }

  public record Labels(String tenant, Tuple2<String, String> label) {}

  @Test
  void ofRecords_typesWithoutATupleFieldThatCannotBeNull_noWalk() {
    assertThat(NestedNullFields.ofRecords(Types.STRING)).isNull();
    assertThat(NestedNullFields.ofRecords(TypeInformation.of(Flat.class))).isNull();
    assertThat(NestedNullFields.ofRecords(Types.ROW(Types.STRING, Types.LONG))).isNull();
    assertThat(NestedNullFields.ofRecords(Types.LIST(Types.STRING))).isNull();
    // String, BigDecimal and POJO serializers write their nulls, in a tuple too
    assertThat(NestedNullFields.ofRecords(Types.TUPLE(Types.STRING, Types.BIG_DEC))).isNull();
    assertThat(NestedNullFields.ofRecords(TypeInformation.of(Labels.class))).isNull();
    assertThat(NestedNullFields.ofRecords(Change.typeInfo(TypeInformation.of(Labels.class))))
        .isNull();
    assertThat(
            NestedNullFields.ofRecords(Types.TUPLE(Types.STRING, TypeInformation.of(Flat.class))))
        .isNull();
  }

  @Test
  void ofRecords_findsOnlyTheNullsTheTupleSerializerCannotWrite_topLevelTuplesToo() {
    NestedNullFields tuple = NestedNullFields.ofRecords(ID);
    assertThat(tuple.find(Tuple2.of("k1", null))).isEqualTo("f1");
    assertThat(tuple.find(Tuple2.of(null, 1L))).isNull(); // a null String is written
    NestedNullFields record = NestedNullFields.ofRecords(TypeInformation.of(Outer.class));
    assertThat(record.find(new Outer("eu", new TenantKey("t1", Tuple2.of("k1", null)))))
        .isEqualTo("inner.id.f1");
    assertThat(record.find(new Outer("eu", new TenantKey("t1", Tuple2.of(null, 1L))))).isNull();
    assertThat(record.find(new Outer("eu", null))).isNull();
    NestedNullFields nested =
        NestedNullFields.ofRecords(Types.TUPLE(Types.STRING, ID, Types.ROW(Types.LONG)));
    assertThat(nested.find(Tuple3.of("a", null, Row.of(1L)))).isEqualTo("f1");
    assertThat(nested.find(Tuple3.of("a", Tuple2.of("k", 1L), null))).isEqualTo("f2");
    assertThat(nested.find(Tuple3.of(null, Tuple2.of("k", 1L), Row.of((Object) null)))).isNull();
  }

  @Test
  void ofRecords_changelog_walksTheRow_afterSerialization() throws Exception {
    NestedNullFields changes =
        InstantiationUtil.clone(
            NestedNullFields.ofRecords(Change.typeInfo(TypeInformation.of(TenantKey.class))));
    assertThat(changes.find(Change.delete(new TenantKey("t1", Tuple2.of("k1", null)))))
        .isEqualTo("id.f1");
    assertThat(changes.find(Change.insert(new TenantKey("t1", Tuple2.of("k1", 1L))))).isNull();
  }
}
