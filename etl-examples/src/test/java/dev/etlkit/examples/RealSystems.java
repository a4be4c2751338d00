package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectReader;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * The real systems of the end-to-end tests: an in-JVM Kafka broker and an embedded PostgreSQL, each
 * started once per test class, and a fresh set of topics and a fresh database per job run so runs
 * never see each other's data.
 */
final class RealSystems implements AutoCloseable {

  final EmbeddedKafka kafka;
  final EmbeddedPostgres postgres;
  private int runs;

  private RealSystems(EmbeddedKafka kafka, EmbeddedPostgres postgres) {
    this.kafka = kafka;
    this.postgres = postgres;
  }

  static RealSystems start() throws Exception {
    EmbeddedKafka kafka = EmbeddedKafka.start();
    try {
      return new RealSystems(kafka, EmbeddedPostgres.builder().start());
    } catch (IOException | RuntimeException e) {
      kafka.close();
      throw e;
    }
  }

  /**
   * One job run's topics (the inputs filled with {@code data}) and database (the two tables, the
   * rates of {@code sample/fx-rates.csv}), and the job's options pointing at them.
   */
  Run newRun(
      String name,
      List<ReferenceData.Event> customerChanges,
      List<ReferenceData.Event> orders,
      String... extraArgs)
      throws Exception {
    Run run = newRun(name, customerChanges, true, 2, extraArgs);
    run.produceOrders(orders);
    return run;
  }

  /**
   * One streaming (unbounded) run's topics and database, with empty input topics: {@link
   * Run#produceCustomerChanges} and {@link Run#produceOrders} append to them while the job runs.
   */
  Run newStreamingRun(String name, String... extraArgs) throws Exception {
    return newStreamingRun(name, 2, extraArgs);
  }

  /**
   * One streaming run's topics and database, as {@link #newStreamingRun(String, String...)}, with
   * {@code partitions} partitions per input (and dead-letter) topic instead of two.
   */
  Run newStreamingRun(String name, int partitions, String... extraArgs) throws Exception {
    return newRun(name, List.of(), false, partitions, extraArgs);
  }

