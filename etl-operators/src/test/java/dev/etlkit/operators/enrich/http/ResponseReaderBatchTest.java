package dev.etlkit.operators.enrich.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.etlkit.operators.JsonReadLimits;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The batch object bound to a value class from its tokens: what the tree it was read into before
 * accepted and refused, it still does (the last occurrence of a key counts, null is a miss, keys
 * not asked are skipped, anything but one object or null fails).
 */
class ResponseReaderBatchTest {
  private static final ResponseReader<Profile> READER =
      new ResponseReader<>(JsonReadLimits.defaults(), Profile.class, null);
  private static final Map<String, String> KEYS = Map.of("a", "a", "b", "b");

  private static Map<String, Profile> read(String body) {
    return READER.values(body.getBytes(StandardCharsets.UTF_8), 200, KEYS);
  }

  @Test
  void values_lastOccurrenceCounts_nullIsAMiss_otherKeysAreSkipped() {
    assertThat(
            read(
                "{\"x\": [1, {\"y\": 2}], \"a\": {\"id\": \"1\"}, \"b\": {\"id\": \"2\"},"
                    + " \"a\": {\"id\": \"3\"}, \"b\": null}"))
        .containsExactlyEntriesOf(Map.of("a", new Profile("3", null, null)));
    assertThat(read("null")).isEmpty();
    assertThat(read("{}")).isEmpty();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {"[1]|ARRAY", "\"s\"|STRING", "1.5|NUMBER", "true|BOOLEAN"})
  void values_documentNotAnObject_fails(String body, String type) {
    assertThat(catchThrowableOfType(() -> read(body), HttpLookupException.class))
        .hasMessage(
            "HTTP lookup batch response of status 200 must be a JSON object from key to value, was "
                + type);
  }

  @ParameterizedTest
  @ValueSource(strings = {"{} {}", "{\"a\": {\"id\": \"1\"}} x", "null null", "{\"a\": {\"id\": 1"})
  void values_trailingOrTruncatedDocument_failsPermanently(String body) {
    HttpLookupException failed = catchThrowableOfType(() -> read(body), HttpLookupException.class);

    assertThat(failed.retryable()).isFalse();
    assertThat(failed).hasMessageContaining("is not valid JSON for the value type");
  }
}
