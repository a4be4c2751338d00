package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Found by a review of the reference job as a production template (session 48): {@code --disorder
 * PT0S} was refused as not positive, though zero out-of-orderness is a valid watermark bound
 * (Flink's {@code WatermarkStrategy.forMonotonousTimestamps()}, which is {@code
 * forBoundedOutOfOrderness(Duration.ZERO)}): partitions whose records are in event-time order. A
 * negative bound stays refused.
 */
class JobOptionsDisorderTest {

  private static final String[] REAL = {"--kafka", "k:9092", "--jdbc", "jdbc:postgresql://h/db"};

  private static final Instant PLACED = Instant.parse("2026-11-02T09:15:00Z");

  @Test
  void parse_zeroDisorder_isAccepted_isoOrMilliseconds() {
    assertThat(parse("--disorder", "PT0S").disorder()).isEqualTo(Duration.ZERO);
    assertThat(parse("--disorder", "0").disorder()).isEqualTo(Duration.ZERO);
  }

  @Test
  void parse_negativeDisorder_failsNamingTheOptionAndTheValue() {
    assertThatThrownBy(() -> parse("--disorder", "PT-1S"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--disorder must not be negative, got PT-1S");
  }

  @Test
  void parse_zeroIdlenessOrCheckpointInterval_staysRefused() {
    assertThatThrownBy(() -> parse("--idleness", "PT0S"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--idleness must be positive, got PT0S");
    assertThatThrownBy(() -> parse("--checkpoint-interval", "PT0S"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--checkpoint-interval must be positive, got PT0S");
  }

  /**
   * The sources' strategy with {@code --disorder PT0S} holds the watermark one millisecond behind
   * the newest own time, as Flink's monotonous strategy does: a record at that time is on time, one
   * a millisecond earlier is late.
   */
  @Test
  void zeroDisorder_watermarkOneMillisecondBehindTheNewestOwnTime() {
    JobOptions options = parse("--disorder", "PT0S");
    EventTimesWatermarksTest.Partition orders =
        new EventTimesWatermarksTest.Partition(
            EventTimes.orders(options.disorder(), options.idleness(), options.maxFuture()));
    long uploaded = PLACED.plusSeconds(60).toEpochMilli();

    long newest = orders.read(EventTimesWatermarksTest.order(PLACED), uploaded);

    assertThat(orders.watermark()).isEqualTo(newest - 1);
    long same = orders.read(EventTimesWatermarksTest.order(PLACED), uploaded);
    assertThat(same)
        .as("a record at the newest time is not late")
        .isGreaterThan(orders.watermark());
    long earlier = orders.read(EventTimesWatermarksTest.order(PLACED.minusMillis(1)), uploaded);
    assertThat(earlier)
        .as("one a millisecond earlier is late")
        .isLessThanOrEqualTo(orders.watermark());
  }

  private static JobOptions parse(String option, String value) {
    String[] args = Arrays.copyOf(REAL, REAL.length + 2);
    args[REAL.length] = option;
    args[REAL.length + 1] = value;
    return JobOptions.parse(args);
  }
}
