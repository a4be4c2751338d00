package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.operators.enrich.JoinStatus;
import dev.etlkit.operators.enrich.LookupStatus;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
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

  private static Path docs() {
    Path dir = Path.of("").toAbsolutePath();
    while (!Files.isDirectory(dir.resolve("docs"))) {
      dir = dir.getParent();
    }
    return dir.resolve("docs");
  }
}
