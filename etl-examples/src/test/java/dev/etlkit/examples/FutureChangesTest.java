package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.RawRecord;
import dev.etlkit.core.RecordAccounting;
import dev.etlkit.examples.StepRuns.StepRun;
import dev.etlkit.operators.PayloadInput;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.apache.flink.api.common.eventtime.TimestampAssigner;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.dag.Transformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.junit.jupiter.api.Test;

/**
 * Customer changes dated far ahead of the clock ({@link FutureTimes#changes}, {@link EventTimes}),
 * each test failing before the customers pipeline had a {@code valid-time} step: a change whose
 * {@code source.ts_ms} is in 2999 (a database host with a wrong clock) moved its partition's
 * watermark there and its customer's latest effective time in the SCD2 history, whose lateness
 * horizon is measured per key from that time, so every later change of the customer was late for
 * ever. It is now a dead letter of {@code customers/valid-time} with its reason, counted, and the
 * source's event time leaves it out of the watermarks.
 */
class FutureChangesTest {

  private static final Instant NOW = Instant.parse("2026-11-24T03:00:00Z");

  private static final Duration HOUR = Duration.ofHours(1);

  private static final TypeInformation<Change<Customer>> CHANGES =
      Change.typeInfo(Customer.TYPE_INFO);

  /**
   * A clock after every record timestamp of these tests: the step measures from the earlier of the
   * two, the timestamp.
   */
  private static final Clock CLOCK_IN_2999 =
      Clock.fixed(Instant.parse("2999-12-31T00:00:00Z"), ZoneOffset.UTC);

  private static final long IN_2999 = Instant.parse("2999-01-01T00:00:00Z").toEpochMilli();

  private static final long KAFKA_TIME = NOW.toEpochMilli() - 1_000; // produced a second ago

  private static final long LSN = KafkaInputs.LSN;

  /** With an event time not ahead of the clock, the step measures from it. */
  @Test
  void changes_changeIn2999_withANormalRecordTimestamp_isADeadLetterWithItsReason_andCounted()
      throws Exception {
    long eventTime = NOW.toEpochMilli();

    StepRun<Change<Customer>> run =
        runValidTime(
            CLOCK_IN_2999,
            new StreamRecord<>(change("gold", IN_2999), eventTime),
            new StreamRecord<>(change("silver", eventTime), eventTime));

    assertThat(run.output()).containsExactly(change("silver", eventTime));
    assertThat(run.deadLetters()).hasSize(1);
    StreamRecord<DeadLetter> letter = run.deadLetters().get(0);
    assertThat(letter.getValue().uid()).isEqualTo("customers/valid-time");
    assertThat(letter.getValue().errorClass()).isEqualTo(IllegalArgumentException.class.getName());
    assertThat(letter.getValue().errorMessage())
        .isEqualTo(
            "event time (ts_ms) 2999-01-01T00:00:00Z is more than PT1H ahead of the record's"
                + " event time (2026-11-24T03:00:00Z)");
    assertThat(letter.getValue().sourcePosition())
        .as("the LSN, as every step over the changelog gives it")
        .isEqualTo(Long.toString(LSN));
    assertThat(letter.getTimestamp()).isEqualTo(eventTime);
    RecordAccounting.StepCounts counts =
        run.accounting().step(OrdersJob.CUSTOMERS_PIPELINE, "valid-time");
    assertThat(counts.in()).isEqualTo(2);
    assertThat(counts.out()).isEqualTo(1);
    assertThat(counts.deadLettered()).isEqualTo(1);
    assertThat(counts.filtered()).isZero();
  }

