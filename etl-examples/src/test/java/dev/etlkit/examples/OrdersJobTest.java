package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import dev.etlkit.core.EtlStream;
import dev.etlkit.core.RecordAccounting;
import dev.etlkit.core.StateInventory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.types.PojoTestUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The example job on its bundled sample data, on a local cluster with parallelism 2. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class OrdersJobTest {

  private static final List<String> SAMPLE = OrdersJob.sampleLines();

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"hashmap", "rocksdb"})
  void sampleOrders_giveTheSameRevenue_deadLettersAndBalancedAccounting_onBothBackends(
      String backend) throws Exception {
    StreamExecutionEnvironment env = OrdersJob.localEnvironment(backend);
    EtlStream<CustomerRevenue> pipeline =
        OrdersJob.ordersPipeline(env.fromData(SAMPLE, Types.STRING));

    OrdersRun run = OrdersRun.execute(env, pipeline, "orders-job-test-" + backend);

    // Duplicates (o-1003, o-1016) are still counted twice: the dedup step arrives later.
    assertThat(run.finalRevenue().values())
        .extracting(r -> r.customerId() + " " + r.orders() + " " + r.total().toPlainString())
        .containsExactly(
            "c-anna 4 77.74",
            "c-bob 3 139.99",
            "c-cleo 3 248.80",
            "c-dan 3 219.50",
            "c-emil 3 74.11",
            "c-fay 2 274.54",
            "c-gus 2 111.90",
            "c-hana 2 108.30");
    assertThat(run.revenue()).hasSize(22).allMatch(r -> r.currency().equals("EUR"));

    assertThat(run.deadLettersByReason())
        .containsExactly(
            entry("parse: java.lang.IllegalArgumentException", 2L),
            entry("parse: java.lang.NumberFormatException", 1L),
            entry("parse: java.time.format.DateTimeParseException", 1L),
            entry("revenue-per-customer: java.lang.IllegalArgumentException", 1L));
    assertThat(run.deadLetters())
        .allSatisfy(l -> assertThat(l.uid()).isEqualTo("orders/" + l.step()))
        .anySatisfy(l -> assertThat(l.payloadText()).startsWith("o-1012;c-emil"));

    RecordAccounting accounting = run.accounting();
    assertThat(accounting.isBalanced()).as(accounting.toTable()).isTrue();
    assertThat(counts(accounting, "parse")).isEqualTo("in=29 out=25 filtered=0 dead=4");
    assertThat(counts(accounting, "valid-amount")).isEqualTo("in=25 out=23 filtered=2 dead=0");
    assertThat(counts(accounting, "revenue-per-customer"))
        .isEqualTo("in=23 out=22 filtered=0 dead=1");
  }

  @Test
  void stateInventory_listsTheRevenueState_withThePipelineDefaultTtl_beforeTheJobRuns() {
    StreamExecutionEnvironment env = OrdersJob.localEnvironment("rocksdb");
    StateInventory inventory =
        OrdersJob.ordersPipeline(env.fromData(SAMPLE, Types.STRING)).stateInventory();

    assertThat(inventory.entries()).hasSize(1);
    StateInventory.Entry entry = inventory.entries().get(0);
    assertThat(entry.uid()).isEqualTo("orders/revenue-per-customer");
    assertThat(entry.state().name()).isEqualTo(RevenuePerCustomer.STATE_NAME);
    assertThat(entry.state().ttl()).contains(Duration.ofDays(7));
    assertThat(entry.keyType()).isEqualTo("String");
    assertThat(inventory.toTable()).contains("revenue-per-customer", "7d");
  }

  @Test
  void recordTypes_areFlinkPojos_notKryo() {
    assertThat(Order.TYPE_INFO).isInstanceOf(PojoTypeInfo.class);
    assertThat(CustomerRevenue.TYPE_INFO).isInstanceOf(PojoTypeInfo.class);
    PojoTestUtils.assertSerializedAsPojoWithoutKryo(Order.class);
    PojoTestUtils.assertSerializedAsPojoWithoutKryo(CustomerRevenue.class);
  }

  @Test
  void main_printsTheReport_andWritesTheOutputFiles(@TempDir Path dir) throws Exception {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    PrintStream stdout = System.out;
    System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
    try {
      OrdersJob.main(new String[] {dir.toString()});
    } finally {
      System.setOut(stdout);
    }
    String printed = buffer.toString(StandardCharsets.UTF_8);

    assertThat(printed)
        .contains("State inventory", "orders/revenue-per-customer")
        .contains("running revenue per customer (22 records)")
        .containsPattern("parse: java.lang.NumberFormatException +\\| 1")
        .contains("(balanced)")
        .doesNotContain("o-1012;c-emil"); // no payloads on the console
    assertThat(Files.readAllLines(dir.resolve(OrdersReport.REVENUE_FILE))).hasSize(1 + 22);
    assertThat(Files.readAllLines(dir.resolve(OrdersReport.DEAD_LETTERS_FILE)))
        .hasSize(1 + 5)
        .anyMatch(line -> line.contains("o-1012;c-emil"));
    assertThat(dir.resolve(OrdersReport.ACCOUNTING_FILE)).content().contains("valid-amount");
    assertThat(dir.resolve(OrdersReport.STATE_INVENTORY_FILE)).content().contains("revenue");
  }

  @Test
  void parseCsv_readsAllFields() {
    Order order = Order.parseCsv("o-1,c-anna,42.50,EUR,2026-11-02T09:15:00Z");

    assertThat(order.orderId()).isEqualTo("o-1");
    assertThat(order.amount()).isEqualByComparingTo(new BigDecimal("42.5"));
    assertThat(order.orderedAt()).hasToString("2026-11-02T09:15:00Z");
  }

  @Test
  void report_csvQuotesFieldsThatNeedIt() {
    assertThat(OrdersReport.csv("a", "b,c", "say \"hi\"", null))
        .isEqualTo("a,\"b,c\",\"say \"\"hi\"\"\",");
  }

  private static String counts(RecordAccounting accounting, String step) {
    RecordAccounting.StepCounts c = accounting.step(OrdersJob.PIPELINE, step);
    return "in="
        + c.in()
        + " out="
        + c.out()
        + " filtered="
        + c.filtered()
        + " dead="
        + c.deadLettered();
  }
}
