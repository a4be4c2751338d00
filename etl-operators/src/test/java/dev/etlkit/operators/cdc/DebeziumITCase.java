package dev.etlkit.operators.cdc;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlStream;
import dev.etlkit.core.RawRecord;
import dev.etlkit.core.RecordAccounting;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.types.RowKind;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Debezium decoding in a running job (local MiniCluster, parallelism 2, generic types disabled, no
 * restarts): one record in ten is broken; the job finishes, the broken ones are exactly the dead
 * letters, the valid ones decode to the reference, and the accounting balances.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DebeziumITCase {

  private static final int RECORDS = 200;

  private static String insert(int id) {
    return "{\"op\":\"c\",\"before\":null,\"after\":{\"id\":"
        + id
        + ",\"order_date\":19797,\"created_at\":1710497730123,\"shipped_at\":null,"
        + "\"pickup_time\":29100250,\"amount\":\""
        + id
        + ".50\",\"status\":\"NEW\"},\"source\":{\"ts_ms\":"
        + (1_000 + id)
        + ",\"lsn\":"
        + (10_000 + id)
        + "},\"ts_ms\":"
        + (2_000 + id)
        + "}";
  }

  private static Order order(int id) {
    return new Order(
        id,
        LocalDate.of(2024, 3, 15),
        LocalDateTime.parse("2024-03-15T10:15:30.123"),
        null,
        LocalTime.parse("08:05:00.250"),
        new BigDecimal(id + ".50"),
        "NEW");
  }

  @Test
  void tenPercentBrokenRecords_becomeExactlyTheDeadLetters_andTheRestDecodes() throws Exception {
    List<RawRecord> input = new ArrayList<>();
    List<Change<Order>> reference = new ArrayList<>();
    List<String> broken = new ArrayList<>();
    for (int i = 0; i < RECORDS; i++) {
      String key = "{\"id\":" + i + "}";
      String value;
      switch (i % 10) {
        case 3: // broken: truncated JSON
          value = insert(i).substring(0, 40);
          broken.add("orders/0@" + i);
          break;
        case 7: // skipped: heartbeat
          value = "{\"ts_ms\":" + i + "}";
          break;
        default:
          value = insert(i);
          reference.add(Change.of(RowKind.INSERT, order(i), 1_000L + i, 10_000L + i));
      }
      input.add(new RawRecord(key.getBytes(UTF_8), value.getBytes(UTF_8), "orders/0@" + i, null));
    }

    Configuration conf = new Configuration();
    conf.set(PipelineOptions.GENERIC_TYPES, false);
    conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    env.setParallelism(2);
    DataStream<RawRecord> kafkaRecords = env.fromData(input, RawRecord.TYPE_INFO);

    // tag::debezium-pipeline[]
    EtlStream<Change<Order>> orders =
        Etl.from(kafkaRecords, "shop").apply(Debezium.decode("orders-cdc", Order.class));
    // end::debezium-pipeline[]

    CloseableIterator<Change<Order>> changes = orders.toDataStream().collectAsync();
    CloseableIterator<DeadLetter> letters = orders.deadLetters().collectAsync();
    JobExecutionResult result = env.execute("debezium-it");

    assertThat(drain(changes)).containsExactlyInAnyOrderElementsOf(reference);
    assertThat(drain(letters))
        .extracting(DeadLetter::sourcePosition)
        .containsExactlyInAnyOrderElementsOf(broken);
    RecordAccounting.StepCounts counts = RecordAccounting.of(result).step("shop", "orders-cdc");
    assertThat(counts.in()).isEqualTo(RECORDS);
    assertThat(counts.out()).isEqualTo(reference.size());
    assertThat(counts.filtered()).isEqualTo(RECORDS / 10);
    assertThat(counts.deadLettered()).isEqualTo(broken.size());
    assertThat(counts.isBalanced()).isTrue();
  }

  private static <T> List<T> drain(CloseableIterator<T> iterator) throws Exception {
    List<T> result = new ArrayList<>();
    try (iterator) {
      iterator.forEachRemaining(result::add);
    }
    return result;
  }
}
