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
 * A Kafka timestamp ahead of the clock of the TaskManager that reads the record (a Kafka Connect
 * worker or a broker with {@code LogAppendTime} whose clock is a minute ahead: ordinary clock skew
 * between hosts) is no reference: the Kafka source ({@link EventTimes#changes}, {@link
 * EventTimes#orders}) measures from its own clock then, and a record whose time it refuses gets
 * that clock as its timestamp, never the Kafka time ahead of it, so the {@code valid-time} step
 * ({@link FutureTimes}) makes it a dead letter too.
 *
 * <p>Found by a review on 2026-11-24 (failing before that day's fix): the source judged a time
 * against its clock W and gave a refused record its Kafka timestamp K; with K > W, a change dated
 * in (W + bound, K + bound] was refused by the source (its time never reached the watermark) and
 * kept by the step, which measured from K, so it reached normalize, the SCD2 history (at its {@code
 * ts_ms}) and the point-in-time join (at K, a different time). The same held for orders.
 */
class KafkaClockAheadTest {

  @Test
  void changeTheSourceRefused_becauseOfTheClock_isADeadLetter_evenWithAKafkaTimestampAhead()
      throws Exception {
    long now = System.currentTimeMillis();
    long kafkaTime = now + Duration.ofMinutes(1).toMillis(); // the producer's clock: a minute ahead
    // beyond the bound measured from the clock, within it measured from the Kafka time
    long tsMs = now + JobOptions.DEFAULT_MAX_FUTURE.plusSeconds(30).toMillis();
    RawRecord record = KafkaInputs.change(tsMs, kafkaTime);

    long assigned = KafkaInputs.changeTime(KafkaInputs.REAL_MODE, record, kafkaTime);
    assertThat(assigned)
        .as("the source refused the change's time: its timestamp is its clock, not the Kafka time")
        .isBetween(now, System.currentTimeMillis());

    StepRun<Change<Customer>> run =
        KafkaInputs.customersValidTime(
            KafkaInputs.REAL_MODE, record, List.of(new StreamRecord<>(change(tsMs), assigned)));

    assertThat(run.output())
        .as("a change whose time the source left out of the watermarks goes no further")
        .isEmpty();
    assertThat(run.deadLetters()).hasSize(1);
  }

  @Test
  void orderTheSourceRefused_becauseOfTheClock_isADeadLetter_evenWithAKafkaTimestampAhead()
      throws Exception {
    long now = System.currentTimeMillis();
    long kafkaTime = now + Duration.ofMinutes(1).toMillis();
    Instant orderedAt =
        Instant.ofEpochMilli(now).plus(JobOptions.DEFAULT_MAX_FUTURE).plusSeconds(30);
    RawRecord record = KafkaInputs.order(orderedAt, kafkaTime);

    long assigned = KafkaInputs.orderTime(KafkaInputs.REAL_MODE, record, kafkaTime);
    assertThat(assigned).isBetween(now, System.currentTimeMillis());

    StepRun<Order> run =
        KafkaInputs.ordersValidTime(
            KafkaInputs.REAL_MODE,
            record,
            List.of(
                new StreamRecord<>(
                    new Order("o-1", "c-anna", new BigDecimal("10.00"), "EUR", orderedAt),
                    assigned)));

    assertThat(run.output()).as("on to dedup and the enriched-orders topic").isEmpty();
    assertThat(run.deadLetters()).hasSize(1);
  }

  private static Change<Customer> change(long eventTime) {
    return Change.updateAfter(new Customer("c-emil", "Emil", "gold", "Turku"))
        .withEventTime(eventTime)
        .withSourcePosition(KafkaInputs.LSN);
  }
}
