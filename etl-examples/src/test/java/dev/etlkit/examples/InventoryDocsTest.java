package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

/** docs/concepts.md (state inventory) prints the example's inventory: it must be the real one. */
class InventoryDocsTest {

  @Test
  void conceptsPage_inventoryOfValidOrdersAndRevenue_isWhatToTablePrints() throws Exception {
    StreamExecutionEnvironment env = OrdersJob.localEnvironment("hashmap");
    String table =
        OrdersJob.revenue(
                OrdersJob.validOrders(env.fromData(OrdersJob.sampleLines(), Types.STRING)))
            .stateInventory()
            .toTable();

    assertThat(String.join("\n", textBlockAfter("concepts.md", "example job's `validOrders`")))
        .isEqualTo(table.strip());
  }

  /**
   * The lines of the first fenced block after the line of {@code page} containing {@code marker}.
   */
  private static List<String> textBlockAfter(String page, String marker) throws Exception {
    List<String> lines =
        Files.readAllLines(DocsSnippetsTest.repositoryRoot().resolve("docs").resolve(page));
    int i = 0;
    while (i < lines.size() && !lines.get(i).contains(marker)) {
      i++;
    }
    while (i < lines.size() && !lines.get(i).startsWith("```")) {
      i++;
    }
    List<String> block = new ArrayList<>();
    for (i++; i < lines.size() && !lines.get(i).startsWith("```"); i++) {
      block.add(lines.get(i));
    }
    assertThat(block).as("the block after '%s' in docs/%s", marker, page).isNotEmpty();
    return block;
  }
}
