package dev.etlkit.operators.cdc;

import static dev.etlkit.operators.cdc.ConnectRecords.decimal;
import static dev.etlkit.operators.cdc.ConnectRecords.envelope;
import static dev.etlkit.operators.cdc.ConnectRecords.named;
import static dev.etlkit.operators.cdc.ConnectRecords.optional;
import static dev.etlkit.operators.cdc.ConnectRecords.prim;
import static dev.etlkit.operators.cdc.ConnectRecords.required;
import static dev.etlkit.operators.cdc.ConnectRecords.struct;
import static dev.etlkit.operators.cdc.ConnectRecords.values;
import static dev.etlkit.operators.cdc.ConnectRecords.with;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.core.EtlException;
import dev.etlkit.core.RawRecord;
import dev.etlkit.core.RecordAccounting;
import dev.etlkit.operators.PayloadInput;
import dev.etlkit.operators.avro.SchemaLookupFailures;
import dev.etlkit.operators.avro.SchemaProvider;
import dev.etlkit.operators.cdc.ConnectRecords.Prim;
import dev.etlkit.operators.cdc.ConnectRecords.Struct;
import dev.etlkit.operators.cdc.Debezium.Metadata;
import dev.etlkit.operators.cdc.Debezium.Tombstones;
import dev.etlkit.operators.cdc.internal.DecoderSettings;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import javax.annotation.Nullable;
import org.apache.avro.Schema;
import org.apache.flink.types.RowKind;
import org.apache.flink.util.ExceptionUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Debezium events as Confluent's {@code AvroConverter} writes them ({@link
 * Debezium.DecodeStep#withAvro}): each event, for PostgreSQL and MySQL, decodes exactly as its twin
 * written by {@code JsonConverter} with the schema wrapper; Avro's own faults become dead letters.
 */
class DebeziumAvroTest {

  private static final String SECRET = "SECRET-7f3a";

  // ---- the tables, as Debezium's connectors describe them

  static final Map<String, String> ENUM_SNAPSHOT = Map.of("allowed", "true,last,false,incremental");

  static final Struct PG_ROW =
      struct(
          "dbserver1.public.items.Value",
          required("id", prim("int32")),
          optional("big", prim("int64")),
          optional("price", decimal(10, 2)),
          optional("created_at", named("int64", "io.debezium.time.MicroTimestamp")),
          optional("updated_at", named("string", "io.debezium.time.ZonedTimestamp")),
          optional("birth_date", named("int32", "io.debezium.time.Date")),
          optional("note", prim("string")),
          optional("active", prim("boolean")),
          optional("data", prim("bytes")),
          optional("ratio", ConnectRecords.VARIABLE_SCALE_DECIMAL));

  static final Struct PG_SOURCE =
      struct(
          "io.debezium.connector.postgresql.Source",
          required("version", prim("string")),
          required("connector", prim("string")),
          required("name", prim("string")),
          required("ts_ms", prim("int64")),
          optional("snapshot", new Prim("string", "io.debezium.data.Enum", ENUM_SNAPSHOT, null)),
          required("db", prim("string")),
          optional("sequence", prim("string")),
          required("schema", prim("string")),
          required("table", prim("string")),
          optional("txId", prim("int64")),
          optional("lsn", prim("int64")),
          optional("xmin", prim("int64")));

  /** MySQL with {@code time.precision.mode=connect}: Kafka Connect's logical types. */
  static final Struct MYSQL_ROW =
      struct(
          "dbserver1.inventory.items.Value",
          required("id", prim("int32")),
          optional("big", prim("int64")),
          optional("price", decimal(10, 2)),
          optional(
              "created_at",
              new Prim(
                  "int64",
                  "org.apache.kafka.connect.data.Timestamp",
                  Map.of(),
                  "timestamp-millis")),
          optional("updated_at", named("string", "io.debezium.time.ZonedTimestamp")),
          optional(
              "birth_date",
              new Prim("int32", "org.apache.kafka.connect.data.Date", Map.of(), "date")),
          optional("note", prim("string")),
          optional("active", prim("boolean")),
          optional("data", prim("bytes")));