  @Test
  void changes_changeExactlyAtTheBound_isKept_aMillisecondBeyond_isADeadLetter() throws Exception {
    long eventTime = NOW.toEpochMilli();
    long atTheBound = NOW.plus(HOUR).toEpochMilli();

    StepRun<Change<Customer>> run =
        runValidTime(
            CLOCK_IN_2999,
            new StreamRecord<>(change("gold", atTheBound), eventTime),
            new StreamRecord<>(change("silver", atTheBound + 1), eventTime));

    assertThat(run.output()).containsExactly(change("gold", atTheBound));
    assertThat(run.deadLetters())
        .extracting(letter -> letter.getValue().errorMessage())
        .containsExactly(
            "event time (ts_ms) 2026-11-24T04:00:00.001Z is more than PT1H ahead of the record's"
                + " event time (2026-11-24T03:00:00Z)");
  }

  /**
   * Without an event time (a sample line the source gave none: no timestamp, or Flink's "no
   * timestamp" marker), the step measures from its clock.
   */
  @Test
  void changes_recordWithoutATimestamp_isMeasuredFromTheClock() throws Exception {
    long atTheBound = NOW.plus(HOUR).toEpochMilli();

    StepRun<Change<Customer>> run =
        runValidTime(
            Clock.fixed(NOW, ZoneOffset.UTC),
            new StreamRecord<>(change("gold", IN_2999)),
            new StreamRecord<>(change("silver", atTheBound), TimestampAssigner.NO_TIMESTAMP),
            new StreamRecord<>(change("bronze", atTheBound + 1), TimestampAssigner.NO_TIMESTAMP));

    assertThat(run.output()).containsExactly(change("silver", atTheBound));
    assertThat(run.deadLetters())
        .extracting(letter -> letter.getValue().errorMessage())
        .containsExactly(
            "event time (ts_ms) 2999-01-01T00:00:00Z is more than PT1H ahead of the clock"
                + " (2026-11-24T03:00:00Z)",
            "event time (ts_ms) 2026-11-24T04:00:00.001Z is more than PT1H ahead of the clock"
                + " (2026-11-24T03:00:00Z)");
  }

  /** Times are bounded, not required: a change without one goes on as it came. */
  @Test
  void changes_changeWithoutAnEventTime_isPassedOnUnchanged() throws Exception {
    Change<Customer> timeless =
        Change.updateAfter(customer("gold")).withSourcePosition(LSN); // no withEventTime

    StepRun<Change<Customer>> run =
        runValidTime(
            Clock.fixed(NOW, ZoneOffset.UTC),
            new StreamRecord<>(timeless, NOW.toEpochMilli()),
            new StreamRecord<>(timeless));

    assertThat(run.output()).containsExactly(timeless, timeless);
    assertThat(run.deadLetters()).isEmpty();
    RecordAccounting.StepCounts counts =
        run.accounting().step(OrdersJob.CUSTOMERS_PIPELINE, "valid-time");
    assertThat(counts.in()).isEqualTo(2);
    assertThat(counts.out()).isEqualTo(2);
  }

  /**
   * The change of 2999 through the job's own customers pipeline: the step after {@code decode}
   * (before {@code normalize} keeps its row as the customer's current one, and before the SCD2 step
   * takes its time as the customer's latest) makes it a dead letter, which goes to the dead-letter
   * topic with the Kafka timestamp the source kept for it.
   */
  @Test
  void customersPipeline_changeIn2999_isADeadLetterOfValidTime_writtenWithTheSourceTimestamp()
      throws Exception {
    RawRecord record = record(IN_2999);
    long eventTime = EventTimes.changeTime(record, KAFKA_TIME, HOUR);
    assertThat(eventTime).as("the source's event time: its Kafka timestamp").isEqualTo(KAFKA_TIME);
    DataStream<RawRecord> input =
        StreamExecutionEnvironment.getExecutionEnvironment()
            .fromData(List.of(record), RawRecord.TYPE_INFO);
    Transformation<?> last =
        OrdersJob.customerDimension(
                OrdersJob.customersPipeline(input, PayloadInput.rawRecords(), HOUR))
            .toDataStream()
            .getTransformation();

    StepRun<Change<Customer>> run =
        StepRuns.run(
            StepRuns.upstream(last, "customers/valid-time"),
            CHANGES,
            List.of(new StreamRecord<>(change("gold", IN_2999), eventTime)));

    assertThat(StepRuns.uidsUpTo(last))
        .containsSubsequence(
            "customers/decode",
            "customers/valid-time",
            "customers/normalize",
            "customers/dimension");
    assertThat(run.output()).as("on to normalize and the SCD2 history").isEmpty();
    StreamRecord<DeadLetter> letter = run.deadLetters().get(0);
    assertThat(letter.getValue().errorMessage())
        .isEqualTo(
            "event time (ts_ms) 2999-01-01T00:00:00Z is more than PT1H ahead of the record's"
                + " event time (2026-11-24T02:59:59Z)");
    assertThat(StepRuns.writtenTimestamp(letter))
        .as("a timestamp a Kafka 4 broker takes: not ahead of the clock")
        .isEqualTo(KAFKA_TIME);
  }

