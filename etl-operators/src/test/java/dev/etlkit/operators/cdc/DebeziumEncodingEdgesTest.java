package dev.etlkit.operators.cdc;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.etlkit.core.Change;
import dev.etlkit.operators.cdc.internal.DebeziumDecoder;
import dev.etlkit.operators.cdc.internal.DecoderSettings;
import java.io.IOException;
import java.math.BigInteger;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.annotation.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Encodings real Debezium connectors emit that the rest of the suite did not cover (review of
 * 2026-11-23): ZonedTime and offset ZonedTimestamps into local types, Kafka Connect decimals into
 * integer, text and double fields, {@code @JsonAlias} columns, and the images of skipped ops. All
 * but the two ZonedTimestamp-into-Instant/UTC tests failed before that day's fixes.
 */
class DebeziumEncodingEdgesTest {

  public record TimeRow(
      long id,
      @JsonProperty("pickup_time") LocalTime pickupTime,
      @JsonProperty("created_at") LocalDateTime createdAt,
      @JsonProperty("shipped_at") Instant shippedAt) {}

  public record LongAmountRow(long id, long amount) {}

  public record BigIntegerAmountRow(long id, BigInteger amount) {}

  public record AliasRow(@JsonAlias("ID") long id, @JsonAlias("SHIPPED_AT") Instant shippedAt) {}

  public record AliasPrimitiveRow(@JsonAlias("ID") long id, @JsonAlias("QTY") int qty) {}

  private static <T> List<Change<T>> decode(Class<T> type, String value) throws IOException {
    List<Change<T>> out = new ArrayList<>();
    new DebeziumDecoder<>(DecoderSettings.defaults(type))
        .decode(value.getBytes(UTF_8), null, 42L, out);
    return out;
  }

  /** A schema-wrapped insert whose one non-id column has the given Connect type and name. */
  private static String withSchema(
      String column, String type, @Nullable String name, @Nullable String params, String after) {
    String field =
        "{\"type\":\""
            + type
            + "\",\"optional\":true"
            + (name == null ? "" : ",\"name\":\"" + name + "\"")
            + (params == null ? "" : ",\"parameters\":" + params)
            + ",\"field\":\""
            + column
            + "\"}";
    String row =
        "{\"type\":\"struct\",\"optional\":true,\"fields\":[{\"type\":\"int64\",\"optional\":false,"
            + "\"field\":\"id\"},"
            + field
            + "],\"field\":\"%s\"}";
    String schema =
        "{\"type\":\"struct\",\"name\":\"x.Envelope\",\"fields\":["
            + row.formatted("before")
            + ","
            + row.formatted("after")
            + ",{\"type\":\"string\",\"optional\":false,\"field\":\"op\"}]}";
    return "{\"schema\":"
        + schema
        + ",\"payload\":{\"op\":\"c\",\"before\":null,\"after\":{\"id\":1,"
        + after
        + "},\"source\":{\"ts_ms\":1000,\"lsn\":77},\"ts_ms\":2000}}";
  }

  // ---- ZonedTime (PostgreSQL timetz): documented to bind to LocalTime

  @Test
  void zonedTime_isBoundToLocalTime_asTheDocsPromise() throws IOException {
    // Debezium writes timetz as io.debezium.time.ZonedTime, ISO_OFFSET_TIME normalised to UTC
    String value =
        withSchema(
            "pickup_time",
            "string",
            "io.debezium.time.ZonedTime",
            null,
            "\"pickup_time\":\"10:15:30.123Z\"");
    assertThat(decode(TimeRow.class, value).get(0).value().pickupTime())
        .isEqualTo(LocalTime.parse("10:15:30.123"));
  }

  @ParameterizedTest
  @CsvSource({"10:15:30-05:00, 15:15:30", "22:00:00.5+02:30, 19:30:00.5", "23:00:00-02:00, 01:00"})
  void zonedTimeWithAnOffset_isBoundToLocalTime_asUtcWallTime(String text, LocalTime utc)
      throws IOException {
    // an offset other than Z, either sign: the UTC wall time, as for a ZonedTimestamp
    String value =
        withSchema(
            "pickup_time",
            "string",
            "io.debezium.time.ZonedTime",
            null,
            "\"pickup_time\":\"" + text + "\"");
    assertThat(decode(TimeRow.class, value).get(0).value().pickupTime()).isEqualTo(utc);
  }

  // ---- ZonedTimestamp with an offset (Oracle TIMESTAMP WITH TIME ZONE, SQL Server datetimeoffset)

