package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.RecordAccounting;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The example job on its sample, with three more changes of Emil: one from a database host whose
 * clock says 2999, then two from a host with a right clock. Before the customers pipeline had a
 * {@code valid-time} step, the change of 2999 became Emil's latest version, in force from 2999 in
 * the SCD2 history, and his two later changes were late there (the lateness horizon is measured per
 * customer from his latest effective time), so they never reached the history; the change's date
 * also moved its partition's watermark to 2999. Now it is a dead letter of {@code
 * customers/valid-time} and his later changes are history like any other.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class OrdersJobFutureChangeITCase {

  private static final long IN_2999 = 32_472_144_000_000L; // 2999-01-01T00:00:00Z

  private static final long AT_14 = 1_793_628_000_000L; // 2026-11-02T14:00:00Z

  private static final long AT_15 = 1_793_631_600_000L; // 2026-11-02T15:00:00Z

  @Test
  void changeIn2999_isADeadLetterOfValidTime_andTheCustomersLaterChangesReachTheHistory()
      throws Exception {
    List<String> changes = new ArrayList<>(OrdersJob.customerChangeLines());
    changes.add(update(24_024_400L, IN_2999, "standard", "Turku", "platinum", "Turku"));
    changes.add(update(24_024_500L, AT_14, "standard", "Turku", "gold", "Turku"));
    changes.add(update(24_024_600L, AT_15, "gold", "Turku", "gold", "Tampere"));
    StreamExecutionEnvironment env = OrdersJob.localEnvironment("hashmap");

    OrdersRun run =
        OrdersRun.execute(
            env,
            OrdersJob.wire(
                env.fromData(OrdersJob.sampleLines(), Types.STRING),
                env.fromData(changes, Types.STRING)),
            "orders-job-future-change");

    assertThat(run.finalDimension())
        .filteredOn(v -> v.key().equals("c-emil"))
        .extracting(OrdersJobTest::version)
        .containsExactly(
            "c-emil v1 2026-11-02T08:04:00Z 2026-11-02T14:00:00Z closed standard Turku",
            "c-emil v2 2026-11-02T14:00:00Z 2026-11-02T15:00:00Z closed gold Turku",
            "c-emil v3 2026-11-02T15:00:00Z 9999-12-31T00:00:00Z current gold Tampere");
    assertThat(run.finalCustomers().get("c-emil").tier()).isEqualTo("gold");
    assertThat(run.enrichedOrders())
        .filteredOn(o -> o.customerId().equals("c-emil"))
        .extracting(o -> o.orderId() + " " + o.tier() + " " + o.city())
        .as("each order meets Emil as he was when it was placed")
        .containsExactlyInAnyOrder(
            "o-1006 standard Turku", "o-1018 standard Turku", "o-1027 gold Tampere");

    List<DeadLetter> validTime =
        run.deadLetters().stream().filter(l -> l.step().equals("valid-time")).toList();
    assertThat(validTime)
        .as("the update's -U and +U, each a change record")
        .hasSize(2)
        .allSatisfy(
            letter -> {
              assertThat(letter.uid()).isEqualTo("customers/valid-time");
              assertThat(letter.errorMessage())
                  .as("a sample line has no event time: the step reads the clock")
                  .startsWith(
                      "event time (ts_ms) 2999-01-01T00:00:00Z is more than PT55M ahead of the"
                          + " clock (");
              assertThat(letter.sourcePosition()).isEqualTo("24024400");
            });

    RecordAccounting accounting = run.accounting();
    assertThat(accounting.isBalanced()).as(accounting.toTable()).isTrue();
    RecordAccounting.StepCounts counts =
        accounting.step(OrdersJob.CUSTOMERS_PIPELINE, "valid-time");
    assertThat(counts.deadLettered()).isEqualTo(2);
    assertThat(counts.in())
        .isEqualTo(accounting.step(OrdersJob.CUSTOMERS_PIPELINE, "decode").emitted());
    assertThat(accounting.step(OrdersJob.CUSTOMERS_PIPELINE, "normalize").in())
        .isEqualTo(counts.out());
  }

  /** A Debezium update of Emil with his before-image, committed at {@code tsMs}. */
  private static String update(
      long lsn, long tsMs, String tierBefore, String cityBefore, String tier, String city) {
    return "{\"before\":"
        + emil(tierBefore, cityBefore)
        + ",\"after\":"
        + emil(tier, city)
        + ",\"source\":{\"version\":\"2.7.3.Final\",\"connector\":\"postgresql\",\"name\":\"shop\","
        + "\"ts_ms\":"
        + tsMs
        + ",\"snapshot\":\"false\",\"db\":\"shop\",\"schema\":\"public\",\"table\":\"customers\","
        + "\"lsn\":"
        + lsn
        + "},\"op\":\"u\",\"ts_ms\":"
        + (tsMs + 40)
        + "}";
  }

  private static String emil(String tier, String city) {
    return "{\"id\":\"c-emil\",\"name\":\"Emil\",\"tier\":\""
        + tier
        + "\",\"city\":\""
        + city
        + "\"}";
  }
}