  static final Struct MYSQL_SOURCE =
      struct(
          "io.debezium.connector.mysql.Source",
          required("version", prim("string")),
          required("connector", prim("string")),
          required("name", prim("string")),
          required("ts_ms", prim("int64")),
          optional("snapshot", new Prim("string", "io.debezium.data.Enum", ENUM_SNAPSHOT, null)),
          required("db", prim("string")),
          optional("sequence", prim("string")),
          optional("table", prim("string")),
          required("server_id", prim("int64")),
          optional("gtid", prim("string")),
          required("file", prim("string")),
          required("pos", prim("int64")),
          required("row", prim("int32")),
          optional("thread", prim("int64")),
          optional("query", prim("string")));

  static final Struct PG_KEY = struct("dbserver1.public.items.Key", required("id", prim("int32")));
  static final Struct MYSQL_KEY =
      struct("dbserver1.inventory.items.Key", required("id", prim("int32")));
  static final Struct HEARTBEAT =
      struct("io.debezium.connector.common.Heartbeat", required("ts_ms", prim("int64")));
  static final Struct TRANSACTION =
      struct(
          "io.debezium.connector.common.TransactionMetadataValue",
          required("status", prim("string")),
          required("id", prim("string")),
          optional("event_count", prim("int64")),
          required("ts_ms", prim("int64")));

  /** One connector's schemas, registered under fixed ids. */
  record Connector(Struct row, Struct source, Struct key, String topic) {
    Struct envelopeType() {
      return envelope(topic, row, source);
    }

    SchemaProvider schemas() {
      return SchemaProvider.of(
          Map.of(
              1, ConnectRecords.avroSchema(envelopeType()),
              2, ConnectRecords.avroSchema(key),
              3, ConnectRecords.avroSchema(HEARTBEAT),
              4, ConnectRecords.avroSchema(TRANSACTION)));
    }
  }

  static final Connector POSTGRES =
      new Connector(PG_ROW, PG_SOURCE, PG_KEY, "dbserver1.public.items");
  static final Connector MYSQL =
      new Connector(MYSQL_ROW, MYSQL_SOURCE, MYSQL_KEY, "dbserver1.inventory.items");

  // ---- rows and events

  static byte[] unscaled(long unscaled) {
    return BigInteger.valueOf(unscaled).toByteArray();
  }

  static final byte[] BYTEA = {1, 2, 3, (byte) 0xff, 0};

  static Map<String, Object> pgRow(int id) {
    return values(
        "id",
        id,
        "big",
        9_007_199_254_740_993L, // no double holds it
        "price",
        unscaled(1230), // 12.30
        "created_at",
        1_710_497_730_123_456L, // 2024-03-15T10:15:30.123456
        "updated_at",
        "2024-03-15T10:15:30.123456Z",
        "birth_date",
        19797, // 2024-03-15
        "note",
        "first",
        "active",
        true,
        "data",
        BYTEA,
        "ratio",
        values("scale", 3, "value", unscaled(-12345))); // -12.345
  }

  static Map<String, Object> mysqlRow(int id) {
    return values(
        "id",
        id,
        "big",
        9_007_199_254_740_993L,
        "price",
        unscaled(1230),
        "created_at",
        1_710_497_730_123L, // milliseconds
        "updated_at",
        "2024-03-15T10:15:30Z",
        "birth_date",
        19797,
        "note",
        "first",
        "active",
        true,
        "data",
        BYTEA);
  }

  static Map<String, Object> pgSource(long tsMs, long lsn, String snapshot) {
    return values(
        "version",
        "2.7.0.Final",
        "connector",
        "postgresql",
        "name",
        "dbserver1",
        "ts_ms",
        tsMs,
        "snapshot",
        snapshot,
        "db",
        "shop",
        "sequence",
        "[null,\"" + lsn + "\"]",
        "schema",
        "public",
        "table",
        "items",
        "txId",
        780L,
        "lsn",
        lsn,
        "xmin",
        null);
  }

  static Map<String, Object> mysqlSource(long tsMs, long pos, String snapshot) {
    return values(
        "version",
        "2.7.0.Final",
        "connector",
        "mysql",
        "name",
        "dbserver1",
        "ts_ms",
        tsMs,
        "snapshot",
        snapshot,
        "db",
        "inventory",
        "sequence",
        null,
        "table",
        "items",
        "server_id",
        223344L,
        "gtid",
        null,
        "file",
        "mysql-bin.000003",
        "pos",
        pos,
        "row",
        0,
        "thread",
        7L,
        "query",
        null);
  }

