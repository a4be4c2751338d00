package dev.etlkit.scd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlStep;
import dev.etlkit.core.RecordAccounting;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.lang.reflect.Proxy;
import java.sql.PreparedStatement;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.SimpleOperatorFactory;
import org.apache.flink.streaming.api.transformations.OneInputTransformation;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.types.RowKind;
import org.junit.jupiter.api.Test;

/**
 * {@link Scd2PostgresTable}: the SQL it writes, the parameters it binds and the names and types it
 * refuses. {@code Scd2PostgresITCase} runs the same SQL on a real PostgreSQL.
 */
class Scd2PostgresTableTest {

  private static final Scd2PostgresTable<Account> ACCOUNTS =
      Scd2PostgresTable.<Account>named("dim.accounts", "account_id")
          .withColumn("plan", "text", Account::plan)
          .withColumn("note", "varchar(200)", Account::note)
          .withColumn("seen_at", "timestamptz", account -> Instant.ofEpochSecond(60));

  @Test
  void createTableSql_listsKeyVersionAndAttributeColumns_withThePrimaryKey() {
    assertThat(ACCOUNTS.createTableSql())
        .isEqualTo(
            """
            CREATE TABLE IF NOT EXISTS "dim"."accounts" (
              "account_id" text NOT NULL,
              "valid_from" timestamptz NOT NULL,
              "valid_to" timestamptz,
              "is_current" boolean NOT NULL,
              "version" bigint NOT NULL,
              "is_deleted" boolean NOT NULL,
              "version_id" char(32) NOT NULL,
              "plan" text,
              "note" varchar(200),
              "seen_at" timestamptz,
              PRIMARY KEY ("account_id", "valid_from"))""");
  }

  @Test
  void mergeSql_upsertsOrDeletesByKeyAndValidFrom() {
    String columns =
        "\"account_id\", \"valid_from\", \"valid_to\", \"is_current\", \"version\","
            + " \"is_deleted\", \"version_id\", \"plan\", \"note\", \"seen_at\"";
    assertThat(ACCOUNTS.mergeSql())
        .isEqualTo(
            "MERGE INTO \"dim\".\"accounts\" t\n"
                + "USING (VALUES (?::boolean, ?::text, ?::timestamptz, ?::timestamptz, ?::boolean,"
                + " ?::bigint, ?::boolean, ?::text, ?::text, ?::text, ?::timestamptz))\n"
                + "  AS c(retract, "
                + columns
                + ")\n"
                + "ON t.\"account_id\" = c.\"account_id\" AND t.\"valid_from\" = c.\"valid_from\"\n"
                + "WHEN MATCHED AND c.retract IS NULL THEN DO NOTHING\n"
                + "WHEN MATCHED AND c.retract THEN DELETE\n"
                + "WHEN MATCHED THEN UPDATE SET \"valid_to\" = c.\"valid_to\","
                + " \"is_current\" = c.\"is_current\", \"version\" = c.\"version\","
                + " \"is_deleted\" = c.\"is_deleted\", \"version_id\" = c.\"version_id\","
                + " \"plan\" = c.\"plan\", \"note\" = c.\"note\", \"seen_at\" = c.\"seen_at\"\n"
                + "WHEN NOT MATCHED AND NOT c.retract THEN INSERT ("
                + columns
                + ")\n"
                + "  VALUES (c.\"account_id\", c.\"valid_from\", c.\"valid_to\", c.\"is_current\","
                + " c.\"version\", c.\"is_deleted\", c.\"version_id\", c.\"plan\", c.\"note\","
                + " c.\"seen_at\")");
  }

