package dev.etlkit.operators.dedup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlStream;
import dev.etlkit.core.StateInventory;
import dev.etlkit.testkit.OperatorHarness;
import java.time.Duration;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

/** The examples of docs/dedup.md, compiled and checked. */
class DedupExamplesTest {

  /** An order event as a Kafka topic or a CDC feed delivers it. */
  public record Order(String orderId, String status, long lsn) {}

  static final TypeInformation<Order> ORDER = TypeInformation.of(Order.class);

  private static final StreamExecutionEnvironment ENV =
      StreamExecutionEnvironment.getExecutionEnvironment();

  @Test
  void keepFirst_dropsRedeliveries() throws Exception {
    DataStream<Order> orders = source(ORDER);
    // tag::keep-first[]
    EtlStream<Order> firstEvents =
        Etl.from(orders, "orders")
            .apply(
                Dedup.keepFirst("first-event", Order::orderId).withStateTtl(Duration.ofHours(24)));
    // end::keep-first[]

    assertThat(firstEvents.type()).isEqualTo(ORDER);
    StateInventory inventory = firstEvents.stateInventory();
    assertThat(inventory.toTable())
        .contains("first-event")
        .contains("DedupEntry(marker)")
        .contains("one 1-byte marker per key")
        .contains("1d");
  }

  @Test
  void keepLast_byEventTimeThenLsn_emitsARetractChangelog() throws Exception {
    DataStream<Order> orders = source(ORDER);
    // tag::keep-last[]
    Dedup.DedupStep<Order, Order, String, Change<Order>> latestStatus =
        Dedup.keepLast("latest-status", Order::orderId)
            .withOrdering(DedupOrder.<Order>byEventTime().thenBy(Order::lsn))
            .withRetractOutput();
    EtlStream<Change<Order>> statuses = Etl.from(orders, "orders").apply(latestStatus);
    DataStream<Order> late = latestStatus.lateRecords(statuses); // behind the watermark
    // end::keep-last[]

    assertThat(statuses.type()).isEqualTo(Change.typeInfo(ORDER));
    assertThat(late.getType()).isEqualTo(ORDER);
  }

  @Test
  void keepLast_onAChangelog_deletesRetractTheKeptRow() throws Exception {
    DataStream<Change<Order>> cdc = source(Change.typeInfo(ORDER));
    // tag::changelog[]
    EtlStream<Change<Order>> current =
        Etl.from(cdc, "orders-cdc")
            .apply(
                Dedup.keepLast("current-orders", Order::orderId)
                    .onChangelog()
                    .withRetractOutput()
                    .withMiniBatch(1_000, Duration.ofMillis(200)));
    // end::changelog[]

    assertThat(current.type()).isEqualTo(Change.typeInfo(ORDER));
  }

  @Test
  void keepFirst_inEventTime_holdsTheRowUntilTheWatermark() throws Exception {
    try (OperatorHarness<String, String> harness =
        DedupHarness.rows(DedupHarness.keepFirst().withEventTimeOrder()).harness().open()) {
      // tag::hold[]
      harness.processElement("k1#v2", 20);
      harness.processElement("k1#v1", 10); // earlier, arrives later: the first row after all
      assertThat(harness.output()).isEmpty(); // held: the watermark has not passed 10 yet

      harness.processWatermark(15);
      harness.processElement("k1#v0", 12); // behind the watermark: late, to the side output
      assertThat(harness.output()).containsExactly("k1#v1"); // emitted once, never retracted
      // end::hold[]
    }
  }

  @Test
  void keepLast_identicalRow_emitsNothingEvenWithTtl() throws Exception {
    try (OperatorHarness<String, Change<String>> harness =
        DedupHarness.rows(DedupHarness.keepLast().withStateTtl(Duration.ofHours(1)))
            .harness()
            .open()) {
      // tag::no-op[]
      harness.processElement("k1#v1", 1);
      harness.processElement("k1#v2", 2);
      harness.processElement("k1#v2", 3); // a redelivery: the same row again
      assertThat(harness.output())
          .containsExactly(Change.insert("k1#v1"), Change.updateAfter("k1#v2"));
      // end::no-op[]
    }
  }

  private static <T> DataStream<T> source(TypeInformation<T> type) {
    return ENV.fromSequence(0, 0).map(new Never<T>(), type);
  }

  private static final class Never<T> implements MapFunction<Long, T> {
    private static final long serialVersionUID = 1L;

    @Override
    public T map(Long value) {
      throw new UnsupportedOperationException("never executed");
    }
  }
}