  static Map<String, Object> event(
      String op,
      @Nullable Map<String, Object> before,
      @Nullable Map<String, Object> after,
      Map<String, Object> source,
      long tsMs) {
    return values(
        "before",
        before,
        "after",
        after,
        "source",
        source,
        "op",
        op,
        "ts_ms",
        tsMs,
        "transaction",
        null);
  }

  /** One Kafka record in both forms. */
  record Twin(
      String what,
      @Nullable byte[] jsonKey,
      @Nullable byte[] jsonValue,
      @Nullable byte[] avroKey,
      @Nullable byte[] avroValue) {

    RawRecord json(long offset) {
      return new RawRecord(jsonKey, jsonValue, "items/0@" + offset, 5_000L + offset);
    }

    RawRecord avro(long offset) {
      return new RawRecord(avroKey, avroValue, "items/0@" + offset, 5_000L + offset);
    }
  }

  static Twin change(Connector c, String what, int keyId, Map<String, Object> event) {
    Struct type = c.envelopeType();
    Map<String, Object> key = values("id", keyId);
    return new Twin(
        what,
        ConnectRecords.json(c.key(), key),
        ConnectRecords.json(type, event),
        ConnectRecords.avro(2, ConnectRecords.avroSchema(c.key()), key),
        ConnectRecords.avro(1, ConnectRecords.avroSchema(type), event));
  }

  static Twin other(String what, Struct type, int schemaId, Map<String, Object> value) {
    return new Twin(
        what,
        null,
        ConnectRecords.json(type, value),
        null,
        ConnectRecords.avro(schemaId, ConnectRecords.avroSchema(type), value));
  }

  static Twin tombstone(Connector c, int keyId) {
    Map<String, Object> key = values("id", keyId);
    return new Twin(
        "tombstone",
        ConnectRecords.json(c.key(), key),
        null,
        ConnectRecords.avro(2, ConnectRecords.avroSchema(c.key()), key),
        null);
  }

  static List<Twin> postgresEvents() {
    Map<String, Object> row1 = pgRow(1);
    Map<String, Object> row1b = with(row1, "note", "second", "price", unscaled(-5), "big", null);
    Map<String, Object> keyOnly = values("id", 2);
    return List.of(
        change(
            POSTGRES, "snapshot read", 1, event("r", null, row1, pgSource(900, 10, "true"), 950)),
        change(
            POSTGRES, "insert", 2, event("c", null, pgRow(2), pgSource(1000, 20, "false"), 1050)),
        change(
            POSTGRES,
            "update, before",
            1,
            event("u", row1, row1b, pgSource(1100, 30, "false"), 1150)),
        change(
            POSTGRES,
            "update, no before",
            1,
            event("u", null, row1, pgSource(1200, 40, "false"), 1250)),
        change(
            POSTGRES,
            "delete, before",
            1,
            event("d", row1, null, pgSource(1300, 50, "false"), 1350)),
        change(
            POSTGRES,
            "delete, key-only before",
            2,
            event("d", keyOnly, null, pgSource(1400, 60, "false"), 1450)),
        change(
            POSTGRES,
            "delete, no before",
            2,
            event("d", null, null, pgSource(1500, 70, "false"), 1550)),
        tombstone(POSTGRES, 2),
        change(
            POSTGRES,
            "update, TOAST placeholder",
            1,
            event(
                "u",
                null,
                with(row1, "note", Debezium.DEFAULT_UNAVAILABLE_VALUE_PLACEHOLDER),
                pgSource(1600, 80, "false"),
                1650)),
        change(
            POSTGRES,
            "update, TOAST bytea placeholder",
            1,
            event(
                "u",
                null,
                with(
                    row1,
                    "data",
                    ConnectRecords.utf8(Debezium.DEFAULT_UNAVAILABLE_VALUE_PLACEHOLDER)),
                pgSource(1650, 85, "false"),
                1660)),
        change(POSTGRES, "truncate", 1, event("t", null, null, pgSource(1700, 90, "false"), 1750)),
        change(
            POSTGRES,
            "logical message",
            1,
            event("m", null, null, pgSource(1700, 95, "false"), 1750)),
        change(
            POSTGRES, "unknown op", 1, event("x", null, row1, pgSource(1800, 100, "false"), 1850)),
        change(
            POSTGRES,
            "insert, source ts 0",
            3,
            event("c", null, pgRow(3), pgSource(0, 110, "false"), 1950)),
        other("heartbeat", HEARTBEAT, 3, values("ts_ms", 2000L)),
        other(
            "transaction marker",
            TRANSACTION,
            4,
            values("status", "BEGIN", "id", "780:20", "event_count", null, "ts_ms", 2100L)));
  }