  @Test
  void bind_setsDeleteFlagVersionColumnsAndAttributes() throws Exception {
    Scd2Row<Account> closed =
        Scd2Row.of("a1", new Account("a1", "pro", "x@y", null), 1_000L, 5_000L, false, 2, false);
    Map<Integer, Object> insert = bound(ACCOUNTS, Change.of(RowKind.UPDATE_AFTER, closed));
    assertThat(insert)
        .containsEntry(1, false)
        .containsEntry(2, "a1")
        .containsEntry(3, OffsetDateTime.ofInstant(Instant.ofEpochMilli(1_000), ZoneOffset.UTC))
        .containsEntry(4, OffsetDateTime.ofInstant(Instant.ofEpochMilli(5_000), ZoneOffset.UTC))
        .containsEntry(5, false)
        .containsEntry(6, 2L)
        .containsEntry(7, false)
        .containsEntry(8, closed.versionId())
        .containsEntry(9, "pro")
        .containsEntry(10, "NULL(" + Types.NULL + ")")
        .containsEntry(11, OffsetDateTime.of(1970, 1, 1, 0, 1, 0, 0, ZoneOffset.UTC))
        .hasSize(11);

    Scd2Row<Account> current =
        Scd2Row.of("a1", new Account("a1", "pro", "x@y", "n"), 5_000L, null, true, 3, false);
    assertThat(bound(ACCOUNTS, Change.of(RowKind.UPDATE_BEFORE, current)))
        .as("-U changes nothing: null, neither delete nor upsert")
        .containsEntry(1, "NULL(" + Types.BOOLEAN + ")")
        .containsEntry(4, "NULL(" + Types.TIMESTAMP_WITH_TIMEZONE + ")")
        .containsEntry(5, true)
        .containsEntry(10, "n");
    assertThat(bound(ACCOUNTS, Change.of(RowKind.DELETE, current))).containsEntry(1, true);
    assertThat(bound(ACCOUNTS, Change.of(RowKind.INSERT, current))).containsEntry(1, false);
  }

