package dev.etlkit.operators.cdc;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import dev.etlkit.core.Change;
import dev.etlkit.operators.JsonReadLimits;
import dev.etlkit.operators.RawBytes;
import dev.etlkit.operators.cdc.Debezium.Metadata;
import dev.etlkit.operators.cdc.Debezium.Tombstones;
import dev.etlkit.operators.cdc.internal.DebeziumDecoder;
import dev.etlkit.operators.cdc.internal.DebeziumDecoder.Outcome;
import dev.etlkit.operators.cdc.internal.DecoderSettings;
import dev.etlkit.operators.cdc.internal.SourcePositions;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import javax.annotation.Nullable;
import org.apache.flink.types.RowKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The plain-Java envelope decoder, without Flink. */
class DebeziumDecoderTest {

  private static final String SECRET = "SECRET-7f3a";

  private final List<Change<Customer>> out = new ArrayList<>();

  private Outcome decode(String value) throws IOException {
    return decode(DecoderSettings.defaults(Customer.class), value, null);
  }

  private Outcome decode(
      DecoderSettings<Customer> settings, @Nullable String value, @Nullable String key)
      throws IOException {
    return new DebeziumDecoder<>(settings)
        .decode(
            value == null ? null : value.getBytes(UTF_8),
            key == null ? null : key.getBytes(UTF_8),
            42L,
            out);
  }

  private static String change(String op, @Nullable String before, @Nullable String after) {
    return "{\"op\":\""
        + op
        + "\",\"before\":"
        + before
        + ",\"after\":"
        + after
        + ",\"source\":{\"ts_ms\":1000,\"lsn\":77},\"ts_ms\":2000}";
  }

  private static final String ANNE =
      "{\"id\":1,\"first_name\":\"Anne\",\"last_name\":\"K\",\"email\":\"a@x\"}";
  private static final String ANNE_MARIE =
      "{\"id\":1,\"first_name\":\"Anne Marie\",\"last_name\":\"K\",\"email\":\"a@x\"}";

  // ---- op mapping

  @Test
  void create_isAnInsertWithEventTimeAndLsn() throws IOException {
    assertThat(decode(change("c", null, ANNE))).isEqualTo(Outcome.CHANGED);
    assertThat(out)
        .containsExactly(
            Change.of(RowKind.INSERT, new Customer(1, "Anne", "K", "a@x"), 1000L, 77L));
  }

  @Test
  void read_isAnInsert() throws IOException {
    decode(change("r", null, ANNE));
    assertThat(out).extracting(Change::kind).containsExactly(RowKind.INSERT);
  }

  @Test
  void update_withFullBefore_isUpdateBeforeThenUpdateAfter() throws IOException {
    assertThat(decode(change("u", ANNE, ANNE_MARIE))).isEqualTo(Outcome.CHANGED);
    assertThat(out)
        .extracting(c -> c.kind() + " " + c.value().firstName())
        .containsExactly("UPDATE_BEFORE Anne", "UPDATE_AFTER Anne Marie");
  }

  @Test
  void update_withoutBefore_isUpdateAfterOnly() throws IOException {
    assertThat(decode(change("u", null, ANNE_MARIE))).isEqualTo(Outcome.UPDATED_WITHOUT_BEFORE);
    assertThat(out).extracting(Change::kind).containsExactly(RowKind.UPDATE_AFTER);
  }

  @Test
  void update_withKeyOnlyBefore_isUpdateAfterOnly() throws IOException {
    assertThat(decode(change("u", "{\"id\":1}", ANNE_MARIE)))
        .isEqualTo(Outcome.UPDATED_WITHOUT_BEFORE);
    assertThat(out).extracting(Change::kind).containsExactly(RowKind.UPDATE_AFTER);
  }

  @Test
  void delete_withBefore_isADeleteOfTheBeforeImage() throws IOException {
    decode(change("d", ANNE, null));
    assertThat(out)
        .containsExactly(
            Change.of(RowKind.DELETE, new Customer(1, "Anne", "K", "a@x"), 1000L, 77L));
  }

  @Test
  void delete_withoutBefore_isAKeyOnlyDeleteFromTheKafkaKey() throws IOException {
    decode(DecoderSettings.defaults(Customer.class), change("d", null, null), "{\"id\":9}");
    assertThat(out)
        .containsExactly(Change.of(RowKind.DELETE, new Customer(9, null, null, null), 1000L, 77L));
  }

  @Test
  void tombstone_skippedByDefault_deleteWhenAsked() throws IOException {
    DecoderSettings<Customer> settings = DecoderSettings.defaults(Customer.class);
    assertThat(decode(settings, null, "{\"id\":9}")).isEqualTo(Outcome.SKIPPED_TOMBSTONE);
    assertThat(out).isEmpty();

    assertThat(decode(settings.withTombstones(Tombstones.DELETE), null, "{\"id\":9}"))
        .isEqualTo(Outcome.TOMBSTONE_DELETED);
    // the record's timestamp is the only time a tombstone has; it has no source position
    assertThat(out)
        .containsExactly(Change.of(RowKind.DELETE, new Customer(9, null, null, null), 42L, null));
  }