  static List<Twin> mysqlEvents() {
    Map<String, Object> row1 = mysqlRow(1);
    Map<String, Object> row1b = with(row1, "active", false, "created_at", 0L, "data", null);
    return List.of(
        change(MYSQL, "snapshot read", 1, event("r", null, row1, mysqlSource(0, 154, "true"), 950)),
        change(
            MYSQL,
            "insert",
            2,
            event("c", null, mysqlRow(2), mysqlSource(1000, 200, "false"), 1050)),
        change(MYSQL, "update", 1, event("u", row1, row1b, mysqlSource(1100, 300, "false"), 1150)),
        change(MYSQL, "delete", 1, event("d", row1b, null, mysqlSource(1200, 400, "false"), 1250)),
        tombstone(MYSQL, 1),
        change(
            MYSQL,
            "delete, no before",
            2,
            event("d", null, null, mysqlSource(1300, 500, "false"), 1350)),
        other("heartbeat", HEARTBEAT, 3, values("ts_ms", 2000L)));
  }

  // ---- running both

  /** What a list of records became: per record its changes and dead letters, and the counts. */
  record Run(
      List<List<Change<TypedRow>>> changes,
      List<List<String>> deadLetters,
      RecordAccounting.StepCounts counts) {}

  static Run run(DecoderSettings<TypedRow> settings, List<RawRecord> records) throws Exception {
    List<List<Change<TypedRow>>> changes = new ArrayList<>();
    List<List<String>> letters = new ArrayList<>();
    try (DecoderHarness<RawRecord, TypedRow> h =
        new DecoderHarness<>(PayloadInput.rawRecords(), ErrorPolicy.deadLetter(), settings)) {
      for (int i = 0; i < records.size(); i++) {
        DecoderHarness.Emitted<TypedRow> e = h.process(records.get(i), 100 + i);
        changes.add(e.changes());
        letters.add(
            e.deadLetters().stream().map(l -> l.errorClass() + ": " + l.errorMessage()).toList());
      }
      return new Run(changes, letters, h.counts());
    }
  }

  static void assertAgree(Connector connector, List<Twin> events, Tombstones tombstones)
      throws Exception {
    DecoderSettings<TypedRow> json =
        DecoderSettings.defaults(TypedRow.class).withTombstones(tombstones);
    Run fromJson = run(json, events.stream().map(t -> t.json(events.indexOf(t))).toList());
    Run fromAvro =
        run(
            json.withAvro(connector.schemas()),
            events.stream().map(t -> t.avro(events.indexOf(t))).toList());
    for (int i = 0; i < events.size(); i++) {
      assertThat(fromAvro.changes().get(i))
          .as(events.get(i).what())
          .usingRecursiveComparison()
          .isEqualTo(fromJson.changes().get(i));
      assertThat(fromAvro.deadLetters().get(i))
          .as(events.get(i).what())
          .isEqualTo(fromJson.deadLetters().get(i));
    }
    assertThat(fromAvro.counts()).usingRecursiveComparison().isEqualTo(fromJson.counts());
    assertThat(fromAvro.counts().isBalanced()).isTrue();
  }

  // ---- tests

  @ParameterizedTest
  @EnumSource(Tombstones.class)
  void postgres_avroEventsDecodeLikeTheirJsonTwins(Tombstones tombstones) throws Exception {
    assertAgree(POSTGRES, postgresEvents(), tombstones);
  }

