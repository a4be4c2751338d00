package dev.etlkit.operators.cdc;

import static dev.etlkit.operators.cdc.DebeziumAvroTest.POSTGRES;
import static dev.etlkit.operators.cdc.DebeziumAvroTest.event;
import static dev.etlkit.operators.cdc.DebeziumAvroTest.pgSource;
import static dev.etlkit.operators.cdc.DebeziumAvroTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.RawRecord;
import dev.etlkit.operators.cdc.Debezium.KeyFormat;
import dev.etlkit.operators.cdc.Debezium.Tombstones;
import dev.etlkit.operators.cdc.DebeziumAvroTest.Run;
import dev.etlkit.operators.cdc.DebeziumAvroTest.Twin;
import dev.etlkit.operators.cdc.internal.DecoderSettings;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link Debezium.DecodeStep#withKeyFormat}: Avro values with keys that Kafka Connect's {@code
 * JsonConverter} wrote, and keys that are not read at all.
 */
class DebeziumKeyFormatTest {

  private static final String SECRET = "SECRET-91c2";

  /** The key {@code JsonConverter} writes with {@code schemas.enable=false}. */
  private static byte[] plainJsonKey(int id) {
    return ConnectRecords.utf8("{\"id\":" + id + "}");
  }

  /** A key as {@code StringConverter} writes Debezium's key struct: {@code Struct.toString()}. */
  private static byte[] stringConverterKey(int id) {
    return ConnectRecords.utf8("Struct{id=" + id + "}");
  }

  private static RawRecord record(Twin twin, byte[] key, long offset) {
    return new RawRecord(key, twin.avroValue(), "items/0@" + offset, 5_000L + offset);
  }

  private static DecoderSettings<TypedRow> avro(KeyFormat keys, Tombstones tombstones) {
    return DecoderSettings.defaults(TypedRow.class)
        .withTombstones(tombstones)
        .withAvro(POSTGRES.schemas())
        .withKeyFormat(keys);
  }

  // ---- JSON keys, Avro values

  /**
   * Every PostgreSQL event, Avro value with the JSON key (with the schema wrapper) of its twin,
   * decodes as the twin does in JSON: tombstones, key-only deletes from the key and all the rest.
   */
  @ParameterizedTest
  @EnumSource(Tombstones.class)
  void jsonKeys_avroValues_decodeLikeTheJsonTwins(Tombstones tombstones) throws Exception {
    List<Twin> events = DebeziumAvroTest.postgresEvents();
    List<RawRecord> jsonRecords = new ArrayList<>();
    List<RawRecord> mixed = new ArrayList<>();
    for (int i = 0; i < events.size(); i++) {
      Twin twin = events.get(i);
      jsonRecords.add(twin.json(i));
      mixed.add(new RawRecord(twin.jsonKey(), twin.avroValue(), "items/0@" + i, 5_000L + i));
    }
    Run fromJson =
        run(DecoderSettings.defaults(TypedRow.class).withTombstones(tombstones), jsonRecords);
    Run fromMixed = run(avro(KeyFormat.JSON, tombstones), mixed);

    for (int i = 0; i < events.size(); i++) {
      assertThat(fromMixed.changes().get(i))
          .as(events.get(i).what())
          .usingRecursiveComparison()
          .isEqualTo(fromJson.changes().get(i));
      assertThat(fromMixed.deadLetters().get(i))
          .as(events.get(i).what())
          .isEqualTo(fromJson.deadLetters().get(i));
    }
    assertThat(fromMixed.counts()).usingRecursiveComparison().isEqualTo(fromJson.counts());
  }

  /** {@code key.converter.schemas.enable=false}: a plain JSON object of the key columns. */
  @Test
  void jsonKeys_withoutTheSchemaWrapper_giveKeyOnlyDeletes() throws Exception {
    Twin deleteWithoutBefore =
        DebeziumAvroTest.change(
            POSTGRES,
            "delete, no before",
            2,
            event("d", null, null, pgSource(1500, 70, "false"), 1550));
    Run run =
        run(
            avro(KeyFormat.JSON, Tombstones.DELETE),
            List.of(
                record(deleteWithoutBefore, plainJsonKey(2), 0),
                new RawRecord(plainJsonKey(3), null, "items/0@1", 5_001L)));

    assertThat(run.deadLetters()).allSatisfy(letters -> assertThat(letters).isEmpty());
    assertThat(run.changes().get(0))
        .extracting(c -> c.kind().shortString() + " " + c.value().id() + " @" + c.eventTime())
        .containsExactly("-D 2 @1500");
    assertThat(run.changes().get(1))
        .extracting(c -> c.kind().shortString() + " " + c.value().id() + " @" + c.eventTime())
        .containsExactly("-D 3 @5001"); // the record's timestamp, as for Avro keys
    assertThat(run.counts().isBalanced()).isTrue();
  }