  @Test
  void wrappedNullPayload_isATombstone() throws IOException {
    // Kafka Connect's JsonConverter with schemas enabled wrote a null value this way
    DecoderSettings<Customer> settings = DecoderSettings.defaults(Customer.class);
    String wrappedNull = "{\"schema\":null,\"payload\":null}";
    assertThat(decode(settings, wrappedNull, "{\"id\":9}")).isEqualTo(Outcome.SKIPPED_TOMBSTONE);

    assertThat(decode(settings.withTombstones(Tombstones.DELETE), wrappedNull, "{\"id\":9}"))
        .isEqualTo(Outcome.TOMBSTONE_DELETED);
    assertThat(out)
        .containsExactly(Change.of(RowKind.DELETE, new Customer(9, null, null, null), 42L, null));
  }

  @Test
  void unwrapsTheSchemaPayloadWrapper_onlyWhenItHasExactlyThoseTwoFields() throws IOException {
    decode("{\"schema\":null,\"payload\":" + change("c", null, ANNE) + "}");
    assertThat(out).hasSize(1);
    // a schemaless envelope with a stray field is no wrapper: it has no op
    assertThatThrownBy(
            () -> decode("{\"schema\":{},\"payload\":" + change("c", null, ANNE) + ",\"x\":1}"))
        .hasMessageStartingWith("missing op");
  }

  @Test
  void messageKinds_areSkippedByKind() throws IOException {
    assertThat(decode("{\"ts_ms\":1}")).isEqualTo(Outcome.SKIPPED_HEARTBEAT);
    assertThat(decode("{\"status\":\"END\",\"id\":\"1:2\",\"event_count\":1}"))
        .isEqualTo(Outcome.SKIPPED_TRANSACTION_MARKER);
    assertThat(
            decode(
                "{\"source\":{\"server\":\"s\"},\"databaseName\":\"db\","
                    + "\"ddl\":\"CREATE TABLE t (id INT)\"}"))
        .isEqualTo(Outcome.SKIPPED_SCHEMA_CHANGE);
    assertThat(decode("{\"op\":\"m\",\"message\":{\"prefix\":\"p\"}}"))
        .isEqualTo(Outcome.SKIPPED_LOGICAL_MESSAGE);
    assertThat(out).isEmpty();
    assertThat(Outcome.SKIPPED_HEARTBEAT.isSkipped()).isTrue();
    assertThat(Outcome.UPDATED_WITHOUT_BEFORE.isSkipped()).isFalse();
  }

  // ---- event time and position

  @Test
  void eventTime_isSourceTsMs_elseEnvelopeTsMs_elseNone() throws IOException {
    decode("{\"op\":\"c\",\"after\":{\"id\":1},\"source\":{\"ts_ms\":0},\"ts_ms\":5}");
    decode("{\"op\":\"c\",\"after\":{\"id\":1}}");
    assertThat(out).extracting(Change::eventTime).containsExactly(5L, null);
  }

  @Test
  void binlogPosition_putsTheFileIndexAboveThePosition() {
    assertThat(SourcePositions.binlogPosition("mysql-bin.000003", 154)).isEqualTo((3L << 32) | 154);
    assertThat(SourcePositions.binlogPosition("mysql-bin.000004", 4))
        .isGreaterThan(SourcePositions.binlogPosition("mysql-bin.000003", 0xFFFF_FFFFL));
    assertThat(SourcePositions.binlogPosition("binlog", 4)).isNull();
    assertThat(SourcePositions.binlogPosition("mysql-bin.", 4)).isNull();
    assertThat(SourcePositions.binlogPosition("mysql-bin.00x1", 4)).isNull();
    assertThat(SourcePositions.binlogPosition("mysql-bin.9999999999", 4)).isNull();
    assertThat(SourcePositions.binlogPosition("mysql-bin.000001", -1)).isNull();
    assertThat(SourcePositions.binlogPosition("mysql-bin.000001", 1L << 32)).isNull();
  }

  @Test
  void position_ofAnEventWithoutLsnOrBinlogCoordinates_isNull() throws IOException {
    decode("{\"op\":\"c\",\"after\":{\"id\":1},\"source\":{\"lsn\":\"12\",\"file\":7}}");
    assertThat(out).extracting(Change::sourcePosition).containsOnlyNulls();
  }

  // ---- metadata fields

