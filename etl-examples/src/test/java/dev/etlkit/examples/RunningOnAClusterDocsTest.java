package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.RawRecord;
import dev.etlkit.operators.enrich.JoinStatus;
import dev.etlkit.operators.enrich.LookupStatus;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

/**
 * Found by a review on 2026-11-24 (failing before that day's fix), on docs/running-on-a-cluster.md:
 * the dimension sink ({@link PostgresIo#dimensionSink}) runs {@code Scd2PostgresTable.mergeSql()},
 * a SQL {@code MERGE}, which PostgreSQL has only since version 15. The page tells users which
 * tables to create and which settings the job needs, but not that older servers fail every
 * statement with a syntax error (after retries, the job), so the requirement must be on the page.
 */
class RunningOnAClusterDocsTest {

  @Test
  void runningOnACluster_namesThePostgresVersionTheDimensionMergeNeeds() throws Exception {
    assertThat(PostgresIo.DIMENSION_TABLE.mergeSql()).startsWith("MERGE INTO");

    String page = Files.readString(docs().resolve("running-on-a-cluster.md"));

    assertThat(page).as("the PostgreSQL version MERGE needs").contains("PostgreSQL 15");
  }

  /**
   * Found by a review on 2026-11-25: the page tells users to create {@code fx_rates} and says it
   * holds "the exchange rate to euros per ISO-4217 currency", but not that the euro itself needs a
   * row (the bundled rates have {@code EUR,1}, and the job looks up every order's currency, EUR
   * too), nor what an order in a currency without a row becomes: not a dead letter, but an enriched
   * order with no amount in euros and status {@code MISS}. A table of foreign rates only wrote
   * every EUR order to the topic without its amount in euros.
   */
  @Test
  void runningOnACluster_saysTheEuroNeedsARateAndWhatAnOrderWithoutARateBecomes() throws Exception {
    assertThat(OrdersJob.resourceLines(FxRates.RESOURCE)).contains("EUR,1");
    EnrichedOrder order =
        new EnrichedOrder(
                "o-1",
                "c-1",
                new BigDecimal("10.00"),
                "EUR",
                Instant.EPOCH,
                null,
                null,
                null,
                JoinStatus.FOUND,
                null,
                null)
            .withRateToEur(null, LookupStatus.MISS);
    assertThat(order.amountEur()).isNull();

    String page = Files.readString(docs().resolve("running-on-a-cluster.md"));

    assertThat(page)
        .as("fx_rates needs a row for the euro itself")
        .contains("INSERT INTO fx_rates VALUES ('EUR', 1)");
    assertThat(page)
        .as("what an order in a currency without a rate becomes")
        .contains("`amountEur` null and `fxStatus` `MISS`");
  }

  /**
   * Found by a review on 2026-11-25 (rev-docs6): the page said "The pipelines are the same in both
   * modes; only the sources and sinks around them change, so what the sample shows (which records
   * become dead letters, ...) is what the real job does". The orders pipelines differ: real mode
   * has no revenue report (so the sample's USD order, a dead letter of {@code
   * orders/revenue-per-customer}, is none there) and writes the enriched orders' JSON in a step of
   * its own, {@code orders/json}, whose too-large orders are dead letters the sample cannot show.
   */
  @Test
  void runningOnACluster_startFromTheSample_namesTheStepsOnlyOneModeHas() throws Exception {
    StreamExecutionEnvironment env = OrdersJob.localEnvironment("hashmap");
    List<String> sample =
        OrdersJob.wire(
                env.fromData(OrdersJob.sampleLines(), Types.STRING),
                env.fromData(OrdersJob.customerChangeLines(), Types.STRING))
            .revenue()
            .pipeline()
            .stepNames();
    DataStream<RawRecord> records =
        env.fromData(List.of(RawRecord.ofValue(new byte[0])), RawRecord.TYPE_INFO);
    RealMode.Outputs real =
        RealMode.wire(
            new RealMode.Sources(records, records),
            JobOptions.parse("--kafka", "k:9092", "--jdbc", "jdbc:postgresql://h/db"));
    List<String> realSteps = real.enrichedOrders().pipeline().stepNames();
    assertThat(realSteps).contains("json").doesNotContain("revenue-per-customer");
    assertThat(sample).contains("revenue-per-customer").doesNotContain("json");

    String page = Files.readString(docs().resolve("running-on-a-cluster.md"));
    String startFromTheSample =
        page.substring(page.indexOf("## Start from the sample"), page.indexOf("## The job jar"));

    assertThat(startFromTheSample)
        .as("the steps of the orders pipeline only one mode has")
        .contains("`orders/json`", "`orders/revenue-per-customer`")
        .doesNotContain("The pipelines are the same in both modes");
  }

  private static Path docs() {
    Path dir = Path.of("").toAbsolutePath();
    while (!Files.isDirectory(dir.resolve("docs"))) {
      dir = dir.getParent();
    }
    return dir.resolve("docs");
  }
}