  @ParameterizedTest
  @EnumSource(Tombstones.class)
  void mysql_avroEventsDecodeLikeTheirJsonTwins(Tombstones tombstones) throws Exception {
    assertAgree(MYSQL, mysqlEvents(), tombstones);
  }

  /** The agreement is no agreement on nonsense: what both decode is the right row. */
  @Test
  void postgres_everyColumnTypeHasItsValue() throws Exception {
    List<Twin> events = postgresEvents();
    Run avro =
        run(
            DecoderSettings.defaults(TypedRow.class).withAvro(POSTGRES.schemas()),
            events.stream().map(t -> t.avro(events.indexOf(t))).toList());

    Change<TypedRow> read = avro.changes().get(0).get(0);
    assertThat(read.kind()).isEqualTo(RowKind.INSERT);
    assertThat(read.eventTime()).isEqualTo(900L);
    assertThat(read.sourcePosition()).isEqualTo(10L);
    TypedRow row = read.value();
    assertThat(row.id()).isEqualTo(1);
    assertThat(row.big()).isEqualTo(9_007_199_254_740_993L);
    assertThat(row.price()).isEqualTo(new BigDecimal("12.30"));
    assertThat(row.createdAt()).isEqualTo(LocalDateTime.parse("2024-03-15T10:15:30.123456"));
    assertThat(row.updatedAt()).isEqualTo(Instant.parse("2024-03-15T10:15:30.123456Z"));
    assertThat(row.birthDate()).isEqualTo(LocalDate.of(2024, 3, 15));
    assertThat(row.note()).isEqualTo("first");
    assertThat(row.active()).isTrue();
    assertThat(row.data()).isEqualTo(BYTEA);
    assertThat(row.ratio()).isEqualTo(new BigDecimal("-12.345"));

    assertThat(avro.changes().get(2))
        .extracting(
            c ->
                c.kind().shortString()
                    + " "
                    + c.value().note()
                    + " "
                    + c.value().price()
                    + " "
                    + c.value().big()
                    + " @"
                    + c.eventTime()
                    + "/"
                    + c.sourcePosition())
        .containsExactly(
            "-U first 12.30 9007199254740993 @1100/30", "+U second -0.05 null @1100/30");
    assertThat(avro.changes().get(3))
        .extracting(Change::kind)
        .containsExactly(RowKind.UPDATE_AFTER);
    assertThat(avro.changes().get(4)).extracting(Change::kind).containsExactly(RowKind.DELETE);
    // a key-only before, and no before: -D of the key from the image, then from the Avro key
    assertThat(avro.changes().get(5)).extracting(c -> c.value().id()).containsExactly(2);
    assertThat(avro.changes().get(6))
        .extracting(c -> c.value().id() + "@" + c.eventTime())
        .containsExactly("2@1500");
    assertThat(avro.changes().get(7)).isEmpty(); // tombstone, skipped
    assertThat(avro.deadLetters().get(8))
        .singleElement()
        .asString()
        .contains(
            "column 'note' of the after image holds Debezium's unavailable-value placeholder");
    assertThat(avro.deadLetters().get(9))
        .singleElement()
        .asString()
        .contains("column 'data' of the after image holds");
    assertThat(avro.deadLetters().get(10))
        .singleElement()
        .asString()
        .startsWith("java.lang.UnsupportedOperationException: truncate event (op 't')");
    assertThat(avro.changes().get(11)).isEmpty(); // logical message
    assertThat(avro.deadLetters().get(12)).singleElement().asString().contains("unknown op");
    assertThat(avro.changes().get(13)).extracting(Change::eventTime).containsExactly(1950L);
    assertThat(avro.changes().get(14)).isEmpty(); // heartbeat
    assertThat(avro.changes().get(15)).isEmpty(); // transaction marker
    assertThat(avro.counts().in()).isEqualTo(16);
    assertThat(avro.counts().deadLettered()).isEqualTo(4);
    assertThat(avro.counts().filtered()).isEqualTo(4);
    assertThat(avro.counts().isBalanced()).isTrue();
  }

