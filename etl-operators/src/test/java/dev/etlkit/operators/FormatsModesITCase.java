package dev.etlkit.operators;

import static dev.etlkit.operators.ModeRuns.counts;
import static dev.etlkit.operators.ModeRuns.drain;
import static dev.etlkit.operators.ModeRuns.environment;
import static dev.etlkit.operators.ModeRuns.letters;
import static dev.etlkit.operators.ModeRuns.miniCluster;
import static dev.etlkit.operators.avro.AvroFixtures.binary;
import static dev.etlkit.operators.avro.AvroFixtures.confluent;
import static dev.etlkit.operators.avro.AvroFixtures.orderV1;
import static dev.etlkit.operators.avro.AvroFixtures.orderV2;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlPipeline;
import dev.etlkit.core.EtlStream;
import dev.etlkit.core.RawRecord;
import dev.etlkit.core.RecordAccounting;
import dev.etlkit.operators.avro.Avro;
import dev.etlkit.operators.avro.AvroFixtures;
import dev.etlkit.operators.avro.SchemaProvider;
import dev.etlkit.operators.cdc.Debezium;
import dev.etlkit.operators.json.Json;
import dev.etlkit.testkit.StateBackendKind;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The format steps, which keep no state, in {@code STREAMING} and {@code BATCH} mode (parallelism
 * 2): JSON parsing, Avro decoding and encoding (Confluent wire format, two writer schemas), and
 * Debezium decoding give the same records, the same dead letters and the same counters, broken
 * records included, in both modes.
 */
@Timeout(120)
class FormatsModesITCase {

  @RegisterExtension static final MiniClusterExtension MINI_CLUSTER = miniCluster();

  private static final int RECORDS = 100;

  private record Run(
      List<String> json,
      List<String> avro,
      List<String> debezium,
      List<String> letters,
      List<RecordAccounting.StepCounts> counts) {}

  /** An order as JSON; every tenth one broken (truncated, or a string where a number belongs). */
  static byte[] jsonOrder(int i) {
    String json =
        "{\"orderId\":\"o-"
            + i
            + "\",\"customerNumber\":"
            + (i % 10 == 3 ? "\"x\"" : String.valueOf(1000 + i))
            + ",\"amount\":"
            + i
            + ".25,\"status\":\"NEW\"}";
    return (i % 10 == 7 ? json.substring(0, 20) : json).getBytes(UTF_8);
  }

  /** A Confluent-framed order of schema 1 or 2; every tenth one truncated or of an unknown id. */
  static byte[] avroOrder(int i) {
    byte[] valid =
        i % 2 == 0
            ? confluent(1, binary(orderV1("c-" + i % 7, i + ".00")))
            : confluent(2, binary(orderV2("c-" + i % 7, i + ".50")));
    return switch (i % 10) {
      case 3 -> Arrays.copyOf(valid, valid.length - 2);
      case 8 -> confluent(42, binary(orderV2("c-0", "1.00")));
      default -> valid;
    };
  }

  /** A Debezium insert; every tenth one truncated, every tenth a heartbeat (skipped). */
  static byte[] debeziumOrder(int i) {
    String insert =
        "{\"op\":\"c\",\"before\":null,\"after\":{\"id\":"
            + i
            + ",\"order_date\":19797,\"created_at\":1710497730123,\"shipped_at\":null,"
            + "\"pickup_time\":29100250,\"amount\":\""
            + i
            + ".50\",\"status\":\"NEW\"},\"source\":{\"ts_ms\":"
            + (1_000 + i)
            + ",\"lsn\":"
            + (10_000 + i)
            + "},\"ts_ms\":"
            + (2_000 + i)
            + "}";
    return switch (i % 10) {
      case 3 -> insert.substring(0, 40).getBytes(UTF_8);
      case 7 -> ("{\"ts_ms\":" + i + "}").getBytes(UTF_8);
      default -> insert.getBytes(UTF_8);
    };
  }

  private static List<RawRecord> input(String topic, IntFunction<byte[]> value) {
    List<RawRecord> records = new ArrayList<>();
    for (int i = 0; i < RECORDS; i++) {
      byte[] key = ("{\"id\":" + i + "}").getBytes(UTF_8);
      records.add(new RawRecord(key, value.apply(i), topic + "/" + (i % 2) + "@" + i, 1_000L + i));
    }
    return records;
  }