  @Test
  void metadataFields_copySourceMetadataIntoBothImages() throws IOException {
    DecoderSettings<AuditedCustomer> settings =
        DecoderSettings.defaults(AuditedCustomer.class)
            .withMetadataField("op", Metadata.OP)
            .withMetadataField("db", Metadata.DB)
            .withMetadataField("table", Metadata.TABLE)
            .withMetadataField("lsn", Metadata.LSN)
            .withMetadataField("snapshot", Metadata.SNAPSHOT)
            .withMetadataField("changed_at", Metadata.SOURCE_TS_MS);
    List<Change<AuditedCustomer>> changes = new ArrayList<>();
    String update =
        "{\"op\":\"u\",\"before\":{\"id\":1,\"first_name\":\"A\",\"table\":\"column wins?\"},"
            + "\"after\":{\"id\":1,\"first_name\":\"B\"},\"source\":{\"db\":\"postgres\","
            + "\"table\":\"customers\",\"lsn\":77,\"snapshot\":false,\"ts_ms\":1000}}";
    new DebeziumDecoder<>(settings).decode(update.getBytes(UTF_8), null, null, changes);

    assertThat(changes)
        .extracting(Change::value)
        .containsExactly(
            new AuditedCustomer(
                1, "A", "u", "postgres", "customers", 77L, null, null, "false", 1000),
            new AuditedCustomer(
                1, "B", "u", "postgres", "customers", 77L, null, null, "false", 1000));
  }

