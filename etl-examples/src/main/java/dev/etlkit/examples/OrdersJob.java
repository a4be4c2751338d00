package dev.etlkit.examples;

import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlStream;
import dev.etlkit.core.Steps;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The example job the README starts: sample orders in CSV go through three etlkit steps, parse
 * ({@link Steps#map}), a filter ({@link Steps#filter}) and a custom stateful step ({@link
 * RevenuePerCustomer}); the job prints the state inventory before it runs, then the running revenue
 * per customer, the dead letters by step and reason, and the record accounting, and writes them to
 * files.
 *
 * <p>It runs with no outside service: a local Flink cluster in this JVM, with the settings of a
 * production job (RocksDB state, parallelism 2, generic types disabled so nothing falls back to
 * Kryo, no restarts). A real job reads Kafka or CDC instead of {@link #sampleLines()} and sinks
 * {@code toDataStream()} and {@code deadLetters()} with Flink connectors.
 *
 * <p>Run it with {@code ./mvnw -B -q -DskipTests -Prun-example -pl etl-examples -am install}; the
 * optional argument is the output directory (default: system property {@value
 * #OUTPUT_DIR_PROPERTY}, else {@code target/output}).
 */
public final class OrdersJob {

  /** The pipeline name: the first part of every operator uid. Keep it stable. */
  public static final String PIPELINE = "orders";

  /** Orders are summed in this currency; others become dead letters of the revenue step. */
  public static final String REPORT_CURRENCY = "EUR";

  /** The system property naming the output directory. */
  public static final String OUTPUT_DIR_PROPERTY = "etlkit.examples.output";

  static final String SAMPLE_RESOURCE = "/sample/orders.csv";

  private OrdersJob() {}

  public static void main(String[] args) throws Exception {
    Path outputDir =
        Path.of(
            args.length > 0 ? args[0] : System.getProperty(OUTPUT_DIR_PROPERTY, "target/output"));
    OrdersReport report = new OrdersReport(System.out);
    report.title("etlkit example: orders (local Flink, RocksDB state, parallelism 2)");

    StreamExecutionEnvironment env = localEnvironment("rocksdb");
    DataStream<String> lines =
        env.fromData(sampleLines(), Types.STRING).name("sample-orders").uid("sample-orders");
    EtlStream<CustomerRevenue> revenue = ordersPipeline(lines);
    report.stateInventory(revenue.stateInventory()); // known before the job runs

    OrdersRun run = OrdersRun.execute(env, revenue, "etlkit-orders-example");
    report.revenue(run.revenue());
    report.deadLetters(run.deadLettersByReason());
    report.accounting(run.accounting());
    report.written(OrdersReport.writeFiles(run, revenue.stateInventory(), outputDir));
  }

  // tag::orders-pipeline[]
  /** CSV lines in, running revenue per customer out; bad lines become dead letters. */
  public static EtlStream<CustomerRevenue> ordersPipeline(DataStream<String> csvLines) {
    return Etl.from(csvLines, PIPELINE)
        .defaultStateTtl(Duration.ofDays(7)) // every stateful step, unless it sets its own
        .apply(Steps.map("parse", Order::parseCsv, Order.TYPE_INFO))
        .apply(Steps.filter("valid-amount", Order::hasPositiveAmount))
        .apply(RevenuePerCustomer.in(REPORT_CURRENCY));
  }

  // end::orders-pipeline[]

  // tag::local-environment[]
  /** A local environment with production settings; {@code stateBackend}: rocksdb or hashmap. */
  public static StreamExecutionEnvironment localEnvironment(String stateBackend) {
    Configuration conf = new Configuration();
    conf.set(StateBackendOptions.STATE_BACKEND, stateBackend);
    conf.set(PipelineOptions.GENERIC_TYPES, false); // fail instead of falling back to Kryo
    conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    env.setParallelism(2);
    return env;
  }

  // end::local-environment[]

  /** The bundled sample orders, without the CSV header. */
  public static List<String> sampleLines() {
    try (InputStream in = OrdersJob.class.getResourceAsStream(SAMPLE_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(
            "sample data " + SAMPLE_RESOURCE + " not on the class path");
      }
      BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      return reader.lines().skip(1).filter(line -> !line.isBlank()).collect(Collectors.toList());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + SAMPLE_RESOURCE, e);
    }
  }
}