  @Test
  void zonedTimestampWithAnOffset_isBoundToLocalDateTime_asUtcWallTime() throws IOException {
    String value =
        withSchema(
            "created_at",
            "string",
            "io.debezium.time.ZonedTimestamp",
            null,
            "\"created_at\":\"2024-03-15T10:15:30+02:00\"");
    assertThat(decode(TimeRow.class, value).get(0).value().createdAt())
        .isEqualTo(LocalDateTime.parse("2024-03-15T08:15:30"));
  }

  @Test
  void zonedTimestampWithAnOffset_isBoundToInstant() throws IOException {
    String value =
        withSchema(
            "shipped_at",
            "string",
            "io.debezium.time.ZonedTimestamp",
            null,
            "\"shipped_at\":\"2024-03-15T10:15:30.123456+02:00\"");
    assertThat(decode(TimeRow.class, value).get(0).value().shippedAt())
        .isEqualTo(Instant.parse("2024-03-15T08:15:30.123456Z"));
  }

  // ---- precise decimal (org.apache.kafka.connect.data.Decimal, scale 0) into an integer field

  @Test
  void preciseDecimalIntoALongField_isNeverBoundAsItsBase64Text() throws IOException {
    // NUMERIC(10,0) / Oracle NUMBER(38) / MySQL BIGINT UNSIGNED (precise) arrive as base64 bytes.
    // "1234" is valid base64 for the bytes D7 6D F8, i.e. the unscaled value -2658824.
    assertThat(new BigInteger(Base64.getDecoder().decode("1234")))
        .isEqualTo(BigInteger.valueOf(-2658824L));
    String value =
        withSchema(
            "amount",
            "bytes",
            "org.apache.kafka.connect.data.Decimal",
            "{\"scale\":\"0\",\"connect.decimal.precision\":\"10\"}",
            "\"amount\":\"1234\"");
    assertThat(decode(LongAmountRow.class, value).get(0).value().amount())
        .as("the decimal's value, not its base64 text read as digits")
        .isEqualTo(-2658824L);
  }

  @Test
  void preciseDecimalIntoABigIntegerField_isNeverBoundAsItsBase64Text() throws IOException {
    String value =
        withSchema(
            "amount",
            "bytes",
            "org.apache.kafka.connect.data.Decimal",
            "{\"scale\":\"0\"}",
            "\"amount\":\"1234\"");
    assertThat(decode(BigIntegerAmountRow.class, value).get(0).value().amount())
        .isEqualTo(BigInteger.valueOf(-2658824L));
  }

  /**
   * A VariableScaleDecimal (Oracle NUMBER without scale) into a long: 0x04D2 at scale 0 is 1234.
   */
  @Test
  void variableScaleDecimalIntoALongField_isDecoded() throws IOException {
    String value =
        withSchema(
            "amount",
            "struct",
            "io.debezium.data.VariableScaleDecimal",
            null,
            "\"amount\":{\"scale\":0,\"value\":\"BNI=\"}");

    assertThat(decode(LongAmountRow.class, value).get(0).value().amount()).isEqualTo(1234L);
  }

  public record TextAmountRow(long id, String amount) {}

  public record DoubleAmountRow(long id, double amount) {}

  /**
   * A decimal with a fraction: an integer field rejects it (never truncated), a text field gets its
   * plain digits (not the base64), a double field the nearest double. "AOI=" is the bytes 00 E2,
   * unscaled 226, so 2.26 at scale 2.
   */
  @Test
  void preciseDecimalWithAFraction_isRejectedByAnIntegerField_andReadByTextAndDouble()
      throws IOException {
    String value =
        withSchema(
            "amount",
            "bytes",
            "org.apache.kafka.connect.data.Decimal",
            "{\"scale\":\"2\"}",
            "\"amount\":\"AOI=\"");

    assertThatThrownBy(() -> decode(LongAmountRow.class, value)).hasMessageContaining("amount");
    assertThat(decode(TextAmountRow.class, value).get(0).value().amount()).isEqualTo("2.26");
    assertThat(decode(DoubleAmountRow.class, value).get(0).value().amount()).isEqualTo(2.26);
  }

  // ---- @JsonAlias: Jackson binds the alias, but etlkit's conversions and checks skip it

  @Test
  void aliasedTimestampColumn_isConvertedLikeTheNamedOne() throws IOException {
    String value =
        withSchema(
            "SHIPPED_AT",
            "int64",
            "io.debezium.time.MicroTimestamp",
            null,
            "\"SHIPPED_AT\":1710497730123456");
    Instant bound;
    try {
      bound = decode(AliasRow.class, value).get(0).value().shippedAt();
    } catch (Exception deadLetter) {
      return;
    }
    assertThat(bound).isEqualTo(Instant.parse("2024-03-15T10:15:30.123456Z"));
  }

