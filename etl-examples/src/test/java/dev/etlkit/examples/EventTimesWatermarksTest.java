package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.RawRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.apache.flink.api.common.eventtime.TimestampAssigner;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkGeneratorSupplier;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.util.clock.ManualClock;
import org.apache.flink.util.clock.RelativeClock;
import org.junit.jupiter.api.Test;

/**
 * The watermarks of real mode's Kafka sources ({@link EventTimes#orders}, {@link
 * EventTimes#changes}) follow the records' own times only. A record whose timestamp is not its own
 * time (an order or change without a readable time, which keeps its Kafka timestamp; one dated too
 * far ahead, which gets its reference time) must not move its partition's watermark: its Kafka time
 * can be far ahead of the times of the records around it (orders uploaded in batches, a backfill
 * into a topic with {@code LogAppendTime}), and every record behind that watermark would be late, a
 * dead letter of the point-in-time join ({@code orders/customer}).
 */
class EventTimesWatermarksTest {

  private static final Duration DISORDER = Duration.ofSeconds(5);

  private static final Duration IDLENESS = Duration.ofMinutes(1);

  private static final Duration HOUR = Duration.ofHours(1);

  /** The orders were placed from 09:15:00 on and uploaded in one batch a minute later. */
  private static final Instant PLACED = Instant.parse("2026-11-02T09:15:00Z");

  private static final long UPLOADED = PLACED.plusSeconds(60).toEpochMilli();

  @Test
  void orders_brokenOrOutOfRange_doNotMoveTheWatermark_pastTheOrdersAroundThem() {
    for (String bad :
        new String[] {
          "not json",
          "{\"orderId\":\"o-2\",\"orderedAt\":\"yesterday\"}",
          "{\"orderId\":\"o-2\"}",
          "{\"orderId\":\"o-2\",\"orderedAt\":\"2999-01-01T00:00:00Z\"}"
        }) {
      Partition orders = new Partition(EventTimes.orders(DISORDER, IDLENESS, HOUR));
      orders.read(order(PLACED), UPLOADED);
      orders.read(bad.getBytes(StandardCharsets.UTF_8), UPLOADED);
      long next = orders.read(order(PLACED.plusSeconds(40)), UPLOADED);

      assertThat(orders.watermark())
          .as("the watermark after %s: the order placed 40 s later is not late", bad)
          .isLessThan(next);
    }
  }

  @Test
  void changes_withoutATimeOrOutOfRange_doNotMoveTheWatermark_pastTheChangesAroundThem() {
    long committed = PLACED.toEpochMilli();
    for (String bad :
        new String[] {
          "not json", "{\"op\":\"u\"}", "{\"source\":{\"ts_ms\":32472144000000},\"op\":\"u\"}"
        }) {
      Partition changes = new Partition(EventTimes.changes(DISORDER, IDLENESS, HOUR));
      changes.read(change(committed), UPLOADED);
      changes.read(bad.getBytes(StandardCharsets.UTF_8), UPLOADED);
      long next = changes.read(change(committed + 40_000), UPLOADED);

      assertThat(changes.watermark())
          .as("the watermark after %s: the change committed 40 s later is not late", bad)
          .isLessThan(next);
    }
  }

  /**
   * The watermark still follows the orders' own times, and the bad records' timestamps are those
   * the {@code valid-time} step and the dead letters read: the Kafka time, or the reference time.
   */
  @Test
  void orders_ownTimesMoveTheWatermark_badRecordsKeepTheirTimestamps() {
    Partition orders = new Partition(EventTimes.orders(DISORDER, IDLENESS, HOUR));
    long first = orders.read(order(PLACED), UPLOADED);
    long broken = orders.read("not json".getBytes(StandardCharsets.UTF_8), UPLOADED);
    long in2999 =
        orders.read(
            "{\"orderedAt\":\"2999-01-01T00:00:00Z\"}".getBytes(StandardCharsets.UTF_8), UPLOADED);
    long next = orders.read(order(PLACED.plusSeconds(40)), UPLOADED);

    assertThat(first).isEqualTo(PLACED.toEpochMilli());
    assertThat(broken).as("no readable time: its Kafka time").isEqualTo(UPLOADED);
    assertThat(in2999).as("refused: its reference time, its Kafka time").isEqualTo(UPLOADED);
    assertThat(orders.watermark())
        .as("bounded out of order by --disorder behind the last own time")
        .isEqualTo(next - DISORDER.toMillis() - 1);
  }

