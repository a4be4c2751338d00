package dev.etlkit.operators.cdc;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.Change;
import dev.etlkit.operators.cdc.internal.DebeziumDecoder;
import dev.etlkit.operators.cdc.internal.DecoderSettings;
import dev.etlkit.operators.cdc.internal.UnavailableValue;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import javax.annotation.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Debezium's unavailable-value placeholder (an unchanged PostgreSQL TOAST column under {@code
 * REPLICA IDENTITY DEFAULT}) in an update: a dead letter naming the column by default, in every
 * form the PostgreSQL connector writes it, not data bound into the row.
 */
class DebeziumUnavailableValueTest {

  private static final String PLACEHOLDER = Debezium.DEFAULT_UNAVAILABLE_VALUE_PLACEHOLDER;
  private static final byte[] BYTES = PLACEHOLDER.getBytes(UTF_8);

  /** A row with a column of each toastable kind. */
  public static final class Document {
    public long id;
    public String body;
    public byte[] blob;
    public int[] scores;
    public List<String> tags;
    public String attributes;
    public Map<String, String> properties;
    public List<String> uuids;
    public List<byte[]> blobs;
    public double[] weights;
  }

  private final List<Change<Document>> out = new ArrayList<>();

  /** The placeholder as the connector writes it into a column of each kind. */
  static List<String[]> forms() {
    String numbers =
        IntStream.range(0, BYTES.length)
            .mapToObj(i -> Integer.toString(BYTES[i]))
            .collect(Collectors.joining(",", "[", "]"));
    return List.of(
        new String[] {"body", "\"" + PLACEHOLDER + "\""},
        new String[] {"tags", "[\"" + PLACEHOLDER + "\"]"},
        new String[] {"scores", numbers},
        new String[] {"blob", "\"" + Base64.getEncoder().encodeToString(BYTES) + "\""},
        new String[] {"blob", "\"" + Base64.getUrlEncoder().encodeToString(BYTES) + "\""},
        new String[] {"body", "\"" + HexFormat.of().formatHex(BYTES) + "\""},
        // hstore, hstore.handling.mode=json (the default): the JSON text of a one-entry map
        new String[] {
          "attributes", "\"{\\\"" + PLACEHOLDER + "\\\":\\\"" + PLACEHOLDER + "\\\"}\""
        },
        // hstore, hstore.handling.mode=map: that map
        new String[] {"properties", "{\"" + PLACEHOLDER + "\":\"" + PLACEHOLDER + "\"}"},
        // uuid[]: a one-element array of the name-based UUID of the placeholder's bytes
        new String[] {"uuids", "[\"" + UUID.nameUUIDFromBytes(BYTES) + "\"]"},
        // bytea[]: a one-element array of the placeholder's bytes
        new String[] {"blobs", "[\"" + Base64.getEncoder().encodeToString(BYTES) + "\"]"},
        // float8[] and other non-integer number arrays (Debezium 3.x): the bytes as numbers
        new String[] {"weights", numbers.replace(",", ".0,").replace("]", ".0]")});
  }