  private Run newRun(
      String name,
      List<ReferenceData.Event> customerChanges,
      boolean bounded,
      int partitions,
      String... extraArgs)
      throws Exception {
    // a new database and new topics per run: runs never see each other's data
    String id = name + "-" + (++runs);
    String database = id.replace('-', '_');
    try (Connection c = postgres.getPostgresDatabase().getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + database);
    }
    String jdbcUrl = postgres.getJdbcUrl("postgres", database);
    try (Connection c = postgres.getDatabase("postgres", database).getConnection()) {
      PostgresIo.createTables(c);
      try (PreparedStatement insert = c.prepareStatement("INSERT INTO fx_rates VALUES (?, ?)")) {
        List<String> rates = OrdersJob.resourceLines(FxRates.RESOURCE);
        for (String line : rates.subList(1, rates.size())) {
          String[] fields = line.split(",");
          insert.setString(1, fields[0].strip());
          insert.setBigDecimal(2, new java.math.BigDecimal(fields[1].strip()));
          insert.addBatch();
        }
        insert.executeBatch();
      }
    }
    for (String topic : List.of("orders", "customers", "enriched", "dead-letters")) {
      kafka.createTopic(id + "-" + topic, topic.equals("enriched") ? 1 : partitions);
    }
    kafka.produce(id + "-customers", customerChanges);
    List<String> args =
        new ArrayList<>(
            List.of(
                "--kafka",
                kafka.bootstrapServers(),
                "--jdbc",
                jdbcUrl,
                "--orders-topic",
                id + "-orders",
                "--customers-topic",
                id + "-customers",
                "--enriched-topic",
                id + "-enriched",
                "--dead-letter-topic",
                id + "-dead-letters",
                "--group-id",
                id,
                "--checkpoint-interval",
                "200",
                // above the interval plus Flink's default checkpoint timeout (10 minutes), as
                // the job requires, and below the broker's transaction.max.timeout.ms (15 minutes)
                "--transaction-timeout",
                "PT11M"));
    if (bounded) {
      args.add("--bounded");
    }
    args.addAll(List.of(extraArgs));
    return new Run(
        this, JobOptions.parse(args.toArray(String[]::new)), database, args.toArray(String[]::new));
  }

  /**
   * One run's systems.
   *
   * @param systems the systems
   * @param options the job's options
   * @param database the run's PostgreSQL database
   * @param args the command line of the options
   */
  record Run(RealSystems systems, JobOptions options, String database, String[] args) {

    /** Appends change events to the customers topic. */
    void produceCustomerChanges(List<ReferenceData.Event> changes) throws Exception {
      systems.kafka.produce(options.customersTopic(), changes);
    }

    /** Appends order events to the orders topic. */
    void produceOrders(List<ReferenceData.Event> orders) throws Exception {
      systems.kafka.produce(options.ordersTopic(), orders);
    }

    /** The end offset of every partition of both input topics, as "topic-partition". */
    Map<String, Long> inputEndOffsets() {
      Map<String, Long> ends = new TreeMap<>();
      for (String topic : List.of(options.ordersTopic(), options.customersTopic())) {
        systems
            .kafka
            .endOffsets(topic, "read_uncommitted")
            .forEach((p, end) -> ends.put(p.toString(), end));
      }
      return ends;
    }

    /** How many records the enriched-orders topic holds, committed or not. */
    long enrichedEndOffset() {
      return systems.kafka.endOffsets(options.enrichedTopic(), "read_uncommitted").values().stream()
          .mapToLong(Long::longValue)
          .sum();
    }

    /** The input positions of the job's last completed checkpoint, by "topic-partition". */
    Map<String, Long> checkpointedInputOffsets() throws Exception {
      return systems.kafka.committedOffsets(options.groupId());
    }

    Connection connect() throws SQLException {
      return systems.postgres.getDatabase("postgres", database).getConnection();
    }

    /** The committed enriched orders, as their JSON values, sorted. */
    List<String> enrichedOrderValues() {
      return systems.kafka.readCommitted(options.enrichedTopic()).stream()
          .map(r -> new String(r.value(), StandardCharsets.UTF_8))
          .sorted()
          .toList();
    }

    /** The committed enriched orders, read back. */
    List<EnrichedOrder> enrichedOrders() {
      List<EnrichedOrder> orders = new ArrayList<>();
      ObjectReader reader = KafkaIo.jsonMapper().readerFor(EnrichedOrder.class);
      for (ConsumerRecord<byte[], byte[]> r :
          systems.kafka.readCommitted(options.enrichedTopic())) {
        try {
          orders.add(reader.readValue(r.value()));
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
      return orders;
    }

    /** The committed dead letters, counted by {@code "<step uid>: <error class>"}. */
    Map<String, Long> deadLettersByReason() {
      Map<String, Long> counts = new TreeMap<>();
      for (ConsumerRecord<byte[], byte[]> r :
          systems.kafka.readCommitted(options.deadLetterTopic())) {
        counts.merge(
            header(r, KafkaIo.STEP_HEADER) + ": " + header(r, KafkaIo.ERROR_CLASS_HEADER),
            1L,
            Long::sum);
      }
      return counts;
    }

    /** The committed dead letters. */
    List<ConsumerRecord<byte[], byte[]>> deadLetters() {
      return systems.kafka.readCommitted(options.deadLetterTopic());
    }

    /** The dimension table, one line per version, by customer and valid-from time. */
    List<String> dimension() throws SQLException {
      List<String> rows = new ArrayList<>();
      try (Connection c = connect();
          Statement s = c.createStatement();
          ResultSet rs =
              s.executeQuery(
                  "SELECT customer_id, version, valid_from, valid_to, is_current, is_deleted,"
                      + " name, tier, city FROM customer_dimension"
                      + " ORDER BY customer_id, valid_from")) {
        while (rs.next()) {
          rows.add(
              String.join(
                  " ",
                  rs.getString(1),
                  "v" + rs.getLong(2),
                  rs.getObject(3, java.time.OffsetDateTime.class).toInstant().toString(),
                  String.valueOf(
                      rs.getObject(4, java.time.OffsetDateTime.class) == null
                          ? null
                          : rs.getObject(4, java.time.OffsetDateTime.class).toInstant()),
                  rs.getBoolean(5) ? "current" : "closed",
                  rs.getBoolean(6) ? "deleted" : "live",
                  rs.getString(7),
                  rs.getString(8),
                  rs.getString(9)));
        }
      }
      return rows;
    }

    /** Checks the SCD2 invariants in SQL: each query lists the rows breaking one. */
    void assertDimensionInvariants() throws SQLException {
      try (Connection c = connect()) {
        assertThat(
                rows(c, "SELECT customer_id FROM customer_dimension WHERE valid_from >= valid_to"))
            .as("validFrom < validTo")
            .isEmpty();
        assertThat(
                rows(
                    c,
                    "SELECT a.customer_id FROM customer_dimension a JOIN customer_dimension b"
                        + " ON a.customer_id = b.customer_id AND a.valid_from < b.valid_from"
                        + " WHERE tstzrange(a.valid_from, a.valid_to)"
                        + " && tstzrange(b.valid_from, b.valid_to)"))
            .as("no overlapping versions of a customer")
            .isEmpty();
        assertThat(
                rows(
                    c,
                    "SELECT customer_id FROM customer_dimension GROUP BY customer_id"
                        + " HAVING count(*) FILTER (WHERE is_current) > 1"))
            .as("at most one current version per customer")
            .isEmpty();
        assertThat(
                rows(
                    c,
                    "SELECT customer_id FROM (SELECT customer_id, version, row_number() OVER"
                        + " (PARTITION BY customer_id ORDER BY valid_from) AS n"
                        + " FROM customer_dimension) v WHERE version <> n"))
            .as("versions numbered 1, 2, 3, ... in time order")
            .isEmpty();
        assertThat(
                rows(
                    c,
                    "SELECT customer_id FROM customer_dimension WHERE version_id <>"
                        + " md5(customer_id || '|' || (extract(epoch FROM valid_from) * 1000)::bigint)"))
            .as("version id = md5(key|validFromMillis)")
            .isEmpty();
      }
    }

    private static List<String> rows(Connection c, String sql) throws SQLException {
      List<String> rows = new ArrayList<>();
      try (Statement s = c.createStatement();
          ResultSet rs = s.executeQuery(sql)) {
        while (rs.next()) {
          rows.add(rs.getString(1));
        }
      }
      return rows;
    }
  }

  static String header(ConsumerRecord<byte[], byte[]> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  @Override
  public void close() throws Exception {
    try {
      kafka.close();
    } finally {
      postgres.close();
    }
  }
}
