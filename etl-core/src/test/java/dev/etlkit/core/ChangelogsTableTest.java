package dev.etlkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.Table;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.apache.flink.util.ExceptionUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Change streams survive a trip through the Table API: to a changelog table, through SQL, and back.
 * Runs a job on a MiniCluster (about 4 s, mostly planner start-up).
 */
@SuppressWarnings("try") // CloseableIterator.close() may throw InterruptedException
class ChangelogsTableTest {

  @RegisterExtension static final MiniClusterExtension MINI_CLUSTER = new MiniClusterExtension();

  private static final RowMapping<Customer> CUSTOMERS = RowMapping.pojo(Customer.class);

  @Test
  @Timeout(120)
  void tableRoundTrip_throughSqlFilterWithReorderedColumns_keepsKindsAndValues() throws Exception {
    Configuration config = new Configuration();
    config.set(CoreOptions.DEFAULT_PARALLELISM, 1);
    config.set(PipelineOptions.GENERIC_TYPES, false);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(config);
    // Guards the premise: the MiniCluster's environment took the configuration.
    assertThat(env.getConfig().getSerializerConfig().hasGenericTypesDisabled()).isTrue();
    StreamTableEnvironment tableEnv = StreamTableEnvironment.create(env);
    Change<Customer> eveFilteredOut = Change.insert(new Customer(3, "Eve", 1));
    List<Change<Customer>> kept =
        List.of(
            Change.insert(new Customer(1, "Ada", 100)),
            Change.insert(new Customer(2, "Bob", 50)),
            Change.updateBefore(new Customer(1, "Ada", 100)),
            Change.updateAfter(new Customer(1, "Ada", 250)),
            Change.delete(new Customer(2, "Bob", 50)));
    List<Change<Customer>> input = new ArrayList<>(kept);
    input.add(2, eveFilteredOut);
    DataStream<Change<Customer>> changes =
        env.fromData(input, Change.typeInfo(CUSTOMERS.valueType()));

    tableEnv.createTemporaryView("customers", Changelogs.toTable(tableEnv, changes, CUSTOMERS));
    // Columns in another order than the mapping's on purpose: fromTable picks them by name.
    Table query = tableEnv.sqlQuery("SELECT name, id, credit FROM customers WHERE credit > 10");
    List<Change<Customer>> back = new ArrayList<>();
    try (CloseableIterator<Change<Customer>> results =
        Changelogs.fromTable(tableEnv, query, CUSTOMERS).executeAndCollect()) {
      results.forEachRemaining(back::add);
    }

    assertThat(back).containsExactlyElementsOf(kept);
  }

  /**
   * A value's {@code LocalDate}, {@code LocalTime} and {@code LocalDateTime} fields become DATE,
   * TIME and TIMESTAMP columns, the SQL types whose default Java classes they are: SQL can compute
   * on them, and a query's DATE and TIMESTAMP columns come back into them. Flink's POJO analysis
   * types such fields as generic types, which would be RAW columns.
   */
  @Test
  @Timeout(120)
  void tableRoundTrip_javaTimeFields_areSqlDateTimeAndTimestampColumns() throws Exception {
    Configuration config = new Configuration();
    config.set(CoreOptions.DEFAULT_PARALLELISM, 1);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(config);
    StreamTableEnvironment tableEnv = StreamTableEnvironment.create(env);
    RowMapping<Visit> visits = RowMapping.pojo(Visit.class);
    Visit visit =
        new Visit(
            1,
            LocalDate.of(2024, 2, 28),
            LocalTime.of(9, 30, 15, 123_000_000),
            LocalDateTime.of(2024, 2, 28, 17, 45, 1, 123_456_789));
    DataStream<Change<Visit>> changes =
        env.fromData(List.of(Change.insert(visit)), Change.typeInfo(visits.valueType()));

    tableEnv.createTemporaryView("visits", Changelogs.toTable(tableEnv, changes, visits));
    Table query =
        tableEnv.sqlQuery(
            "SELECT id, visitDate + INTERVAL '1' DAY AS visitDate, opensAt, visitedAt FROM visits"
                + " WHERE visitedAt > TIMESTAMP '2024-01-01 00:00:00'"
                + " AND opensAt < TIME '12:00:00'");
    List<Change<Visit>> back = new ArrayList<>();
    try (CloseableIterator<Change<Visit>> results =
        Changelogs.fromTable(tableEnv, query, visits).executeAndCollect()) {
      results.forEachRemaining(back::add);
    }

    assertThat(back)
        .containsExactly(
            Change.insert(
                new Visit(1, LocalDate.of(2024, 2, 29), visit.opensAt(), visit.visitedAt())));
  }

  /**
   * A NULL in a column of a nullable field ({@code Integer credit}) comes back as null. The columns
   * fromTable asks the table for must be nullable: Flink derives {@code INT NOT NULL} from {@code
   * Types.INT}, and its not-null enforcer would fail the job on the row (or drop it, if so set).
   */
  @Test
  @Timeout(120)
  void tableRoundTrip_nullInANullableField_comesBackAsNull() throws Exception {
    Configuration config = new Configuration();
    config.set(CoreOptions.DEFAULT_PARALLELISM, 1);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(config);
    StreamTableEnvironment tableEnv = StreamTableEnvironment.create(env);
    List<Change<Customer>> input =
        List.of(
            Change.insert(new Customer(1, "Ada", null)),
            Change.insert(new Customer(2, null, 50)),
            Change.delete(new Customer(1, "Ada", null)));
    DataStream<Change<Customer>> changes =
        env.fromData(input, Change.typeInfo(CUSTOMERS.valueType()));

    Table table = Changelogs.toTable(tableEnv, changes, CUSTOMERS);
    List<Change<Customer>> back = new ArrayList<>();
    try (CloseableIterator<Change<Customer>> results =
        Changelogs.fromTable(tableEnv, table, CUSTOMERS).executeAndCollect()) {
      results.forEachRemaining(back::add);
    }

    assertThat(back).containsExactlyElementsOf(input);
  }

