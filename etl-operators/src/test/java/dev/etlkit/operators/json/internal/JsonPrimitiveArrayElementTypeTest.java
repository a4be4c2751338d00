package dev.etlkit.operators.json.internal;

import static dev.etlkit.operators.json.internal.ReaderFixtures.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.etlkit.operators.json.JsonRecordException;
import dev.etlkit.operators.json.JsonRecordException.Reason;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A wrong-typed element of a primitive array names the element's type, found by a second review on
 * 2026-11-24: before, the message named the array ({@code expected int[], got a JSON string at
 * $.ints[0]}), as Jackson reports it. A wrong-typed array itself, alone or as an element of a list,
 * still names the array.
 */
class JsonPrimitiveArrayElementTypeTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"ints\":[\"x\"]}            | expected int, got a JSON string at $.ints[0]",
        "{\"longs\":[1,{}]}            | expected long, got a JSON object at $.longs[1]",
        "{\"booleans\":[true,[1]]}     | expected boolean, got a JSON array at $.booleans[1]",
        "{\"ints\":{}}                 | expected int[], got a JSON object at $.ints",
        "{\"rows\":[[1],{}]}           | expected int[], got a JSON object at $.rows[1]",
      })
  void wrongTypedValue_namesWhatWasExpectedThere(String json, String message) {
    JsonRecordReader<JsonPrimitiveArrayNullTest.Arrays> reader =
        ReaderFixtures.of(JsonPrimitiveArrayNullTest.Arrays.class).reader();

    JsonRecordException e =
        catchThrowableOfType(JsonRecordException.class, () -> reader.read(utf8(json)));

    assertThat(e).isNotNull();
    assertThat(e.reason()).isEqualTo(Reason.WRONG_TYPE);
    assertThat(e).hasMessage("WRONG_TYPE: " + message);
  }
}
