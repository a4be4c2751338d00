package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
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

  private static Path docs() {
    Path dir = Path.of("").toAbsolutePath();
    while (!Files.isDirectory(dir.resolve("docs"))) {
      dir = dir.getParent();
    }
    return dir.resolve("docs");
  }
}
