package dev.etlkit.operators.cdc;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import dev.etlkit.core.Change;
import dev.etlkit.operators.avro.SchemaProvider;
import dev.etlkit.operators.cdc.internal.DebeziumDecoder;
import dev.etlkit.operators.cdc.internal.DecoderSettings;
import java.io.IOException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Array columns (PostgreSQL {@code timestamp[]}, {@code timestamptz[]}, {@code date[]}) whose
 * elements Debezium encodes like the column type: the step converts a column's own value, not the
 * elements of an array, so an element Jackson would misread must be a dead letter.
 */
class DebeziumArrayColumnsTest {

  public record InstantListRow(long id, List<Instant> at) {}

  public record InstantArrayRow(long id, Instant[] at) {}

  /** Jackson-level only: Flink has no type for a list of LocalDate, so decode() refuses it. */
  public record DateListRow(long id, List<LocalDate> days) {}

  /** Jackson-level only, as {@link DateListRow}. */
  public record LocalDateTimeArrayRow(long id, LocalDateTime[] at) {}

  private static <T> List<Change<T>> decode(Class<T> type, String value) throws IOException {
    List<Change<T>> out = new ArrayList<>();
    new DebeziumDecoder<>(DecoderSettings.defaults(type))
        .decode(value.getBytes(UTF_8), null, 42L, out);
    return out;
  }

  /**
   * A PostgreSQL {@code timestamp[]} column with the schema wrapper: an array of {@code
   * io.debezium.time.MicroTimestamp} (microseconds since the epoch).
   */
  private static String microTimestampArray(String elements) {
    String row =
        "{\"type\":\"struct\",\"optional\":true,\"fields\":[{\"type\":\"int64\",\"optional\":false,"
            + "\"field\":\"id\"},{\"type\":\"array\",\"optional\":true,\"items\":{\"type\":"
            + "\"int64\",\"optional\":true,\"name\":\"io.debezium.time.MicroTimestamp\","
            + "\"version\":1},\"field\":\"at\"}],\"field\":\"%s\"}";
    return "{\"schema\":{\"type\":\"struct\",\"name\":\"x.Envelope\",\"fields\":["
        + row.formatted("before")
        + ","
        + row.formatted("after")
        + "]},\"payload\":{\"op\":\"c\",\"before\":null,\"after\":{\"id\":1,\"at\":"
        + elements
        + "},\"source\":{\"ts_ms\":1000,\"lsn\":77},\"ts_ms\":2000}}";
  }

  @Test
  void instantElementsOfAnIntegerArrayColumn_areADeadLetterNotReadAsEpochSeconds() {
    // 2024-03-15T10:15:30.123456Z in microseconds; Jackson read it as seconds: year 54205485
    String value = microTimestampArray("[1710497730123456]");

    assertThatThrownBy(() -> decode(InstantListRow.class, value))
        .isInstanceOf(MismatchedInputException.class)
        .hasMessageStartingWith("after.at: value does not fit java.time.Instant")
        .hasMessageNotContaining("1710497730123456");
    assertThatThrownBy(() -> decode(InstantArrayRow.class, value))
        .isInstanceOf(MismatchedInputException.class)
        .hasMessageStartingWith("after.at: ");
  }

  @Test
  void instantRowTypes_passTheStepsTypeCheck() {
    assertThat(Debezium.decode("cdc", InstantListRow.class).outputType().toString())
        .doesNotContain("GenericType");
    assertThat(Debezium.decode("cdc", InstantArrayRow.class).outputType().toString())
        .doesNotContain("GenericType");
  }

  @Test
  void instantElementsAsIsoText_andDateElementsAsEpochDays_bind() throws IOException {
    // timestamptz[]: io.debezium.time.ZonedTimestamp elements; date[]: io.debezium.time.Date
    String timestamps =
        "{\"op\":\"c\",\"after\":{\"id\":1,\"at\":[\"2024-03-15T10:15:30.123456Z\",null]}}";
    assertThat(decode(InstantListRow.class, timestamps).get(0).value().at())
        .containsExactly(Instant.parse("2024-03-15T10:15:30.123456Z"), null);
    String dates = "{\"op\":\"c\",\"after\":{\"id\":1,\"days\":[19797]}}";
    assertThat(decode(DateListRow.class, dates).get(0).value().days())
        .containsExactly(LocalDate.parse("2024-03-15"));
  }

