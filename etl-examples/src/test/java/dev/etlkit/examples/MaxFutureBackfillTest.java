package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.RawRecord;
import dev.etlkit.examples.StepRuns.StepRun;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.junit.jupiter.api.Test;

/**
 * {@code --max-future} decides the same whenever a topic is read: live, in a backfill ({@code
 * --bounded} from the topic's start), in a job catching up after an outage, or in a replay. The
 * Kafka sources ({@link EventTimes#changes}, {@link EventTimes#orders}) measure a record's time
 * from its Kafka timestamp (the wall clock only when that is earlier, or there is none), and the
 * {@code valid-time} steps from the earlier of the record's timestamp and their clock, so a change
 * or an order more than the bound ahead of the time its record was produced is a dead letter read
 * live and read a day later alike.
 *
 * <p>Found by a review on 2026-11-24 (failing before that day's fix): the source measured from the
 * wall clock when it read the record. A database host whose clock is two hours ahead commits a
 * change at real time K (its Kafka timestamp) with {@code ts_ms} K + 2 h: read live, a dead letter;
 * read a day later, K + 2 h was in the past of the clock, so the change was kept, became the
 * customer's latest effective time in the SCD2 history, and every change of the customer in the two
 * hours after K was more than the one-hour lateness horizon behind it: late, never applied.
 */
class MaxFutureBackfillTest {

  private static final Duration TWO_HOURS = Duration.ofHours(2);

  @Test
  void changeTwoHoursAheadOfItsKafkaTimestamp_isADeadLetter_readLive_andReadADayLater()
      throws Exception {
    long now = System.currentTimeMillis();

    long producedJustNow = now - 1_000;
    StepRun<Change<Customer>> live =
        changeValidTime(producedJustNow + TWO_HOURS.toMillis(), producedJustNow);
    assertThat(live.output()).as("read live: a dead letter").isEmpty();
    assertThat(live.deadLetters()).hasSize(1);

    long producedADayAgo = now - Duration.ofDays(1).toMillis();
    StepRun<Change<Customer>> backfill =
        changeValidTime(producedADayAgo + TWO_HOURS.toMillis(), producedADayAgo);
    assertThat(backfill.output())
        .as("the same record read a day later (a backfill, a catch-up): refused as well")
        .isEmpty();
    assertThat(backfill.deadLetters())
        .singleElement()
        .satisfies(
            letter -> {
              assertThat(letter.getTimestamp())
                  .as("the source gave it its Kafka timestamp")
                  .isEqualTo(producedADayAgo);
              assertThat(letter.getValue().errorMessage())
                  .endsWith(
                      "is more than PT55M ahead of the record's event time ("
                          + Instant.ofEpochMilli(producedADayAgo)
                          + ")");
            });
  }

  @Test
  void orderTwoHoursAheadOfItsKafkaTimestamp_isADeadLetter_readLive_andReadADayLater()
      throws Exception {
    long now = System.currentTimeMillis();

    long producedJustNow = now - 1_000;
    StepRun<Order> live = orderValidTime(producedJustNow + TWO_HOURS.toMillis(), producedJustNow);
    assertThat(live.output()).as("read live: a dead letter").isEmpty();
    assertThat(live.deadLetters()).hasSize(1);

    long producedADayAgo = now - Duration.ofDays(1).toMillis();
    StepRun<Order> backfill =
        orderValidTime(producedADayAgo + TWO_HOURS.toMillis(), producedADayAgo);
    assertThat(backfill.output()).as("read a day later: refused as well").isEmpty();
    assertThat(backfill.deadLetters())
        .singleElement()
        .satisfies(letter -> assertThat(letter.getTimestamp()).isEqualTo(producedADayAgo));
  }

  /**
   * The change through real mode's change source (its event time) and real mode's {@code
   * customers/valid-time} operator.
   */
  private static StepRun<Change<Customer>> changeValidTime(long tsMs, long kafkaTime)
      throws Exception {
    RawRecord record = KafkaInputs.change(tsMs, kafkaTime);
    long eventTime = KafkaInputs.changeTime(KafkaInputs.REAL_MODE, record, kafkaTime);
    return KafkaInputs.customersValidTime(
        KafkaInputs.REAL_MODE,
        record,
        List.of(
            new StreamRecord<>(
                Change.updateAfter(new Customer("c-emil", "Emil", "gold", "Turku"))
                    .withEventTime(tsMs)
                    .withSourcePosition(KafkaInputs.LSN),
                eventTime)));
  }

  /**
   * The order through real mode's order source (its event time) and real mode's {@code
   * orders/valid-time} operator.
   */
  private static StepRun<Order> orderValidTime(long orderedAt, long kafkaTime) throws Exception {
    RawRecord record = KafkaInputs.order(Instant.ofEpochMilli(orderedAt), kafkaTime);
    long eventTime = KafkaInputs.orderTime(KafkaInputs.REAL_MODE, record, kafkaTime);
    Order order =
        new Order("o-1", "c-anna", new BigDecimal("10.00"), "EUR", Instant.ofEpochMilli(orderedAt));
    return KafkaInputs.ordersValidTime(
        KafkaInputs.REAL_MODE, record, List.of(new StreamRecord<>(order, eventTime)));
  }
}
