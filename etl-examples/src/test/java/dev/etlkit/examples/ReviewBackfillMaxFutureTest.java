package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.RawRecord;
import dev.etlkit.examples.StepRuns.StepRun;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.eventtime.TimestampAssigner;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.transformations.SourceTransformation;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.junit.jupiter.api.Test;

/**
 * Review of {@code customers/valid-time} (2026-11-24): whether a change is a dead letter depends on
 * when the job reads it, so the customers' history of a backfill ({@code --bounded} from the
 * topic's start), of a job catching up after an outage, or of a replay differs from the live job's,
 * and the bound does not protect the SCD2 history there.
 *
 * <p>{@link EventTimes#changes} judges a change's {@code ts_ms} against the TaskManager's wall
 * clock when the source reads the record, and the step keeps whatever the source kept. A database
 * host whose clock is two hours ahead commits a change at real time K (its Kafka timestamp, written
 * by Kafka Connect a moment later) with {@code ts_ms} K + 2 h. Read live, it is a dead letter. Read
 * a day later, K + 2 h is in the past of the wall clock, so it is kept, becomes the customer's
 * latest effective time in the SCD2 history, and every change of the customer in the two hours
 * after K (from a host with a right clock) is more than the one-hour lateness horizon behind it:
 * late, never applied. docs/running-on-a-cluster.md ("no larger than the SCD2 lateness horizon ...
 * if a change that far ahead must not make the customer's next changes late") promises more than
 * that.
 *
 * <p>Right: the decision is a property of the record, the same whenever it is read: a change more
 * than {@code --max-future} ahead of the time its record was produced (its Kafka timestamp, or the
 * wall clock when that is earlier or there is none) is a dead letter, live and in a backfill alike.
 */
class ReviewBackfillMaxFutureTest {

  private static final TypeInformation<Change<Customer>> CHANGES =
      Change.typeInfo(Customer.TYPE_INFO);

  private static final long LSN = 24024400L;

  private static final Duration TWO_HOURS = Duration.ofHours(2);

  @Test
  void changeTwoHoursAheadOfItsKafkaTimestamp_isADeadLetter_readLive_andReadADayLater()
      throws Exception {
    long now = System.currentTimeMillis();

    long producedJustNow = now - 1_000;
    assertThat(validTime(producedJustNow + TWO_HOURS.toMillis(), producedJustNow).deadLetters())
        .as("read live: a dead letter")
        .hasSize(1);

    long producedADayAgo = now - Duration.ofDays(1).toMillis();
    StepRun<Change<Customer>> backfill =
        validTime(producedADayAgo + TWO_HOURS.toMillis(), producedADayAgo);
    assertThat(backfill.output())
        .as("the same record read a day later (a backfill, a catch-up): no longer refused")
        .isEmpty();
    assertThat(backfill.deadLetters()).hasSize(1);
  }

  /**
   * The record through real mode's change source (its event time) and real mode's {@code
   * customers/valid-time} operator.
   */
  private static StepRun<Change<Customer>> validTime(long tsMs, long kafkaTime) throws Exception {
    JobOptions options =
        JobOptions.parse("--kafka", "localhost:9", "--jdbc", "jdbc:postgresql://localhost/x");
    RawRecord record = record(tsMs, kafkaTime);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    SourceTransformation<?, ?, ?> source =
        (SourceTransformation<?, ?, ?>)
            RealMode.sources(env, options).customerChanges().getTransformation();
    @SuppressWarnings("unchecked")
    TimestampAssigner<RawRecord> assigner =
        (TimestampAssigner<RawRecord>)
            (TimestampAssigner<?>) source.getWatermarkStrategy().createTimestampAssigner(null);
    long eventTime = assigner.extractTimestamp(record, kafkaTime);

    DataStream<RawRecord> input = env.fromData(List.of(record), RawRecord.TYPE_INFO);
    RealMode.Outputs outputs = RealMode.wire(new RealMode.Sources(input, input), options);
    return StepRuns.run(
        StepRuns.upstream(
            outputs.customerDimension().toDataStream().getTransformation(), "customers/valid-time"),
        CHANGES,
        List.of(
            new StreamRecord<>(
                Change.updateAfter(new Customer("c-emil", "Emil", "gold", "Turku"))
                    .withEventTime(tsMs)
                    .withSourcePosition(LSN),
                eventTime)));
  }

  private static RawRecord record(long sourceTsMs, long kafkaTime) {
    String event =
        "{\"before\":null,\"after\":{\"id\":\"c-emil\",\"name\":\"Emil\",\"tier\":\"gold\","
            + "\"city\":\"Turku\"},\"source\":{\"connector\":\"postgresql\",\"ts_ms\":"
            + sourceTsMs
            + ",\"lsn\":"
            + LSN
            + "},\"op\":\"u\",\"ts_ms\":"
            + kafkaTime
            + "}";
    return new RawRecord(
        "c-emil".getBytes(StandardCharsets.UTF_8),
        event.getBytes(StandardCharsets.UTF_8),
        "customers-cdc-0@9",
        kafkaTime);
  }
}