  /**
   * Found by a review on 2026-11-25: a column's own ISO date/time text (and integer date) outside
   * the years 0001 to 9999 (at UTC) is a dead letter, but the elements of an array column were
   * bound as Jackson reads them: {@code +10000-01-01}, year 0, negative years, an offset moving the
   * UTC instant across the edge, and an epoch-day element of a {@code date[]} beyond 9999.
   */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "InstantListRow | at | [\"2024-03-15T10:15:30Z\",null,\"+10000-01-01T00:00:00Z\"] | 2",
        "InstantListRow | at | [\"9999-12-31T23:00:00-02:00\"] | 0",
        "InstantArrayRow | at | [\"0001-01-01T00:30:00+01:00\"] | 0",
        "InstantArrayRow | at | [\"0000-12-31T23:59:59Z\"] | 0",
        "DateListRow | days | [\"2024-03-15\",\"-0001-01-01\"] | 1",
        "DateListRow | days | [\"+10000-01-01\"] | 0",
        "DateListRow | days | [19797,2932897] | 1",
        "DateListRow | days | [-719163] | 0",
        "LocalDateTimeArrayRow | at | [\"+10000-01-01T00:00:00\"] | 0",
      })
  void arrayElementsOutsideTheYears0001To9999_areADeadLetter_asAColumnsOwnValueIs(
      String row, String column, String elements, int index) {
    Class<?> type = rowType(row);
    String value = "{\"op\":\"c\",\"after\":{\"id\":1,\"" + column + "\":" + elements + "}}";

    assertThatThrownBy(() -> decode(type, value))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("after." + column + "[" + index + "]: ")
        .hasMessageContaining("outside the years 0001 to 9999");
  }

  @Test
  void arrayElementsAtTheEdgesOfTheYears0001To9999_bind() throws IOException {
    String instants =
        "{\"op\":\"c\",\"after\":{\"id\":1,\"at\":[\"0001-01-01T00:00:00Z\","
            + "\"9999-12-31T23:59:59.999999999Z\",\"0001-01-01T01:00:00+01:00\"]}}";
    String dates =
        "{\"op\":\"c\",\"after\":{\"id\":1,\"days\":[-719162,2932896,\"0001-01-01\","
            + "\"9999-12-31\"]}}";

    assertThat(decode(InstantListRow.class, instants).get(0).value().at())
        .containsExactly(
            Instant.parse("0001-01-01T00:00:00Z"),
            Instant.parse("9999-12-31T23:59:59.999999999Z"),
            Instant.parse("0001-01-01T00:00:00Z"));
    assertThat(decode(DateListRow.class, dates).get(0).value().days())
        .containsExactly(
            LocalDate.of(1, 1, 1),
            LocalDate.of(9999, 12, 31),
            LocalDate.of(1, 1, 1),
            LocalDate.of(9999, 12, 31));
  }

  /**
   * The Avro decoder turns the record into the same JSON (a {@code timestamptz[]} as an array of
   * {@code ZonedTimestamp} strings, a {@code date[]} as an array of {@code io.debezium.time.Date}
   * ints), so its elements follow the same rule.
   */
  @Test
  void avroArrayElementsOutsideTheYears0001To9999_areADeadLetter() throws IOException {
    String fields =
        "{\"name\":\"id\",\"type\":\"long\"},"
            + "{\"name\":\"at\",\"type\":[\"null\",{\"type\":\"array\",\"items\":[\"null\","
            + "{\"type\":\"string\",\"connect.version\":1,"
            + "\"connect.name\":\"io.debezium.time.ZonedTimestamp\"}]}],\"default\":null},"
            + "{\"name\":\"days\",\"type\":[\"null\",{\"type\":\"array\",\"items\":[\"null\","
            + "{\"type\":\"int\",\"connect.version\":1,"
            + "\"connect.name\":\"io.debezium.time.Date\"}]}],\"default\":null}";
    Schema envelope =
        DebeziumAvroShapesTest.parse(DebeziumAvroShapesTest.envelope(fields, "\"string\""));
    Schema row = DebeziumAvroShapesTest.rowOf(envelope);
    DecoderSettings<InstantListRow> instants =
        DecoderSettings.defaults(InstantListRow.class)
            .withAvro(SchemaProvider.of(Map.of(1, envelope)));
    DecoderSettings<DateListRow> dates =
        DecoderSettings.defaults(DateListRow.class)
            .withAvro(SchemaProvider.of(Map.of(1, envelope)));
    GenericData.Record lateInstant =
        DebeziumAvroShapesTest.record(
            row, "id", 1L, "at", List.of("2024-03-15T10:15:30Z", "+10000-01-01T00:00:00Z"));
    GenericData.Record lateDay =
        DebeziumAvroShapesTest.record(row, "id", 1L, "days", List.of(19797, 2932897));
    GenericData.Record inRange =
        DebeziumAvroShapesTest.record(
            row, "id", 1L, "at", List.of("9999-12-31T23:59:59Z"), "days", List.of(2932896));

    assertThatThrownBy(
            () -> DebeziumAvroShapesTest.decode(instants, avro(envelope, lateInstant), null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("after.at[1]: ")
        .hasMessageContaining("outside the years 0001 to 9999");
    assertThatThrownBy(() -> DebeziumAvroShapesTest.decode(dates, avro(envelope, lateDay), null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("after.days[1]: ")
        .hasMessageContaining("outside the years 0001 to 9999");
    assertThat(DebeziumAvroShapesTest.decode(instants, avro(envelope, inRange), null))
        .singleElement()
        .satisfies(
            c -> assertThat(c.value().at()).containsExactly(Instant.parse("9999-12-31T23:59:59Z")));
    assertThat(DebeziumAvroShapesTest.decode(dates, avro(envelope, inRange), null))
        .singleElement()
        .satisfies(c -> assertThat(c.value().days()).containsExactly(LocalDate.of(9999, 12, 31)));
  }

  private static byte[] avro(Schema envelope, GenericData.Record after) throws IOException {
    return DebeziumAvroShapesTest.wire(
        1, envelope, DebeziumAvroShapesTest.event(envelope, "c", after, 1000));
  }

  private static Class<?> rowType(String name) {
    switch (name) {
      case "InstantListRow":
        return InstantListRow.class;
      case "InstantArrayRow":
        return InstantArrayRow.class;
      case "DateListRow":
        return DateListRow.class;
      default:
        return LocalDateTimeArrayRow.class;
    }
  }
}
