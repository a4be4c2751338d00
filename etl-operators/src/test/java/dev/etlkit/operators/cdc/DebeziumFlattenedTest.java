package dev.etlkit.operators.cdc;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.Change;
import dev.etlkit.operators.cdc.internal.DebeziumDecoder;
import dev.etlkit.operators.cdc.internal.DecoderSettings;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import javax.annotation.Nullable;
import org.junit.jupiter.params.ParameterizedTest;
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
}
