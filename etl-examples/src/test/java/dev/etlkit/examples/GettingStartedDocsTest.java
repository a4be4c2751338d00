package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Claims of docs/getting-started.md about the example job that its code decides: the real mode's
 * PostgreSQL sink ({@link PostgresIo#dimensionSink}) is Flink's at-least-once JDBC sink, made
 * idempotent by its {@code MERGE}, not exactly once like the Kafka sinks (after a restore the table
 * briefly shows an older state of a customer's history, docs/running-on-a-cluster.md).
 */
class GettingStartedDocsTest {

  @Test
  void runOnACluster_namesTheGuaranteeOfEachOutput() throws Exception {
    String page = Files.readString(docs().resolve("getting-started.md"));
    String section = page.substring(page.indexOf("## 7. Run it on a cluster"));

    assertThat(section)
        .doesNotContain("writing Kafka and PostgreSQL with exactly-once output")
        .contains("PostgreSQL at least once");
  }

  private static Path docs() {
    Path dir = Path.of("").toAbsolutePath();
    while (!Files.isDirectory(dir.resolve("docs"))) {
      dir = dir.getParent();
    }
    return dir.resolve("docs");
  }
}
