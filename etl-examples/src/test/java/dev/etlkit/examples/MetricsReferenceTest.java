package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.EtlStream;
import dev.etlkit.core.SplitStreams;
import dev.etlkit.operators.enrich.Enrich;
import dev.etlkit.operators.enrich.Lookup;
import dev.etlkit.operators.enrich.http.HttpLookup;
import dev.etlkit.operators.enrich.jdbc.JdbcKey;
import dev.etlkit.operators.enrich.jdbc.JdbcLookup;
import dev.etlkit.operators.filter.Filters;
import dev.etlkit.operators.filter.Route;
import dev.etlkit.operators.normalize.ChangelogCheck;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.Meter;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The metrics reference of {@code docs/operations.md} lists exactly the metrics etlkit registers.
 *
 * <p>The registered metrics are the ones Flink's metric system saw while the example job ran on a
 * local cluster with an in-memory reporter, extended so that every step family that registers
 * metrics runs: a route, a changelog check and a JDBC and an HTTP lookup (opened, never called: no
 * record reaches them, and the JDBC pool connects lazily through a driver without a database).
 * Scopes are taken relative to the operator's group and their pipeline, step, predicate and route
 * names replaced by placeholders, as the reference writes them.
 *
 * <p>A second check keeps the job complete: the main sources that register metrics are listed here,
 * so a metric registered in a new file fails this test until the job exercises it and the reference
 * lists it.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class MetricsReferenceTest {

  /** Main source files that register metrics, each exercised by {@link #exampleJobPlus}. */
  private static final Set<String> REGISTERING_SOURCES =
      Set.of(
          "etl-core/src/main/java/dev/etlkit/core/internal/OperatorCounter.java",
          "etl-operators/src/main/java/dev/etlkit/operators/cdc/internal/DebeziumMetrics.java",
          "etl-operators/src/main/java/dev/etlkit/operators/dedup/internal/DedupOperator.java",
          "etl-operators/src/main/java/dev/etlkit/operators/enrich/http/HttpLookupMetrics.java",
          "etl-operators/src/main/java/dev/etlkit/operators/enrich/internal/async/LookupMetrics.java",
          "etl-operators/src/main/java/dev/etlkit/operators/enrich/internal/join/JoinMetrics.java",
          "etl-operators/src/main/java/dev/etlkit/operators/enrich/jdbc/JdbcLookupMetrics.java",
          "etl-operators/src/main/java/dev/etlkit/operators/normalize/internal/ChangelogCheckFunction.java",
          "etl-operators/src/main/java/dev/etlkit/operators/normalize/internal/NormalizeFunctionBase.java",
          "etl-operators/src/main/java/dev/etlkit/operators/normalize/internal/NormalizeMetrics.java",
          "etl-scd/src/main/java/dev/etlkit/scd/internal/Scd2Function.java");

  private static final List<String> LIBRARY_MODULES =
      List.of("etl-core", "etl-operators", "etl-scd");

  private static final Pattern REGISTRATION =
      Pattern.compile("\\.(counter|gauge|histogram|meter)\\(");

  private static final String BEGIN = "<!-- metrics-reference:begin -->";
  private static final String END = "<!-- metrics-reference:end -->";

  /** A row of the reference: {@code `name` | `scope` | type | ...}. */
  private static final Pattern ROW =
      Pattern.compile("^\\|\\s*`([^`]+)`\\s*\\|\\s*`([^`]+)`\\s*\\|\\s*(\\w+)\\s*\\|.*$");

  /**
   * Keeps the metrics of the finished job until the cluster shuts down after the last test. A
   * per-job local cluster would close the reporter, which clears it, while {@code execute()}
   * returns: reading it then raced that shutdown.
   */
  private static final InMemoryReporter REPORTER = InMemoryReporter.createWithRetainedMetrics();

  @RegisterExtension
  static final MiniClusterExtension CLUSTER =
      new MiniClusterExtension(
          new MiniClusterResourceConfiguration.Builder()
              .setConfiguration(REPORTER.addToConfiguration(new Configuration()))
              .setNumberTaskManagers(1)
              .setNumberSlotsPerTaskManager(1)
              .build());

  @Test
  void reference_listsExactlyTheMetricsTheStepsRegister() throws Exception {
    StreamExecutionEnvironment env = environment();
    exampleJobPlus(env);

    env.execute("metrics-reference");

    assertThat(registered(REPORTER)).isEqualTo(documented());
  }

  @Test
  void everyMainSourceThatRegistersMetrics_isExercisedByTheJob() {
    Path root = DocsSnippetsTest.repositoryRoot();
    Set<String> registering = new TreeSet<>();
    for (String module : LIBRARY_MODULES) {
      Path sources = root.resolve(module).resolve("src/main/java");
      try (Stream<Path> files = Files.walk(sources)) {
        for (Path file : files.filter(p -> p.toString().endsWith(".java")).toList()) {
          if (REGISTRATION.matcher(Files.readString(file, StandardCharsets.UTF_8)).find()) {
            registering.add(root.relativize(file).toString().replace('\\', '/'));
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    assertThat(registering)
        .as(
            "main sources registering metrics: run each in exampleJobPlus, list its metrics in"
                + " docs/operations.md, then add it to REGISTERING_SOURCES")
        .isEqualTo(new TreeSet<>(REGISTERING_SOURCES));
  }

  /** The example job, plus the step families it does not use, all sunk to discarding sinks. */
  private static void exampleJobPlus(StreamExecutionEnvironment env) {
    OrdersJob.Outputs outputs =
        OrdersJob.wire(
            env.fromData(OrdersJob.sampleLines(), Types.STRING),
            env.fromData(OrdersJob.customerChangeLines(), Types.STRING));
    sink(outputs.revenue());
    sink(outputs.customerDimension());
    sink(
        outputs
            .customers()
            .apply(
                ChangelogCheck.validate("check", Customer::id, Types.STRING).withFullChangelog()));

    SplitStreams<EnrichedOrder> byCurrency =
        outputs
            .enrichedOrders()
            .split(
                Route.<EnrichedOrder>by("by-currency")
                    .to("eur", order -> "EUR".equals(order.currency()))
                    .otherwise("other"));
    sink(byCurrency.get("eur"));
    Lookup<String, BigDecimal> http =
        HttpLookup.get("http://127.0.0.1:9/rates/{key}", String.class, BigDecimal.class);
    Lookup<String, BigDecimal> jdbc =
        JdbcLookup.table(
                "jdbc:nodb://localhost/rates",
                "fx_rates",
                "currency",
                JdbcKey.text(),
                row -> row.getBigDecimal("rate"))
            .withDriverClassName(NoDatabaseDriver.class.getName())
            .withConnectionCheckOnOpen(false);
    sink(
        byCurrency
            .get("other")
            .apply(Filters.where("none", order -> false)) // the lookups open but are never called
            .apply(
                Enrich.lookup(
                    "http-rate",
                    EnrichedOrder::currency,
                    http,
                    (order, rate, status) -> order,
                    EnrichedOrder.TYPE_INFO))
            .apply(
                Enrich.lookup(
                    "jdbc-rate",
                    EnrichedOrder::currency,
                    jdbc,
                    (order, rate, status) -> order,
                    EnrichedOrder.TYPE_INFO)));
  }

  private static <T> void sink(EtlStream<T> stream) {
    stream.toDataStream().sinkTo(new DiscardingSink<>());
  }

  private static StreamExecutionEnvironment environment() {
    Configuration conf = new Configuration();
    conf.set(StateBackendOptions.STATE_BACKEND, "hashmap");
    conf.set(PipelineOptions.GENERIC_TYPES, false);
    conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    env.setParallelism(1);
    return env;
  }

  /**
   * {@code <scope> <name> (<type>)} of every metric below an {@code etlkit} group, with the
   * pipeline, step, predicate and route names replaced by placeholders.
   */
  private static Set<String> registered(InMemoryReporter reporter) {
    Set<String> metrics = new TreeSet<>();
    for (Map.Entry<MetricGroup, Map<String, Metric>> group :
        reporter.getMetricsByGroup().entrySet()) {
      List<String> scope = List.of(group.getKey().getScopeComponents());
      int etlkit = scope.indexOf("etlkit");
      if (etlkit < 0 || scope.size() < etlkit + 4 || !scope.get(etlkit + 2).equals("step")) {
        continue;
      }
      List<String> relative = new ArrayList<>(scope.subList(etlkit, scope.size()));
      relative.set(1, "<pipeline>");
      relative.set(3, "<step>");
      if (relative.size() == 6 && Set.of("predicate", "route").contains(relative.get(4))) {
        relative.set(5, "<" + relative.get(4) + ">");
      }
      for (Map.Entry<String, Metric> metric : group.getValue().entrySet()) {
        metrics.add(
            String.join(".", relative)
                + " "
                + metric.getKey()
                + " ("
                + type(metric.getValue())
                + ")");
      }
    }
    return metrics;
  }

  private static String type(Metric metric) {
    if (metric instanceof Counter) {
      return "counter";
    } else if (metric instanceof Gauge) {
      return "gauge";
    } else if (metric instanceof Histogram) {
      return "histogram";
    } else if (metric instanceof Meter) {
      return "meter";
    }
    return metric.getClass().getSimpleName();
  }

  /** The rows of the reference in docs/operations.md, as {@link #registered} writes them. */
  private static Set<String> documented() throws IOException {
    String page =
        Files.readString(
            DocsSnippetsTest.repositoryRoot().resolve("docs/operations.md"),
            StandardCharsets.UTF_8);
    int begin = page.indexOf(BEGIN);
    int end = page.indexOf(END);
    assertThat(begin).as("%s in docs/operations.md", BEGIN).isNotNegative();
    assertThat(end).as("%s after %s", END, BEGIN).isGreaterThan(begin);
    Set<String> rows = new TreeSet<>();
    for (String line : page.substring(begin, end).lines().collect(Collectors.toList())) {
      Matcher row = ROW.matcher(line);
      if (row.matches()) {
        rows.add(row.group(2) + " " + row.group(1) + " (" + row.group(3) + ")");
      }
    }
    return rows;
  }

  /**
   * A JDBC driver for the lookup's lazily connecting pool: {@code jdbc:nodb:} URLs, no database.
   */
  public static final class NoDatabaseDriver extends RefusingDriver {
    public NoDatabaseDriver() {
      super("jdbc:nodb:");
    }
  }
}
