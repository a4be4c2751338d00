package dev.etlkit.operators.avro;

import static dev.etlkit.operators.avro.AvroFixtures.ORDER_V0_INCOMPATIBLE;
import static dev.etlkit.operators.avro.AvroFixtures.binary;
import static dev.etlkit.operators.avro.AvroFixtures.confluent;
import static dev.etlkit.operators.avro.AvroFixtures.orderV1;
import static dev.etlkit.operators.avro.AvroFixtures.orderV2;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlStep;
import dev.etlkit.core.EtlStream;
import dev.etlkit.core.RawRecord;
import dev.etlkit.core.RecordAccounting;
import dev.etlkit.core.StepContext;
import dev.etlkit.operators.PayloadInput;
import dev.etlkit.operators.avro.internal.AvroRecordDecoder;
import dev.etlkit.operators.avro.internal.RecordModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A running job (local MiniCluster, parallelism 2, Kryo disabled, no restarts): Confluent-framed
 * orders of two schema versions with 10% broken records are decoded, shuffled by customer and kept
 * in keyed state as GenericRecords, and encoded again. Every broken record is exactly one dead
 * letter, every valid one comes out, nothing restarts.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AvroITCase {

  private static final Schema ORDER_V1 = AvroFixtures.ORDER_V1;
  private static final Schema ORDER_V2 = AvroFixtures.ORDER_V2;

  /** The latest order per customer, held in keyed state: GenericRecords cross the network. */
  static final class LatestPerCustomer implements EtlStep<GenericRecord, GenericRecord> {
    @Override
    public String name() {
      return "latest-per-customer";
    }

    @Override
    public DataStream<GenericRecord> expand(DataStream<GenericRecord> input, StepContext context) {
      return context.named(
          input.keyBy(order -> (String) order.get("customer"), Types.STRING).reduce((a, b) -> b));
    }
  }

  @Test
  void confluentOrdersWithTenPercentBroken_deadLettersExactlyTheBrokenOnes() throws Exception {
    List<RawRecord> input = new ArrayList<>();
    int broken = 0;
    for (int i = 0; i < 200; i++) {
      String customer = "c-" + (i % 7);
      byte[] valid =
          i % 2 == 0
              ? confluent(1, binary(orderV1(customer, i + ".00")))
              : confluent(2, binary(orderV2(customer, i + ".50")));
      byte[] value = valid;
      if (i % 10 == 3) {
        broken++;
        switch (i % 4) {
          case 0:
            value = confluent(42, binary(orderV2(customer, "1.00"))); // unknown id
            break;
          case 1:
            value = Arrays.copyOf(valid, valid.length - 2); // truncated
            break;
          case 2:
            value = confluent(3, new byte[] {2, 0x41}); // incompatible writer schema
            break;
          default:
            value = valid.clone();
            value[0] = 7; // wrong magic byte
        }
      }
      input.add(new RawRecord(null, value, "orders/" + (i % 2) + "@" + i, 1_000L + i));
    }

    Configuration conf = new Configuration();
    conf.set(PipelineOptions.GENERIC_TYPES, false);
    conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    env.setParallelism(2);
    DataStream<RawRecord> kafkaRecords = env.fromData(input, RawRecord.TYPE_INFO);

    // tag::confluent-pipeline[]
    SchemaProvider schemas =
        SchemaProvider.of(Map.of(1, ORDER_V1, 2, ORDER_V2, 3, ORDER_V0_INCOMPATIBLE));
    EtlStream<byte[]> encoded =
        Etl.from(kafkaRecords, "orders")
            .apply(
                Avro.decode("decode", ORDER_V2, PayloadInput.rawRecords())
                    .withConfluentWireFormat(schemas)) // writer schema by id, resolved to v2
            .apply(new LatestPerCustomer()) // GenericRecords in keyed state, no Kryo
            .apply(Avro.encode("encode", ORDER_V2).withConfluentSchemaId(2));
    // end::confluent-pipeline[]
    CloseableIterator<byte[]> out = encoded.toDataStream().collectAsync();
    CloseableIterator<DeadLetter> letters = encoded.deadLetters().collectAsync();
    JobExecutionResult result = env.execute("avro-it");

    List<GenericRecord> orders = new ArrayList<>();
    AvroRecordDecoder<GenericRecord> decoder =
        new AvroRecordDecoder<>(
            RecordModel.generic(ORDER_V2), null, SchemaProvider.of(Map.of(2, ORDER_V2)), 100);
    try (out) {
      while (out.hasNext()) {
        orders.add(decoder.decode(out.next()));
      }
    }
    List<DeadLetter> deadLetters = new ArrayList<>();
    try (letters) {
      letters.forEachRemaining(deadLetters::add);
    }

    assertThat(broken).isEqualTo(20);
    assertThat(orders).hasSize(200 - broken);
    assertThat(orders).extracting(o -> o.get("channel")).containsOnly("web", "app");
    assertThat(deadLetters).hasSize(broken);
    assertThat(deadLetters)
        .allSatisfy(
            l -> {
              assertThat(l.step()).isEqualTo("decode");
              assertThat(l.errorClass()).isEqualTo(AvroFormatException.class.getName());
              assertThat(l.sourcePosition()).matches("orders/[01]@\\d*3");
            });
    RecordAccounting accounting = RecordAccounting.of(result);
    assertThat(accounting.step("orders", "decode").deadLettered()).isEqualTo(broken);
    assertThat(accounting.step("orders", "encode").out()).isEqualTo(200 - broken);
    assertThat(accounting.isBalanced()).isTrue();
  }
}
