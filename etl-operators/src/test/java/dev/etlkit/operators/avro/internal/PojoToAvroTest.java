package dev.etlkit.operators.avro.internal;

import static dev.etlkit.operators.avro.AvroFixtures.EVERYTHING;
import static dev.etlkit.operators.avro.AvroFixtures.ORDER_ID;
import static dev.etlkit.operators.avro.AvroFixtures.ORDER_V2;
import static dev.etlkit.operators.avro.AvroFixtures.PLACED_AT;
import static dev.etlkit.operators.avro.AvroFixtures.everything;
import static dev.etlkit.operators.avro.AvroFixtures.orderV2;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.operators.avro.AvroFormatException;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

/** Java records and POJOs to GenericRecord: property lookup, value mapping, rejections. */
class PojoToAvroTest {

  /** A Java record with every property of the order schema. */
  record OrderRecord(
      UUID id, String customer, BigDecimal amount, Instant placedAt, String channel, String note) {}

  /** A Flink POJO: public fields and getters; no channel (the schema's default fills it). */
  public static class OrderPojo {
    public UUID id;
    public String customer;
    private BigDecimal amount;
    public Instant placedAt;

    public BigDecimal getAmount() {
      return amount;
    }

    public void setAmount(BigDecimal amount) {
      this.amount = amount;
    }
  }

  enum Color {
    RED,
    GREEN,
    BLUE
  }

  record Address(String street, String zip) {}

  record Everything(
      boolean flag,
      int count,
      long total,
      float ratio,
      double score,
      String label,
      byte[] blob,
      byte[] code,
      Color color,
      List<Long> values,
      Map<String, String> attributes,
      Address address,
      String nickname,
      BigDecimal price,
      BigDecimal discount,
      LocalDate day,
      LocalTime clock,
      Instant createdMillis,
      Instant createdMicros,
      LocalDateTime localMicros,
      UUID uid) {}

  static Everything everythingObject(List<Long> values) {
    return new Everything(
        true,
        42,
        5,
        0.5f,
        -1.25,
        "x",
        new byte[] {1, 2, 3},
        new byte[] {9, 8, 7, 6},
        Color.GREEN,
        values,
        Map.of("k", "v"),
        new Address("Main St 1", "12345"),
        null,
        new BigDecimal("12345.6789"),
        new BigDecimal("0.15"),
        LocalDate.of(2024, 2, 29),
        LocalTime.of(23, 59, 58, 123_000_000),
        Instant.parse("2024-05-01T10:15:30.123Z"),
        Instant.parse("1969-12-31T23:59:59.999999Z"),
        LocalDateTime.of(2024, 5, 1, 10, 15, 30, 123_456_000),
        ORDER_ID);
  }

  @Test
  void convert_javaRecord_mapsEveryAvroType() throws Exception {
    GenericRecord r =
        new PojoToAvro<>(Everything.class, EVERYTHING)
            .convert(everythingObject(List.of(1L, -2L, 3L)));

    assertThat(r).isEqualTo(everything("x", 5));
  }

  @Test
  void convert_flinkPojo_readsFieldsAndGettersAndFillsDefaults() throws Exception {
    OrderPojo pojo = new OrderPojo();
    pojo.id = ORDER_ID;
    pojo.customer = "ada";
    pojo.setAmount(new BigDecimal("12.3")); // scale 1 is widened to the schema's scale 2
    pojo.placedAt = PLACED_AT;

    GenericRecord r = new PojoToAvro<>(OrderPojo.class, ORDER_V2).convert(pojo);

    assertThat(r.get("amount")).isEqualTo(new BigDecimal("12.30"));
    assertThat(r.get("channel")).isEqualTo("web");
    assertThat(r.get("note")).isNull();
  }

  @Test
  void convert_recordEqualToTheDecodedOne_forTheSameOrder() throws Exception {
    OrderRecord order =
        new OrderRecord(ORDER_ID, "ada", new BigDecimal("12.30"), PLACED_AT, "app", null);

    assertThat(new PojoToAvro<>(OrderRecord.class, ORDER_V2).convert(order))
        .isEqualTo(orderV2("ada", "12.30"));
  }