  /** A JSON key that is needed and cannot be read: one dead letter naming the key, no payload. */
  @Test
  void jsonKeys_malformedKey_isADeadLetterWithItsReason() throws Exception {
    Twin deleteWithoutBefore =
        DebeziumAvroTest.change(
            POSTGRES,
            "delete, no before",
            2,
            event("d", null, null, pgSource(1500, 70, "false"), 1550));
    Twin insert = DebeziumAvroTest.postgresEvents().get(1);
    Run run =
        run(
            avro(KeyFormat.JSON, Tombstones.DELETE),
            List.of(
                record(deleteWithoutBefore, ConnectRecords.utf8("{\"id\":" + SECRET + "}"), 0),
                record(deleteWithoutBefore, ConnectRecords.utf8("{\"id\":2"), 1),
                new RawRecord(ConnectRecords.utf8("[2]"), null, "items/0@2", 5_002L),
                // an AvroConverter key, where JSON is expected
                record(deleteWithoutBefore, deleteWithoutBefore.avroKey(), 3),
                record(insert, ConnectRecords.utf8("{\"id\":" + SECRET + "}"), 4)));

    assertThat(run.deadLetters().get(0))
        .singleElement()
        .asString()
        .startsWith("com.fasterxml.jackson.core.JsonParseException: key: malformed JSON at line 1")
        .doesNotContain(SECRET);
    assertThat(run.deadLetters().get(1))
        .singleElement()
        .asString()
        .startsWith("com.fasterxml.jackson.core.io.JsonEOFException: key: truncated JSON");
    assertThat(run.deadLetters().get(2))
        .singleElement()
        .asString()
        .isEqualTo(
            "java.lang.IllegalArgumentException: key must be a JSON object of key columns, was"
                + " array");
    assertThat(run.deadLetters().get(3))
        .singleElement()
        .asString()
        .startsWith("com.fasterxml.jackson.core.JsonParseException: key: invalid UTF-32")
        .contains(
            "it starts like the Confluent wire format of AvroConverter (magic byte 0x00): read"
                + " such keys with withKeyFormat(SAME_AS_VALUE)");
    // an insert does not read its key: a bad one does not matter
    assertThat(run.deadLetters().get(4)).isEmpty();
    assertThat(run.changes().get(4)).hasSize(1);
    assertThat(run.counts().deadLettered()).isEqualTo(4);
    assertThat(run.counts().isBalanced()).isTrue();
  }

  // ---- keys not read

  /**
   * {@code key.converter=StringConverter}: keys the step cannot read. Only a delete without a
   * before-image needs one: a dead letter saying why, not a failed parse of the key; everything
   * else decodes from the value, tombstones are skipped and counted.
   */
  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void ignoredKeys_onlyDeletesWithoutBeforeImageNeedThem_andBecomeDeadLetters(boolean avroValues)
      throws Exception {
    List<Twin> events = DebeziumAvroTest.postgresEvents();
    List<RawRecord> records = new ArrayList<>();
    for (int i = 0; i < events.size(); i++) {
      Twin twin = events.get(i);
      records.add(
          new RawRecord(
              stringConverterKey(1),
              avroValues ? twin.avroValue() : twin.jsonValue(),
              "items/0@" + i,
              5_000L + i));
    }
    DecoderSettings<TypedRow> json = DecoderSettings.defaults(TypedRow.class);
    DecoderSettings<TypedRow> settings = avroValues ? json.withAvro(POSTGRES.schemas()) : json;
    Run ignored = run(settings.withKeyFormat(KeyFormat.IGNORED), records);
    List<RawRecord> twins = new ArrayList<>();
    for (int i = 0; i < events.size(); i++) {
      twins.add(events.get(i).json(i));
    }
    Run readable = run(json, twins);

    for (int i = 0; i < events.size(); i++) {
      String what = events.get(i).what();
      if (what.equals("delete, no before")) {
        assertThat(ignored.changes().get(i)).as(what).isEmpty();
        assertThat(ignored.deadLetters().get(i))
            .as(what)
            .singleElement()
            .asString()
            .isEqualTo(
                "java.lang.IllegalArgumentException: op 'd' without a before image needs the"
                    + " record key, which withKeyFormat(IGNORED) does not read (PostgreSQL: set"
                    + " REPLICA IDENTITY FULL on the table)");
      } else {
        assertThat(ignored.changes().get(i))
            .as(what)
            .usingRecursiveComparison()
            .isEqualTo(readable.changes().get(i));
        assertThat(ignored.deadLetters().get(i)).as(what).isEqualTo(readable.deadLetters().get(i));
      }
    }
    assertThat(ignored.counts().filtered()).isEqualTo(readable.counts().filtered());
    assertThat(ignored.counts().deadLettered()).isEqualTo(readable.counts().deadLettered() + 1);
    assertThat(ignored.counts().isBalanced()).isTrue();
  }

