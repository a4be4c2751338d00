package dev.etlkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.UUID;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.RowTypeInfo;
import org.apache.flink.types.Row;
import org.apache.flink.types.RowKind;
import org.apache.flink.types.RowUtils;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;

class RowMappingTest {

  @Test
  void pojo_rowType_hasFlinkFieldNamesAndTypesInAlphabeticalOrder() {
    RowMapping<Customer> mapping = RowMapping.pojo(Customer.class);

    assertThat(mapping.rowType().getFieldNames()).containsExactly("credit", "id", "name");
    assertThat(mapping.rowType().getFieldTypes())
        .containsExactly(Types.INT, Types.LONG, Types.STRING);
    assertThat(mapping.valueType()).isEqualTo(Types.POJO(Customer.class));
  }

  @Test
  void pojo_toRowThenFromRow_restoresEqualPojo() {
    RowMapping<Customer> mapping = RowMapping.pojo(Customer.class);
    Customer customer = new Customer(7, "Ada", null);

    Row row = mapping.toRow(customer);

    assertThat(row).isEqualTo(Row.of(null, 7L, "Ada"));
    assertThat(mapping.fromRow(row)).isEqualTo(customer).isNotSameAs(customer);
  }

  @Test
  void pojo_ofRecord_roundTripsThroughCanonicalConstructor() {
    RowMapping<OrderLine> mapping = RowMapping.pojo(OrderLine.class);
    OrderLine line = new OrderLine("A-1", 3, 1999L);

    Row row = mapping.toRow(line);

    assertThat(mapping.rowType().getFieldNames()).containsExactly("priceCents", "quantity", "sku");
    assertThat(row).isEqualTo(Row.of(1999L, 3, "A-1"));
    assertThat(mapping.fromRow(row)).isEqualTo(line);
  }

  @Test
  void pojo_afterJavaSerialization_stillMaps() throws Exception {
    RowMapping<OrderLine> mapping =
        InstantiationUtil.clone(RowMapping.pojo(OrderLine.class), getClass().getClassLoader());
    OrderLine line = new OrderLine("B-2", 1, null);

    assertThat(mapping.fromRow(mapping.toRow(line))).isEqualTo(line);
  }