  /**
   * A partition whose records have no own time for {@code --idleness} stops holding back event
   * time, as one without records does; its next own time makes it active again.
   */
  @Test
  void partitionWithOnlyBadRecords_becomesIdle_afterTheIdleness() {
    Partition orders = new Partition(EventTimes.orders(DISORDER, IDLENESS, HOUR));
    orders.read(order(PLACED), UPLOADED);
    orders.quietFor(Duration.ofSeconds(1));
    for (int i = 0; i < 3; i++) {
      orders.quietFor(IDLENESS);
      orders.read("not json".getBytes(StandardCharsets.UTF_8), UPLOADED);
    }
    assertThat(orders.idle()).isTrue();

    long next = orders.read(order(PLACED.plusSeconds(40)), UPLOADED);
    assertThat(orders.idle()).isFalse();
    assertThat(orders.watermark()).isEqualTo(next - DISORDER.toMillis() - 1);
  }

  /** An order placed at {@code orderedAt}, as its JSON bytes. */
  static byte[] order(Instant orderedAt) {
    return ("{\"orderId\":\"o-1\",\"customerId\":\"c-anna\",\"amount\":10.00,\"currency\":\"EUR\","
            + "\"orderedAt\":\""
            + orderedAt
            + "\"}")
        .getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] change(long committed) {
    return ("{\"before\":null,\"after\":{\"id\":\"c-emil\",\"tier\":\"gold\"},"
            + "\"source\":{\"ts_ms\":"
            + committed
            + ",\"lsn\":1},\"op\":\"u\",\"ts_ms\":"
            + (committed + 40)
            + "}")
        .getBytes(StandardCharsets.UTF_8);
  }

  /**
   * One Kafka partition read through a strategy as Flink's source reads it: the assigner, then the
   * split's watermark generator, for each record; the periodic watermark after each.
   */
  static final class Partition implements WatermarkGeneratorSupplier.Context, WatermarkOutput {
    final ManualClock clock = new ManualClock();
    private final TimestampAssigner<RawRecord> assigner;
    private final WatermarkGenerator<RawRecord> generator;
    private long watermark = Long.MIN_VALUE;
    private boolean idle;

    Partition(WatermarkStrategy<RawRecord> strategy) {
      assigner = strategy.createTimestampAssigner(this::getMetricGroup);
      generator = strategy.createWatermarkGenerator(this);
    }

    /** Reads a record with the Kafka timestamp given; its event time. */
    long read(byte[] value, long kafkaTime) {
      RawRecord record = new RawRecord(null, value, "t-0@0", kafkaTime);
      long time = assigner.extractTimestamp(record, kafkaTime);
      generator.onEvent(record, time, this);
      generator.onPeriodicEmit(this);
      return time;
    }

    /** No record for {@code d}; then the periodic watermark. */
    void quietFor(Duration d) {
      clock.advanceTime(d);
      generator.onPeriodicEmit(this);
    }

    long watermark() {
      return watermark;
    }

    boolean idle() {
      return idle;
    }

    @Override
    public MetricGroup getMetricGroup() {
      return UnregisteredMetricsGroup.createOperatorMetricGroup();
    }

    @Override
    public RelativeClock getInputActivityClock() {
      return clock;
    }

    @Override
    public void emitWatermark(Watermark w) {
      watermark = Math.max(watermark, w.getTimestamp());
      idle = false;
    }

    @Override
    public void markIdle() {
      idle = true;
    }

    @Override
    public void markActive() {
      idle = false;
    }
  }
}