  /**
   * Real mode takes {@code --max-future} for the customers too: the change source's event time and
   * the customers pipeline's {@code valid-time} step, with a bound of three hours, keep a change
   * two hours ahead, which the default bound of one hour refuses.
   */
  @Test
  void realMode_threadsMaxFuture_toTheChangeSource_andToCustomersValidTime() throws Exception {
    long readAt = System.currentTimeMillis();
    long twoHoursAhead = readAt + Duration.ofHours(2).toMillis();

    assertThat(realModeChangeTime(defaults(), twoHoursAhead, readAt))
        .as("the default bound: the Kafka timestamp")
        .isEqualTo(readAt);
    assertThat(realModeChangeTime(withMaxFuture("PT3H"), twoHoursAhead, readAt))
        .isEqualTo(twoHoursAhead);

    StreamRecord<Change<Customer>> ahead =
        new StreamRecord<>(change("gold", twoHoursAhead), readAt);
    assertThat(runRealModeValidTime(defaults(), ahead).deadLetters()).hasSize(1);
    assertThat(runRealModeValidTime(withMaxFuture("PT3H"), ahead).output())
        .containsExactly(ahead.getValue());
  }

  @SafeVarargs
  private static StepRun<Change<Customer>> runValidTime(
      Clock clock, StreamRecord<Change<Customer>>... records) throws Exception {
    return StepRuns.runStep(
        OrdersJob.CUSTOMERS_PIPELINE,
        CHANGES,
        FutureTimes.<Customer>changes("valid-time", HOUR, clock),
        List.of(records));
  }

  /** The event time real mode's change source gives a change with {@code ts_ms} of {@code time}. */
  private static long realModeChangeTime(JobOptions options, long time, long kafkaTime) {
    return KafkaInputs.changeTime(options, KafkaInputs.change(time, kafkaTime), kafkaTime);
  }

  /** Runs the {@code customers/valid-time} operator of real mode's job on the record. */
  private static StepRun<Change<Customer>> runRealModeValidTime(
      JobOptions options, StreamRecord<Change<Customer>> record) throws Exception {
    return KafkaInputs.customersValidTime(options, record(IN_2999), List.of(record));
  }

  private static JobOptions defaults() {
    return KafkaInputs.REAL_MODE;
  }

  private static JobOptions withMaxFuture(String bound) {
    return JobOptions.parse(
        "--kafka", "localhost:9", "--jdbc", "jdbc:postgresql://localhost/x", "--max-future", bound);
  }

  private static Customer customer(String tier) {
    return new Customer("c-emil", "Emil", tier, "Turku");
  }

  private static Change<Customer> change(String tier, long eventTime) {
    return Change.updateAfter(customer(tier)).withEventTime(eventTime).withSourcePosition(LSN);
  }

  /** A Debezium update of Emil as the Kafka source reads it, committed at {@code sourceTsMs}. */
  private static RawRecord record(long sourceTsMs) {
    return KafkaInputs.change(sourceTsMs, KAFKA_TIME);
  }
}
