package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlStream;
import dev.etlkit.operators.dedup.Dedup;
import dev.etlkit.operators.dedup.DedupOrder;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

/**
 * docs/concepts.md (state inventory) prints the example's inventory, docs/dedup.md the inventory of
 * its four dedup steps: they must be the real ones.
 */
class InventoryDocsTest {

  /** The order event of docs/dedup.md's examples ({@code DedupExamplesTest.Order}). */
  public record Order(String orderId, String status, long lsn) {}

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

  @Test
  void dedupPage_inventoryOfItsFourSteps_isWhatToTablePrints() throws Exception {
    StreamExecutionEnvironment env = OrdersJob.localEnvironment("hashmap");
    DataStream<Order> orders =
        env.fromData(TypeInformation.of(Order.class), new Order("o-1", "paid", 1L));
    EtlStream<Order> first =
        Etl.from(orders, "orders")
            .defaultStateTtl(Duration.ofDays(7))
            .apply(
                Dedup.keepFirst("first-event", Order::orderId).withStateTtl(Duration.ofHours(24)))
            .apply(Dedup.keepFirst("first-by-time", Order::orderId).withEventTimeOrder());
    EtlStream<Change<Order>> latest =
        first.apply(
            Dedup.keepLast("latest-status", Order::orderId)
                .withOrdering(DedupOrder.<Order>byEventTime().thenBy(Order::lsn))
                .withRetractOutput());
    String table =
        first.apply(Dedup.keepLast("latest-upsert", Order::orderId)).stateInventory().toTable();

    assertThat(latest.pipeline()).isSameAs(first.pipeline());
    assertThat(String.join("\n", textBlockAfter("dedup.md", "here it is for a pipeline")))
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
