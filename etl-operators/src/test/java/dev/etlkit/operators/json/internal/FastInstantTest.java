package dev.etlkit.operators.json.internal;

import static dev.etlkit.operators.json.internal.ReaderFixtures.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.annotation.JsonFormat;
import dev.etlkit.operators.json.JsonRecordException;
import dev.etlkit.operators.json.Reading;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Objects;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The fast ISO-8601 {@code Instant} path reads what the old path read, to the same value, and
 * leaves every other input to the old path, so failures keep their reasons and messages.
 */
class FastInstantTest {

  /** Wraps the Jackson-free parse the way the reader calls it. */
  private static Instant fast(String s) {
    char[] padded = ("xx" + s + "yy").toCharArray();
    return IsoInstantParser.parse(padded, 2, s.length());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "2024-01-31T10:15:30Z",
        "2024-02-29T23:59:59.999999999Z",
        "2000-02-29T00:00:00.5Z",
        "1970-01-01T00:00:00Z",
        "1969-12-31T23:59:59.1Z",
        "0000-01-01T00:00:00Z",
        "0000-02-29T12:00:00Z",
        "9999-12-31T23:59:59.123456789Z",
        "2024-01-31T10:15:30.123+00:00",
        "2024-01-31T10:15:30+00:00"
      })
  void parse_fixedUtcLayout_equalsInstantParse(String s) {
    assertThat(fast(s)).isEqualTo(Instant.parse(s));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "2023-02-29T00:00:00Z", // not a leap year
        "1900-02-29T00:00:00Z", // century, not a leap year
        "2024-04-31T00:00:00Z",
        "2024-13-01T00:00:00Z",
        "2024-00-01T00:00:00Z",
        "2024-01-00T00:00:00Z",
        "2024-01-01T24:00:00Z", // end of day: the old path decides
        "2024-01-01T23:60:00Z",
        "2024-12-31T23:59:60Z", // leap second: the old path decides
        "2024-01-01T00:00:00.Z",
        "2024-01-01T00:00:00.1234567890Z",
        "2024-01-01t00:00:00Z",
        "2024-01-01T00:00:00z",
        "2024-01-01T00:00:00+01:00",
        "2024-01-01T00:00:00-00:00",
        "2024-01-01T00:00:00+0000",
        "2024-01-01 00:00:00Z",
        " 2024-01-01T00:00:00Z",
        "+2024-01-01T00:00:00Z",
        "20x4-01-01T00:00:00Z",
        "2024-01-01T00:00:00",
        "1700000000"
      })
  void parse_otherForms_declined(String s) {
    assertThat(fast(s)).isNull();
  }

  @Property(tries = 2000)
  void parse_generatedTimestamps_agreeWithInstantParseAndOldPath(@ForAll("timestamps") String s) {
    Instant fast = fast(s);
    if (fast != null) {
      assertThat(fast).isEqualTo(Instant.parse(s));
    }
    assertSameOutcome("{\"ts\":\"" + s + "\"}");
    if (fast != null) {
      assertThat(outcome(FAST, "{\"ts\":\"" + s + "\"}")).isEqualTo(fast);
    }
  }

  @Property(tries = 500)
  void parse_nearValidStrings_agreeWithInstantParseAndOldPath(@ForAll("nearValid") String s) {
    Instant fast = fast(s);
    if (fast != null) {
      assertThat(fast).isEqualTo(Instant.parse(s));
    } else {
      // Declined is fine; but a string Instant.parse rejects must never be accepted.
      try {
        Instant.parse(s);
      } catch (DateTimeParseException expected) {
        // consistent
      }
    }
    assertSameOutcome("{\"ts\":\"" + s + "\"}");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"ts\":1700000000}",
        "{\"ts\":1700000000.5}",
        "{\"ts\":\"1700000000\"}",
        "{\"ts\":\"\"}",
        "{\"ts\":\"  \"}",
        "{\"ts\":null}",
        "{\"ts\":true}",
        "{\"ts\":[\"2024-01-01T00:00:00Z\"]}",
        "{\"ts\":{}}",
        "{\"ts\":\"2024-01-01T01:00:00+01:00\"}",
        "{\"ts\":\"2024-02-30T00:00:00Z\"}",
        "{\"ts\":\"2024-12-31T23:59:60Z\"}",
        "{\"ts\":\"2024-01-01T24:00:00Z\"}",
        "{\"ts\":\"2024-01-01t00:00:00z\"}",
        "{\"ts\":\"2024-01-01T00:00:00.Z\"}",
        "{\"ts\":\"\\u0032024-01-01T00:00:00Z\"}"
      })
  void read_otherValues_sameOutcomeAsOldPath(String json) {
    assertSameOutcome(json);
  }

  @Test
  void read_requiredInstant_stillTracked() throws Exception {
    ReaderFixtures<Reading> f =
        ReaderFixtures.of(Reading.class).primitivesRequired(false).required("ts");
    JsonRecordReader<Reading> reader = f.reader();
    assertThat(reader.read(utf8("{\"ts\":\"2024-01-31T10:15:30Z\"}")).ts)
        .isEqualTo(Instant.parse("2024-01-31T10:15:30Z"));
    JsonRecordException e =
        (JsonRecordException)
            org.assertj.core.api.Assertions.catchThrowable(() -> reader.read(utf8("{}")));
    assertThat(e.reason()).isEqualTo(JsonRecordException.Reason.MISSING_REQUIRED_FIELD);
  }

  /** With a format override, the property's own format decides: no fast path. */
  public static final class Formatted {
    @JsonFormat(pattern = "yyyy-MM-dd'T'HH:mm:ss'Z'", timezone = "UTC")
    public Instant ts;

    public List<Instant> more;
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"ts\":\"2024-01-31T10:15:30Z\"}",
        "{\"ts\":\"2024-01-31T10:15:30.5Z\"}",
        "{\"more\":[\"2024-01-31T10:15:30.25Z\",\"2024-01-31T10:15:30+00:00\",null]}",
        "{\"more\":[\"2024-02-30T10:15:30Z\"]}"
      })
  void read_formatOverrideAndCollections_sameOutcomeAsOldPath(String json) {
    JsonParseConfig<Formatted> config =
        ReaderFixtures.of(Formatted.class).primitivesRequired(false).config();
    assertThat(outcome(new JsonRecordReader<>(config, true), json))
        .isEqualTo(outcome(new JsonRecordReader<>(config, false), json));
  }

  private static final JsonParseConfig<Reading> READING =
      ReaderFixtures.of(Reading.class).primitivesRequired(false).config();
  private static final JsonRecordReader<Reading> FAST = new JsonRecordReader<>(READING, true);
  private static final JsonRecordReader<Reading> OLD = new JsonRecordReader<>(READING, false);

  private static void assertSameOutcome(String json) {
    assertThat(outcome(FAST, json)).isEqualTo(outcome(OLD, json));
  }

  /** The value read, or the rejection's reason and message. */
  private static Object outcome(JsonRecordReader<?> reader, String json) {
    try {
      Object value = reader.read(utf8(json));
      if (value instanceof Reading) {
        return ((Reading) value).ts;
      }
      if (value instanceof Formatted) {
        return Objects.toString(((Formatted) value).ts) + ((Formatted) value).more;
      }
      return value;
    } catch (JsonRecordException e) {
      return e.reason() + ": " + e.getMessage();
    }
  }

  @Provide
  Arbitrary<String> timestamps() {
    Arbitrary<Integer> year =
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(3, Arbitraries.integers().between(0, 9999)),
            net.jqwik.api.Tuple.of(
                1, Arbitraries.of(0, 1, 1600, 1900, 1970, 2000, 2023, 2024, 2100, 9999)));
    Arbitrary<Integer> month = Arbitraries.integers().between(0, 13);
    Arbitrary<Integer> day = Arbitraries.integers().between(0, 32);
    Arbitrary<Integer> hour = Arbitraries.integers().between(0, 24);
    Arbitrary<Integer> minute = Arbitraries.integers().between(0, 60);
    Arbitrary<Integer> second = Arbitraries.integers().between(0, 60);
    Arbitrary<String> fraction =
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(2, Arbitraries.just("")),
            net.jqwik.api.Tuple.of(
                6,
                Arbitraries.strings().numeric().ofMinLength(0).ofMaxLength(10).map(d -> "." + d)));
    Arbitrary<String> zone =
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(8, Arbitraries.just("Z")),
            net.jqwik.api.Tuple.of(3, Arbitraries.just("+00:00")),
            net.jqwik.api.Tuple.of(
                2, Arbitraries.of("z", "-00:00", "+01:00", "+0000", "+00", "", "Z ", "+00:00Z")));
    Arbitrary<String> date =
        Combinators.combine(year, month, day)
            .as((y, m, d) -> String.format("%04d-%02d-%02d", y, m, d));
    Arbitrary<String> time =
        Combinators.combine(hour, minute, second)
            .as((h, mi, s) -> String.format("T%02d:%02d:%02d", h, mi, s));
    return Combinators.combine(date, time, fraction, zone).as((d, t, f, z) -> d + t + f + z);
  }

  @Provide
  Arbitrary<String> nearValid() {
    // A valid timestamp with one character replaced by a character of the layout's alphabet.
    return Combinators.combine(
            timestamps(),
            Arbitraries.integers().between(0, 40),
            Arbitraries.of('0', '1', '9', '-', ':', 'T', 'Z', '.', '+', ' ', 'x'))
        .as(
            (s, i, c) -> {
              if (s.isEmpty()) {
                return s;
              }
              int at = i % s.length();
              return s.substring(0, at) + c + s.substring(at + 1);
            });
  }
}
