package dev.etlkit.operators.cdc;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import dev.etlkit.core.Change;
import dev.etlkit.operators.cdc.internal.DebeziumDecoder;
import dev.etlkit.operators.cdc.internal.DecoderSettings;
import java.io.IOException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

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
}
