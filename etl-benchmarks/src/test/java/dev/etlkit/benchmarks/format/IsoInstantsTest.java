package dev.etlkit.benchmarks.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class IsoInstantsTest {

  @Test
  void formatThenParse_randomInstants_matchJavaTime() {
    SplittableRandom random = new SplittableRandom(42);
    char[] chars = new char[IsoInstants.FORMATTED_LENGTH];
    long min = Instant.parse("0001-01-01T00:00:00Z").toEpochMilli();
    long max = Instant.parse("9999-12-31T23:59:59.999Z").toEpochMilli();
    for (int i = 0; i < 20_000; i++) {
      long millis = random.nextLong(min, max);

      IsoInstants.formatMillis(millis, chars);

      String expected = Instant.ofEpochMilli(millis).toString();
      assertThat(Instant.parse(new String(chars))).isEqualTo(Instant.ofEpochMilli(millis));
      assertThat(IsoInstants.parseMillis(chars, 0, chars.length)).isEqualTo(millis);
      char[] javaTime = expected.toCharArray();
      assertThat(IsoInstants.parseMillis(javaTime, 0, javaTime.length)).isEqualTo(millis);
    }
  }

  @Test
  void parse_fractionsOfAnyLength_truncatesToMillis() {
    Instant instant = Instant.parse("2026-11-20T23:16:03.987654321Z");
    for (String text :
        new String[] {
          "2026-11-20T23:16:03Z",
          "2026-11-20T23:16:03.9Z",
          "2026-11-20T23:16:03.98Z",
          "2026-11-20T23:16:03.987Z",
          "2026-11-20T23:16:03.987654321Z"
        }) {
      char[] chars = ("x" + text + "y").toCharArray();
      Instant truncated = Instant.parse(text).truncatedTo(ChronoUnit.MILLIS);
      assertThat(IsoInstants.parseMillis(chars, 1, text.length()))
          .as(text)
          .isEqualTo(truncated.toEpochMilli())
          .isLessThanOrEqualTo(instant.toEpochMilli());
    }
  }

  @Test
  void parse_notAnInstant_throws() {
    for (String text :
        new String[] {"2026-11-20 23:16:03Z", "2026-11-20T23:16:03", "2026-13-20T23:16:03Z", "x"}) {
      char[] chars = text.toCharArray();
      assertThatThrownBy(() -> IsoInstants.parseMillis(chars, 0, chars.length))
          .as(text)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }
}