  @ParameterizedTest
  @MethodSource("forms")
  void update_withThePlaceholderInAColumn_isRefusedNamingTheColumn(String column, String value) {
    String after = row("\"" + column + "\":" + value);

    assertThatThrownBy(() -> decode(DecoderSettings.defaults(Document.class), update(after)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "column '"
                + column
                + "' of the after image holds Debezium's unavailable-value placeholder: the"
                + " database did not send its value (PostgreSQL: an unchanged TOAST column under"
                + " REPLICA IDENTITY DEFAULT); set REPLICA IDENTITY FULL on the table, or bind the"
                + " placeholder with withUnavailableValues(BIND)");
    assertThat(out).isEmpty();
  }

  @Test
  void update_withoutThePlaceholder_isDecoded() throws IOException {
    decode(DecoderSettings.defaults(Document.class), update(row("\"body\":\"long text\"")));

    assertThat(out)
        .singleElement()
        .satisfies(c -> assertThat(c.value().body).isEqualTo("long text"));
  }

  @Test
  void update_withValuesLikeThePlaceholdersForms_isDecoded() throws IOException {
    // the placeholder as one of several hstore entries, a UUID of other bytes, a number array of
    // other numbers: data, not the placeholder
    decode(
        DecoderSettings.defaults(Document.class),
        update(
            row(
                "\"attributes\":\"{\\\""
                    + PLACEHOLDER
                    + "\\\":\\\""
                    + PLACEHOLDER
                    + "\\\",\\\"a\\\":\\\"b\\\"}\",\"properties\":{\""
                    + PLACEHOLDER
                    + "\":\"x\"},\"uuids\":[\""
                    + UUID.nameUUIDFromBytes(new byte[] {1})
                    + "\"],\"weights\":[95.5]")));

    assertThat(out)
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.value().properties).containsEntry(PLACEHOLDER, "x");
              assertThat(c.value().weights).containsExactly(95.5);
            });
  }

  @Test
  void update_withUnavailableValuesBound_putsThePlaceholderIntoTheField() throws IOException {
    decode(
        DecoderSettings.defaults(Document.class).withUnavailableValue(null),
        update(row("\"body\":\"" + PLACEHOLDER + "\"")));

    assertThat(out)
        .singleElement()
        .satisfies(c -> assertThat(c.value().body).isEqualTo(PLACEHOLDER));
  }

  @Test
  void update_withAConfiguredPlaceholder_refusesThatOneOnly() throws IOException {
    DecoderSettings<Document> custom =
        DecoderSettings.defaults(Document.class)
            .withUnavailableValue(new UnavailableValue("hex:" + HexFormat.of().formatHex(BYTES)));
    DecoderSettings<Document> other =
        DecoderSettings.defaults(Document.class)
            .withUnavailableValue(new UnavailableValue("~n/a~"));

    assertThatThrownBy(() -> decode(custom, update(row("\"body\":\"" + PLACEHOLDER + "\""))))
        .hasMessageStartingWith("column 'body' of the after image holds");
    decode(other, update(row("\"body\":\"" + PLACEHOLDER + "\"")));
    assertThatThrownBy(() -> decode(other, update(row("\"tags\":[\"~n/a~\"]"))))
        .hasMessageStartingWith("column 'tags' of the after image holds");
    assertThat(out).hasSize(1);
  }

  @Test
  void insert_isNotChecked_theDatabaseSendsEveryValueOfANewRow() throws IOException {
    decode(
        DecoderSettings.defaults(Document.class),
        "{\"op\":\"c\",\"before\":null,\"after\":"
            + row("\"body\":\"" + PLACEHOLDER + "\"")
            + ",\"source\":{\"ts_ms\":1000},\"ts_ms\":2000}");

    assertThat(out)
        .singleElement()
        .satisfies(c -> assertThat(c.value().body).isEqualTo(PLACEHOLDER));
  }

  @Test
  void withUnavailableValuePlaceholder_emptyOrBadHex_isRefused() {
    Debezium.DecodeStep<?, Customer> step = Debezium.decode("cdc", Customer.class);

    assertThatThrownBy(() -> step.withUnavailableValuePlaceholder(""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unavailableValuePlaceholder must not be empty");
    assertThatThrownBy(() -> step.withUnavailableValuePlaceholder("hex:zz"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unavailableValuePlaceholder after 'hex:' must be hex digits");
    assertThatThrownBy(() -> step.withUnavailableValues(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("unavailableValues");
  }

  private void decode(DecoderSettings<Document> settings, String value) throws IOException {
    new DebeziumDecoder<>(settings).decode(value.getBytes(UTF_8), null, 42L, out);
  }

  private static String row(@Nullable String column) {
    return "{\"id\":1" + (column == null ? "" : "," + column) + "}";
  }

  private static String update(String after) {
    return "{\"op\":\"u\",\"before\":null,\"after\":"
        + after
        + ",\"source\":{\"ts_ms\":1000,\"lsn\":77},\"ts_ms\":2000}";
  }
}