  @Test
  void mysql_connectLogicalTypes_andTheBinlogPosition() throws Exception {
    List<Twin> events = mysqlEvents();
    Run avro =
        run(
            DecoderSettings.defaults(TypedRow.class).withAvro(MYSQL.schemas()),
            events.stream().map(t -> t.avro(events.indexOf(t))).toList());
    Change<TypedRow> read = avro.changes().get(0).get(0);
    // source.ts_ms 0 in the snapshot: the envelope's ts_ms
    assertThat(read.eventTime()).isEqualTo(950L);
    assertThat(read.sourcePosition()).isEqualTo(3L << 32 | 154);
    assertThat(read.value().createdAt()).isEqualTo(LocalDateTime.parse("2024-03-15T10:15:30.123"));
    assertThat(read.value().birthDate()).isEqualTo(LocalDate.of(2024, 3, 15));
    assertThat(read.value().price()).isEqualTo(new BigDecimal("12.30"));
    assertThat(read.value().ratio()).isNull();
    assertThat(avro.changes().get(2))
        .extracting(
            c -> c.kind().shortString() + " " + c.value().active() + " " + c.value().createdAt())
        .containsExactly("-U true 2024-03-15T10:15:30.123", "+U false 1970-01-01T00:00");
  }

  @Test
  void metadataFields_comeFromTheAvroSource() throws Exception {
    Twin insert = postgresEvents().get(1);
    DecoderSettings<AuditedCustomer> settings =
        DecoderSettings.defaults(AuditedCustomer.class)
            .withMetadataField("table", Metadata.TABLE)
            .withMetadataField("op", Metadata.OP)
            .withMetadataField("lsn", Metadata.LSN)
            .withMetadataField("changed_at", Metadata.SOURCE_TS_MS)
            .withAvro(POSTGRES.schemas());
    try (DecoderHarness<RawRecord, AuditedCustomer> h =
        new DecoderHarness<>(PayloadInput.rawRecords(), ErrorPolicy.deadLetter(), settings)) {
      assertThat(h.process(insert.avro(0), 1).changes())
          .singleElement()
          .satisfies(
              c ->
                  assertThat(c.value().toString())
                      .contains("table=items", "op=c", "lsn=20", "changedAt=1000", "id=2"));
    }
  }

  // ---- bad input

  static byte[] copyWith(byte[] bytes, int index, int value) {
    byte[] copy = bytes.clone();
    copy[index] = (byte) value;
    return copy;
  }

  @Test
  void badAvroInput_becomesDeadLetters_withReasons() throws Exception {
    Twin insert = postgresEvents().get(1);
    byte[] good = insert.avroValue();
    Struct notDebezium =
        struct("shop.Customer", required("id", prim("int32")), optional("name", prim("string")));
    Schema stringSchema = Schema.create(Schema.Type.STRING);
    Map<Integer, Schema> schemas = new java.util.HashMap<>();
    schemas.put(1, ConnectRecords.avroSchema(POSTGRES.envelopeType()));
    schemas.put(2, ConnectRecords.avroSchema(PG_KEY));
    schemas.put(7, ConnectRecords.avroSchema(notDebezium));
    schemas.put(8, stringSchema);
    byte[] secretString = ConnectRecords.utf8("\0\0\0\0\b" + "\u0016" + SECRET);
    Object[][] cases = {
      {
        copyWith(good, 0, 1),
        null,
        "dev.etlkit.operators.avro.AvroFormatException: value: not the Confluent wire format:"
            + " magic byte is 0x01, expected 0x00"
      },
      {
        new byte[] {0, 0, 0},
        null,
        "dev.etlkit.operators.avro.AvroFormatException: value: not the Confluent wire format:"
            + " 3 bytes, shorter than the 5-byte header"
      },
      {
        copyWith(good, 4, 99),
        null,
        "dev.etlkit.operators.avro.AvroFormatException: value: unknown writer schema id 99"
      },
      {
        Arrays.copyOf(good, good.length - 7),
        null,
        "dev.etlkit.operators.avro.AvroFormatException: value: truncated Avro data: the payload"
            + " ends before the record does"
      },
      {
        Arrays.copyOf(good, good.length + 2),
        null,
        "dev.etlkit.operators.avro.AvroFormatException: value: cannot decode the Avro record"
            + " (writer schema id 1): 2 trailing bytes after the record"
      },
      {
        ConnectRecords.avro(
            7, ConnectRecords.avroSchema(notDebezium), values("id", 1, "name", SECRET)),
        null,
        "java.lang.IllegalArgumentException: missing op: the value is no change event"
      },
      {
        secretString,
        null,
        "dev.etlkit.operators.avro.AvroFormatException: value must be an Avro record (a Debezium"
            + " envelope), was a string schema"
      },
      // a tombstone whose key is no Avro
      {
        null,
        ConnectRecords.utf8("{\"id\":" + SECRET + "}"),
        "dev.etlkit.operators.avro.AvroFormatException: key: not the Confluent wire format:"
            + " magic byte is 0x7b, expected 0x00"
      },
      // a delete without before whose key has an unknown schema
      {
        ConnectRecords.avro(1, schemas.get(1), event("d", null, null, pgSource(1, 2, "false"), 3)),
        copyWith(insert.avroKey(), 4, 42),
        "dev.etlkit.operators.avro.AvroFormatException: key: unknown writer schema id 42"
      },
    };
    List<RawRecord> records = new ArrayList<>();
    for (int i = 0; i < cases.length; i++) {
      records.add(new RawRecord((byte[]) cases[i][1], (byte[]) cases[i][0], "items/0@" + i, 7L));
    }
    records.add(insert.avro(99)); // a good neighbour
    Run run =
        run(
            DecoderSettings.defaults(TypedRow.class)
                .withTombstones(Tombstones.DELETE)
                .withAvro(SchemaProvider.of(schemas)),
            records);
    for (int i = 0; i < cases.length; i++) {
      assertThat(run.changes().get(i)).as("case %d", i).isEmpty();
      assertThat(run.deadLetters().get(i))
          .as("case %d", i)
          .singleElement()
          .asString()
          .startsWith((String) cases[i][2])
          .doesNotContain(SECRET);
    }
    assertThat(run.changes().get(cases.length)).hasSize(1);
    assertThat(run.counts().deadLettered()).isEqualTo(cases.length);
    assertThat(run.counts().out()).isEqualTo(1);
    assertThat(run.counts().isBalanced()).isTrue();
  }