  /**
   * concepts.md: a row the mapping cannot convert (a NULL into a primitive field) fails the task.
   * The failure names the column and the field, never the row's values.
   */
  @Test
  @Timeout(120)
  void fromTable_nullForAPrimitiveField_failsNamingTheFieldNotTheValues() {
    Configuration config = new Configuration();
    config.set(CoreOptions.DEFAULT_PARALLELISM, 1);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(config);
    StreamTableEnvironment tableEnv = StreamTableEnvironment.create(env);
    Table query =
        tableEnv.sqlQuery("SELECT 7 AS credit, CAST(NULL AS BIGINT) AS id, 'Mallory' AS name");

    assertThatThrownBy(
            () -> {
              try (CloseableIterator<Change<Customer>> results =
                  Changelogs.fromTable(tableEnv, query, CUSTOMERS).executeAndCollect()) {
                results.forEachRemaining(change -> {});
              }
            })
        .satisfies(
            failure ->
                assertThat(
                        ExceptionUtils.findThrowableWithMessage(
                            failure, "Column id is null but " + Customer.class.getName() + ".id"))
                    .hasValueSatisfying(
                        cause -> assertThat(cause.getMessage()).doesNotContain("Mallory", "7")));
  }

  /**
   * Enum and UUID fields are STRING columns, not RAW ones: SQL compares them with text, and a
   * query's STRING columns come back into them.
   */
  @Test
  @Timeout(120)
  void tableRoundTrip_enumAndUuidFields_areStringColumns() throws Exception {
    Configuration config = new Configuration();
    config.set(CoreOptions.DEFAULT_PARALLELISM, 1);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(config);
    StreamTableEnvironment tableEnv = StreamTableEnvironment.create(env);
    RowMapping<RowMappingTest.Member> members = RowMapping.pojo(RowMappingTest.Member.class);
    RowMappingTest.Member gold =
        new RowMappingTest.Member(
            UUID.fromString("0b9f6c6e-2f56-4f1e-9c3b-8a3e2b7d1c55"),
            RowMappingTest.Tier.GOLD,
            "Ada");
    RowMappingTest.Member standard =
        new RowMappingTest.Member(
            UUID.fromString("6f1d2c3b-4a59-4e8f-a7b6-c5d4e3f2a1b0"),
            RowMappingTest.Tier.STANDARD,
            "Bob");
    DataStream<Change<RowMappingTest.Member>> changes =
        env.fromData(
            List.of(Change.insert(gold), Change.insert(standard)),
            Change.typeInfo(members.valueType()));

    tableEnv.createTemporaryView("members", Changelogs.toTable(tableEnv, changes, members));
    Table query =
        tableEnv.sqlQuery(
            "SELECT UPPER(id) AS id, tier, name FROM members"
                + " WHERE tier = 'GOLD' AND id LIKE '0b9f%'");
    List<Change<RowMappingTest.Member>> back = new ArrayList<>();
    try (CloseableIterator<Change<RowMappingTest.Member>> results =
        Changelogs.fromTable(tableEnv, query, members).executeAndCollect()) {
      results.forEachRemaining(back::add);
    }

    assertThat(back).containsExactly(Change.insert(gold));
  }

  /** A record with a {@code char} and a {@code Character} field. */
  public record Graded(String name, char grade, Character bonus) {}

  /**
   * {@code char} and {@code Character} fields are STRING columns of one character, not RAW ones:
   * SQL compares them with text, and a query's STRING columns come back into them.
   */
  @Test
  @Timeout(120)
  void tableRoundTrip_charFields_areStringColumns() throws Exception {
    Configuration config = new Configuration();
    config.set(CoreOptions.DEFAULT_PARALLELISM, 1);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(config);
    StreamTableEnvironment tableEnv = StreamTableEnvironment.create(env);
    RowMapping<Graded> graded = RowMapping.pojo(Graded.class);
    Graded ada = new Graded("Ada", 'A', '+');
    Graded bob = new Graded("Bob", 'C', null);
    DataStream<Change<Graded>> changes =
        env.fromData(
            List.of(Change.insert(ada), Change.insert(bob)), Change.typeInfo(graded.valueType()));

    Table table = Changelogs.toTable(tableEnv, changes, graded);
    assertThat(table.getResolvedSchema().getColumnDataTypes())
        .extracting(type -> type.getLogicalType().getTypeRoot().name())
        .containsExactly("VARCHAR", "VARCHAR", "VARCHAR"); // bonus, grade, name
    tableEnv.createTemporaryView("graded", table);
    Table query =
        tableEnv.sqlQuery(
            "SELECT bonus, grade, name FROM graded WHERE grade < 'B' OR bonus IS NULL");
    List<Change<Graded>> back = new ArrayList<>();
    try (CloseableIterator<Change<Graded>> results =
        Changelogs.fromTable(tableEnv, query, graded).executeAndCollect()) {
      results.forEachRemaining(back::add);
    }

    assertThat(back).containsExactly(Change.insert(ada), Change.insert(bob));
  }
}
