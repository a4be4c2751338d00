package dev.etlkit.operators.json.internal;

import static dev.etlkit.operators.json.internal.ReaderFixtures.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.etlkit.operators.JsonReadLimits;
import dev.etlkit.operators.json.JsonRecordException;
import dev.etlkit.operators.json.Order;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@code JsonReadLimits.maxNameLength} on field names and map keys, as Jackson counts them. */
class NameLengthLimitTest {

  private static final String SECRET = "S3CR3T";

  private static String name(String unit, int units) {
    return SECRET + unit.repeat(units - SECRET.length());
  }

  private static String withField(String name) {
    return "{\"customerNumber\":3,\"" + name + "\":1}";
  }

  private static String withMapKey(String name) {
    return "{\"customerNumber\":3,\"tags\":{\"" + name + "\":\"x\"}}";
  }

  private static JsonRecordException rejection(JsonRecordReader<?> reader, byte[] payload) {
    JsonRecordException e =
        catchThrowableOfType(JsonRecordException.class, () -> reader.read(payload));
    assertThat(e).isNotNull();
    assertThat(e.getMessage()).doesNotContain(SECRET);
    return e;
  }

  @Test
  void nameOfTheLimit_isRead() throws Exception {
    JsonRecordReader<Order> reader = ReaderFixtures.of(Order.class).reader();
    assertThat(reader.read(utf8(withField(name("n", 1024)))).customerNumber).isEqualTo(3);
    assertThat(reader.read(utf8(withMapKey(name("n", 1024)))).tags)
        .containsEntry(name("n", 1024), "x");
  }

  @Test
  void nameOverALowerLimit_isLimitExceeded() {
    JsonRecordReader<Order> reader =
        ReaderFixtures.of(Order.class)
            .limits(JsonReadLimits.defaults().withMaxNameLength(16))
            .reader();
    assertThat(rejection(reader, utf8(withMapKey(name("n", 17)))))
        .hasMessage(
            "LIMIT_EXCEEDED: Name length (17) exceeds the maximum allowed (16)"
                + " (JsonReadLimits.maxNameLength)");
    assertThat(rejection(reader, utf8(withField(name("n", 17))))).hasMessageContaining("(16)");
  }

  @Test
  void higherLimit_readsLongerNames() throws Exception {
    JsonRecordReader<Order> reader =
        ReaderFixtures.of(Order.class)
            .limits(JsonReadLimits.defaults().withMaxNameLength(4096))
            .reader();
    assertThat(reader.read(utf8(withMapKey(name("n", 4096)))).tags).hasSize(1);
  }

  @Test
  void utf8Document_countsBytes_wideDocument_countsCharacters() throws Exception {
    JsonRecordReader<Order> reader = ReaderFixtures.of(Order.class).reader();
    // 6 + 340 * 3 = 1,026 UTF-8 bytes, 346 characters
    String euros = name("\u20ac", 346);
    assertThat(rejection(reader, utf8(withMapKey(euros))).reason())
        .isEqualTo(JsonRecordException.Reason.LIMIT_EXCEEDED);
    byte[] utf16 = withMapKey(euros).getBytes(StandardCharsets.UTF_16BE);
    assertThat(reader.read(utf16).tags).containsKey(euros);
  }

  @Test
  void escapes_countAsTheCharactersTheyStandFor() throws Exception {
    JsonRecordReader<Order> reader = ReaderFixtures.of(Order.class).reader();
    String escaped = SECRET + "\\u006e".repeat(1024 - SECRET.length());
    assertThat(reader.read(utf8(withMapKey(escaped))).tags).containsKey(name("n", 1024));
    assertThat(rejection(reader, utf8(withMapKey(escaped + "\\u006e"))).reason())
        .isEqualTo(JsonRecordException.Reason.LIMIT_EXCEEDED);
  }
}
