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
 * Review of {@code customers/valid-time} (2026-11-24): the change source's event time ({@link
 * EventTimes#changes}) and the step ({@link FutureTimes#changes}) disagree when the record's Kafka
 * timestamp is ahead of the clock of the TaskManager that reads it (a Kafka Connect worker or a
 * broker with {@code LogAppendTime} whose clock is a minute ahead: ordinary clock skew between
 * hosts).
 *
 * <p>The source judges a change against its own wall clock W and, when it refuses the change's
 * time, gives the record its Kafka timestamp K. The step then judges the change against K, not W:
 * FutureTimes' Javadoc and docs/running-on-a-cluster.md assume K is "at or before the moment it was
 * read", and claim "the step and the source agree even when the step runs later or on a TaskManager
 * with another clock". With K > W, a change dated in (W + max, K + max] is refused by the source
 * (its time never reaches the watermark, the record carries K) and kept by the step, so it reaches
 * normalize, the SCD2 history (at its ts_ms) and the point-in-time join (at K, a different time).
 * The same holds for orders ({@code EventTimes.orders} and {@code orders/valid-time}), and in
 * sample mode for a line the assigner refused a few milliseconds before the step read its clock.
 *
 * <p>Right: a change whose time the source refused is a dead letter of the step. For example the
 * source falls back to {@code min(kafkaTime, now)} instead of {@code kafkaTime} for a time too far
 * ahead, so the step measures from a reference at or before the source's clock.
 */
class ReviewKafkaClockAheadTest {

  private static final TypeInformation<Change<Customer>> CHANGES =
      Change.typeInfo(Customer.TYPE_INFO);

  private static final long LSN = 24024400L;

  @Test
  void changeTheSourceRefused_becauseOfTheClock_isADeadLetter_evenWithAKafkaTimestampAhead()
      throws Exception {
    JobOptions options =
        JobOptions.parse("--kafka", "localhost:9", "--jdbc", "jdbc:postgresql://localhost/x");
    long now = System.currentTimeMillis();
    long kafkaTime = now + Duration.ofMinutes(1).toMillis(); // the producer's clock: a minute ahead
    long tsMs = now + Duration.ofHours(1).plusSeconds(30).toMillis(); // beyond the bound of PT1H
    RawRecord record = record(tsMs, kafkaTime);

    long assigned = realModeChangeTime(options, record, kafkaTime);
    assertThat(assigned)
        .as("the source refused the change's time: it keeps its Kafka timestamp")
        .isNotEqualTo(tsMs);

    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    DataStream<RawRecord> input = env.fromData(List.of(record), RawRecord.TYPE_INFO);
    RealMode.Outputs outputs = RealMode.wire(new RealMode.Sources(input, input), options);
    StepRun<Change<Customer>> run =
        StepRuns.run(
            StepRuns.upstream(
                outputs.customerDimension().toDataStream().getTransformation(),
                "customers/valid-time"),
            CHANGES,
            List.of(new StreamRecord<>(change(tsMs), assigned)));

    assertThat(run.output())
        .as("a change whose time the source left out of the watermarks goes no further")
        .isEmpty();
    assertThat(run.deadLetters()).hasSize(1);
  }

  /** The event time real mode's change source gives {@code record}. */
  private static long realModeChangeTime(JobOptions options, RawRecord record, long kafkaTime) {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    SourceTransformation<?, ?, ?> source =
        (SourceTransformation<?, ?, ?>)
            RealMode.sources(env, options).customerChanges().getTransformation();
    @SuppressWarnings("unchecked")
    TimestampAssigner<RawRecord> assigner =
        (TimestampAssigner<RawRecord>)
            (TimestampAssigner<?>) source.getWatermarkStrategy().createTimestampAssigner(null);
    return assigner.extractTimestamp(record, kafkaTime);
  }

  private static Change<Customer> change(long eventTime) {
    return Change.updateAfter(new Customer("c-emil", "Emil", "gold", "Turku"))
        .withEventTime(eventTime)
        .withSourcePosition(LSN);
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