  /** A provider that fails, then knows the id: nothing remembered, the next record asks again. */
  static final class FlakyProvider implements SchemaProvider {
    private static final long serialVersionUID = 1L;
    final AtomicInteger lookups = new AtomicInteger();
    final AtomicInteger opened = new AtomicInteger();
    final AtomicInteger closed = new AtomicInteger();

    @Override
    public void open() {
      opened.incrementAndGet();
    }

    @Override
    public Schema schemaById(int id) {
      if (lookups.incrementAndGet() == 1) {
        throw new IllegalStateException("registry down: http://user:" + SECRET + "@registry");
      }
      return id == 1 ? ConnectRecords.avroSchema(POSTGRES.envelopeType()) : null;
    }

    @Override
    public void close() {
      closed.incrementAndGet();
    }
  }

  @Test
  void providerFailure_withDeadLetter_isADeadLetterNamingTheClassOnly_andIsNotRemembered()
      throws Exception {
    FlakyProvider provider = new FlakyProvider();
    Twin insert = postgresEvents().get(1);
    List<DeadLetter> letters = new ArrayList<>();
    List<Change<TypedRow>> changes = new ArrayList<>();
    DecoderHarness<RawRecord, TypedRow> h =
        new DecoderHarness<>(
            PayloadInput.rawRecords(),
            ErrorPolicy.deadLetter(),
            DecoderSettings.defaults(TypedRow.class)
                .withAvro(provider)
                .withSchemaLookupFailures(SchemaLookupFailures.DEAD_LETTER));
    assertThat(provider.opened).hasValue(1);
    for (int i = 0; i < 3; i++) {
      DecoderHarness.Emitted<TypedRow> e = h.process(insert.avro(i), i);
      letters.addAll(e.deadLetters());
      changes.addAll(e.changes());
    }
    h.close();
    assertThat(letters)
        .singleElement()
        .satisfies(
            l ->
                assertThat(l.errorMessage())
                    .isEqualTo(
                        "value: schema provider failed to look up writer schema id 1"
                            + " (java.lang.IllegalStateException)"));
    assertThat(changes).hasSize(2);
    assertThat(provider.lookups).hasValue(2); // the failure, then once for good
    assertThat(provider.closed).hasValue(1);
  }

