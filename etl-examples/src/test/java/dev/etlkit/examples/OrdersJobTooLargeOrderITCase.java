package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import dev.etlkit.operators.json.JsonRecordException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An order the parse step accepts (under its 1 MiB read limit) but that is too large for the
 * enriched-orders topic once written: Kafka's producer refuses a record over {@code
 * max.request.size} (1,048,576 bytes by default, key and value together) with a {@code
 * RecordTooLargeException} that fails the sink, so the job, and a restart reads the same order
 * again. It must be one dead letter of the step writing the JSON, {@code orders/json}, and the
 * other orders must arrive.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class OrdersJobTooLargeOrderITCase {

  /** 600,000 characters: the key (the order id) and the value of 600 KB each. */
  private static final String HUGE_ORDER_ID = "o-huge-" + "x".repeat(600_000);

  private static RealSystems systems;

  @BeforeAll
  static void start() throws Exception {
    systems = RealSystems.start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (systems != null) {
      systems.close();
    }
  }

  @Test
  void orderTooLargeForTheTopic_isADeadLetterOfTheJsonStep_theOthersArrive() throws Exception {
    String first = "2026-11-02T09:15:00Z"; // the sample's first order time: not late
    List<ReferenceData.Event> orders = new ArrayList<>();
    orders.add( // no Kafka key: the test's producer would refuse the order id as key and value
        new ReferenceData.Event(
            null,
            Instant.parse(first).toEpochMilli(),
            "{\"orderId\":\""
                + HUGE_ORDER_ID
                + "\",\"customerId\":\"c-anna\",\"amount\":10,\"currency\":\"EUR\","
                + "\"orderedAt\":\""
                + first
                + "\"}"));
    orders.addAll(RealModeITCase.sampleEvents(OrdersJob.sampleLines(), false));
    RealSystems.Run run =
        systems.newRun(
            "too-large",
            RealModeITCase.sampleEvents(OrdersJob.customerChangeLines(), true),
            orders);

    // no restarts: a failing sink fails the run instead of replaying the order for ever
    Configuration settings = new Configuration();
    settings.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
    StreamExecutionEnvironment env = RealMode.environment(run.options(), settings);
    env.setParallelism(2);
    RealMode.sink(
        RealMode.wire(RealMode.sources(env, run.options()), run.options()),
        run.options(),
        DeliveryGuarantee.EXACTLY_ONCE);
    env.execute("too-large-order");

    assertThat(run.enrichedOrders())
        .as("the sample's orders arrive, the huge one does not")
        .extracting(EnrichedOrder::orderId)
        .hasSize(21)
        .doesNotContain(HUGE_ORDER_ID);
    assertThat(run.deadLettersByReason())
        .containsOnly(
            entry("customers/decode: com.fasterxml.jackson.core.JsonParseException", 1L),
            entry("customers/decode: java.lang.IllegalArgumentException", 1L),
            entry("orders/parse: " + JsonRecordException.class.getName(), 4L),
            entry("orders/json: " + JsonRecordException.class.getName(), 1L));
    ConsumerRecord<byte[], byte[]> letter =
        run.deadLetters().stream()
            .filter(r -> "orders/json".equals(RealSystems.header(r, KafkaIo.STEP_HEADER)))
            .findFirst()
            .orElseThrow();
    assertThat(RealSystems.header(letter, KafkaIo.ERROR_MESSAGE_HEADER))
        .matches(
            "TOO_LARGE: EnrichedOrder written as JSON has 6\\d{5} bytes and its key 6\\d{5},"
                + " over maxBytes "
                + KafkaIo.ENRICHED_ORDER_MAX_BYTES);
    assertThat(new String(letter.value(), StandardCharsets.UTF_8))
        .as("the payload: the enriched order's text, cut to the dead letters' limit")
        .startsWith("EnrichedOrder[orderId=o-huge-xxx")
        .hasSizeLessThan(70_000);
  }
}
