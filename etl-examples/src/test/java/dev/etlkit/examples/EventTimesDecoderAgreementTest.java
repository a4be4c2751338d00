package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.Etl;
import dev.etlkit.core.RawRecord;
import dev.etlkit.operators.PayloadInput;
import dev.etlkit.operators.cdc.Debezium;
import dev.etlkit.operators.json.Json;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.SimpleOperatorFactory;
import org.apache.flink.streaming.api.transformations.OneInputTransformation;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * Found by a review on 2026-11-24 (failing before that day's fixes), on {@link EventTimes}: the
 * event time the Kafka sources assign must be the time the pipeline's decoders read, for every
 * record those decoders accept. {@code DimensionJoin.asOf} in {@link OrdersJob#enrichedOrders}
 * joins by record timestamp, so an order or a customer change that gets its Kafka timestamp instead
 * (the producer's clock) is joined with the wrong customer version, and the watermarks are built
 * from the wrong times.
 */
class EventTimesDecoderAgreementTest {

  private static final long COMMITTED = Instant.parse("2026-11-02T08:00:00Z").toEpochMilli();

  /** Produced a day after the change, in the past: the Kafka source's reference time. */
  private static final long KAFKA_TIME = COMMITTED + Duration.ofDays(1).toMillis();

  /**
   * Kafka Connect's {@code JsonConverter} writes the {@code schema}/{@code payload} wrapper by
   * default ({@code value.converter.schemas.enable=true}), and {@code Debezium.decode} reads such
   * events (docs/formats-cdc.md: "with or without the schema/payload wrapper"), taking {@code
   * payload.source.ts_ms} as the change's event time. {@link EventTimes#changes} does not look into
   * the wrapper and falls back to the Kafka timestamp, although the record is no dead letter.
   */
  @Test
  void changeTime_ofAnEventInTheSchemaPayloadWrapper_isItsSourceTime_asTheDecoderReadsIt()
      throws Exception {
    String envelope =
        "{\"before\":null,\"after\":{\"id\":\"c-anna\",\"name\":\"Anna\",\"tier\":\"gold\","
            + "\"city\":\"Oslo\"},\"source\":{\"connector\":\"postgresql\",\"ts_ms\":"
            + COMMITTED
            + ",\"lsn\":24023100},\"op\":\"c\",\"ts_ms\":"
            + (COMMITTED + 40)
            + "}";
    String wrapped =
        "{\"schema\":{\"type\":\"struct\",\"optional\":false},\"payload\":" + envelope + "}";
    RawRecord record = record(wrapped);

    Change<Customer> decoded = decodeLikeTheCustomersPipeline(record);
    assertThat(decoded.eventTime()).as("the decoder reads the wrapped event").isEqualTo(COMMITTED);

    assertThat(EventTimes.changeTime(record, KAFKA_TIME))
        .as("the source's event time of the same record")
        .isEqualTo(COMMITTED);
  }

  /**
   * The parse step reads {@code orderedAt} with Jackson, which trims the text; {@link
   * EventTimes#orders} reads it with {@code Instant.parse}, which does not, and falls back to the
   * Kafka timestamp for an order the parse step accepts (so it is no dead letter).
   */
  @Test
  void orderTime_ofAnOrderedAtWithBlanks_thatTheParseStepAccepts_isThatTime() throws Exception {
    String line =
        "{\"orderId\":\"o-1\",\"customerId\":\"c-anna\",\"amount\":10.00,\"currency\":\"EUR\","
            + "\"orderedAt\":\" 2026-11-02T08:00:00Z \"}";
    RawRecord record = record(line);

    Order parsed = parseLikeTheOrdersPipeline(record);
    assertThat(parsed.orderedAt().toEpochMilli())
        .as("the parse step's orderedAt")
        .isEqualTo(COMMITTED);

    assertThat(EventTimes.orderTime(record, KAFKA_TIME))
        .as("the source's event time of the same record")
        .isEqualTo(COMMITTED);
  }

  private static RawRecord record(String value) {
    return new RawRecord(
        "k".getBytes(StandardCharsets.UTF_8),
        value.getBytes(StandardCharsets.UTF_8),
        "t-0@0",
        KAFKA_TIME);
  }

  /** The customers pipeline's decode step, as {@link OrdersJob#customersPipeline} applies it. */
  private static Change<Customer> decodeLikeTheCustomersPipeline(RawRecord record)
      throws Exception {
    DataStream<Change<Customer>> decoded =
        Etl.from(input(record), OrdersJob.CUSTOMERS_PIPELINE)
            .apply(Debezium.decode("decode", Customer.class).withInput(PayloadInput.rawRecords()))
            .toDataStream();
    return runOne(decoded, record);
  }

  /** The orders pipeline's parse step, as {@link OrdersJob#validOrders} applies it. */
  private static Order parseLikeTheOrdersPipeline(RawRecord record) throws Exception {
    DataStream<Order> parsed =
        Etl.from(input(record), OrdersJob.PIPELINE)
            .apply(
                Json.parse("parse", Order.class)
                    .withInput(PayloadInput.rawRecords())
                    .withRequiredFields("orderId", "customerId", "amount", "currency", "orderedAt"))
            .toDataStream();
    return runOne(parsed, record);
  }

  private static DataStream<RawRecord> input(RawRecord record) {
    return StreamExecutionEnvironment.getExecutionEnvironment()
        .fromData(List.of(record), RawRecord.TYPE_INFO);
  }

  /** Runs the step's operator (not a job) on one record and returns its one output. */
  @SuppressWarnings("unchecked")
  private static <O> O runOne(DataStream<O> stepOutput, RawRecord record) throws Exception {
    OneInputTransformation<RawRecord, O> transformation =
        (OneInputTransformation<RawRecord, O>) stepOutput.getTransformation();
    OneInputStreamOperator<RawRecord, O> operator =
        (OneInputStreamOperator<RawRecord, O>)
            ((SimpleOperatorFactory<O>) transformation.getOperatorFactory()).getOperator();
    try (OneInputStreamOperatorTestHarness<RawRecord, O> harness =
        new OneInputStreamOperatorTestHarness<>(operator)) {
      harness.setup(
          stepOutput
              .getType()
              .createSerializer(harness.getExecutionConfig().getSerializerConfig()));
      harness.open();
      harness.processElement(record, KAFKA_TIME);
      assertThat(harness.extractOutputValues()).as("the step's output").hasSize(1);
      return harness.extractOutputValues().get(0);
    }
  }
}
