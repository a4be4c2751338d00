package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import dev.etlkit.core.RecordAccounting;
import dev.etlkit.core.StateInventory;
import dev.etlkit.operators.enrich.LookupStatus;
import dev.etlkit.operators.json.JsonRecordException;
import dev.etlkit.scd.Scd2Row;
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
import org.apache.flink.types.RowKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The example job on its bundled sample data, on a local cluster with parallelism 2. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class OrdersJobTest {

  private static final List<String> SAMPLE = OrdersJob.sampleLines();

  private static final List<String> CHANGES = OrdersJob.customerChangeLines();

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"hashmap", "rocksdb"})
  void sampleData_giveTheSameResults_deadLettersAndBalancedAccounting_onBothBackends(String backend)
      throws Exception {
    StreamExecutionEnvironment env = OrdersJob.localEnvironment(backend);
    OrdersJob.Outputs outputs =
        OrdersJob.wire(env.fromData(SAMPLE, Types.STRING), env.fromData(CHANGES, Types.STRING));

    OrdersRun run = OrdersRun.execute(env, outputs, "orders-job-test-" + backend);

    // The redelivered orders o-1003 and o-1016 are counted once: the dedup step drops them.
    assertThat(run.finalRevenue().values())
        .extracting(r -> r.customerId() + " " + r.orders() + " " + r.total().toPlainString())
        .containsExactly(
            "c-anna 4 77.74",
            "c-bob 2 79.99",
            "c-cleo 2 128.80",
            "c-dan 3 219.50",
            "c-emil 3 74.11",
            "c-fay 2 274.54",
            "c-gus 2 111.90",
            "c-hana 2 108.30");
    assertThat(run.revenue()).hasSize(20).allMatch(r -> r.currency().equals("EUR"));

    // Snapshot of 8 customers, Bob and Anna move to gold, Dan moves (an update without a
    // before-image), Gus is deleted; the redelivered update and the heartbeat change nothing.
    assertThat(run.finalCustomers().values())
        .extracting(c -> c.id() + " " + c.tier() + " " + c.city())
        .containsExactly(
            "c-anna gold Oslo",
            "c-bob gold Lyon",
            "c-cleo gold Porto",
            "c-dan standard Wien",
            "c-emil standard Turku",
            "c-fay gold Cork",
            "c-hana standard Brno");
    assertThat(run.customerChanges())
        .filteredOn(c -> c.kind() == RowKind.UPDATE_BEFORE && c.value().id().equals("c-dan"))
        .as("the normalizer rebuilds the before-image the database did not send")
        .singleElement()
        .satisfies(c -> assertThat(c.value().city()).isEqualTo("Graz"));

    // Each order meets the customer as they were when it was placed: Bob turned gold at 10:00,
    // Dan moved at 11:00, Gus was deleted at 12:00, Anna turned gold at 13:00. The USD order is
    // converted by the exchange-rate lookup.
    assertThat(run.enrichedOrders())
        .hasSize(21)
        // from the database or from the step's cache: which, depends on timing
        .allSatisfy(o -> assertThat(o.fxStatus()).isIn(LookupStatus.LOADED, LookupStatus.HIT))
        .extracting(
            o ->
                o.orderId()
                    + " "
                    + o.tier()
                    + " "
                    + o.city()
                    + " "
                    + o.customerStatus()
                    + " "
                    + o.amountEur())
        .contains(
            "o-1002 standard Lyon FOUND 19.99",
            "o-1016 gold Lyon FOUND 60.00",
            "o-1005 standard Graz FOUND 64.00",
            "o-1013 standard Wien FOUND 5.50",
            "o-1011 standard Gent FOUND 99.90",
            "o-1023 null null DELETED 12.00",
            "o-1010 standard Oslo FOUND 18.00",
            "o-1026 gold Oslo FOUND 9.99",
            "o-1017 standard Brno FOUND 21.62");

    // The customer dimension: one version per state, closed when the next begins; the delete
    // closes Gus's last version (hard deletes: invalidate).
    assertThat(run.finalDimension())
        .extracting(OrdersJobTest::version)
        .containsExactly(
            "c-anna v1 2026-11-02T08:00:00Z 2026-11-02T13:00:00Z closed standard Oslo",
            "c-anna v2 2026-11-02T13:00:00Z 9999-12-31T00:00:00Z current gold Oslo",
            "c-bob v1 2026-11-02T08:01:00Z 2026-11-02T10:00:00Z closed standard Lyon",
            "c-bob v2 2026-11-02T10:00:00Z 9999-12-31T00:00:00Z current gold Lyon",
            "c-cleo v1 2026-11-02T08:02:00Z 9999-12-31T00:00:00Z current gold Porto",
            "c-dan v1 2026-11-02T08:03:00Z 2026-11-02T11:00:00Z closed standard Graz",
            "c-dan v2 2026-11-02T11:00:00Z 9999-12-31T00:00:00Z current standard Wien",
            "c-emil v1 2026-11-02T08:04:00Z 9999-12-31T00:00:00Z current standard Turku",
            "c-fay v1 2026-11-02T08:05:00Z 9999-12-31T00:00:00Z current gold Cork",
            "c-gus v1 2026-11-02T08:06:00Z 2026-11-02T12:00:00Z closed standard Gent",
            "c-hana v1 2026-11-02T08:07:00Z 9999-12-31T00:00:00Z current standard Brno");

    assertThat(run.deadLettersByReason())
        .containsExactly(
            entry("customers/decode: com.fasterxml.jackson.core.JsonParseException", 1L),
            entry("customers/decode: java.lang.IllegalArgumentException", 1L),
            entry("orders/parse: " + JsonRecordException.class.getName(), 4L),
            entry("orders/revenue-per-customer: java.lang.IllegalArgumentException", 1L));
    assertThat(run.deadLetters())
        .allSatisfy(l -> assertThat(l.uid()).isEqualTo(l.pipeline() + "/" + l.step()))
        .anySatisfy(l -> assertThat(l.payloadText()).startsWith("o-1012;c-emil"));

    RecordAccounting accounting = run.accounting();
    assertThat(accounting.isBalanced()).as(accounting.toTable()).isTrue();
    assertThat(accounting.missingSteps()).as("every step of both pipelines reported").isEmpty();
    assertThat(accounting.steps()).hasSize(13);
    assertThat(counts(accounting, "orders", "parse")).isEqualTo("in=29 out=25 f=0 dd=0 dl=4");
    assertThat(counts(accounting, "orders", "valid-time")).isEqualTo("in=25 out=25 f=0 dd=0 dl=0");
    assertThat(counts(accounting, "orders", "dedup")).isEqualTo("in=25 out=23 f=0 dd=2 dl=0");
    assertThat(counts(accounting, "orders", "valid-amount"))
        .isEqualTo("in=23 out=21 f=2 dd=0 dl=0");
    assertThat(counts(accounting, "orders", "revenue-per-customer"))
        .isEqualTo("in=21 out=20 f=0 dd=0 dl=1");
    assertThat(counts(accounting, "customers", "decode")).isEqualTo("in=16 out=13 f=1 dd=0 dl=2");
    assertThat(counts(accounting, "customers", "writable")).isEqualTo("in=16 out=16 f=0 dd=0 dl=0");
    assertThat(counts(accounting, "customers", "valid-time"))
        .isEqualTo("in=16 out=16 f=0 dd=0 dl=0");
    assertThat(counts(accounting, "customers", "normalize"))
        .isEqualTo("in=16 out=12 f=3 dd=1 dl=0");
    assertThat(counts(accounting, "customers", "dimension"))
        .isEqualTo("in=15 out=12 f=3 dd=0 dl=0");
    assertThat(counts(accounting, "orders", "customer")).isEqualTo("in=21 out=21 f=0 dd=0 dl=0");
    assertThat(counts(accounting, "orders", "eur-amount")).isEqualTo("in=21 out=21 f=0 dd=0 dl=0");
  }

  @Test
  void stateInventory_listsTheRevenueState_withItsTtl_beforeTheJobRuns() {
    StreamExecutionEnvironment env = OrdersJob.localEnvironment("rocksdb");
    StateInventory inventory =
        OrdersJob.revenue(OrdersJob.validOrders(env.fromData(SAMPLE, Types.STRING)))
            .stateInventory();

    assertThat(inventory.entries())
        .extracting(StateInventory.Entry::step)
        .containsExactly("dedup", "revenue-per-customer");
    StateInventory.Entry entry = inventory.entries().get(1);
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
    PojoTestUtils.assertSerializedAsPojoWithoutKryo(Customer.class);
    PojoTestUtils.assertSerializedAsPojoWithoutKryo(EnrichedOrder.class);
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
        .contains("running revenue per customer (20 records)")
        .contains("customers table from 15 normalized change records (7 rows)")
        .contains("orders with the customer at order time and the amount in euros (21 records)")
        .contains("customer dimension (SCD Type 2) from 19 history change records (11 versions)")
        .contains( // as the README shows them
            "orders/parse: dev.etlkit.operators.json.JsonRecordException     | 4",
            "customers/decode: com.fasterxml.jackson.core.JsonParseException | 1")
        .contains("(balanced)")
        .contains( // as the README shows it
            "customers | valid-time           | 16 | 16  | 0        | 0            | 0"
                + "             | 16      | yes")
        .doesNotContain("o-1012;c-emil"); // no payloads on the console
    assertThat(Files.readAllLines(dir.resolve(OrdersReport.REVENUE_FILE))).hasSize(1 + 20);
    assertThat(Files.readAllLines(dir.resolve(OrdersReport.CUSTOMERS_FILE))).hasSize(1 + 15);
    assertThat(Files.readAllLines(dir.resolve(OrdersReport.ENRICHED_ORDERS_FILE))).hasSize(1 + 21);
    assertThat(Files.readAllLines(dir.resolve(OrdersReport.DIMENSION_FILE))).hasSize(1 + 11);
    assertThat(Files.readAllLines(dir.resolve(OrdersReport.DEAD_LETTERS_FILE)))
        .hasSize(1 + 7)
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

  @Test
  void report_tableShowsAMissingValueAsNull() {
    // a customer without a tier or city (the columns are nullable in the source table)
    assertThat(
            OrdersReport.table(
                List.of(
                    new String[] {"customer", "tier", "city"}, new String[] {"c-x", null, "Oslo"})))
        .isEqualTo(
            "customer | tier | city\n" + "-------- | ---- | ----\n" + "c-x      | null | Oslo\n");
  }

  /** A version of the customer dimension: "c-anna v1 <from> <to> closed standard Oslo". */
  static String version(Scd2Row<Customer> v) {
    return v.key()
        + " v"
        + v.version()
        + " "
        + v.validFrom()
        + " "
        + v.validTo()
        + " "
        + (v.isCurrent() ? "current" : "closed")
        + " "
        + v.value().tier()
        + " "
        + v.value().city();
  }

  private static String counts(RecordAccounting accounting, String pipeline, String step) {
    RecordAccounting.StepCounts c = accounting.step(pipeline, step);
    return "in="
        + c.in()
        + " out="
        + c.out()
        + " f="
        + c.filtered()
        + " dd="
        + c.deduplicated()
        + " dl="
        + c.deadLettered();
  }
}
