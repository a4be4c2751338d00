package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.Etl;
import dev.etlkit.core.RawRecord;
import dev.etlkit.operators.PayloadInput;
import dev.etlkit.operators.cdc.Debezium;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.SimpleOperatorFactory;
import org.apache.flink.streaming.api.transformations.OneInputTransformation;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The change source's event time ({@link EventTimes#changeTime}) is the time {@code
 * Debezium.decode} gives the change ({@link Change#eventTime()}, which the {@code valid-time} step,
 * the SCD2 history and the docs call "the change's time"), or the record's Kafka timestamp when the
 * decoder gives none, also for odd events the decoder accepts: a {@code ts_ms} that is not an
 * integer fitting a long, or is 0 or less, is absent and the scan goes on; when a field repeats,
 * its last value counts (the decoder's Jackson tree keeps the last); a {@code payload} is read only
 * in Kafka Connect's {@code schema}/{@code payload} wrapper.
 *
 * <p>Found by a review on 2026-11-24 (failing before that day's fix): for a {@code source.ts_ms}
 * beyond a long, {@code EventTimes} called {@code getLongValue()}, whose {@code
 * InputCoercionException} ended the scan as if the JSON were broken, so the envelope's {@code
 * ts_ms} after {@code source} was never read and the record got its Kafka timestamp: the watermark
 * and the point-in-time join placed the change at the Kafka time, the SCD2 history at {@code
 * ts_ms}. A repeated {@code ts_ms} was read first-wins.
 */
class ChangeTimeOutOfRangeTest {

  private static final long COMMITTED = Instant.parse("2026-11-02T08:00:00Z").toEpochMilli();

  private static final long LATER = COMMITTED + 60_000;

  /** Produced a day after the change, in the past: the reference of the Kafka source. */
  private static final long KAFKA_TIME = COMMITTED + Duration.ofDays(1).toMillis();

  private static final String ROW =
      "\"before\":null,\"after\":{\"id\":\"c-anna\",\"name\":\"Anna\",\"tier\":\"gold\","
          + "\"city\":\"Oslo\"},\"op\":\"c\"";

  @Test
  void changeTime_ofASourceTsMsBeyondALong_isTheEnvelopeTime_asTheDecoderReadsIt()
      throws Exception {
    RawRecord record =
        record(
            "{"
                + ROW
                + ",\"source\":{\"connector\":\"postgresql\",\"ts_ms\":99999999999999999999,"
                + "\"lsn\":24023100},\"ts_ms\":"
                + COMMITTED
                + "}");

    assertThat(decode(record).eventTime()).as("the decoder's time").isEqualTo(COMMITTED);
    assertThat(EventTimes.changeTime(record, KAFKA_TIME))
        .as("the source's event time of the same record")
        .isEqualTo(COMMITTED);
  }

  static Stream<Arguments> oddEvents() {
    return Stream.of(
        Arguments.of(
            "source.ts_ms below a long",
            "{"
                + ROW
                + ",\"source\":{\"ts_ms\":-99999999999999999999},\"ts_ms\":"
                + COMMITTED
                + "}"),
        Arguments.of(
            "source.ts_ms a float",
            "{" + ROW + ",\"source\":{\"ts_ms\":" + LATER + ".0},\"ts_ms\":" + COMMITTED + "}"),
        Arguments.of(
            "source.ts_ms a string",
            "{" + ROW + ",\"source\":{\"ts_ms\":\"" + LATER + "\"},\"ts_ms\":" + COMMITTED + "}"),
        Arguments.of(
            "source.ts_ms twice, the last 0",
            "{"
                + ROW
                + ",\"source\":{\"ts_ms\":"
                + LATER
                + ",\"ts_ms\":0},\"ts_ms\":"
                + COMMITTED
                + "}"),
        Arguments.of(
            "source.ts_ms twice, the first 0",
            "{"
                + ROW
                + ",\"source\":{\"ts_ms\":0,\"ts_ms\":"
                + LATER
                + "},\"ts_ms\":"
                + COMMITTED
                + "}"),
        Arguments.of(
            "source twice, the last without ts_ms",
            "{"
                + ROW
                + ",\"source\":{\"ts_ms\":"
                + LATER
                + "},\"source\":{\"lsn\":7},\"ts_ms\":"
                + COMMITTED
                + "}"),
        Arguments.of(
            "source twice, the last null",
            "{"
                + ROW
                + ",\"source\":{\"ts_ms\":"
                + LATER
                + "},\"source\":null,\"ts_ms\":"
                + COMMITTED
                + "}"),
        Arguments.of(
            "ts_ms twice, no source",
            "{" + ROW + ",\"ts_ms\":" + LATER + ",\"ts_ms\":" + COMMITTED + "}"),
        Arguments.of(
            "ts_ms twice, the last a string",
            "{" + ROW + ",\"ts_ms\":" + LATER + ",\"ts_ms\":\"soon\"}"),
        Arguments.of(
            "a payload field in an envelope that is no wrapper",
            "{" + ROW + ",\"payload\":{\"source\":{\"ts_ms\":" + LATER + "}}}"),
        Arguments.of(
            "a wrapper with its payload twice",
            "{\"schema\":{},\"payload\":{"
                + ROW
                + ",\"ts_ms\":"
                + LATER
                + "},\"payload\":{"
                + ROW
                + ",\"ts_ms\":"
                + COMMITTED
                + "}}"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("oddEvents")
  void changeTime_ofAnOddEventTheDecoderAccepts_isTheDecodersTime_orTheKafkaTime(
      String what, String event) throws Exception {
    RawRecord record = record(event);
    Long decoded = decode(record).eventTime();

    assertThat(EventTimes.changeTime(record, KAFKA_TIME))
        .as("the source's event time; the decoder's is %s", decoded)
        .isEqualTo(decoded != null ? decoded : KAFKA_TIME);
  }

  private static RawRecord record(String event) {
    return new RawRecord(
        "k".getBytes(StandardCharsets.UTF_8),
        event.getBytes(StandardCharsets.UTF_8),
        "t-0@0",
        KAFKA_TIME);
  }

  /** The customers pipeline's decode step, as {@link OrdersJob#customersPipeline} applies it. */
  @SuppressWarnings("unchecked")
  private static Change<Customer> decode(RawRecord record) throws Exception {
    DataStream<RawRecord> input =
        StreamExecutionEnvironment.getExecutionEnvironment()
            .fromData(List.of(record), RawRecord.TYPE_INFO);
    DataStream<Change<Customer>> decoded =
        Etl.from(input, OrdersJob.CUSTOMERS_PIPELINE)
            .apply(Debezium.decode("decode", Customer.class).withInput(PayloadInput.rawRecords()))
            .toDataStream();
    OneInputTransformation<RawRecord, Change<Customer>> transformation =
        (OneInputTransformation<RawRecord, Change<Customer>>) decoded.getTransformation();
    OneInputStreamOperator<RawRecord, Change<Customer>> operator =
        (OneInputStreamOperator<RawRecord, Change<Customer>>)
            ((SimpleOperatorFactory<Change<Customer>>) transformation.getOperatorFactory())
                .getOperator();
    try (OneInputStreamOperatorTestHarness<RawRecord, Change<Customer>> harness =
        new OneInputStreamOperatorTestHarness<>(operator)) {
      harness.setup(
          decoded.getType().createSerializer(harness.getExecutionConfig().getSerializerConfig()));
      harness.open();
      harness.processElement(record, KAFKA_TIME);
      assertThat(harness.extractOutputValues()).as("the decoder accepts the event").hasSize(1);
      return harness.extractOutputValues().get(0);
    }
  }
}
