package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import dev.etlkit.core.RawRecord;
import dev.etlkit.operators.enrich.LookupStatus;
import dev.etlkit.operators.json.JsonRecordException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The reference job in real mode, started through {@code OrdersJob.main} as {@code flink run}
 * would: the bundled sample produced to an in-JVM Kafka broker, the exchange rates in an embedded
 * PostgreSQL; the enriched orders read back with a {@code read_committed} consumer, the dimension
 * from its table. The results must equal the sample mode's.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class RealModeITCase {

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
  void sampleThroughKafkaAndPostgres_givesTheSampleModesResults() throws Exception {
    RealSystems.Run run =
        systems.newRun(
            "sample",
            sampleEvents(OrdersJob.customerChangeLines(), true),
            sampleEvents(OrdersJob.sampleLines(), false));

    OrdersJob.main(run.args());

    OrdersRun sample = sampleModeRun();
    List<EnrichedOrder> enriched = run.enrichedOrders();
    // Whether a rate came from the cache (HIT) or the database (LOADED) depends on timing.
    assertThat(enriched)
        .extracting(EnrichedOrder::fxStatus)
        .isSubsetOf(LookupStatus.HIT, LookupStatus.LOADED);
    assertThat(enriched)
        .as("the committed enriched orders are the sample mode's")
        .hasSize(21)
        .usingRecursiveFieldByFieldElementComparatorIgnoringFields("fxStatus")
        .containsExactlyInAnyOrderElementsOf(
            sample.enrichedOrders().stream()
                .sorted(Comparator.comparing(EnrichedOrder::orderId))
                .toList());
    assertThat(run.dimension())
        .as("the dimension table holds the sample mode's history")
        .containsExactlyElementsOf(
            sample.finalDimension().stream()
                .map(
                    v ->
                        String.join(
                            " ",
                            v.key(),
                            "v" + v.version(),
                            v.validFrom().toString(),
                            String.valueOf(v.validTo()),
                            v.isCurrent() ? "current" : "closed",
                            v.isDeleted() ? "deleted" : "live",
                            v.value().name(),
                            v.value().tier(),
                            v.value().city()))
                .toList());
    run.assertDimensionInvariants();
    // The revenue report is not part of real mode, so neither are its dead letters.
    assertThat(run.deadLettersByReason())
        .containsExactly(
            entry("customers/decode: com.fasterxml.jackson.core.JsonParseException", 1L),
            entry("customers/decode: java.lang.IllegalArgumentException", 1L),
            entry("orders/parse: " + JsonRecordException.class.getName(), 4L));
    assertThat(run.deadLetters())
        .as("each dead letter: the original payload, and where it came from")
        .allSatisfy(
            r -> {
              assertThat(RealSystems.header(r, KafkaIo.SOURCE_HEADER))
                  .matches(run.options().groupId() + "-(orders|customers)-[01]@\\d+");
              assertThat(RealSystems.header(r, KafkaIo.ERROR_MESSAGE_HEADER)).isNotBlank();
              // all of them from the decoders, which keep the Kafka record's value as it came
              assertThat(RealSystems.header(r, KafkaIo.PAYLOAD_ENCODING_HEADER)).isEqualTo("bytes");
            })
        .anySatisfy(
            r -> assertThat(new String(r.value(), StandardCharsets.UTF_8)).contains("yesterday"));
  }

  private static OrdersRun sampleModeRun() throws Exception {
    StreamExecutionEnvironment env = OrdersJob.localEnvironment("hashmap");
    return OrdersRun.execute(
        env,
        OrdersJob.wire(
            env.fromData(OrdersJob.sampleLines(), Types.STRING),
            env.fromData(OrdersJob.customerChangeLines(), Types.STRING)),
        "sample-mode");
  }

  private static final Pattern ORDER_ID = Pattern.compile("\"orderId\":\"([^\"]+)\"");

  /**
   * The sample lines as Kafka events: change events keyed by customer id (as Debezium does), orders
   * by order id; the Kafka timestamp is the event time, or the previous one for a broken line.
   */
  static List<ReferenceData.Event> sampleEvents(List<String> lines, boolean changes) {
    List<ReferenceData.Event> events = new ArrayList<>();
    long last = 0;
    for (String line : lines) {
      RawRecord raw = RawRecord.ofValue(line.getBytes(StandardCharsets.UTF_8));
      // read as without a Kafka time (measured from the clock: the sample's times are all past)
      long time =
          changes
              ? EventTimes.changeTime(raw, Long.MIN_VALUE)
              : EventTimes.orderTime(raw, Long.MIN_VALUE);
      if (time != Long.MIN_VALUE) {
        last = time;
      }
      String key;
      if (changes) {
        key = OrdersJob.sampleKeyOf(line);
      } else {
        Matcher m = ORDER_ID.matcher(line);
        key = m.find() ? m.group(1) : null;
      }
      events.add(new ReferenceData.Event(key, last, line));
    }
    return events;
  }
}
