package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.Etl;
import dev.etlkit.core.RawRecord;
import dev.etlkit.core.StepIdentity;
import dev.etlkit.operators.enrich.JoinStatus;
import dev.etlkit.operators.enrich.LookupStatus;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * Found by a review on 2026-11-24 (failing before that day's fixes), on the reference job's Kafka
 * sinks ({@link KafkaIo}).
 *
 * <p>Event time in real mode is the order's {@code orderedAt} ({@link EventTimes#orders}); the
 * parse step accepts any ISO instant, also one before 1970 (a producer's zero date, {@code
 * 0001-01-01T00:00:00Z}, is the classic). Such an order reaches a sink with a negative Flink record
 * timestamp: the enriched-orders sink when it is joined, the dead-letter sink when the
 * point-in-time join rejects it as late (the dead letter keeps the fact's timestamp). Kafka's
 * {@code ProducerRecord} rejects negative timestamps, so the serializer throws inside the sink
 * writer, the job fails, restarts from the last checkpoint, reads the same record and fails again:
 * one bad record stops the job for good. Flink's own {@code
 * KafkaRecordSerializationSchema.builder()} writes such records without a timestamp (null); the
 * job's serializers should do the same.
 */
class KafkaIoSerializersTest {

  private static final Instant ZERO_DATE = Instant.parse("0001-01-01T00:00:00Z");

  private static EnrichedOrder order(BigDecimal amount, Instant orderedAt) {
    return EnrichedOrder.withCustomer(
            new Order("o-1", "c-anna", amount, "EUR", orderedAt), null, JoinStatus.NOT_FOUND)
        .withRateToEur(BigDecimal.ONE, LookupStatus.HIT);
  }

  /** The order as the job writes it for its topic: the {@code json} step, then the serializer. */
  private static ProducerRecord<byte[], byte[]> serialize(EnrichedOrder order, Long timestamp)
      throws Exception {
    StreamExecutionEnvironment env = OrdersJob.localEnvironment("hashmap");
    env.setParallelism(1);
    List<RawRecord> written =
        Etl.from(env.fromData(EnrichedOrder.TYPE_INFO, order), "orders")
            .apply(KafkaIo.ENRICHED_ORDERS_JSON)
            .toDataStream()
            .executeAndCollect(2);
    assertThat(written).hasSize(1);
    return new KafkaIo.RawRecordSerializer("enriched-orders")
        .serialize(written.get(0), null, timestamp);
  }

  @Test
  void enrichedOrder_withAnEventTimeBefore1970_isWrittenWithoutATimestamp_notAJobFailure()
      throws Exception {
    String line =
        "{\"orderId\":\"o-1\",\"customerId\":\"c-anna\",\"amount\":10,\"currency\":\"EUR\","
            + "\"orderedAt\":\"0001-01-01T00:00:00Z\"}";
    long eventTime = // what the Kafka source assigns to this order
        EventTimes.orderTime(RawRecord.ofValue(line.getBytes(StandardCharsets.UTF_8)), 0L);
    assertThat(eventTime).isEqualTo(ZERO_DATE.toEpochMilli()).isNegative();

    ProducerRecord<byte[], byte[]> record = serialize(order(BigDecimal.TEN, ZERO_DATE), eventTime);

    assertThat(record.timestamp()).as("Kafka takes no negative timestamp: none").isNull();
    assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo("o-1");
  }

  @Test
  void deadLetter_withAnEventTimeBefore1970_isWrittenWithoutATimestamp_notAJobFailure() {
    DeadLetter late =
        DeadLetter.builder()
            .step(new StepIdentity("orders", "customer", "orders/customer"))
            .error(new IllegalStateException("LATE: the fact is older than the watermark"))
            .payload("Order[orderId=o-1, ...]")
            .rejectedAt(1L)
            .build();

    ProducerRecord<byte[], byte[]> record =
        new KafkaIo.DeadLetterSerializer("dead-letters")
            .serialize(late, null, ZERO_DATE.toEpochMilli());

    assertThat(record.timestamp()).as("Kafka takes no negative timestamp: none").isNull();
    assertThat(new String(record.value(), StandardCharsets.UTF_8))
        .isEqualTo("Order[orderId=o-1, ...]");
  }

  /**
   * {@link KafkaIo#jsonMapper()} promises "plain decimals", but Jackson writes a {@code BigDecimal}
   * with {@code toString()}: an amount the parse step read from {@code 1e3} (a valid JSON number
   * that Json.parse accepts for a BigDecimal field) goes out as {@code 1E+3}.
   */
  @Test
  void enrichedOrder_amountReadInExponentNotation_isWrittenAsAPlainDecimal() throws Exception {
    ProducerRecord<byte[], byte[]> record =
        serialize(
            order(new BigDecimal("1e3"), Instant.parse("2026-11-02T09:15:00Z")),
            Instant.parse("2026-11-02T09:15:00Z").toEpochMilli());

    String json = new String(record.value(), StandardCharsets.UTF_8);
    JsonNode amount = KafkaIo.jsonMapper().readTree(json).get("amount");
    assertThat(json).as("the value on the topic").contains("\"amount\":1000,");
    assertThat(amount.decimalValue()).isEqualByComparingTo("1000");
  }
}