  /**
   * A tombstone with {@code DELETE} has nothing but its key: with keys ignored no row can be built,
   * so it is a dead letter (the step refuses this combination when applied; this is the decoder
   * used directly). A record without value and key is no tombstone, as before.
   */
  @Test
  void ignoredKeys_tombstones() throws Exception {
    RawRecord tombstone = new RawRecord(stringConverterKey(2), null, "items/0@0", 5_000L);
    RawRecord noKeyNoValue = new RawRecord(null, null, "items/0@1", 5_001L);
    Run skip = run(avro(KeyFormat.IGNORED, Tombstones.SKIP), List.of(tombstone, noKeyNoValue));
    Run delete = run(avro(KeyFormat.IGNORED, Tombstones.DELETE), List.of(tombstone, noKeyNoValue));

    assertThat(skip.changes().get(0)).isEmpty();
    assertThat(skip.deadLetters().get(0)).isEmpty();
    assertThat(skip.counts().filtered()).isEqualTo(1);
    assertThat(delete.changes().get(0)).isEmpty();
    assertThat(delete.deadLetters().get(0))
        .singleElement()
        .asString()
        .isEqualTo(
            "java.lang.IllegalArgumentException: a tombstone with Tombstones.DELETE needs the"
                + " record key, which withKeyFormat(IGNORED) does not read");
    for (Run run : List.of(skip, delete)) {
      assertThat(run.deadLetters().get(1))
          .singleElement()
          .asString()
          .startsWith("java.lang.IllegalArgumentException: record without value and without key");
      assertThat(run.counts().isBalanced()).isTrue();
    }
  }

  // ---- the default

  /** Unchanged: with Avro values, keys are Avro too, and a JSON key is a dead letter. */
  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void defaultKeyFormat_readsKeysInTheValuesFormat(boolean explicit) throws Exception {
    assertThat(Debezium.DEFAULT_KEY_FORMAT).isEqualTo(KeyFormat.SAME_AS_VALUE);
    DecoderSettings<TypedRow> settings =
        DecoderSettings.defaults(TypedRow.class)
            .withTombstones(Tombstones.DELETE)
            .withAvro(POSTGRES.schemas());
    if (explicit) {
      settings = settings.withKeyFormat(KeyFormat.SAME_AS_VALUE);
    }
    Twin tombstone = DebeziumAvroTest.tombstone(POSTGRES, 2);
    Run run =
        run(
            settings,
            List.of(
                tombstone.avro(0), new RawRecord(tombstone.jsonKey(), null, "items/0@1", 5_001L)));
    assertThat(run.changes().get(0)).extracting(c -> c.value().id()).containsExactly(2);
    assertThat(run.deadLetters().get(1))
        .singleElement()
        .asString()
        .startsWith(
            "dev.etlkit.operators.avro.AvroFormatException: key: not the Confluent wire format");
  }

  /** JSON keys with JSON values are what the default reads anyway: accepted, same output. */
  @Test
  void jsonKeys_withJsonValues_areTheDefault() throws Exception {
    List<Twin> events = DebeziumAvroTest.postgresEvents();
    List<RawRecord> records = new ArrayList<>();
    for (int i = 0; i < events.size(); i++) {
      records.add(events.get(i).json(i));
    }
    DecoderSettings<TypedRow> json =
        DecoderSettings.defaults(TypedRow.class).withTombstones(Tombstones.DELETE);
    Run byDefault = run(json, records);
    Run explicit = run(json.withKeyFormat(KeyFormat.JSON), records);
    assertThat(explicit).usingRecursiveComparison().isEqualTo(byDefault);
  }
}