  /** A schema registry that is down: every lookup throws, with a credential in its message. */
  static final class RegistryDown implements SchemaProvider {
    private static final long serialVersionUID = 1L;
    private final Exception failure;

    RegistryDown(Exception failure) {
      this.failure = failure;
    }

    @Override
    public Schema schemaById(int id) throws Exception {
      throw failure;
    }
  }

  @Test
  void providerFailure_failsTheTaskNamingStepAndClassOnly() throws Exception {
    DecoderHarness<RawRecord, TypedRow> h =
        DecoderHarness.rawRecords(
            DecoderSettings.defaults(TypedRow.class)
                .withAvro(
                    new RegistryDown(
                        new java.net.ConnectException("http://user:" + SECRET + "@registry"))));
    RawRecord insert = postgresEvents().get(1).avro(0);
    assertThatThrownBy(() -> h.process(insert, 0))
        .isInstanceOf(EtlException.class)
        .hasMessage(
            "[crm/customers-cdc] value: schema provider failed to look up writer schema id 1"
                + " (java.net.ConnectException)")
        .satisfies(e -> assertThat(ExceptionUtils.stringifyException(e)).doesNotContain(SECRET));
    assertThat(h.counts().deadLettered()).isZero();
    h.close();
  }

  @Test
  void providerInterrupted_failsTheTaskAndKeepsTheInterruptFlag_evenWithDeadLetter()
      throws Exception {
    DecoderHarness<RawRecord, TypedRow> h =
        DecoderHarness.rawRecords(
            DecoderSettings.defaults(TypedRow.class)
                .withAvro(new RegistryDown(new InterruptedException()))
                .withSchemaLookupFailures(SchemaLookupFailures.DEAD_LETTER));
    RawRecord insert = postgresEvents().get(1).avro(0);
    assertThatThrownBy(() -> h.process(insert, 0))
        .isInstanceOf(EtlException.class)
        .hasMessageContaining("[crm/customers-cdc]")
        .hasMessageContaining("interrupted");
    assertThat(Thread.interrupted()).isTrue(); // and clears it for the next test
    assertThat(h.counts().deadLettered()).isZero();
    h.close();
  }

  /**
   * As Jackson counts it for JSON: objects and arrays (Avro records, arrays and maps) nest, values
   * inside them do not. The insert nests three deep: envelope, {@code after}, its {@code ratio}
   * record ({@code VariableScaleDecimal}).
   */
  @Test
  void readLimits_maxNestingDepth_countsRecordsArraysAndMaps_notTheValuesInThem() throws Exception {
    Twin insert = postgresEvents().get(1);
    DecoderSettings<TypedRow> settings = DecoderSettings.defaults(TypedRow.class);
    Run three =
        run(
            settings
                .withLimits(dev.etlkit.operators.JsonReadLimits.defaults().withMaxNestingDepth(3))
                .withAvro(POSTGRES.schemas()),
            List.of(insert.avro(0)));
    Run two =
        run(
            settings
                .withLimits(dev.etlkit.operators.JsonReadLimits.defaults().withMaxNestingDepth(2))
                .withAvro(POSTGRES.schemas()),
            List.of(insert.avro(0)));

    assertThat(three.deadLetters().get(0)).isEmpty();
    assertThat(three.changes().get(0)).extracting(c -> c.value().id()).containsExactly(2);
    assertThat(two.deadLetters().get(0))
        .singleElement()
        .asString()
        .isEqualTo(
            "dev.etlkit.operators.avro.AvroFormatException: value: nesting deeper than"
                + " maxNestingDepth 2");
  }

  @Test
  void readLimits_applyToAvroValues() throws Exception {
    Twin insert = postgresEvents().get(1);
    Run run =
        run(
            DecoderSettings.defaults(TypedRow.class)
                .withLimits(dev.etlkit.operators.JsonReadLimits.defaults().withMaxStringLength(8))
                .withAvro(POSTGRES.schemas()),
            List.of(insert.avro(0)));
    assertThat(run.deadLetters().get(0))
        .singleElement()
        .asString()
        .isEqualTo(
            "dev.etlkit.operators.avro.AvroFormatException: value: a string longer than"
                + " maxStringLength 8");
  }
}
