package dev.etlkit.operators.json.internal;

import static dev.etlkit.operators.json.internal.ReaderFixtures.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Review of the repeated-key second pass (JsonRecordReader.readLastValues, touched by db8699b): its
 * Javadoc and docs/formats-json.md promise that a record with a repeated key "binds to the same
 * values as any other document, down to -0.0 and a number's spelling". A decimal is replayed as
 * text through a TokenBuffer, whose getFloatValue() parses a double and narrows it (rounding
 * twice), while the first pass parses a float directly: some decimals bound to a different float.
 * Found by a second review on 2026-11-24; the replay now reads a float from the number's text.
 */
class JsonSecondPassFloatTest {

  /** A record with a float component. */
  public record Gauge(float f, String b) {}

  @Test
  void repeatedKeyInRecord_floatComponent_bindsTheSameFloatAsTheFirstPass() throws Exception {
    JsonRecordReader<Gauge> reader = ReaderFixtures.of(Gauge.class).reader();
    String decimal = "1.00000017881393432617187499";

    float fast = reader.read(utf8("{\"f\":" + decimal + ",\"b\":\"x\"}")).f();
    float slow = reader.read(utf8("{\"f\":" + decimal + ",\"b\":\"x\",\"b\":\"y\"}")).f();

    assertThat(Float.floatToRawIntBits(fast))
        .as("first pass: Float.parseFloat")
        .isEqualTo(Float.floatToRawIntBits(Float.parseFloat(decimal)));
    assertThat(Float.floatToRawIntBits(slow))
        .as("second pass (repeated key) binds %s, the first pass %s", slow, fast)
        .isEqualTo(Float.floatToRawIntBits(fast));
  }
}