  private static Run run(RuntimeExecutionMode mode) throws Exception {
    StreamExecutionEnvironment env = environment(mode, StateBackendKind.HEAP);

    EtlPipeline jsonPipeline = Etl.pipeline("json");
    EtlStream<dev.etlkit.operators.json.Order> parsed =
        jsonPipeline
            .from(env.fromData(input("json", FormatsModesITCase::jsonOrder), RawRecord.TYPE_INFO))
            .apply(
                Json.parse("parse", dev.etlkit.operators.json.Order.class)
                    .withInput(PayloadInput.rawRecords()));
    CloseableIterator<dev.etlkit.operators.json.Order> json = parsed.toDataStream().collectAsync();

    EtlPipeline avroPipeline = Etl.pipeline("avro");
    SchemaProvider schemas =
        SchemaProvider.of(Map.of(1, AvroFixtures.ORDER_V1, 2, AvroFixtures.ORDER_V2));
    EtlStream<String> reencoded =
        avroPipeline
            .from(env.fromData(input("avro", FormatsModesITCase::avroOrder), RawRecord.TYPE_INFO))
            .apply(
                Avro.decode("decode", AvroFixtures.ORDER_V2, PayloadInput.rawRecords())
                    .withConfluentWireFormat(schemas))
            .apply(Avro.encode("encode", AvroFixtures.ORDER_V2).withConfluentSchemaId(2))
            .apply(
                Avro.decode("decode-again", AvroFixtures.ORDER_V2, PayloadInput.bytes())
                    .withConfluentWireFormat(schemas))
            .apply(Avro.toJson("to-json"));
    CloseableIterator<String> avro = reencoded.toDataStream().collectAsync();

    EtlPipeline cdcPipeline = Etl.pipeline("cdc");
    EtlStream<Change<dev.etlkit.operators.cdc.Order>> changes =
        cdcPipeline
            .from(
                env.fromData(
                    input("orders", FormatsModesITCase::debeziumOrder), RawRecord.TYPE_INFO))
            .apply(Debezium.decode("decode", dev.etlkit.operators.cdc.Order.class));
    CloseableIterator<Change<dev.etlkit.operators.cdc.Order>> debezium =
        changes.toDataStream().collectAsync();

    List<CloseableIterator<DeadLetter>> deadLetters =
        List.of(
            jsonPipeline.deadLetters().collectAsync(),
            avroPipeline.deadLetters().collectAsync(),
            cdcPipeline.deadLetters().collectAsync());
    JobExecutionResult result = env.execute("formats-modes-" + mode);

    List<DeadLetter> allLetters = new ArrayList<>();
    for (CloseableIterator<DeadLetter> letters : deadLetters) {
      allLetters.addAll(drain(letters));
    }
    return new Run(
        sorted(drain(json)),
        sorted(drain(avro)),
        sorted(drain(debezium)),
        letters(allLetters),
        counts(result));
  }

  private static List<String> sorted(List<?> records) {
    return records.stream().map(String::valueOf).sorted().toList();
  }

  @Test
  void formatSteps_sameRecordsDeadLettersAndCounters_inBatchAndStreaming() throws Exception {
    Run streaming = run(RuntimeExecutionMode.STREAMING);
    Run batch = run(RuntimeExecutionMode.BATCH);

    int brokenJson = 2 * RECORDS / 10;
    int brokenAvro = 2 * RECORDS / 10;
    int brokenDebezium = RECORDS / 10;
    int heartbeats = RECORDS / 10;
    assertThat(streaming.letters()).hasSize(brokenJson + brokenAvro + brokenDebezium);
    assertThat(streaming.json()).hasSize(RECORDS - brokenJson);
    assertThat(streaming.avro()).hasSize(RECORDS - brokenAvro);
    assertThat(streaming.debezium()).hasSize(RECORDS - brokenDebezium - heartbeats);
    assertThat(batch.json()).isEqualTo(streaming.json());
    assertThat(batch.avro()).isEqualTo(streaming.avro());
    assertThat(batch.debezium()).isEqualTo(streaming.debezium());
    assertThat(batch.letters()).isEqualTo(streaming.letters());
    assertThat(batch.counts()).isEqualTo(streaming.counts());
    assertThat(streaming.counts())
        .extracting(c -> c.pipeline() + "/" + c.step() + " " + c.deadLettered())
        .contains(
            "avro/decode " + brokenAvro,
            "cdc/decode " + brokenDebezium,
            "json/parse " + brokenJson);
    assertThat(streaming.counts()).allSatisfy(c -> assertThat(c.isBalanced()).isTrue());
  }
}
