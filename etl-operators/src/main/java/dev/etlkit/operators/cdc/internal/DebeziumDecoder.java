package dev.etlkit.operators.cdc.internal;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.etlkit.core.Change;
import dev.etlkit.operators.JsonReadLimits;
import dev.etlkit.operators.cdc.Debezium.Tombstones;
import dev.etlkit.operators.cdc.Debezium.Truncates;
import dev.etlkit.operators.internal.JsonErrors;
import dev.etlkit.operators.internal.SafeJson;
import java.io.IOException;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.types.RowKind;

/**
 * Decodes one Debezium record (value and key, JSON, with or without the Kafka Connect {@code
 * schema}/{@code payload} wrapper) into zero, one or two {@link Change}s, or rejects it with an
 * exception whose message never quotes the payload. Plain Java, one instance per operator instance
 * (not thread-safe: it caches the last schema it saw).
 */
@Internal
public final class DebeziumDecoder<T> {

  /** What became of a record that was not rejected. */
  public enum Outcome {
    /** One or two changes were added. */
    CHANGED,
    /** An update without a complete before-image: only {@code +U} was added. */
    UPDATED_WITHOUT_BEFORE,
    /** A tombstone became a key-only delete. */
    TOMBSTONE_DELETED,
    /** Skipped: a tombstone. */
    SKIPPED_TOMBSTONE,
    /** Skipped: a heartbeat. */
    SKIPPED_HEARTBEAT,
    /** Skipped: a transaction BEGIN or END marker. */
    SKIPPED_TRANSACTION_MARKER,
    /** Skipped: a schema change (DDL) record. */
    SKIPPED_SCHEMA_CHANGE,
    /** Skipped: a truncate event. */
    SKIPPED_TRUNCATE,
    /** Skipped: a PostgreSQL logical-decoding message. */
    SKIPPED_LOGICAL_MESSAGE;

    /** True if no change was added. */
    public boolean isSkipped() {
      return ordinal() >= SKIPPED_TOMBSTONE.ordinal();
    }
  }

  /** The op codes of Debezium's envelope. */
  private static final String OPS = "crudtm";

  /**
   * The name of a heartbeat value's schema (Debezium's {@code SchemaFactory}); matched as Debezium
   * does, as a suffix.
   */
  private static final String HEARTBEAT_SCHEMA = "io.debezium.connector.common.Heartbeat";

  private final ObjectMapper mapper;
  private final JsonReadLimits limits;
  private final Tombstones tombstones;
  private final Truncates truncates;
  @Nullable private final UnavailableValue unavailableValue;
  private final RowBinder<T> binder;
  private final EnvelopeMetadata metadata = new EnvelopeMetadata();

  private final EventReader reader;

  /** Reads the keys; null when keys are not read ({@code KeyFormat.IGNORED}). */
  @Nullable private final EventReader keyReader;

  @Nullable private JsonNode valueSchema;
  private ColumnEncodings valueEncodings = ColumnEncodings.NONE;
  @Nullable private JsonNode keySchema;
  private ColumnEncodings keyEncodings = ColumnEncodings.NONE;

  public DebeziumDecoder(DecoderSettings<T> settings) {
    this.limits = settings.limits;
    // A field given twice ({"op":"d","op":"c"}): the last one counts, as in Json.parse and
    // Flink's debezium-json (Jackson's default; duplicate detection would cost a set per object).
    this.mapper = RowBinder.strictScalars(SafeJson.mapperBuilder(limits)).build();
    this.tombstones = settings.tombstones;
    this.truncates = settings.truncates;
    this.unavailableValue = settings.unavailableValue;
    this.binder =
        new RowBinder<>(
            mapper,
            settings.rowType,
            settings.timePrecision,
            limits.maxNumberLength(),
            settings.metadataFields,
            settings.metadata);
    this.reader =
        settings.avroSchemas == null
            ? new JsonReader()
            : new AvroEventReader(
                settings.avroSchemas,
                settings.schemaLookupFailures,
                limits,
                DecoderSettings.AVRO_MAX_COLLECTION_ITEMS);
    switch (settings.keyFormat) {
      case SAME_AS_VALUE:
        this.keyReader = reader;
        break;
      case JSON:
        this.keyReader = settings.avroSchemas == null ? reader : new JsonReader();
        break;
      default:
        this.keyReader = null;
        break;
    }
  }

