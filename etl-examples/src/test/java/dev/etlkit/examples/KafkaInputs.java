package dev.etlkit.examples;

import dev.etlkit.core.Change;
import dev.etlkit.core.RawRecord;
import dev.etlkit.examples.StepRuns.StepRun;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.apache.flink.api.common.eventtime.TimestampAssigner;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.transformations.SourceTransformation;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Records of the example's topics as real mode's Kafka sources read them, the event time those
 * sources give them, and real mode's {@code valid-time} operators: for the tests of the {@code
 * valid-time} steps ({@link FutureTimes}) behind the sources' event time ({@link EventTimes}).
 */
final class KafkaInputs {

  /** The LSN of {@link #change}. */
  static final long LSN = 24024400L;

  /** Real mode with its defaults ({@code --max-future PT55M}). */
  static final JobOptions REAL_MODE =
      JobOptions.parse("--kafka", "localhost:9", "--jdbc", "jdbc:postgresql://localhost/x");

  private KafkaInputs() {}

  /**
   * A Debezium update of Emil (tier gold, Turku) committed at {@code sourceTsMs}, with the Kafka
   * timestamp {@code kafkaTime}, which is also its envelope's {@code ts_ms}.
   */
  static RawRecord change(long sourceTsMs, long kafkaTime) {
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

  /** Order o-1 of Anna (10.00 EUR) placed at {@code orderedAt}, with the Kafka timestamp given. */
  static RawRecord order(Instant orderedAt, long kafkaTime) {
    String event =
        "{\"orderId\":\"o-1\",\"customerId\":\"c-anna\",\"amount\":10.00,\"currency\":\"EUR\","
            + "\"orderedAt\":\""
            + orderedAt
            + "\"}";
    return new RawRecord(
        "o-1".getBytes(StandardCharsets.UTF_8),
        event.getBytes(StandardCharsets.UTF_8),
        "orders-0@7",
        kafkaTime);
  }

  /** The event time real mode's change source gives {@code record} read at {@code kafkaTime}. */
  static long changeTime(JobOptions options, RawRecord record, long kafkaTime) {
    return assigner(RealMode.sources(env(), options).customerChanges())
        .extractTimestamp(record, kafkaTime);
  }

  /** The event time real mode's order source gives {@code record} read at {@code kafkaTime}. */
  static long orderTime(JobOptions options, RawRecord record, long kafkaTime) {
    return assigner(RealMode.sources(env(), options).orders()).extractTimestamp(record, kafkaTime);
  }

  /**
   * Runs the {@code customers/valid-time} operator of real mode's job, wired over {@code input}, on
   * the changes.
   */
  static StepRun<Change<Customer>> customersValidTime(
      JobOptions options, RawRecord input, List<StreamRecord<Change<Customer>>> changes)
      throws Exception {
    return StepRuns.run(
        StepRuns.upstream(
            realMode(options, input).customerDimension().toDataStream().getTransformation(),
            "customers/valid-time"),
        Change.typeInfo(Customer.TYPE_INFO),
        changes);
  }

  /**
   * Runs the {@code orders/valid-time} operator of real mode's job, wired over {@code input}, on
   * the orders.
   */
  static StepRun<Order> ordersValidTime(
      JobOptions options, RawRecord input, List<StreamRecord<Order>> orders) throws Exception {
    return StepRuns.run(
        StepRuns.upstream(
            realMode(options, input).enrichedOrders().toDataStream().getTransformation(),
            "orders/valid-time"),
        orders);
  }

  private static RealMode.Outputs realMode(JobOptions options, RawRecord input) {
    DataStream<RawRecord> stream = env().fromData(List.of(input), RawRecord.TYPE_INFO);
    return RealMode.wire(new RealMode.Sources(stream, stream), options);
  }

  private static StreamExecutionEnvironment env() {
    return StreamExecutionEnvironment.getExecutionEnvironment();
  }

  @SuppressWarnings("unchecked")
  private static TimestampAssigner<RawRecord> assigner(DataStream<RawRecord> source) {
    SourceTransformation<?, ?, ?> transformation =
        (SourceTransformation<?, ?, ?>) source.getTransformation();
    return (TimestampAssigner<RawRecord>)
        (TimestampAssigner<?>) transformation.getWatermarkStrategy().createTimestampAssigner(null);
  }
}
