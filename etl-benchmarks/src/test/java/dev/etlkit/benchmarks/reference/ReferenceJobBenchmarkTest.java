package dev.etlkit.benchmarks.reference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import dev.etlkit.benchmarks.Backend;
import dev.etlkit.benchmarks.reference.ReferenceJobBenchmark.Impl;
import dev.etlkit.benchmarks.reference.ReferenceJobBenchmark.Job;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.examples.EnrichedOrder;
import dev.etlkit.examples.OrdersJob;
import dev.etlkit.examples.ReferenceData;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.Table;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.table.data.RowData;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Smoke tests of {@link ReferenceJobBenchmark} on a small input: the etlkit and Flink SQL jobs
 * compute the same enriched orders, and every variant runs through the benchmark's own setup,
 * invocation and teardown with non-empty outputs of equal counts. Proves the benchmark code works,
 * not how fast it is.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ReferenceJobBenchmarkTest {

  private static final int ORDERS = 2_000;

  private static final int ORDERS_PER_VARIANT = 200;

  @Test
  @SuppressWarnings("unchecked")
  void pipelines_sameInput_sameEnrichedOrdersWithTheSameCustomerVersions() throws Exception {
    ReferenceData data = ReferenceData.generate(ReferenceData.Spec.of(ORDERS));
    StreamExecutionEnvironment env = OrdersJob.localEnvironment("hashmap");
    env.setParallelism(1);
    ReferenceJobs.Sources sources = ReferenceJobs.Sources.of(env, data);

    Map<String, DataStream<?>> etlkit = ReferenceJobs.wire(Impl.ETLKIT, Job.PIPELINE, sources);
    CloseableIterator<String> etlkitOrders =
        ((DataStream<EnrichedOrder>) etlkit.get(ReferenceJobs.ENRICHED_ORDERS))
            .map(new EtlkitKey())
            .returns(Types.STRING)
            .collectAsync();
    CloseableIterator<DeadLetter> deadLetters =
        ((DataStream<DeadLetter>) etlkit.get(ReferenceJobs.DEAD_LETTERS)).collectAsync();

    StreamTableEnvironment tableEnv = FlinkSqlReferenceJob.tableEnvironment(env);
    Table sql =
        FlinkSqlReferenceJob.enrichedOrders(tableEnv, sources.orderLines(), sources.changeLines());
    CloseableIterator<String> sqlOrders =
        FlinkSqlReferenceJob.toRowData(tableEnv, sql)
            .map(new SqlKey())
            .returns(Types.STRING)
            .collectAsync();

    assertThat(env.getExecutionPlan())
        .contains("Deduplicate(keep=[FirstRow]")
        .contains("ChangelogNormalize")
        .contains("TemporalJoin")
        .contains("LookupJoin");
    try {
      env.execute("reference-job-etlkit-vs-sql");
    } finally {
      sources.release();
    }

    List<String> fromEtlkit = drainSorted(etlkitOrders);
    List<String> fromSql = drainSorted(sqlOrders);
    assertThat(drainSorted(deadLetters)).isEmpty();
    // Every distinct order once (all amounts are positive), with the customer version at its time.
    assertThat(fromEtlkit).hasSize(ORDERS).doesNotHaveDuplicates();
    assertThat(fromSql).hasSize(ORDERS).doesNotHaveDuplicates();
    assertThat(fromEtlkit).anyMatch(o -> o.endsWith(" null null")); // unknown or deleted customer
    assertThat(fromEtlkit).anyMatch(o -> o.contains(" gold "));

    // tag::sql-delete-difference[]
    // Equal but for orders placed while the customer's version was the last before a delete:
    // Flink SQL finds no customer for them. ChangelogNormalize turns the delete into a -D of the
    // stored row, which carries that row's rowtime, so the temporal join files the delete under
    // the version's own time and it replaces the version.
    Map<String, String> sqlByOrder = byOrderId(fromSql);
    int differences = 0;
    for (String etlkitOrder : fromEtlkit) {
      String orderId = etlkitOrder.substring(0, etlkitOrder.indexOf(' '));
      String sqlOrder = sqlByOrder.get(orderId);
      if (!etlkitOrder.equals(sqlOrder)) {
        assertThat(sqlOrder).isEqualTo(orderId + " null null");
        assertThat(nextChangeIsDelete(data, orderId)).as(etlkitOrder).isTrue();
        differences++;
      }
    }
    // Usually one order; once none (docs/benchmarks.md "Same results?"), so zero is allowed.
    assertThat(differences).isLessThan(ORDERS / 20);
    // end::sql-delete-difference[]
  }

  @Test
  void everyVariant_viaTheBenchmark_nonEmptyOutputs_equalOrderCountsBetweenImpls()
      throws Exception {
    Map<String, Map<String, Long>> outputs = new LinkedHashMap<>();
    for (Job job : Job.values()) {
      for (Impl impl : Impl.values()) {
        Backend backend =
            job == Job.PIPELINE && impl == Impl.ETLKIT ? Backend.ROCKSDB : Backend.HEAP;
        ReferenceJobBenchmark benchmark = new ReferenceJobBenchmark();
        benchmark.impl = impl;
        benchmark.job = job;
        benchmark.backend = backend;
        benchmark.orders = ORDERS_PER_VARIANT;
        benchmark.setUpTrial();
        try {
          ReferenceJobBenchmark.Records counter = new ReferenceJobBenchmark.Records();
          assertThat(benchmark.runJob(counter)).isPositive();
          assertThat(counter.records).isEqualTo(benchmark.recordsPerJob());
          if (impl == Impl.FLINK_SQL && job == Job.PIPELINE) {
            benchmark.runJob(counter); // the same job graph again, with the same outputs
          }
          outputs.put(job + " " + impl, benchmark.lastOutputs());
        } finally {
          benchmark.tearDownTrial();
        }
      }
    }
    assertThat(outputs.get("PIPELINE ETLKIT"))
        .containsEntry(ReferenceJobs.ENRICHED_ORDERS, (long) ORDERS_PER_VARIANT)
        .containsEntry(ReferenceJobs.DEAD_LETTERS, 0L);
    assertThat(outputs.get("PIPELINE FLINK_SQL"))
        .containsExactly(entry(ReferenceJobs.ENRICHED_ORDERS, (long) ORDERS_PER_VARIANT));
    // Pass-through: every order line; etlkit's decoder emits -U and +U for an update, SQL upserts.
    assertThat(outputs.get("PASS_THROUGH ETLKIT").get(ReferenceJobs.ORDERS))
        .isEqualTo(outputs.get("PASS_THROUGH FLINK_SQL").get(ReferenceJobs.ORDERS))
        .isGreaterThan(ORDERS_PER_VARIANT);
    assertThat(outputs.get("PASS_THROUGH ETLKIT").get(ReferenceJobs.CUSTOMERS))
        .isGreaterThanOrEqualTo(outputs.get("PASS_THROUGH FLINK_SQL").get(ReferenceJobs.CUSTOMERS))
        .isGreaterThan(1_000L); // the snapshot alone has 1,000 customers
    assertThat(outputs.get("PASS_THROUGH ETLKIT")).containsEntry(ReferenceJobs.DEAD_LETTERS, 0L);
  }

  private static Map<String, String> byOrderId(List<String> orders) {
    Map<String, String> byId = new LinkedHashMap<>();
    for (String order : orders) {
      byId.put(order.substring(0, order.indexOf(' ')), order);
    }
    return byId;
  }

  /** True if the first change of the order's customer after the order is a delete. */
  private static boolean nextChangeIsDelete(ReferenceData data, String orderId) {
    ReferenceData.Event order =
        data.orders().stream().filter(e -> orderId.equals(e.key())).findFirst().orElseThrow();
    Matcher customer = CUSTOMER_ID.matcher(order.line());
    assertThat(customer.find()).isTrue();
    return data.customerChanges().stream()
        .filter(c -> c.key().equals(customer.group(1)) && c.timestamp() > order.timestamp())
        .findFirst()
        .map(c -> c.line().contains("\"op\":\"d\""))
        .orElse(false);
  }

  private static final Pattern CUSTOMER_ID = Pattern.compile("\"customerId\":\"([^\"]+)\"");

  private static <T> List<T> drainSorted(CloseableIterator<T> iterator) throws Exception {
    List<T> items = new ArrayList<>();
    try (iterator) {
      iterator.forEachRemaining(items::add);
    }
    items.sort(null);
    return items;
  }

  /** Order id, tier and city of an etlkit enriched order. */
  private static final class EtlkitKey implements MapFunction<EnrichedOrder, String> {
    @Override
    public String map(EnrichedOrder order) {
      return order.orderId() + " " + order.tier() + " " + order.city();
    }
  }

  /** Order id, tier and city of a Flink SQL enriched order. */
  private static final class SqlKey implements MapFunction<RowData, String> {
    @Override
    public String map(RowData row) {
      return text(row, FlinkSqlReferenceJob.ENRICHED_ORDER_ID)
          + " "
          + text(row, FlinkSqlReferenceJob.ENRICHED_TIER)
          + " "
          + text(row, FlinkSqlReferenceJob.ENRICHED_CITY);
    }

    private static String text(RowData row, int field) {
      return row.isNullAt(field) ? "null" : row.getString(field).toString();
    }
  }
}