  /**
   * Decodes one record.
   *
   * @param value the record's value, or null for a tombstone (as is a schema wrapper around a null
   *     payload, {@code {"schema":null,"payload":null}})
   * @param key the record's key, or null
   * @param recordTimestamp the record's timestamp (event time of tombstone deletes), or null
   * @param into where the changes go
   * @return what became of the record
   * @throws IOException if the value or key is not readable JSON or does not fit the row type
   * @throws IllegalArgumentException if the record is not a valid Debezium record
   * @throws UnsupportedOperationException for a truncate event, unless truncates are skipped
   */
  public Outcome decode(
      @Nullable byte[] value,
      @Nullable byte[] key,
      @Nullable Long recordTimestamp,
      List<Change<T>> into)
      throws IOException {
    if (value == null) {
      return tombstone(key, recordTimestamp, into);
    }
    EventReader.Read read = reader.value(value);
    if (read == null) {
      return tombstone(key, recordTimestamp, into);
    }
    JsonNode envelope = read.node;
    ColumnEncodings encodings = read.encodings;
    if (!envelope.isObject()) {
      throw new IllegalArgumentException(
          "value must be a JSON object (a Debezium envelope), was " + describe(envelope));
    }
    JsonNode op = envelope.get("op");
    if (op == null || op.isNull()) {
      return notAChange(envelope, read.schemaName);
    }
    if (!op.isTextual()) {
      throw new IllegalArgumentException("op must be a string, was " + describe(op));
    }
    String code = op.textValue();
    if (code.length() == 1 && OPS.indexOf(code.charAt(0)) >= 0) {
      if (!hasEnvelopeField(envelope)) {
        throw new IllegalArgumentException(
            "op '"
                + code
                + "' without before, after or source: no Debezium envelope; if the record was"
                + " flattened by ExtractNewRecordState (a column named op), decode the"
                + " unflattened events");
      }
      try {
        switch (code.charAt(0)) {
          case 'c':
          case 'r':
            return insert((ObjectNode) envelope, code, encodings, into);
          case 'u':
            return update((ObjectNode) envelope, encodings, into);
          case 'd':
            return delete((ObjectNode) envelope, key, encodings, into);
          case 't':
            checkImages((ObjectNode) envelope);
            return truncate();
          case 'm':
            checkImages((ObjectNode) envelope);
            return Outcome.SKIPPED_LOGICAL_MESSAGE;
          default:
            break;
        }
      } finally {
        metadata.clear();
      }
    }
    throw new IllegalArgumentException("unknown op (expected c, r, u, d, t or m)");
  }

  private Outcome insert(
      ObjectNode envelope, String code, ColumnEncodings encodings, List<Change<T>> into)
      throws IOException {
    ObjectNode after = image(envelope, "after");
    if (after == null) {
      throw new IllegalArgumentException("op '" + code + "' without an after image");
    }
    image(envelope, "before"); // unused, but an image of the wrong shape is a broken envelope
    JsonNode source = source(envelope);
    metadata.set(envelope, source);
    T row = binder.bind(after, encodings, metadata, "after");
    into.add(change(RowKind.INSERT, row, envelope, source));
    return Outcome.CHANGED;
  }

