package dev.etlkit.operators.cdc;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.Change;
import dev.etlkit.operators.avro.SchemaProvider;
import dev.etlkit.operators.cdc.internal.DebeziumDecoder;
import dev.etlkit.operators.cdc.internal.DecoderSettings;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.annotation.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Records flattened by Debezium's {@code ExtractNewRecordState} SMT (the row's columns at top
 * level, maybe {@code __deleted}, {@code __op}, ... fields) are no change events: each is a dead
 * letter whose message says the record looks flattened, without quoting it.
 */
class DebeziumFlattenedTest {

  private static final String SECRET = "SECRET-9c1d";

  private final List<Change<Customer>> out = new ArrayList<>();

  private DebeziumDecoder.Outcome decode(
      DecoderSettings<Customer> settings, String value, @Nullable String key) throws IOException {
    return new DebeziumDecoder<>(settings)
        .decode(value.getBytes(UTF_8), key == null ? null : key.getBytes(UTF_8), 42L, out);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"id\":1,\"first_name\":\"" + SECRET + "\",\"__deleted\":\"false\"}",
        "{\"id\":1,\"first_name\":\"" + SECRET + "\",\"__op\":\"c\",\"__source_ts_ms\":1000}",
        "{\"id\":1,\"first_name\":\"" + SECRET + "\",\"email\":null}",
      })
  void flattenedRow_isAMissingOpDeadLetterThatSaysItLooksFlattened(String value) {
    assertThatThrownBy(() -> decode(DecoderSettings.defaults(Customer.class), value, "{\"id\":1}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("missing op")
        .hasMessageContaining("no Debezium envelope (op, before, after)")
        .hasMessageContaining("ExtractNewRecordState")
        .hasMessageNotContaining(SECRET);
    assertThat(out).isEmpty();
  }

  /**
   * The hint knows the fields of Debezium's default {@code add.fields.prefix} ({@code __}) only:
   * with another prefix ({@code meta_op}) the message says "if the record was flattened", not that
   * it looks flattened. A hint only: the record is the same dead letter either way.
   */
  @Test
  void flattenedRowWithAnotherFieldPrefix_getsTheConditionalHint() {
    String value =
        "{\"id\":1,\"first_name\":\"" + SECRET + "\",\"meta_op\":\"c\",\"meta_deleted\":\"false\"}";

    assertThatThrownBy(() -> decode(DecoderSettings.defaults(Customer.class), value, "{\"id\":1}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "missing op: the value is no change event, heartbeat, transaction marker or schema"
                + " change; no Debezium envelope (op, before, after): if the record was flattened"
                + " by ExtractNewRecordState, decode the unflattened events");
    assertThat(out).isEmpty();
  }

  /**
   * Flattened rows whose columns happen to match what the docs recognised as a transaction marker
   * ({@code status} BEGIN/END and {@code id}), a schema change (a text {@code ddl}, an array {@code
   * tableChanges}) or a heartbeat: not skipped, dead letters.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"id\":\"571:53195829\",\"status\":\"BEGIN\"}",
        "{\"id\":7,\"status\":\"END\",\"ts_ms\":1000,\"__deleted\":\"false\"}",
        "{\"id\":1,\"ddl\":\"CREATE TABLE t (id INT)\"}",
        "{\"id\":1,\"databaseName\":\"inventory\",\"ddl\":\"DROP TABLE t\"}",
        "{\"id\":1,\"tableChanges\":[\"a\",\"b\"]}",
        "{\"schema\":{\"type\":\"struct\",\"name\":\"dbserver1.public.clock.Value\","
            + "\"fields\":[{\"type\":\"int64\",\"optional\":false,\"field\":\"ts_ms\"}]},"
            + "\"payload\":{\"ts_ms\":1700000000000}}",
      })
  void flattenedRowThatLooksLikeANonChangeRecord_isADeadLetterNotSkipped(String value) {
    assertThatThrownBy(() -> decode(DecoderSettings.defaults(Customer.class), value, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("missing op")
        .hasMessageContaining("ExtractNewRecordState");
  }

  /** The same heartbeat look-alike written by AvroConverter: its record is no Heartbeat. */
  @Test
  void avroFlattenedRowOfALoneTsMsColumn_isADeadLetterNotAHeartbeat() {
    ConnectRecords.Struct clock =
        ConnectRecords.struct(
            "dbserver1.public.clock.Value",
            ConnectRecords.required("ts_ms", ConnectRecords.prim("int64")));
    org.apache.avro.Schema schema = ConnectRecords.avroSchema(clock);
    byte[] value = ConnectRecords.avro(5, schema, ConnectRecords.values("ts_ms", 1700000000000L));
    DecoderSettings<Customer> settings =
        DecoderSettings.defaults(Customer.class).withAvro(SchemaProvider.of(Map.of(5, schema)));
    assertThatThrownBy(() -> new DebeziumDecoder<>(settings).decode(value, null, 42L, out))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("missing op")
        .hasMessageContaining("ExtractNewRecordState");
  }

  /**
   * A flattened row of a table with a column named {@code op}: no key-only delete, no skipped
   * logical message or truncate, no "without an after image" that hides why.
   */
  @ParameterizedTest
  @CsvSource({"d", "m", "t", "c", "u", "r"})
  void flattenedRowWithAnOpColumn_isADeadLetterNotAChangeOrASkip(String op) {
    String value = "{\"id\":1,\"first_name\":\"" + SECRET + "\",\"op\":\"" + op + "\"}";
    DecoderSettings<Customer> settings =
        DecoderSettings.defaults(Customer.class).withTruncates(Debezium.Truncates.SKIP);
    assertThatThrownBy(() -> decode(settings, value, "{\"id\":1}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("op '" + op + "' without before, after or source")
        .hasMessageContaining("ExtractNewRecordState")
        .hasMessageNotContaining(SECRET);
    assertThat(out).isEmpty();
  }
}