  @Test
  void survivesJavaSerialization_asTheSinksStatementBuilderMust() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(ACCOUNTS);
    }
    Object copy;
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      copy = in.readObject();
    }
    assertThat(((Scd2PostgresTable<?>) copy).mergeSql()).isEqualTo(ACCOUNTS.mergeSql());
  }

  @Test
  void named_refusesNamesThatAreNotPlainIdentifiers() {
    assertThatThrownBy(() -> Scd2PostgresTable.named("accounts; DROP TABLE x", "id"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "table must be a lower-case identifier of at most 63 characters, optionally"
                + " schema-qualified, was 'accounts; DROP TABLE x'");
    assertThatThrownBy(() -> Scd2PostgresTable.named("accounts", "Id"))
        .hasMessage(
            "keyColumn must be a lower-case identifier ([a-z_][a-z0-9_]*) of at most 63"
                + " characters, was 'Id'");
    assertThatThrownBy(() -> Scd2PostgresTable.named("accounts", "valid_from"))
        .hasMessage("keyColumn 'valid_from' is taken");
  }

  /**
   * PostgreSQL cuts a longer identifier to 63 bytes, so two long names could become one: refused,
   * and the message says why, as the name itself matches the character pattern.
   */
  @Test
  void names_longerThan63Characters_areRefused_sayingTheLimit() {
    String longest = "n".repeat(63);
    assertThat(
            Scd2PostgresTable.<Account>named(longest + "." + longest, longest)
                .withColumn("c" + longest.substring(1), "text", Account::plan)
                .createTableSql())
        .contains('"' + longest + "\".\"" + longest + '"');
    String tooLong = "n".repeat(64);
    assertThatThrownBy(() -> Scd2PostgresTable.named(tooLong, "id"))
        .hasMessage(
            "table must be a lower-case identifier of at most 63 characters, optionally"
                + " schema-qualified, was '"
                + tooLong
                + "'");
    assertThatThrownBy(() -> Scd2PostgresTable.named("accounts", tooLong))
        .hasMessage(
            "keyColumn must be a lower-case identifier ([a-z_][a-z0-9_]*) of at most 63"
                + " characters, was '"
                + tooLong
                + "'");
    assertThatThrownBy(
            () ->
                Scd2PostgresTable.<Account>named("accounts", "id")
                    .withColumn(tooLong, "text", Account::plan))
        .hasMessage(
            "column name must be a lower-case identifier ([a-z_][a-z0-9_]*) of at most 63"
                + " characters, was '"
                + tooLong
                + "'");
  }

  @Test
  void withColumn_refusesTakenNamesAndTypesOutsideTheGrammar() {
    Scd2PostgresTable<Account> table = Scd2PostgresTable.named("accounts", "account_id");
    assertThatThrownBy(() -> table.withColumn("account_id", "text", Account::plan))
        .hasMessage("column name 'account_id' is taken");
    assertThatThrownBy(() -> table.withColumn("retract", "text", Account::plan))
        .hasMessage("column name 'retract' is taken");
    assertThatThrownBy(
            () ->
                table
                    .withColumn("plan", "text", Account::plan)
                    .withColumn("plan", "text", Account::plan))
        .hasMessage("column name 'plan' is taken");
    assertThatThrownBy(() -> table.withColumn("plan", "text) --", Account::plan))
        .hasMessage(
            "sqlType must be a type name with optional (precision[, scale]) and [], was 'text) --'");
    assertThat(
            table
                .withColumn("a", "numeric(12, 2)", Account::plan)
                .withColumn("b", "double precision", Account::plan)
                .withColumn("c", "text[]", Account::plan)
                .createTableSql())
        .contains("\"a\" numeric(12, 2),", "\"b\" double precision,", "\"c\" text[],");
  }

  @Test
  void withColumn_refusesWordsAfterTheTypeNameThatMakeAnExpression() {
    Scd2PostgresTable<Account> table = Scd2PostgresTable.named("accounts", "account_id");
    // ?::boolean or true would store true whatever the value; ?::text is null a boolean
    for (String expression : new String[] {"boolean or true", "text is null", "text collate c"}) {
      assertThatThrownBy(() -> table.withColumn("a", expression, Account::plan))
          .as(expression)
          .hasMessage(
              "sqlType must be a type name with optional (precision[, scale]) and [], was '"
                  + expression
                  + "'");
    }
    assertThat(
            table
                .withColumn("a", "timestamp with time zone", Account::plan)
                .withColumn("b", "time without time zone", Account::plan)
                .withColumn("c", "interval day to second(3)", Account::plan)
                .withColumn("d", "character varying(10)", Account::plan)
                .withColumn("e", "national character varying(5)[]", Account::plan)
                .withColumn("f", "bit varying(8)", Account::plan)
                .createTableSql())
        .contains(
            "\"a\" timestamp with time zone,",
            "\"c\" interval day to second(3),",
            "\"e\" national character varying(5)[],");
  }

  /**
   * The step after decoding: an insert or update the table cannot hold is a dead letter of its own
   * with the reason, counted; a delete and a {@code -U} are checked by their key alone (the SCD2
   * step writes neither's attributes), a change without a key goes on for the SCD2 step to reject.
   */
  @Test
  void rejectUnwritable_deadLettersChangesTheTableCannotHold_deletesByTheirKeyAlone()
      throws Exception {
    Account good = new Account("a1", "pro", "x@y", "n");
    Account nulPlan = new Account("a2", "pr\u0000o", "x@y", "n");
    Account nulKey = new Account("a\u00003", "pro", "x@y", "n");
    Account noKey = new Account(null, "pr\u0000o", "x@y", "n");
    List<Change<Account>> changes =
        List.of(
            Change.insert(good),
            Change.insert(nulPlan).withEventTime(7L).withSourcePosition(42L),
            Change.updateAfter(nulPlan),
            Change.updateBefore(nulPlan),
            Change.delete(nulPlan),
            Change.delete(nulKey),
            Change.insert(noKey));

    StepRun run = runStep(ACCOUNTS.rejectUnwritable("writable", Account::id), changes);

    assertThat(run.output())
        .containsExactly(
            Change.insert(good),
            Change.updateBefore(nulPlan),
            Change.delete(nulPlan),
            Change.insert(noKey));
    assertThat(run.deadLetters())
        .extracting(DeadLetter::uid, DeadLetter::errorClass, DeadLetter::errorMessage)
        .containsExactly(
            tuple(
                "crm/writable",
                IllegalArgumentException.class.getName(),
                "column 'plan' holds a NUL character (U+0000) at index 2, which PostgreSQL"
                    + " cannot store in text"),
            tuple(
                "crm/writable",
                IllegalArgumentException.class.getName(),
                "column 'plan' holds a NUL character (U+0000) at index 2, which PostgreSQL"
                    + " cannot store in text"),
            tuple(
                "crm/writable",
                IllegalArgumentException.class.getName(),
                "key column 'account_id' holds a NUL character (U+0000) at index 1, which"
                    + " PostgreSQL cannot store in text"));
    assertThat(run.deadLetters().get(0).sourcePosition()).isEqualTo("42");
    assertThat(run.deadLetters().get(0).eventTime()).isEqualTo(7L);
    RecordAccounting.StepCounts counts = run.accounting().step("crm", "writable");
    assertThat(counts.in()).isEqualTo(7);
    assertThat(counts.out()).isEqualTo(4);
    assertThat(counts.deadLettered()).isEqualTo(3);
    assertThat(counts.filtered()).isZero();
  }

  @Test
  void rejectUnwritable_refusesAnInvalidStepName() {
    assertThatThrownBy(() -> ACCOUNTS.rejectUnwritable("bad name", Account::id))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("step name must be 1 to 64 characters");
  }

  /** What the step's operator emitted, and its accounting. */
  private record StepRun(
      List<Change<Account>> output, List<DeadLetter> deadLetters, RecordAccounting accounting) {}

  /** Runs {@code step} as the one step of the pipeline {@code crm} in an operator harness. */
  @SuppressWarnings("unchecked")
  private static StepRun runStep(
      EtlStep<Change<Account>, Change<Account>> step, List<Change<Account>> changes)
      throws Exception {
    TypeInformation<Change<Account>> type = Change.typeInfo(Account.TYPE);
    DataStream<Change<Account>> input =
        StreamExecutionEnvironment.getExecutionEnvironment().fromData(changes, type);
    OneInputTransformation<Change<Account>, Change<Account>> transformation =
        (OneInputTransformation<Change<Account>, Change<Account>>)
            Etl.from(input, "crm").apply(step).toDataStream().getTransformation();
    OneInputStreamOperator<Change<Account>, Change<Account>> operator =
        (OneInputStreamOperator<Change<Account>, Change<Account>>)
            ((SimpleOperatorFactory<Change<Account>>) transformation.getOperatorFactory())
                .getOperator();
    try (OneInputStreamOperatorTestHarness<Change<Account>, Change<Account>> harness =
        new OneInputStreamOperatorTestHarness<>(operator)) {
      harness.setup(type.createSerializer(harness.getExecutionConfig().getSerializerConfig()));
      harness.open();
      for (Change<Account> change : changes) {
        harness.processElement(new StreamRecord<>(change));
      }
      List<DeadLetter> deadLetters = new ArrayList<>();
      if (harness.getSideOutput(DeadLetter.OUTPUT_TAG) != null) {
        harness.getSideOutput(DeadLetter.OUTPUT_TAG).forEach(r -> deadLetters.add(r.getValue()));
      }
      Map<String, Object> accumulators = new TreeMap<>();
      harness
          .getEnvironment()
          .getAccumulatorRegistry()
          .getUserMap()
          .forEach((name, accumulator) -> accumulators.put(name, accumulator.getLocalValue()));
      return new StepRun(
          harness.extractOutputValues(), deadLetters, RecordAccounting.of(accumulators));
    }
  }

  /** The parameters {@code bind} sets, by index; a null as {@code NULL(<sql type>)}. */
  private static Map<Integer, Object> bound(
      Scd2PostgresTable<Account> table, Change<Scd2Row<Account>> change) throws Exception {
    Map<Integer, Object> parameters = new TreeMap<>();
    PreparedStatement statement =
        (PreparedStatement)
            Proxy.newProxyInstance(
                PreparedStatement.class.getClassLoader(),
                new Class<?>[] {PreparedStatement.class},
                (proxy, method, args) -> {
                  if (method.getName().equals("setNull")) {
                    parameters.put((Integer) args[0], "NULL(" + args[1] + ")");
                  } else if (method.getName().startsWith("set")) {
                    parameters.put((Integer) args[0], args[1]);
                  } else {
                    throw new UnsupportedOperationException(method.getName());
                  }
                  return null;
                });
    table.bind(statement, change);
    return parameters;
  }
}