  private Outcome update(ObjectNode envelope, ColumnEncodings encodings, List<Change<T>> into)
      throws IOException {
    ObjectNode after = image(envelope, "after");
    if (after == null) {
      throw new IllegalArgumentException("op 'u' without an after image");
    }
    ObjectNode before = image(envelope, "before");
    JsonNode source = source(envelope);
    metadata.set(envelope, source);
    // A before-image lacking some columns holds only the key (REPLICA IDENTITY DEFAULT): it is
    // no retraction of the previous row, so the update is emitted as +U alone.
    boolean complete = before != null && hasAllColumnsOf(before, after);
    if (unavailableValue != null) {
      requireAvailable(after, "after");
      if (complete) {
        requireAvailable(before, "before");
      }
    }
    T beforeRow = complete ? binder.bind(before, encodings, metadata, "before") : null;
    T afterRow = binder.bind(after, encodings, metadata, "after");
    if (beforeRow != null) {
      into.add(change(RowKind.UPDATE_BEFORE, beforeRow, envelope, source));
    }
    into.add(change(RowKind.UPDATE_AFTER, afterRow, envelope, source));
    return complete ? Outcome.CHANGED : Outcome.UPDATED_WITHOUT_BEFORE;
  }

  /**
   * Refuses an update image holding Debezium's unavailable-value placeholder: the event does not
   * carry that column's value, and binding the placeholder would put it into the row as data.
   */
  private void requireAvailable(ObjectNode image, String which) {
    String column = unavailableValue.columnIn(image);
    if (column != null) {
      throw new IllegalArgumentException(
          "column '"
              + column
              + "' of the "
              + which
              + " image holds Debezium's unavailable-value placeholder: the database did not send"
              + " its value (PostgreSQL: an unchanged TOAST column under REPLICA IDENTITY DEFAULT);"
              + " set REPLICA IDENTITY FULL on the table, or bind the placeholder with"
              + " withUnavailableValues(BIND)");
    }
  }

  private Outcome delete(
      ObjectNode envelope, @Nullable byte[] key, ColumnEncodings encodings, List<Change<T>> into)
      throws IOException {
    ObjectNode before = image(envelope, "before");
    image(envelope, "after"); // unused, but an image of the wrong shape is a broken envelope
    JsonNode source = source(envelope);
    metadata.set(envelope, source);
    T row;
    if (before != null) {
      row = binder.bind(before, encodings, metadata, "before");
    } else if (keyReader == null) {
      throw new IllegalArgumentException(
          "op 'd' without a before image needs the record key, which withKeyFormat(IGNORED) does"
              + " not read (PostgreSQL: set REPLICA IDENTITY FULL on the table)");
    } else if (key != null) {
      row = bindKey(key, metadata);
    } else {
      throw new IllegalArgumentException(
          "op 'd' without a before image needs the record key, which is missing");
    }
    into.add(change(RowKind.DELETE, row, envelope, source));
    return Outcome.CHANGED;
  }

  private Outcome truncate() {
    if (truncates == Truncates.SKIP) {
      return Outcome.SKIPPED_TRUNCATE;
    }
    throw new UnsupportedOperationException(
        "truncate event (op 't'): it deletes every row of the table, which no row change can"
            + " express; re-snapshot the table, or skip truncates with withTruncates(SKIP)");
  }

  private Outcome tombstone(
      @Nullable byte[] key, @Nullable Long recordTimestamp, List<Change<T>> into)
      throws IOException {
    if (key == null) {
      throw new IllegalArgumentException(
          "record without value and without key: neither a change event nor a tombstone");
    }
    if (tombstones == Tombstones.SKIP) {
      return Outcome.SKIPPED_TOMBSTONE;
    }
    if (keyReader == null) {
      throw new IllegalArgumentException(
          "a tombstone with Tombstones.DELETE needs the record key, which withKeyFormat(IGNORED)"
              + " does not read");
    }
    T row = bindKey(key, null);
    into.add(Change.of(RowKind.DELETE, row, recordTimestamp, null));
    return Outcome.TOMBSTONE_DELETED;
  }