  @Test
  void pojo_ofNonPojoClass_failsNamingTheClass() {
    assertThatThrownBy(() -> RowMapping.pojo(UUID.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Flink sees java.util.UUID as GenericType");
  }

  @Test
  void pojo_fromRowWithNullForPrimitive_failsNamingTheColumn() {
    RowMapping<Customer> mapping = RowMapping.pojo(Customer.class);

    assertThatThrownBy(() -> mapping.fromRow(Row.of(1, null, "Ada")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Column id is null but dev.etlkit.core.Customer.id is primitive");
  }

  @Test
  void pojo_ofRecord_fromRowWithAColumnOfTheWrongType_failsNamingTheFieldNotTheValue() {
    RowMapping<OrderLine> mapping = RowMapping.pojo(OrderLine.class);

    assertThatThrownBy(() -> mapping.fromRow(Row.of("secret-1999", 3, "A-1")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Cannot set field dev.etlkit.core.OrderLine.priceCents from a column of type"
                + " java.lang.String")
        .hasMessageNotContaining("secret");
  }

  @Test
  void pojo_ofRecord_fromRowWithAColumnThatWidensToAPrimitiveField_isBuilt() {
    RowMapping<OrderLine> mapping = RowMapping.pojo(OrderLine.class);

    assertThat(mapping.fromRow(Row.of(1999L, (short) 3, "A-1")))
        .isEqualTo(new OrderLine("A-1", 3, 1999L));
  }

  @Test
  void pojo_fromRowOfWrongArity_failsNamingTheColumns() {
    RowMapping<Customer> mapping = RowMapping.pojo(Customer.class);

    assertThatThrownBy(() -> mapping.fromRow(Row.of(1, 2L)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Cannot build dev.etlkit.core.Customer from a row of arity 2,"
                + " expected 3 columns credit, id, name");
  }

  @Test
  void of_withFunctions_usesThem() {
    RowTypeInfo rowType =
        new RowTypeInfo(
            new TypeInformation<?>[] {Types.LONG, Types.STRING}, new String[] {"id", "name"});
    RowMapping<Customer> mapping =
        RowMapping.of(
            rowType,
            TypeInformation.of(Customer.class),
            c -> Row.of(c.id, c.name),
            row -> new Customer(row.getFieldAs(0), row.getFieldAs(1), null));

    Row row = mapping.toRow(new Customer(3, "Lin", 9));

    assertThat(row).isEqualTo(Row.of(3L, "Lin"));
    assertThat(mapping.fromRow(row)).isEqualTo(new Customer(3, "Lin", null));
    assertThat(mapping.rowType()).isSameAs(rowType);
  }

  /** A record of two columns of one type, which a reading by position can swap unnoticed. */
  public record Person(String given, String family) {}

  /**
   * Rows from the Table API ({@code toChangelogStream}, {@code toDataStream}) carry their column
   * names, in the table's column order, which need not be the mapping's alphabetical order: such a
   * row, like one of {@code Row.withNames()}, is read by name.
   */
  @Test
  void pojo_fromRowWithFieldNames_readsColumnsByName() {
    RowMapping<Person> mapping = RowMapping.pojo(Person.class);
    LinkedHashMap<String, Integer> tableOrder = new LinkedHashMap<>();
    tableOrder.put("given", 0);
    tableOrder.put("family", 1);
    Row fromTable =
        RowUtils.createRowWithNamedPositions(
            RowKind.INSERT, new Object[] {"Ada", "Lovelace"}, tableOrder);
    Row named = Row.withNames();
    named.setField("given", "Grace");
    named.setField("family", "Hopper");

    assertThat(mapping.rowType().getFieldNames()).containsExactly("family", "given");
    assertThat(mapping.fromRow(fromTable)).isEqualTo(new Person("Ada", "Lovelace"));
    assertThat(mapping.fromRow(named)).isEqualTo(new Person("Grace", "Hopper"));
  }

  /**
   * A row of a stream typed with other column names ({@code Types.ROW} names them {@code f0},
   * {@code f1}, ...) carries them after each serializer copy: it holds the columns in the mapping's
   * order and is read by position.
   */
  @Test
  void pojo_fromRowWithOtherFieldNames_readsColumnsByPosition() {
    RowMapping<Person> mapping = RowMapping.pojo(Person.class);
    LinkedHashMap<String, Integer> positional = new LinkedHashMap<>();
    positional.put("f0", 0);
    positional.put("f1", 1);
    Row row =
        RowUtils.createRowWithNamedPositions(
            RowKind.INSERT, new Object[] {"Lovelace", "Ada"}, positional);

    assertThat(mapping.fromRow(row)).isEqualTo(new Person("Ada", "Lovelace"));
  }

  /**
   * The mapping remembers whether the last rows' name set reads by name (rows of one serializer
   * share it): rows of streams with other names, one after another, are each read their own way.
   */
  @Test
  void pojo_rowsOfDifferentNameSets_inTurn_areEachReadTheirOwnWay() {
    RowMapping<Person> mapping = RowMapping.pojo(Person.class);
    LinkedHashMap<String, Integer> tableOrder = new LinkedHashMap<>();
    tableOrder.put("given", 0);
    tableOrder.put("family", 1);
    LinkedHashMap<String, Integer> positional = new LinkedHashMap<>();
    positional.put("f0", 0);
    positional.put("f1", 1);

    for (int i = 0; i < 2; i++) {
      Row fromTable =
          RowUtils.createRowWithNamedPositions(
              RowKind.INSERT, new Object[] {"Ada", "Lovelace"}, tableOrder);
      Row fromTypedStream =
          RowUtils.createRowWithNamedPositions(
              RowKind.INSERT, new Object[] {"Lovelace", "Ada"}, positional);
      assertThat(mapping.fromRow(fromTable)).isEqualTo(new Person("Ada", "Lovelace"));
      assertThat(mapping.fromRow(fromTypedStream)).isEqualTo(new Person("Ada", "Lovelace"));
      assertThat(mapping.fromRow(fromTypedStream)).isEqualTo(new Person("Ada", "Lovelace"));
      assertThat(mapping.fromRow(fromTable)).isEqualTo(new Person("Ada", "Lovelace"));
    }
  }

  @Test
  void pojo_fromRowWithFieldNamesMissingAColumn_failsNamingTheColumns() {
    RowMapping<Person> mapping = RowMapping.pojo(Person.class);
    Row named = Row.withNames();
    named.setField("given", "Grace");
    named.setField("surname", "Hopper");

    assertThatThrownBy(() -> mapping.fromRow(named))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Cannot build dev.etlkit.core.RowMappingTest$Person from a row without column family,"
                + " it has columns given, surname")
        .hasMessageNotContaining("Hopper");
  }

  /** A tier of a {@link Member}. */
  public enum Tier {
    STANDARD,
    GOLD
  }

  /** A record with an enum and a UUID field. */
  public record Member(UUID id, Tier tier, String name) {}

  @Test
  void pojo_enumAndUuidFields_areTextColumns_andComeBack() {
    RowMapping<Member> mapping = RowMapping.pojo(Member.class);
    UUID id = UUID.fromString("0b9f6c6e-2f56-4f1e-9c3b-8a3e2b7d1c55");
    Member member = new Member(id, Tier.GOLD, "Ada");

    Row row = mapping.toRow(member);

    assertThat(mapping.rowType().getFieldNames()).containsExactly("id", "name", "tier");
    assertThat(mapping.rowType().getFieldTypes())
        .containsExactly(Types.STRING, Types.STRING, Types.STRING);
    assertThat(row).isEqualTo(Row.of("0b9f6c6e-2f56-4f1e-9c3b-8a3e2b7d1c55", "Ada", "GOLD"));
    assertThat(mapping.fromRow(row)).isEqualTo(member);
    assertThat(mapping.fromRow(Row.of("0B9F6C6E-2F56-4F1E-9C3B-8A3E2B7D1C55", "Ada", "GOLD")))
        .as("upper-case hex digits are the same UUID")
        .isEqualTo(member);
    assertThat(mapping.fromRow(Row.of(null, "Ada", null))).isEqualTo(new Member(null, null, "Ada"));
    assertThat(mapping.fromRow(Row.of(id, "Ada", Tier.GOLD)))
        .as("a row holding the objects themselves")
        .isEqualTo(member);
  }

  @Test
  void pojo_textOfNoEnumConstantOrNoCanonicalUuid_failsNamingTheFieldNotTheValue() {
    RowMapping<Member> mapping = RowMapping.pojo(Member.class);

    assertThatThrownBy(
            () -> mapping.fromRow(Row.of("0b9f6c6e-2f56-4f1e-9c3b-8a3e2b7d1c55", "Ada", "Platin")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Cannot set field dev.etlkit.core.RowMappingTest$Member.tier: the column names no"
                + " constant of dev.etlkit.core.RowMappingTest$Tier")
        .hasNoCause();
    for (String notCanonical : new String[] {"1-1-1-1-1", "not a uuid", ""}) {
      assertThatThrownBy(() -> mapping.fromRow(Row.of(notCanonical, "Ada", "GOLD")))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "Cannot set field dev.etlkit.core.RowMappingTest$Member.id: the column is not a UUID"
                  + " in its canonical form");
    }
  }

  /** A record with a {@code char} and a {@code Character} field. */
  public record Graded(String name, char grade, Character bonus) {}

  @Test
  void pojo_charFields_areTextColumnsOfOneChar_andComeBack() {
    RowMapping<Graded> mapping = RowMapping.pojo(Graded.class);
    Graded ada = new Graded("Ada", 'A', '+');

    Row row = mapping.toRow(ada);

    assertThat(mapping.rowType().getFieldNames()).containsExactly("bonus", "grade", "name");
    assertThat(mapping.rowType().getFieldTypes())
        .containsExactly(Types.STRING, Types.STRING, Types.STRING);
    assertThat(row).isEqualTo(Row.of("+", "A", "Ada"));
    assertThat(mapping.fromRow(row)).isEqualTo(ada);
    assertThat(mapping.fromRow(Row.of(null, "B", "Bob"))).isEqualTo(new Graded("Bob", 'B', null));
    assertThat(mapping.fromRow(Row.of('+', 'A', "Ada")))
        .as("a row holding the chars themselves")
        .isEqualTo(ada);
    for (String notOneChar : new String[] {"", "AB", "\uD83D\uDE00"}) { // an emoji is two chars
      assertThatThrownBy(() -> mapping.fromRow(Row.of("+", notOneChar, "Ada")))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith(
              "Cannot set field dev.etlkit.core.RowMappingTest$Graded.grade: the column is not"
                  + " text of one char (it has ");
    }
    assertThatThrownBy(() -> mapping.fromRow(Row.of("+", null, "Ada")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("grade")
        .hasMessageContaining("is null but");
  }
}