  @Test
  void metadataFields_ofMysql_andOfAKeyOnlyDelete() throws IOException {
    DecoderSettings<AuditedCustomer> settings =
        DecoderSettings.defaults(AuditedCustomer.class)
            .withMetadataField("binlog_file", Metadata.BINLOG_FILE)
            .withMetadataField("binlog_row", Metadata.BINLOG_ROW)
            .withMetadataField("lsn", Metadata.LSN);
    List<Change<AuditedCustomer>> changes = new ArrayList<>();
    String delete =
        "{\"op\":\"d\",\"before\":null,\"source\":{\"file\":\"mysql-bin.000003\",\"pos\":805,"
            + "\"row\":2}}";
    new DebeziumDecoder<>(settings)
        .decode(delete.getBytes(UTF_8), "{\"id\":1004}".getBytes(UTF_8), null, changes);

    assertThat(changes)
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.value())
                  .isEqualTo(
                      new AuditedCustomer(
                          1004, null, null, null, null, null, "mysql-bin.000003", 2, null, 0));
              assertThat(c.sourcePosition()).isEqualTo((3L << 32) | 805);
            });
  }

  // ---- Debezium type handling

  private static String order(String columns) {
    return "{\"op\":\"c\",\"after\":{\"id\":1," + columns + "}}";
  }

  private Order decodeOrder(DecoderSettings<Order> settings, String value) throws IOException {
    List<Change<Order>> changes = new ArrayList<>();
    new DebeziumDecoder<>(settings).decode(value.getBytes(UTF_8), null, null, changes);
    return changes.get(0).value();
  }

  @Test
  void schemaless_integerDatesAreDays_timestampsAndTimesAreInTheConfiguredUnit()
      throws IOException {
    DecoderSettings<Order> millis = DecoderSettings.defaults(Order.class);
    Order o =
        decodeOrder(
            millis,
            order(
                "\"order_date\":19797,\"created_at\":1710497730123,"
                    + "\"shipped_at\":1710497730123,\"pickup_time\":29100250"));
    assertThat(o.orderDate()).isEqualTo(LocalDate.of(2024, 3, 15));
    assertThat(o.createdAt()).isEqualTo(LocalDateTime.parse("2024-03-15T10:15:30.123"));
    assertThat(o.shippedAt()).isEqualTo(Instant.parse("2024-03-15T10:15:30.123Z"));
    assertThat(o.pickupTime()).isEqualTo(LocalTime.parse("08:05:00.250"));

    Order micros =
        decodeOrder(
            millis.withTimePrecision(ChronoUnit.MICROS),
            order("\"created_at\":-1,\"pickup_time\":29100250001"));
    assertThat(micros.createdAt()).isEqualTo(LocalDateTime.parse("1969-12-31T23:59:59.999999"));
    assertThat(micros.pickupTime()).isEqualTo(LocalTime.parse("08:05:00.250001"));

    Order nanos =
        decodeOrder(millis.withTimePrecision(ChronoUnit.NANOS), order("\"created_at\":1000000001"));
    assertThat(nanos.createdAt()).isEqualTo(LocalDateTime.parse("1970-01-01T00:00:01.000000001"));
  }

  @Test
  void isoTextDatesAndDecimalsInStringOrDoubleMode_areBoundByJackson() throws IOException {
    Order o =
        decodeOrder(
            DecoderSettings.defaults(Order.class),
            order(
                "\"order_date\":\"2024-03-15\",\"shipped_at\":\"2018-06-20T13:37:03Z\","
                    + "\"amount\":\"12.30\""));
    assertThat(o.orderDate()).isEqualTo(LocalDate.of(2024, 3, 15));
    assertThat(o.shippedAt()).isEqualTo(Instant.parse("2018-06-20T13:37:03Z"));
    assertThat(o.amount()).isEqualTo(new BigDecimal("12.30"));
    assertThat(
            decodeOrder(DecoderSettings.defaults(Order.class), order("\"amount\":12.3")).amount())
        .isEqualTo(new BigDecimal("12.3"));
  }

  private static String withSchema(String column, String semanticType, String columns) {
    return "{\"schema\":{\"fields\":[{\"field\":\"after\",\"fields\":[{\"field\":\""
        + column
        + "\",\"name\":\""
        + semanticType
        + "\"}]}]},\"payload\":"
        + order(columns)
        + "}";
  }

  @Test
  void schemaTypeThatTheFieldWouldMisread_isRejected() {
    DecoderSettings<Order> settings = DecoderSettings.defaults(Order.class);
    // a year is no day count, a timestamp's time of day does not fit a date
    assertThatThrownBy(
            () ->
                decodeOrder(
                    settings,
                    withSchema("order_date", "io.debezium.time.Year", "\"order_date\":2024")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "after.order_date: a column of type io.debezium.time.Year cannot be read into"
                + " java.time.LocalDate");
    assertThatThrownBy(
            () ->
                decodeOrder(
                    settings,
                    withSchema(
                        "order_date",
                        "io.debezium.time.Timestamp",
                        "\"order_date\":1710497730123")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "after.order_date: a column of type io.debezium.time.Timestamp cannot be read into"
                + " java.time.LocalDate");
    assertThatThrownBy(
            () ->
                decodeOrder(
                    settings,
                    withSchema(
                        "order_date",
                        "io.debezium.time.ZonedTimestamp",
                        "\"order_date\":\"2024-03-15T10:15:30Z\"")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("after.order_date: a column of type io.debezium.time.Zoned");
    assertThatThrownBy(
            () ->
                decodeOrder(
                    settings,
                    withSchema("created_at", "io.debezium.time.MicroTime", "\"created_at\":1000")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageEndingWith("cannot be read into java.time.LocalDateTime");
  }

  @Test
  void schemaTypeThatTheFieldReadsWithoutLoss_isBound() throws IOException {
    DecoderSettings<Order> settings = DecoderSettings.defaults(Order.class);
    assertThat(
            decodeOrder(
                    settings,
                    withSchema("created_at", "io.debezium.time.Date", "\"created_at\":19797"))
                .createdAt())
        .isEqualTo(LocalDateTime.parse("2024-03-15T00:00"));
    assertThat(
            decodeOrder(
                    settings,
                    withSchema(
                        "shipped_at",
                        "io.debezium.time.ZonedTimestamp",
                        "\"shipped_at\":\"2024-03-15T10:15:30Z\""))
                .shippedAt())
        .isEqualTo(Instant.parse("2024-03-15T10:15:30Z"));
    // a schema name etlkit does not know is not checked
    assertThat(
            decodeOrder(
                    settings, withSchema("order_date", "com.example.Day", "\"order_date\":19797"))
                .orderDate())
        .isEqualTo(LocalDate.of(2024, 3, 15));
  }

  @ParameterizedTest
  @ValueSource(strings = {"\"1710497730123\"", "1.7e12", "1710497730.123", "\"-5\""})
  void numberAsTextOrWithAFraction_forADateTimeField_isRejectedNotReadAsSeconds(String value) {
    // integers are in the time precision's unit; Jackson would read these forms as epoch seconds
    assertThatThrownBy(
            () ->
                decodeOrder(
                    DecoderSettings.defaults(Order.class), order("\"shipped_at\":" + value)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "after.shipped_at: a number as text or with a fraction is no date/time encoding"
                + " (integers and ISO-8601 text are)");
  }

  @Test
  void variableScaleDecimal_isDecodedWithOrWithoutSchema() throws IOException {
    Order o =
        decodeOrder(
            DecoderSettings.defaults(Order.class),
            order("\"amount\":{\"scale\":3,\"value\":\"AYaf\"}"));
    assertThat(o.amount()).isEqualTo(new BigDecimal("99.999"));
  }

  @Test
  void decimalTextWithAHugeExponent_isRejectedByTheNumberLengthLimit() throws IOException {
    DecoderSettings<Order> settings = DecoderSettings.defaults(Order.class);
    assertThat(decodeOrder(settings, order("\"amount\":\"1e99\"")).amount())
        .isEqualTo(new BigDecimal("1e99"));
    for (String huge : List.of("1e999999999", "-1E-999999999", "1e100", "1e-101")) {
      assertThatThrownBy(() -> decodeOrder(settings, order("\"amount\":\"" + huge + "\"")))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("after.amount: decimal")
          .hasMessageContaining("maxNumberLength 100");
    }
    String longText = "\"" + "1".repeat(101) + "\"";
    assertThatThrownBy(() -> decodeOrder(settings, order("\"amount\":" + longText)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("after.amount: decimal longer than maxNumberLength 100");
  }

  @Test
  void decimalText_withTheLargestNumberLengthLimit_isDecoded() throws IOException {
    DecoderSettings<Order> settings =
        DecoderSettings.defaults(Order.class)
            .withLimits(JsonReadLimits.defaults().withMaxNumberLength(Integer.MAX_VALUE));

    assertThat(decodeOrder(settings, order("\"amount\":\"12.50\"")).amount())
        .isEqualTo(new BigDecimal("12.50"));
  }

  @Test
  void preciseDecimal_withoutSchema_isADeadLetterNotAWrongNumber() {
    // base64 "Mr4=" is 129.90 at scale 2, but without the schema the scale is unknown
    assertThatThrownBy(
            () -> decodeOrder(DecoderSettings.defaults(Order.class), order("\"amount\":\"Mr4=\"")))
        .isInstanceOf(MismatchedInputException.class)
        .hasMessage("after.amount: value does not fit java.math.BigDecimal");
  }

  // ---- bad input: each becomes one exception, whose message never quotes the payload

  private void assertRejected(
      DecoderSettings<Customer> settings,
      @Nullable String value,
      @Nullable String key,
      Class<? extends Throwable> type,
      String messageStart) {
    assertThatThrownBy(() -> decode(settings, value, key))
        .isInstanceOf(type)
        .hasMessageStartingWith(messageStart)
        .hasMessageNotContaining(SECRET);
    assertThat(out).isEmpty();
  }

  private void assertRejected(String value, Class<? extends Throwable> type, String messageStart) {
    assertRejected(DecoderSettings.defaults(Customer.class), value, null, type, messageStart);
  }

  @Test
  void invalidJson() {
    assertRejected(
        "{\"op\":\"c\",\"after\":" + SECRET + "}",
        JsonParseException.class,
        "value: malformed JSON at line 1, column 26");
  }

  @Test
  void fieldGivenTwice_theLastOneCounts() throws IOException {
    // as in Json.parse and Flink's debezium-json (docs/formats-cdc.md, Bad input)
    assertThat(decode("{\"op\":\"d\",\"op\":\"c\",\"after\":" + ANNE + "}"))
        .isEqualTo(Outcome.CHANGED);
    decode(change("c", null, "{\"id\":1,\"first_name\":\"Anne\",\"email\":\"a@x\",\"id\":2}"));
    assertThat(out)
        .extracting(c -> c.kind() + " " + c.value().id())
        .containsExactly("INSERT 1", "INSERT 2");
  }

  @Test
  void truncatedJson() {
    assertRejected(
        "{\"op\":\"c\",\"after\":{\"first_name\":\"" + SECRET,
        JsonEOFException.class,
        "value: truncated JSON");
  }

  @Test
  void badUtf8() {
    byte[] bad = "{\"op\":\"c\",\"after\":{\"first_name\":\"xx\"}}".getBytes(UTF_8);
    bad[33] = (byte) 0xC3; // a lead byte followed by an ASCII byte
    assertThatThrownBy(
            () ->
                new DebeziumDecoder<>(DecoderSettings.defaults(Customer.class))
                    .decode(bad, null, null, new ArrayList<>()))
        .isInstanceOf(JsonParseException.class)
        .hasMessageStartingWith("value: invalid UTF-8");
  }

  /**
   * Byte sequences Jackson would decode although they are not UTF-8 (an overlong {@code /}, an
   * encoded UTF-16 surrogate, a code point above U+10FFFF): rejected as any bad UTF-8, in the value
   * and in the key.
   */
  @ParameterizedTest
  @ValueSource(strings = {"C0AF", "EDA080", "F4908080"})
  void utf8ThatJacksonWouldDecode_isInvalidUtf8(String hex) {
    byte[] bad = RawBytes.withBytes("{\"op\":\"c\",\"after\":{\"first_name\":\"x#x\"}}", hex);
    DebeziumDecoder<Customer> decoder =
        new DebeziumDecoder<>(DecoderSettings.defaults(Customer.class));

    assertThatThrownBy(() -> decoder.decode(bad, null, null, new ArrayList<>()))
        .isInstanceOf(JsonParseException.class)
        .hasMessage("value: invalid UTF-8 at line 1, column 35");
    byte[] badKey = RawBytes.withBytes("{\"id\":\"#\"}", hex);
    DebeziumDecoder<Customer> deletes =
        new DebeziumDecoder<>(
            DecoderSettings.defaults(Customer.class).withTombstones(Tombstones.DELETE));
    assertThatThrownBy(() -> deletes.decode(null, badKey, 1L, new ArrayList<>()))
        .isInstanceOf(JsonParseException.class)
        .hasMessage("key: invalid UTF-8 at line 1, column 8");
  }

  /**
   * UTF-16 with an unpaired surrogate, which Jackson's replacing decoder reads together with the
   * character after it: invalid, as its UTF-8 form is.
   */
  @Test
  void utf16WithAnUnpairedSurrogate_isInvalid() throws Exception {
    byte[] bad =
        "{\"op\":\"c\",\"after\":{\"first_name\":\"x\ud800\"}}"
            .getBytes(java.nio.charset.StandardCharsets.UTF_16LE);
    // the replacing encoder wrote '?' for the lone surrogate: put the surrogate back (LE: 00 D8)
    bad[68] = 0x00;
    bad[69] = (byte) 0xD8;
    DebeziumDecoder<Customer> decoder =
        new DebeziumDecoder<>(DecoderSettings.defaults(Customer.class));

    assertThatThrownBy(() -> decoder.decode(bad, null, null, new ArrayList<>()))
        .isInstanceOf(JsonParseException.class)
        .hasMessage("value: invalid UTF-16 at line 1, column 35");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "  ", "null", "[1]", "\"SECRET-7f3a\"", "12"})
  void valueThatIsNoObject(String value) {
    assertThatThrownBy(() -> decode(value))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageNotContaining(SECRET)
        .satisfiesAnyOf(
            e -> assertThat(e).hasMessage("value is empty"),
            e -> assertThat(e).hasMessageStartingWith("value must be a JSON object"));
  }

  @Test
  void unknownOp() {
    assertRejected(change(SECRET, null, ANNE), IllegalArgumentException.class, "unknown op");
    assertRejected(change("x", null, ANNE), IllegalArgumentException.class, "unknown op");
  }

  @Test
  void opThatIsNoString() {
    assertRejected(
        "{\"op\":1,\"after\":" + ANNE + "}", IllegalArgumentException.class, "op must be a string");
  }

  @Test
  void missingOp() {
    assertRejected(
        "{\"after\":{\"first_name\":\"" + SECRET + "\"}}",
        IllegalArgumentException.class,
        "missing op");
    // near misses of the message kinds that are skipped
    assertRejected("{\"ts_ms\":\"1\"}", IllegalArgumentException.class, "missing op");
    assertRejected("{\"ts_ms\":1,\"x\":2}", IllegalArgumentException.class, "missing op");
    assertRejected(
        "{\"status\":\"BEGUN\",\"id\":\"1\"}", IllegalArgumentException.class, "missing op");
    assertRejected("{\"ddl\":1}", IllegalArgumentException.class, "missing op");
  }

  @ParameterizedTest
  @ValueSource(strings = {"c", "r", "u"})
  void missingAfter(String op) {
    assertRejected(
        change(op, ANNE, null),
        IllegalArgumentException.class,
        "op '" + op + "' without an after image");
  }

  @Test
  void imageOfTheWrongShape() {
    assertRejected(
        change("c", null, "[\"" + SECRET + "\"]"),
        IllegalArgumentException.class,
        "after must be a JSON object or null, was array");
    assertRejected(
        change("u", "\"" + SECRET + "\"", ANNE),
        IllegalArgumentException.class,
        "before must be a JSON object or null, was string");
  }

  @ParameterizedTest
  @CsvSource({"c, before", "r, before", "d, after"})
  void imageOfTheWrongShape_thatTheOpDoesNotUse_isStillADeadLetter(String op, String image) {
    // the Bad input table promises a dead letter for any before or after that is no object: a
    // c event with "before": 7 is a broken envelope, not an insert (found by the independent
    // reference, DebeziumIndependentReferenceTest)
    String envelope =
        op.equals("d")
            ? "{\"op\":\"d\",\"before\":" + ANNE + ",\"after\":7}"
            : "{\"op\":\"" + op + "\",\"before\":7,\"after\":" + ANNE + "}";
    assertRejected(
        envelope,
        IllegalArgumentException.class,
        image + " must be a JSON object or null, was number");
  }

  @Test
  void wrongFieldType() {
    assertRejected(
        change("c", null, "{\"id\":\"" + SECRET + "\"}"),
        MismatchedInputException.class,
        "after.id: value does not fit int");
    assertRejected(
        change("c", null, "{\"id\":1,\"email\":{\"" + SECRET + "\":1}}"),
        MismatchedInputException.class,
        "after.email: value does not fit java.lang.String");
  }

  @ParameterizedTest
  @ValueSource(strings = {"1.9", "-0.5", "1.5e0", "\"\"", "true"})
  void fractionalOrEmptyValueForAnIntegerField_isRejectedNotTruncated(String id) {
    assertRejected(
        change("c", null, "{\"id\":" + id + ",\"first_name\":\"" + SECRET + "\"}"),
        MismatchedInputException.class,
        "after.id: value does not fit int");
  }

  @Test
  void fractionalValueForALongField_isRejected() {
    // decimal.handling.mode=double writes NUMERIC columns as doubles
    assertThatThrownBy(() -> decodeOrder(DecoderSettings.defaults(Order.class), idOrder("12.75")))
        .isInstanceOf(MismatchedInputException.class)
        .hasMessage("after.id: value does not fit long");
  }

  @Test
  void wholeNumberWrittenAsADouble_fitsAnIntegerField() throws IOException {
    assertThat(decodeOrder(DecoderSettings.defaults(Order.class), idOrder("12.0")).id())
        .isEqualTo(12L);
    assertThat(decodeOrder(DecoderSettings.defaults(Order.class), idOrder("1.2e3")).id())
        .isEqualTo(1200L);
    decode(change("c", null, "{\"id\":7.00}"));
    assertThat(out).extracting(c -> c.value().id()).containsExactly(7);
    // whole, but too large for int: rejected like the same integer, as a value that does not fit
    assertThatThrownBy(() -> decode(change("c", null, "{\"id\":3.0e10}")))
        .isInstanceOf(MismatchedInputException.class)
        .hasMessage("after.id: value does not fit int");
  }

  private static String idOrder(String id) {
    return "{\"op\":\"c\",\"after\":{\"id\":" + id + "}}";
  }

  @Test
  void numberOutOfRangeForItsField() {
    assertThatThrownBy(() -> decode(change("c", null, "{\"id\":98765432109876}")))
        .hasMessageNotContaining("98765432109876")
        .hasMessageStartingWith("after");
  }

  @Test
  void rowConstructorThatThrows() {
    List<Change<Strict>> changes = new ArrayList<>();
    assertThatThrownBy(
            () ->
                new DebeziumDecoder<>(DecoderSettings.defaults(Strict.class))
                    .decode(
                        change("c", null, "{\"code\":\"" + SECRET + "\"}").getBytes(UTF_8),
                        null,
                        null,
                        changes))
        .isInstanceOf(JsonMappingException.class)
        .hasMessage("after: cannot build the row (java.lang.IllegalArgumentException)");
  }

  /** A row type that validates in its constructor, quoting the bad value. */
  public record Strict(String code) {
    public Strict {
      if (code.startsWith("SECRET")) {
        throw new IllegalArgumentException("bad code " + code);
      }
    }
  }

  @Test
  void tombstoneWithoutKey() {
    assertRejected(
        DecoderSettings.defaults(Customer.class).withTombstones(Tombstones.DELETE),
        null,
        null,
        IllegalArgumentException.class,
        "record without value and without key");
  }

  @Test
  void deleteWithoutBeforeAndWithoutKey() {
    assertRejected(
        change("d", null, null), IllegalArgumentException.class, "op 'd' without a before image");
  }

  @Test
  void keyThatIsNoJson() {
    assertRejected(
        DecoderSettings.defaults(Customer.class),
        change("d", null, null),
        SECRET,
        JsonParseException.class,
        "key: malformed JSON");
    assertRejected(
        DecoderSettings.defaults(Customer.class).withTombstones(Tombstones.DELETE),
        null,
        "[1]",
        IllegalArgumentException.class,
        "key must be a JSON object of key columns, was array");
  }

  @Test
  void oversizedDocument() {
    DecoderSettings<Customer> small =
        DecoderSettings.defaults(Customer.class)
            .withLimits(JsonReadLimits.defaults().withMaxDocumentBytes(64));
    assertRejected(
        small,
        change("c", null, ANNE),
        null,
        IOException.class,
        "value of 137 bytes exceeds maxDocumentBytes 64");
  }

  @Test
  void deepNesting() {
    String deep = "[".repeat(100) + "]".repeat(100);
    assertRejected(
        change("c", null, "{\"id\":1,\"email\":" + deep + "}"),
        StreamConstraintsException.class,
        "Document nesting depth (65) exceeds the maximum allowed (64");
  }

  @Test
  void hugeNumberAndLongString() {
    assertRejected(
        change("c", null, "{\"id\":" + "9".repeat(101) + "}"),
        StreamConstraintsException.class,
        "Number value length (101) exceeds the maximum allowed (100");
    DecoderSettings<Customer> shortStrings =
        DecoderSettings.defaults(Customer.class)
            .withLimits(JsonReadLimits.defaults().withMaxStringLength(8));
    assertRejected(
        shortStrings,
        change("c", null, "{\"email\":\"" + SECRET + SECRET + "\"}"),
        null,
        StreamConstraintsException.class,
        "String value length");
  }

  @Test
  void longColumnName() {
    String name = SECRET + "n".repeat(1025 - SECRET.length());
    assertRejected(
        change("c", null, "{\"id\":1,\"" + name + "\":2}"),
        StreamConstraintsException.class,
        "Name length (1025) exceeds the maximum allowed (1024) (JsonReadLimits.maxNameLength)");
  }

  @Test
  void truncateEvent() {
    assertRejected(
        "{\"op\":\"t\",\"source\":{\"table\":\"" + SECRET + "\"}}",
        UnsupportedOperationException.class,
        "truncate event (op 't')");
  }

  /**
   * Found by a review on 2026-11-25: an integer date or timestamp outside the years 0001 to 9999
   * was a dead letter, but ISO text outside them (a {@code ZonedTimestamp}, a date as text) was
   * bound: {@code +10000-01-01}, year 0 and negative years, and an offset that moves the UTC time
   * across the range's edge. The range is the same for both now, at UTC as for integers.
   */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "order_date | +10000-01-01",
        "order_date | 0000-12-31",
        "order_date | -0001-01-01",
        "created_at | +10000-01-01T00:00:00",
        "created_at | 0000-12-31T23:59:59.999",
        "created_at | 9999-12-31T23:00:00-02:00",
        "created_at | 0001-01-01T00:30:00+01:00",
        "shipped_at | +10000-01-01T00:00:00Z",
        "shipped_at | 9999-12-31T23:00:00-02:00",
        "shipped_at | 0001-01-01T00:30:00+01:00",
      })
  void isoTextOutsideTheYears0001To9999_isADeadLetter_asAnIntegerIs(String column, String text) {
    DecoderSettings<Order> settings = DecoderSettings.defaults(Order.class);
    assertThatThrownBy(() -> decodeOrder(settings, order("\"" + column + "\":\"" + text + "\"")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("after." + column + ": date/time outside the years 0001 to 9999 (at UTC)");
  }

  @Test
  void isoTextAtTheEdgesOfTheYears0001To9999_isBound() throws IOException {
    DecoderSettings<Order> settings = DecoderSettings.defaults(Order.class);
    Order last =
        decodeOrder(
            settings,
            order(
                "\"order_date\":\"9999-12-31\",\"created_at\":\"9999-12-31T23:59:59.999999999\","
                    + "\"shipped_at\":\"9999-12-31T23:59:59.999999999Z\""));
    Order first =
        decodeOrder(
            settings,
            order(
                "\"order_date\":\"0001-01-01\",\"created_at\":\"0001-01-01T01:00:00+01:00\","
                    + "\"shipped_at\":\"0001-01-01T00:00:00Z\""));

    assertThat(last.orderDate()).isEqualTo(LocalDate.MAX.withYear(9999));
    assertThat(last.createdAt()).isEqualTo(LocalDateTime.parse("9999-12-31T23:59:59.999999999"));
    assertThat(last.shippedAt()).isEqualTo(Instant.parse("9999-12-31T23:59:59.999999999Z"));
    assertThat(first.orderDate()).isEqualTo(LocalDate.of(1, 1, 1));
    assertThat(first.createdAt()).isEqualTo(LocalDateTime.of(1, 1, 1, 0, 0));
    assertThat(first.shippedAt()).isEqualTo(Instant.parse("0001-01-01T00:00:00Z"));
  }

  @Test
  void badDebeziumEncodings() {
    DecoderSettings<Order> settings = DecoderSettings.defaults(Order.class);
    assertThatThrownBy(() -> decodeOrder(settings, order("\"created_at\":1710497730123456")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "after.created_at: integer date/time outside the years 0001 to 9999")
        .hasMessageContaining("now MILLIS");
    assertThatThrownBy(() -> decodeOrder(settings, order("\"order_date\":9223372036825200000")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("after.order_date: integer date/time outside");
    assertThatThrownBy(() -> decodeOrder(settings, order("\"pickup_time\":86400000")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("after.pickup_time: time of day outside 00:00 to 24:00 at precision MILLIS");
    assertThatThrownBy(
            () -> decodeOrder(settings, order("\"amount\":{\"scale\":2,\"value\":\"%%\"}")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("after.amount: decimal is not valid base64");
    assertThatThrownBy(
            () -> decodeOrder(settings, order("\"amount\":{\"scale\":999,\"value\":\"AQ==\"}")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("after.amount: decimal scale outside");
    String noScale =
        "{\"schema\":{\"fields\":[{\"field\":\"after\",\"fields\":[{\"field\":\"amount\","
            + "\"name\":\"org.apache.kafka.connect.data.Decimal\"}]}]},"
            + "\"payload\":"
            + order("\"amount\":\"AQ==\"")
            + "}";
    assertThatThrownBy(() -> decodeOrder(settings, noScale))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("after.amount: decimal schema without a valid scale parameter");
  }

  @Test
  void schemaCache_followsAChangedSchema() throws IOException {
    DebeziumDecoder<Order> decoder = new DebeziumDecoder<>(DecoderSettings.defaults(Order.class));
    List<Change<Order>> changes = new ArrayList<>();
    for (String unit : List.of("Timestamp", "MicroTimestamp", "MicroTimestamp", "Timestamp")) {
      String value =
          "{\"schema\":{\"fields\":[{\"field\":\"after\",\"fields\":[{\"field\":\"created_at\","
              + "\"name\":\"io.debezium.time."
              + unit
              + "\"}]}]},\"payload\":"
              + order("\"created_at\":1000000")
              + "}";
      decoder.decode(value.getBytes(UTF_8), null, null, changes);
    }
    assertThat(changes)
        .extracting(c -> c.value().createdAt().toString())
        .containsExactly(
            "1970-01-01T00:16:40",
            "1970-01-01T00:00:01",
            "1970-01-01T00:00:01",
            "1970-01-01T00:16:40");
  }
}