  /**
   * Heartbeats, transaction markers and schema changes have no {@code op}; anything else fails.
   * Each is recognised by fields Debezium always writes, so that a row flattened by {@code
   * ExtractNewRecordState} whose columns happen to be named {@code status}, {@code ddl} or {@code
   * ts_ms} is not skipped: a transaction marker's {@code event_count} (null on {@code BEGIN}), a
   * schema change's {@code source} block, a heartbeat's schema name where the format carries one.
   */
  private static Outcome notAChange(JsonNode envelope, @Nullable String schemaName) {
    JsonNode status = envelope.get("status");
    JsonNode eventCount = envelope.get("event_count");
    if (status != null
        && ("BEGIN".equals(status.textValue()) || "END".equals(status.textValue()))
        && envelope.has("id")
        && eventCount != null
        && (eventCount.isNull() || SourcePositions.isLong(eventCount))) {
      return Outcome.SKIPPED_TRANSACTION_MARKER;
    }
    JsonNode ddl = envelope.get("ddl");
    JsonNode tableChanges = envelope.get("tableChanges");
    if (((ddl != null && ddl.isTextual()) || (tableChanges != null && tableChanges.isArray()))
        && envelope.path("source").isObject()) {
      return Outcome.SKIPPED_SCHEMA_CHANGE;
    }
    if (envelope.size() == 1
        && SourcePositions.isLong(envelope.get("ts_ms"))
        && (schemaName == null || schemaName.endsWith(HEARTBEAT_SCHEMA))) {
      return Outcome.SKIPPED_HEARTBEAT;
    }
    throw new IllegalArgumentException(
        "missing op: the value is no change event, heartbeat, transaction marker or schema"
            + " change"
            + flattenedHint(envelope));
  }

  /**
   * Why a value without {@code op} has no envelope, when it has neither {@code before} nor {@code
   * after} but other fields: most often a row flattened by Debezium's {@code ExtractNewRecordState}
   * SMT, which adds {@code __deleted} and {@code __op} fields when so configured (with its default
   * {@code add.fields.prefix}; with another the hint is the conditional one). Names no value.
   */
  private static String flattenedHint(JsonNode envelope) {
    if (envelope.size() == 0
        || envelope.has("before")
        || envelope.has("after")
        || envelope.has("payload")) {
      return "";
    }
    if (envelope.has("__deleted") || envelope.has("__op")) {
      return "; no Debezium envelope (op, before, after): the record looks flattened by"
          + " ExtractNewRecordState (__deleted/__op fields); decode the unflattened events";
    }
    return "; no Debezium envelope (op, before, after): if the record was flattened by"
        + " ExtractNewRecordState, decode the unflattened events";
  }

  private T bindKey(byte[] key, @Nullable EnvelopeMetadata source) throws IOException {
    EventReader.Read read = keyReader.key(key);
    JsonNode columns = read.node;
    ColumnEncodings encodings = read.encodings;
    if (!columns.isObject()) {
      throw new IllegalArgumentException(
          "key must be a JSON object of key columns, was " + describe(columns));
    }
    return binder.bind((ObjectNode) columns, encodings, source, "key");
  }

  private Change<T> change(RowKind kind, T row, JsonNode envelope, @Nullable JsonNode source) {
    return Change.of(
        kind, row, SourcePositions.eventTime(envelope, source), SourcePositions.position(source));
  }

  /** Kafka Connect's {@code JsonConverter} output, with or without the schema wrapper. */
  private final class JsonReader implements EventReader {
    @Override
    @Nullable
    public Read value(byte[] value) throws IOException {
      JsonNode root = readTree(value, "value");
      if (!isWrapper(root)) {
        return new Read(root, ColumnEncodings.NONE);
      }
      JsonNode envelope = root.get("payload");
      if (envelope.isNull()) { // how Kafka Connect's JsonConverter with schemas wrote a null value
        return null;
      }
      JsonNode schema = root.get("schema");
      return new Read(
          envelope,
          binder.usesEncodings() ? valueEncodings(schema) : ColumnEncodings.NONE,
          schema.path("name").textValue());
    }

    @Override
    public Read key(byte[] key) throws IOException {
      JsonNode root;
      try {
        root = readTree(key, "key");
      } catch (JsonParseException e) {
        if (reader != this && key.length >= 5 && key[0] == 0) { // JSON keys beside Avro values
          throw new JsonParseException(
              (JsonParser) null,
              e.getOriginalMessage()
                  + " (it starts like the Confluent wire format of AvroConverter (magic byte"
                  + " 0x00): read such keys with withKeyFormat(SAME_AS_VALUE))");
        }
        throw e;
      }
      if (!isWrapper(root)) {
        return new Read(root, ColumnEncodings.NONE);
      }
      return new Read(
          root.get("payload"),
          binder.usesEncodings() ? keyEncodings(root.get("schema")) : ColumnEncodings.NONE);
    }
  }