  @Test
  void aliasedPrimitiveColumn_nullIsADeadLetterNotZero() {
    // docs: "Null (SQL NULL) for a primitive field is a dead letter, not 0"
    String value =
        "{\"op\":\"c\",\"before\":null,\"after\":{\"ID\":1,\"QTY\":null},"
            + "\"source\":{\"ts_ms\":1000},\"ts_ms\":2000}";
    List<Change<AliasPrimitiveRow>> out = new ArrayList<>();
    try {
      out.addAll(decode(AliasPrimitiveRow.class, value));
    } catch (Exception deadLetter) {
      return;
    }
    assertThat(out).as("null QTY must not become 0").isEmpty();
  }

  // ---- contracts no test covered yet (passing)

  @Test
  void zonedTimestampInUtc_isBoundToLocalDateTime() throws IOException {
    String value =
        withSchema(
            "created_at",
            "string",
            "io.debezium.time.ZonedTimestamp",
            null,
            "\"created_at\":\"2024-03-15T10:15:30.123456Z\"");
    assertThat(decode(TimeRow.class, value).get(0).value().createdAt())
        .isEqualTo(LocalDateTime.parse("2024-03-15T10:15:30.123456"));
  }

  public record DayRow(
      long id,
      @JsonProperty("order_date") LocalDate orderDate,
      @JsonProperty("pickup_time") LocalTime pickupTime) {}

  /**
   * Without the schema, a timestamp as ISO text (PostgreSQL's {@code timestamptz} and MySQL's
   * {@code TIMESTAMP} arrive as {@code io.debezium.time.ZonedTimestamp}) into a {@code LocalDate}
   * lost its time, and into a {@code LocalTime} its date, silently; with the schema the same column
   * is a dead letter ("a timestamp into LocalDate would drop its time").
   */
  @ParameterizedTest
  @CsvSource({
    "order_date, 2024-03-15T23:30:00Z",
    "order_date, 2024-03-15T23:30:00.123456",
    "pickup_time, 2024-03-15T10:15:30"
  })
  void timestampTextWithoutSchema_intoALocalDateOrLocalTime_isADeadLetterNotCut(
      String column, String text) {
    String value =
        "{\"op\":\"c\",\"before\":null,\"after\":{\"id\":1,\""
            + column
            + "\":\""
            + text
            + "\"},\"source\":{\"ts_ms\":1000},\"ts_ms\":2000}";
    assertThatThrownBy(() -> decode(DayRow.class, value))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("after." + column + ": a timestamp")
        .hasMessageNotContaining(text);
  }

  @Test
  void dateAndTimeTextWithoutSchema_bindToLocalDateAndLocalTime() throws IOException {
    String value =
        "{\"op\":\"c\",\"before\":null,\"after\":{\"id\":1,\"order_date\":\"2024-03-15\","
            + "\"pickup_time\":\"10:15:30.123456Z\"},\"source\":{\"ts_ms\":1000},\"ts_ms\":2000}";
    DayRow row = decode(DayRow.class, value).get(0).value();
    assertThat(row.orderDate()).isEqualTo(LocalDate.parse("2024-03-15"));
    assertThat(row.pickupTime()).isEqualTo(LocalTime.parse("10:15:30.123456"));
  }

  // ---- "before and after must each be an object, null or absent whatever the op"

  @Test
  void logicalMessageWithAnImageOfTheWrongType_isADeadLetterNotSkipped() {
    String value = "{\"op\":\"m\",\"before\":null,\"after\":[1],\"ts_ms\":2000}";
    DebeziumDecoder.Outcome outcome;
    try {
      outcome =
          new DebeziumDecoder<>(DecoderSettings.defaults(TimeRow.class))
              .decode(value.getBytes(UTF_8), null, 42L, new ArrayList<>());
    } catch (Exception deadLetter) {
      return;
    }
    assertThat(outcome).as("docs: an image of another JSON type is a dead letter").isNull();
  }

  @Test
  void skippedTruncateWithAnImageOfTheWrongType_isADeadLetterNotSkipped() {
    String value = "{\"op\":\"t\",\"before\":\"x\",\"after\":null,\"ts_ms\":2000}";
    DebeziumDecoder.Outcome outcome;
    try {
      outcome =
          new DebeziumDecoder<>(
                  DecoderSettings.defaults(TimeRow.class).withTruncates(Debezium.Truncates.SKIP))
              .decode(value.getBytes(UTF_8), null, 42L, new ArrayList<>());
    } catch (Exception deadLetter) {
      return;
    }
    assertThat(outcome).as("docs: an image of another JSON type is a dead letter").isNull();
  }
}