  @Test
  void build_requiredFieldWithoutProperty_failsFast() {
    record NoCustomer(UUID id, BigDecimal amount, Instant placedAt) {}

    assertThatThrownBy(() -> new PojoToAvro<>(NoCustomer.class, ORDER_V2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("has no property 'customer'")
        .hasMessageContaining("required Avro field dev.etlkit.operators.avro.test.Order.customer");
  }

  @Test
  void build_propertyOfAnUnmappableType_failsFast() {
    record WrongType(UUID id, int customer, BigDecimal amount, Instant placedAt) {}

    assertThatThrownBy(() -> new PojoToAvro<>(WrongType.class, ORDER_V2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "property 'customer' of "
                + WrongType.class.getName()
                + " cannot fill Avro field dev.etlkit.operators.avro.test.Order.customer: Java type"
                + " java.lang.Integer does not map to string");
  }

  @Test
  void convert_nullInNonNullField_isRejectedWithItsPath() {
    OrderRecord order = new OrderRecord(ORDER_ID, null, BigDecimal.ONE, PLACED_AT, "app", null);

    assertThatThrownBy(() -> new PojoToAvro<>(OrderRecord.class, ORDER_V2).convert(order))
        .isInstanceOf(AvroFormatException.class)
        .hasMessage(
            "object does not fit Avro schema dev.etlkit.operators.avro.test.Order at $.customer:"
                + " null is not allowed for string");
  }

  @Test
  void convert_nullListElement_isRejectedWithItsIndex() {
    assertThatThrownBy(
            () ->
                new PojoToAvro<>(Everything.class, EVERYTHING)
                    .convert(everythingObject(Arrays.asList(1L, null))))
        .isInstanceOf(AvroFormatException.class)
        .hasMessageEndingWith("at $.values[1]: null is not allowed for long");
  }

  @Test
  void convert_decimalBeyondTheSchema_isRejected() {
    OrderRecord order =
        new OrderRecord(ORDER_ID, "ada", new BigDecimal("12345678901"), PLACED_AT, "app", null);

    assertThatThrownBy(() -> new PojoToAvro<>(OrderRecord.class, ORDER_V2).convert(order))
        .isInstanceOf(AvroFormatException.class)
        .hasMessageEndingWith(
            "at $.amount: decimal has more than 10 integer digits for" + " decimal(12,2)");
  }

  @Test
  void convert_timestampBeyondTheLongRange_isRejected() {
    OrderRecord order = new OrderRecord(ORDER_ID, "ada", BigDecimal.ONE, Instant.MAX, "app", null);

    assertThatThrownBy(() -> new PojoToAvro<>(OrderRecord.class, ORDER_V2).convert(order))
        .isInstanceOf(AvroFormatException.class)
        .hasMessageEndingWith("at $.placedAt: timestamp is outside the range of timestamp-millis");
  }

  @Test
  void convert_instantWithMoreDigitsThanTheSchemaHolds_isRejectedNotTruncated() {
    OrderRecord order =
        new OrderRecord(ORDER_ID, "ada", BigDecimal.ONE, PLACED_AT.plusNanos(456_789), "app", null);

    assertThatThrownBy(() -> new PojoToAvro<>(OrderRecord.class, ORDER_V2).convert(order))
        .isInstanceOf(AvroFormatException.class)
        .hasMessageEndingWith(
            "at $.placedAt: timestamp has more fraction digits than timestamp-millis holds");
  }

  private static Everything withTimes(Everything e, LocalTime clock, LocalDateTime localMicros) {
    return new Everything(
        e.flag(),
        e.count(),
        e.total(),
        e.ratio(),
        e.score(),
        e.label(),
        e.blob(),
        e.code(),
        e.color(),
        e.values(),
        e.attributes(),
        e.address(),
        e.nickname(),
        e.price(),
        e.discount(),
        e.day(),
        clock,
        e.createdMillis(),
        e.createdMicros(),
        localMicros,
        e.uid());
  }

  @Test
  void convert_localTimeAndLocalDateTimeWithMoreDigitsThanTheSchemaHolds_areRejected() {
    Everything e = everythingObject(List.of());
    Everything fineClock = withTimes(e, e.clock().plusNanos(1_000), e.localMicros());
    Everything fineLocal = withTimes(e, e.clock(), e.localMicros().plusNanos(1));
    PojoToAvro<Everything> toAvro = new PojoToAvro<>(Everything.class, EVERYTHING);

    assertThatThrownBy(() -> toAvro.convert(fineClock))
        .hasMessageEndingWith("at $.clock: time has more fraction digits than time-millis holds");
    assertThatThrownBy(() -> toAvro.convert(fineLocal))
        .hasMessageEndingWith(
            "at $.localMicros: local timestamp has more fraction digits than"
                + " local-timestamp-micros holds");
  }

  @Test
  void convert_uuidFromText_isParsedOrRejectedWithoutTheText() throws Exception {
    record TextId(String id, String customer, BigDecimal amount, Instant placedAt) {}
    PojoToAvro<TextId> mapper = new PojoToAvro<>(TextId.class, ORDER_V2);

    assertThat(
            mapper
                .convert(new TextId(ORDER_ID.toString(), "a", BigDecimal.ONE, PLACED_AT))
                .get("id"))
        .isEqualTo(ORDER_ID);
    assertThatThrownBy(() -> mapper.convert(new TextId("secret", "a", BigDecimal.ONE, PLACED_AT)))
        .hasMessageEndingWith("at $.id: text is not a UUID");
  }

  record Node(int v, Node next) {}

  @Test
  void convert_objectNestedDeeperThanTheStack_isRejectedNotAStackOverflow() {
    Schema list =
        new Schema.Parser()
            .parse(
                "{\"type\":\"record\",\"name\":\"Node\",\"fields\":[{\"name\":\"v\",\"type\":\"int\"},"
                    + "{\"name\":\"next\",\"type\":[\"null\",\"Node\"]}]}");
    Node deep = null;
    for (int i = 0; i < 1_000_000; i++) {
      deep = new Node(i, deep);
    }
    Node input = deep;

    // A StackOverflowError is no Exception: the map step would let it fail the job.
    assertThatThrownBy(() -> new PojoToAvro<>(Node.class, list).convert(input))
        .isInstanceOf(AvroFormatException.class)
        .hasMessage("cannot convert to Avro schema Node: the object is nested too deeply");
  }

  public record WithSqlTimestamp(java.sql.Timestamp at) {}

  @Test
  void convert_sqlTimestampWithMicros_keepsThemOrIsRejected_notCutToMillis() throws Exception {
    Schema micros =
        new Schema.Parser()
            .parse(
                "{\"type\":\"record\",\"name\":\"T\",\"fields\":[{\"name\":\"at\","
                    + "\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-micros\"}}]}");
    PojoToAvro<WithSqlTimestamp> toAvro = new PojoToAvro<>(WithSqlTimestamp.class, micros);
    Instant at = Instant.parse("2024-05-01T10:15:30.123456Z");

    // A JDBC timestamp holds nanos; getTime() has only the millis.
    assertThat(toAvro.convert(new WithSqlTimestamp(java.sql.Timestamp.from(at))).get("at"))
        .isEqualTo(at);
    java.sql.Timestamp nanos = java.sql.Timestamp.from(at.plusNanos(789));
    assertThatThrownBy(() -> toAvro.convert(new WithSqlTimestamp(nanos)))
        .isInstanceOf(AvroFormatException.class)
        .hasMessageEndingWith(
            "at $.at: timestamp has more fraction digits than timestamp-micros holds");
  }

  record Measures(long big, int medium) {}

  @Test
  void convert_integerADoubleOrFloatFieldWouldRound_isRejectedNotRounded() throws Exception {
    // encode and toJson refuse a Long in a double field as narrowed; fromPojo must not round it.
    Schema floating =
        new Schema.Parser()
            .parse(
                "{\"type\":\"record\",\"name\":\"M\",\"fields\":["
                    + "{\"name\":\"big\",\"type\":\"double\"},"
                    + "{\"name\":\"medium\",\"type\":\"float\"}]}");
    PojoToAvro<Measures> toAvro = new PojoToAvro<>(Measures.class, floating);

    GenericRecord exact = toAvro.convert(new Measures(1L << 53, 1 << 24));
    assertThat(exact.get("big")).isEqualTo(0x1p53);
    assertThat(exact.get("medium")).isEqualTo(0x1p24f);
    assertThatThrownBy(() -> toAvro.convert(new Measures((1L << 53) + 1, 1)))
        .isInstanceOf(AvroFormatException.class)
        .hasMessage(
            "object does not fit Avro schema M at $.big: a java.lang.Long does not fit double"
                + " without rounding");
    assertThatThrownBy(() -> toAvro.convert(new Measures(Long.MAX_VALUE, 1)))
        .isInstanceOf(AvroFormatException.class)
        .hasMessageEndingWith("at $.big: a java.lang.Long does not fit double without rounding");
    assertThatThrownBy(() -> toAvro.convert(new Measures(1, (1 << 24) + 1)))
        .isInstanceOf(AvroFormatException.class)
        .hasMessageEndingWith(
            "at $.medium: a java.lang.Integer does not fit float without rounding");
  }

  record Reading(Object value) {}

  @Test
  void convert_integerAFloatBranchWouldRound_takesALaterDoubleBranch() throws Exception {
    Schema union =
        new Schema.Parser()
            .parse(
                "{\"type\":\"record\",\"name\":\"U\",\"fields\":["
                    + "{\"name\":\"value\",\"type\":[\"null\",\"float\",\"double\"]}]}");
    PojoToAvro<Reading> toAvro = new PojoToAvro<>(Reading.class, union);

    assertThat(toAvro.convert(new Reading(3)).get("value")).isEqualTo(3.0f);
    assertThat(toAvro.convert(new Reading((1 << 24) + 1)).get("value"))
        .isEqualTo((double) ((1 << 24) + 1));
    assertThatThrownBy(() -> toAvro.convert(new Reading((1L << 53) + 1)))
        .isInstanceOf(AvroFormatException.class)
        .hasMessageEndingWith("at $.value: a java.lang.Long does not fit float without rounding");
  }

  record Card(String number) {}

  record Transfer(String iban) {}

  record ByTransfer(Transfer payment) {}

  record ByAnything(Object payment) {}

  @Test
  void convert_objectFittingTheSecondRecordBranchOfAUnion_fillsThatBranch() throws Exception {
    Schema schema =
        new Schema.Parser()
            .parse(
                "{\"type\":\"record\",\"name\":\"P\",\"fields\":[{\"name\":\"payment\",\"type\":["
                    + "\"null\",{\"type\":\"record\",\"name\":\"Card\",\"fields\":["
                    + "{\"name\":\"number\",\"type\":\"string\"}]},"
                    + "{\"type\":\"record\",\"name\":\"Transfer\",\"fields\":["
                    + "{\"name\":\"iban\",\"type\":\"string\"}]}]}]}");

    GenericRecord typed =
        new PojoToAvro<>(ByTransfer.class, schema).convert(new ByTransfer(new Transfer("DE89")));
    GenericRecord dynamic =
        new PojoToAvro<>(ByAnything.class, schema).convert(new ByAnything(new Transfer("DE89")));

    for (GenericRecord r : List.of(typed, dynamic)) {
      GenericRecord payment = (GenericRecord) r.get("payment");
      assertThat(payment.getSchema().getName()).isEqualTo("Transfer");
      assertThat(payment.get("iban")).isEqualTo("DE89");
    }
    assertThat(
            ((GenericRecord)
                    new PojoToAvro<>(ByAnything.class, schema)
                        .convert(new ByAnything(new Card("4111")))
                        .get("payment"))
                .getSchema()
                .getName())
        .isEqualTo("Card");
    // a class that fills no branch is still refused when the mapping is built
    Schema cardOnly =
        new Schema.Parser()
            .parse(
                "{\"type\":\"record\",\"name\":\"P\",\"fields\":[{\"name\":\"payment\",\"type\":["
                    + "\"null\",{\"type\":\"record\",\"name\":\"Card\",\"fields\":["
                    + "{\"name\":\"number\",\"type\":\"string\"}]}]}]}");
    assertThatThrownBy(() -> new PojoToAvro<>(ByTransfer.class, cardOnly))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("has no property 'number'");
  }

  enum Level {
    LOW,
    HIGH {
      @Override
      public String toString() {
        return "high!"; // a constant with a body: its class is an anonymous subclass of Level
      }
    }
  }

  record Graded(Level level) {}

  @Test
  void convert_enumConstantWithABody_inAUnion_isItsName() throws Exception {
    Schema schema =
        new Schema.Parser()
            .parse(
                "{\"type\":\"record\",\"name\":\"G\",\"fields\":[{\"name\":\"level\","
                    + "\"type\":[\"null\",\"int\",\"string\"]}]}");
    PojoToAvro<Graded> toAvro = new PojoToAvro<>(Graded.class, schema);

    assertThat(toAvro.convert(new Graded(Level.LOW)).get("level")).isEqualTo("LOW");
    assertThat(toAvro.convert(new Graded(Level.HIGH)).get("level")).isEqualTo("HIGH");
  }
}