  private JsonNode readTree(byte[] bytes, String what) throws IOException {
    if (bytes.length > limits.maxDocumentBytes()) {
      throw new IOException(
          what
              + " of "
              + bytes.length
              + " bytes exceeds maxDocumentBytes "
              + limits.maxDocumentBytes());
    }
    String invalid = SafeJson.invalidUtf8(bytes);
    if (invalid != null) {
      // what Jackson would decode anyway, reported as what it refuses itself
      throw new JsonParseException((JsonParser) null, what + ": invalid UTF-8" + invalid);
    }
    String wide = SafeJson.invalidUtf16Or32(bytes);
    if (wide != null) {
      throw new JsonParseException((JsonParser) null, what + ": " + wide);
    }
    JsonNode root;
    try {
      root = mapper.readTree(bytes);
    } catch (IOException e) {
      throw JsonErrors.parse(e, what);
    } catch (RuntimeException e) {
      throw new IOException(what + ": unreadable JSON (" + e.getClass().getName() + ")");
    }
    if (root == null || root.isMissingNode()) {
      throw new IllegalArgumentException(what + " is empty");
    }
    return root;
  }

  private ColumnEncodings valueEncodings(@Nullable JsonNode schema) {
    if (schema == null || !schema.isObject()) {
      return ColumnEncodings.NONE;
    }
    if (!schema.equals(valueSchema)) {
      valueEncodings = ColumnEncodings.ofValueSchema(schema);
      valueSchema = schema;
    }
    return valueEncodings;
  }

  private ColumnEncodings keyEncodings(@Nullable JsonNode schema) {
    if (schema == null || !schema.isObject()) {
      return ColumnEncodings.NONE;
    }
    if (!schema.equals(keySchema)) {
      keyEncodings = ColumnEncodings.ofRowSchema(schema);
      keySchema = schema;
    }
    return keyEncodings;
  }

  /** JsonConverter with {@code schemas.enable=true} writes exactly these two fields. */
  private static boolean isWrapper(JsonNode root) {
    return root.isObject() && root.size() == 2 && root.has("schema") && root.has("payload");
  }

  @Nullable
  private static ObjectNode image(ObjectNode envelope, String name) {
    JsonNode image = envelope.get(name);
    if (image == null || image.isNull()) {
      return null;
    }
    if (!image.isObject()) {
      throw new IllegalArgumentException(
          name + " must be a JSON object or null, was " + describe(image));
    }
    return (ObjectNode) image;
  }

  /**
   * Whether a value with an {@code op} has a field of Debezium's envelope: every change, truncate
   * and logical-decoding message event has {@code source} (and an envelope schema's {@code
   * before}/{@code after}, null or not, which JsonConverter and AvroConverter always write); a
   * logical-decoding message has its {@code message} block. A flattened row has none of them.
   */
  private static boolean hasEnvelopeField(JsonNode envelope) {
    return envelope.has("before")
        || envelope.has("after")
        || envelope.path("source").isObject()
        || envelope.path("message").isObject();
  }

  /** Both images unused, but one of the wrong shape is a broken envelope whatever the op. */
  private static void checkImages(ObjectNode envelope) {
    image(envelope, "before");
    image(envelope, "after");
  }

  @Nullable
  private static JsonNode source(JsonNode envelope) {
    JsonNode source = envelope.get("source");
    return source != null && source.isObject() ? source : null;
  }

  private static boolean hasAllColumnsOf(JsonNode before, JsonNode after) {
    if (before.size() < after.size()) {
      return false;
    }
    Iterator<String> columns = after.fieldNames();
    while (columns.hasNext()) {
      if (!before.has(columns.next())) {
        return false;
      }
    }
    return true;
  }

  /** The JSON type of a node (never its content). */
  private static String describe(JsonNode node) {
    return node.getNodeType().name().toLowerCase(Locale.ROOT);
  }
}
