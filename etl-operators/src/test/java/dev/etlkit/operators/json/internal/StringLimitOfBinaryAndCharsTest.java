package dev.etlkit.operators.json.internal;

import static dev.etlkit.operators.json.internal.ReaderFixtures.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.etlkit.operators.JsonReadLimits;
import dev.etlkit.operators.json.Coercion;
import dev.etlkit.operators.json.JsonRecordException;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code maxStringLength} holds for every string of the document, also those Jackson reads from the
 * parser's characters without building a {@code String}: a {@code byte[]} written as base64, a
 * {@code char[]}, an {@code Instant} of the fast path.
 */
class StringLimitOfBinaryAndCharsTest {

  /** A record with the three kinds of field. */
  public record Blob(byte[] data, char[] letters, List<byte[]> chunks, Instant at) {}

  private static final String LIMIT_8 =
      "LIMIT_EXCEEDED: String value length (%d) exceeds the maximum allowed (8)"
          + " (JsonReadLimits.maxStringLength)";

  private final JsonRecordReader<Blob> reader =
      ReaderFixtures.of(Blob.class)
          .limits(JsonReadLimits.defaults().withMaxStringLength(8))
          .reader();

  private JsonRecordException rejection(String json) {
    JsonRecordException e =
        catchThrowableOfType(JsonRecordException.class, () -> reader.read(utf8(json)));
    assertThat(e).as("rejected: %s", json).isNotNull();
    return e;
  }

  @Test
  void base64StringLongerThanTheLimit_isLimitExceeded() {
    // 12 characters of base64, 9 bytes
    assertThat(rejection("{\"data\":\"QUJDREVGR0hJ\"}")).hasMessage(LIMIT_8.formatted(12));
    assertThat(rejection("{\"chunks\":[\"QUJDREVGR0hJ\"]}")).hasMessage(LIMIT_8.formatted(12));
  }

  @Test
  void charArrayLongerThanTheLimit_isLimitExceeded() {
    assertThat(rejection("{\"letters\":\"abcdefghijkl\"}")).hasMessage(LIMIT_8.formatted(12));
  }

  @Test
  void instantLongerThanTheLimit_isLimitExceeded_asWithAnOffset() {
    assertThat(rejection("{\"at\":\"2024-01-01T00:00:00Z\"}")).hasMessage(LIMIT_8.formatted(20));
    assertThat(rejection("{\"at\":\"2024-01-01T00:00:00+01:00\"}"))
        .hasMessage(LIMIT_8.formatted(25));
  }

  /**
   * A coerced field given an object or an array fails the cast, and its value is skipped: the
   * strings in it are held to the limit as those of a skipped unknown field are.
   */
  @Test
  void stringInsideAnArrayOrObjectForACoercedField_isLimitExceeded_notAFailedCast() {
    JsonRecordReader<Count> coerced =
        ReaderFixtures.of(Count.class)
            .coercion(Coercion.tryCast())
            .limits(JsonReadLimits.defaults().withMaxStringLength(8))
            .reader();
    for (String json :
        new String[] {"{\"n\":[\"abcdefghijkl\"]}", "{\"n\":{\"k\":[\"abcdefghijkl\"]}}"}) {
      JsonRecordException e =
          catchThrowableOfType(JsonRecordException.class, () -> coerced.read(utf8(json)));
      assertThat(e).as("rejected: %s", json).isNotNull();
      assertThat(e).hasMessage(LIMIT_8.formatted(12));
    }
  }

  /** A record with a coercible field. */
  public record Count(Integer n) {}

  @Test
  void valuesWithinTheLimit_areRead() throws Exception {
    Blob blob = reader.read(utf8("{\"data\":\"QUJD\",\"letters\":\"abcdefgh\"}"));
    assertThat(blob.data()).containsExactly('A', 'B', 'C');
    assertThat(blob.letters()).containsExactly("abcdefgh".toCharArray());
  }
}
