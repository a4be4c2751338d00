package dev.etlkit.operators.cdc;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.etlkit.core.Change;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.annotation.Nullable;

/**
 * An independent reference for {@code Debezium.decode}, written from docs/formats-cdc.md,
 * docs/concepts.md, the public Javadoc and Debezium's documentation of its envelope, without
 * reading the implementation. It decodes one record into what the step should produce: the changes
 * (kind, row, event time, source position), or exactly one dead letter (error class and message
 * prefix), or a skip with its counter. Simple and slow on purpose: a tree of the whole document,
 * one rule per documented sentence.
 *
 * <p>Where the docs are silent, the reference takes the reading an experienced Debezium user would
 * expect; those points are marked {@code ASSUMPTION}.
 */
final class DebeziumIndependentReference {

  static final String MIE = "com.fasterxml.jackson.databind.exc.MismatchedInputException";
  static final String IAE = "java.lang.IllegalArgumentException";
  static final String UOE = "java.lang.UnsupportedOperationException";
  static final String PARSE = "com.fasterxml.jackson.core.JsonParseException";
  static final String EOF = "com.fasterxml.jackson.core.io.JsonEOFException";
  static final String LIMIT = "com.fasterxml.jackson.core.exc.StreamConstraintsException";

  /** How the step under test is configured. */
  record Config(
      boolean bytesInput,
      Debezium.Tombstones tombstones,
      Debezium.Truncates truncates,
      ChronoUnit timePrecision,
      boolean metadata) {}

  /** The dead letter expected: one of the error classes (any when empty), and a message prefix. */
  record Letter(Set<String> errorClasses, String messagePrefix) {}

  /**
   * What one input record should become. {@code letters} lists the acceptable dead letters (any one
   * of them; empty when none is expected): where a record has several faults (two bad columns) the
   * docs do not say which one the message names.
   */
  record Expected(
      List<Change<ReferenceRow>> changes,
      List<Letter> letters,
      @Nullable String skipCounter,
      boolean updateWithoutBefore) {

    static Expected emit(List<Change<ReferenceRow>> changes, boolean withoutBefore) {
      return new Expected(changes, List.of(), null, withoutBefore);
    }

    static Expected skip(String counter) {
      return new Expected(List.of(), List.of(), counter, false);
    }

    static Expected reject(List<Letter> letters) {
      return new Expected(List.of(), letters, null, false);
    }
  }

  /** A rejection found anywhere while decoding. */
  static final class Reject extends RuntimeException {
    final List<Letter> letters;

    Reject(List<Letter> letters) {
      super(letters.toString(), null, false, false);
      this.letters = letters;
    }

    /** All faults found, as one rejection; nothing when the list is empty. */
    static void throwAny(List<Reject> faults) {
      if (!faults.isEmpty()) {
        List<Letter> all = new ArrayList<>();
        faults.forEach(f -> all.addAll(f.letters));
        throw new Reject(all);
      }
    }
  }

  private static Reject reject(String errorClass, String prefix) {
    return new Reject(
        List.of(new Letter(errorClass == null ? Set.of() : Set.of(errorClass), prefix)));
  }

  private static final int MAX_NUMBER_LENGTH = 100;
  private static final Pattern INTEGER_TEXT = Pattern.compile("-?[0-9]+");
  private static final Pattern DECIMAL_TEXT = Pattern.compile("-?[0-9]+(\\.[0-9]+)?");
  private static final Pattern NUMBER_TEXT =
      Pattern.compile("\\s*[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?\\s*");
  private static final Pattern FILE_SUFFIX = Pattern.compile(".*\\.([0-9]+)");

  private static final Set<String> DATES =
      Set.of("io.debezium.time.Date", "org.apache.kafka.connect.data.Date");
  private static final Set<String> TIMESTAMPS =
      Set.of(
          "io.debezium.time.Timestamp",
          "io.debezium.time.MicroTimestamp",
          "io.debezium.time.NanoTimestamp",
          "io.debezium.time.ZonedTimestamp",
          "org.apache.kafka.connect.data.Timestamp");
  private static final Set<String> TIMES =
      Set.of(
          "io.debezium.time.Time",
          "io.debezium.time.MicroTime",
          "io.debezium.time.NanoTime",
          "io.debezium.time.ZonedTime",
          "org.apache.kafka.connect.data.Time");
  private static final Set<String> NO_DATE_TIME =
      Set.of(
          "io.debezium.time.Year",
          "io.debezium.time.MicroDuration",
          "io.debezium.time.NanoDuration",
          "io.debezium.time.Interval");

  private final Config config;
  private final JsonMapper mapper;

  DebeziumIndependentReference(Config config) {
    this.config = config;
    JsonFactory factory =
        JsonFactory.builder()
            .streamReadConstraints(
                StreamReadConstraints.builder()
                    .maxNumberLength(MAX_NUMBER_LENGTH)
                    .maxNestingDepth(64)
                    .maxStringLength(1 << 20)
                    .build())
            .build();
    this.mapper =
        JsonMapper.builder(factory)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            // a field given twice ({"op":"d","op":"c"}): the last one counts (Jackson's default),
            // as docs/formats-cdc.md says
            .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
            .build();
  }

  /** Decodes one record: key and value bytes (either may be null), the source timestamp. */
  Expected decode(@Nullable byte[] key, @Nullable byte[] value, @Nullable Long timestamp) {
    try {
      return decodeOrThrow(config.bytesInput() ? null : key, value, timestamp);
    } catch (Reject r) {
      return Expected.reject(r.letters);
    }
  }

  private Expected decodeOrThrow(@Nullable byte[] key, @Nullable byte[] value, @Nullable Long ts) {
    if (value == null) {
      return tombstone(key, ts);
    }
    JsonNode root = parse("value", value);
    if (!root.isObject()) {
      throw reject(IAE, "value must be a JSON object");
    }
    JsonNode schema = null;
    JsonNode envelope = root;
    if (isWrapper(root)) {
      schema = root.get("schema");
      envelope = root.get("payload");
      if (envelope.isNull()) {
        // {"schema":null,"payload":null}: how JsonConverter with schemas wrote a tombstone.
        // ASSUMPTION: a wrapper with a schema but a null payload is a tombstone too.
        return tombstone(key, ts);
      }
      if (!envelope.isObject()) {
        // ASSUMPTION: a wrapped payload that is no object is rejected like an unwrapped one.
        throw reject(IAE, "value must be a JSON object");
      }
    }
    JsonNode op = envelope.get("op");
    if (op == null || op.isNull()) {
      // ASSUMPTION: "op": null is a missing op (null = absent in Kafka Connect JSON).
      return withoutOp(envelope, schema);
    }
    if (!op.isTextual()) {
      throw reject(IAE, "op must be a string");
    }
    String o = op.textValue();
    if (List.of("c", "r", "u", "d", "t", "m").contains(o)
        && !envelope.has("before")
        && !envelope.has("after")
        && !envelope.path("source").isObject()
        && !envelope.path("message").isObject()) {
      // docs: an op goes with an envelope field; a flattened row with an op column has none
      throw reject(IAE, "op '" + o + "' without before, after or source");
    }
    switch (o) {
      case "c", "r", "u", "d" -> {
        return change(o, envelope, schema, key);
      }
      case "t" -> {
        if (config.truncates() == Debezium.Truncates.SKIP) {
          return Expected.skip(Debezium.METRIC_TRUNCATES_SKIPPED);
        }
        throw reject(UOE, "truncate event (op 't')");
      }
      case "m" -> {
        return Expected.skip(Debezium.METRIC_LOGICAL_MESSAGES);
      }
      default -> throw reject(IAE, "unknown op (expected c, r, u, d, t or m)");
    }
  }

  private static boolean isWrapper(JsonNode node) {
    return node.isObject() && node.size() == 2 && node.has("schema") && node.has("payload");
  }

  private Expected tombstone(@Nullable byte[] key, @Nullable Long ts) {
    if (key == null) {
      throw reject(IAE, "record without value and without key");
    }
    if (config.tombstones() == Debezium.Tombstones.SKIP) {
      return Expected.skip(Debezium.METRIC_TOMBSTONES_SKIPPED);
    }
    ReferenceRow row = keyRow(key, false, null);
    Change<ReferenceRow> change = Change.delete(row);
    if (ts != null) {
      change = change.withEventTime(ts);
    }
    return Expected.emit(List.of(change), false);
  }

  private Expected withoutOp(JsonNode env, @Nullable JsonNode schema) {
    JsonNode ts = env.get("ts_ms");
    // docs said "a number"; the step wants an integer (as Debezium writes it): docs amended
    JsonNode schemaName = schema == null ? null : schema.get("name");
    if (env.size() == 1
        && asLong(ts) != null
        && (schemaName == null
            || !schemaName.isTextual()
            || schemaName.textValue().endsWith("io.debezium.connector.common.Heartbeat"))) {
      return Expected.skip(Debezium.METRIC_HEARTBEATS);
    }
    JsonNode status = env.get("status");
    JsonNode eventCount = env.get("event_count");
    if (status != null
        && status.isTextual()
        && (status.textValue().equals("BEGIN") || status.textValue().equals("END"))
        && env.has("id")
        && eventCount != null
        && (eventCount.isNull() || asLong(eventCount) != null)) {
      return Expected.skip(Debezium.METRIC_TRANSACTION_MARKERS);
    }
    JsonNode ddl = env.get("ddl");
    JsonNode tableChanges = env.get("tableChanges");
    if (((ddl != null && ddl.isTextual()) || (tableChanges != null && tableChanges.isArray()))
        && env.path("source").isObject()) {
      return Expected.skip(Debezium.METRIC_SCHEMA_CHANGES);
    }
    throw reject(IAE, "missing op");
  }

  private Expected change(String op, JsonNode env, @Nullable JsonNode schema, byte[] key) {
    List<Reject> faults = new ArrayList<>();
    JsonNode before = null;
    JsonNode after = null;
    try {
      before = image(env, "before");
    } catch (Reject r) {
      faults.add(r);
    }
    try {
      after = image(env, "after");
    } catch (Reject r) {
      faults.add(r);
    }
    JsonNode rawAfter = env.get("after");
    if (!op.equals("d") && (rawAfter == null || rawAfter.isNull())) {
      faults.add(reject(IAE, "op '" + op + "' without an after image"));
    }
    Reject.throwAny(faults);
    Long eventTime = eventTime(env);
    Long position = position(env.get("source"));
    List<ReferenceRow> rows = new ArrayList<>();
    List<org.apache.flink.types.RowKind> kinds = new ArrayList<>();
    boolean withoutBefore = false;
    switch (op) {
      case "c", "r" -> {
        rows.add(bind("after", after, columnSchemas(schema, "after"), env, op));
        kinds.add(org.apache.flink.types.RowKind.INSERT);
      }
      case "u" -> {
        if (before != null && isComplete(before, after)) {
          try {
            rows.add(bind("before", before, columnSchemas(schema, "before"), env, op));
          } catch (Reject r) {
            faults.add(r);
          }
          kinds.add(org.apache.flink.types.RowKind.UPDATE_BEFORE);
        } else {
          withoutBefore = true;
        }
        try {
          rows.add(bind("after", after, columnSchemas(schema, "after"), env, op));
        } catch (Reject r) {
          faults.add(r);
        }
        Reject.throwAny(faults);
        kinds.add(org.apache.flink.types.RowKind.UPDATE_AFTER);
      }
      default -> { // d
        if (before != null) {
          rows.add(bind("before", before, columnSchemas(schema, "before"), env, op));
        } else if (key == null) {
          throw reject(IAE, "op 'd' without a before image needs the record key");
        } else {
          // ASSUMPTION: a key-only delete built from the key of a d event carries the event's
          // event time, position and metadata (only tombstones are documented to carry none).
          rows.add(keyRow(key, true, env));
        }
        kinds.add(org.apache.flink.types.RowKind.DELETE);
      }
    }
    List<Change<ReferenceRow>> changes = new ArrayList<>();
    for (int i = 0; i < rows.size(); i++) {
      changes.add(Change.of(kinds.get(i), rows.get(i), eventTime, position));
    }
    return Expected.emit(changes, withoutBefore);
  }

  /** The image, or null when absent or JSON null; rejects an image that is no object. */
  @Nullable
  private static JsonNode image(JsonNode env, String part) {
    JsonNode node = env.get(part);
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isObject()) {
      throw reject(IAE, part + " must be a JSON object or null, was " + typeName(node));
    }
    return node;
  }

  private static String typeName(JsonNode node) {
    return switch (node.getNodeType()) {
      case ARRAY -> "array";
      case STRING -> "string";
      case NUMBER -> "number";
      case BOOLEAN -> "boolean";
      default -> node.getNodeType().name().toLowerCase();
    };
  }

  private static boolean isComplete(JsonNode before, JsonNode after) {
    var names = after.fieldNames();
    while (names.hasNext()) {
      if (!before.has(names.next())) {
        return false;
      }
    }
    return true;
  }

  // ---- metadata -------------------------------------------------------------------------------

  @Nullable
  static Long eventTime(JsonNode env) {
    JsonNode source = env.get("source");
    Long sourceTs = source != null && source.isObject() ? asLong(source.get("ts_ms")) : null;
    // docs: "absent or 0"; the step takes 0 or less as unknown, in both places (docs amended)
    if (sourceTs != null && sourceTs > 0L) {
      return sourceTs;
    }
    Long envelopeTs = asLong(env.get("ts_ms"));
    return envelopeTs != null && envelopeTs > 0L ? envelopeTs : null;
  }

  @Nullable
  static Long position(@Nullable JsonNode source) {
    if (source == null || !source.isObject()) {
      return null;
    }
    Long lsn = asLong(source.get("lsn"));
    if (lsn != null) {
      return lsn;
    }
    JsonNode file = source.get("file");
    Long pos = asLong(source.get("pos"));
    if (file == null || !file.isTextual() || pos == null) {
      return null;
    }
    Matcher m = FILE_SUFFIX.matcher(file.textValue());
    if (!m.matches()) {
      return null;
    }
    // ASSUMPTION: a file index or position that does not fit its 32 bits has no position
    // (packing it would break the promised ordering).
    String digits = m.group(1);
    if (digits.length() > 18) {
      return null;
    }
    long index = Long.parseLong(digits);
    if (index > Integer.MAX_VALUE || pos < 0 || pos > 0xFFFF_FFFFL) {
      return null;
    }
    return index << 32 | pos;
  }

  @Nullable
  static Long asLong(@Nullable JsonNode node) {
    if (node != null && node.isIntegralNumber() && node.canConvertToLong()) {
      return node.longValue();
    }
    return null;
  }

  @Nullable
  private static Integer asInt(@Nullable JsonNode node) {
    if (node != null && node.isIntegralNumber() && node.canConvertToInt()) {
      return node.intValue();
    }
    return null;
  }

  @Nullable
  private static String asText(@Nullable JsonNode node) {
    return node != null && node.isTextual() ? node.textValue() : null;
  }

  // ---- parsing --------------------------------------------------------------------------------

  private JsonNode parse(String part, byte[] bytes) {
    if (bytes.length == 0) {
      throw reject(IAE, part + " is empty");
    }
    if (bytes.length > 1024 * 1024) {
      throw reject("java.io.IOException", part + " of " + bytes.length + " bytes exceeds");
    }
    if (!isUtf8(bytes)) {
      throw reject(PARSE, part + ": invalid UTF-8");
    }
    try {
      JsonNode node = mapper.readTree(bytes);
      if (node == null || node.isMissingNode()) {
        throw reject(IAE, part + " is empty");
      }
      return node;
    } catch (Reject r) {
      throw r;
    } catch (com.fasterxml.jackson.core.exc.StreamConstraintsException e) {
      throw reject(LIMIT, "");
    } catch (com.fasterxml.jackson.core.io.JsonEOFException e) {
      throw reject(EOF, part + ": truncated JSON");
    } catch (com.fasterxml.jackson.databind.exc.MismatchedInputException e) {
      // trailing data after the document: the reference expected "malformed JSON"; the step says
      // "unreadable JSON", which docs/formats-cdc.md now lists
      throw reject("java.io.IOException", part + ": unreadable JSON");
    } catch (JsonProcessingException e) {
      throw reject(PARSE, part + ": malformed JSON");
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private static boolean isUtf8(byte[] bytes) {
    try {
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }

  private ReferenceRow keyRow(byte[] keyBytes, boolean withMetadata, @Nullable JsonNode env) {
    JsonNode key = parse("key", keyBytes);
    Map<String, JsonNode> schemas = null;
    if (isWrapper(key)) {
      schemas = fields(key.get("schema"));
      key = key.get("payload");
    }
    if (!key.isObject()) {
      throw reject(IAE, "key must be a JSON object of key columns");
    }
    return bind("key", key, schemas, withMetadata ? env : null, env == null ? null : opOf(env));
  }

  @Nullable
  private static String opOf(JsonNode env) {
    return asText(env.get("op"));
  }

  @Nullable
  private static Map<String, JsonNode> columnSchemas(@Nullable JsonNode schema, String part) {
    if (schema == null || !schema.isObject()) {
      return null;
    }
    Map<String, JsonNode> parts = fields(schema);
    return parts == null || !parts.containsKey(part) ? null : fields(parts.get(part));
  }

  @Nullable
  private static Map<String, JsonNode> fields(@Nullable JsonNode struct) {
    if (struct == null || !struct.isObject() || !struct.path("fields").isArray()) {
      return null;
    }
    Map<String, JsonNode> byName = new HashMap<>();
    for (JsonNode f : struct.get("fields")) {
      byName.put(f.path("field").asText(), f);
    }
    return byName;
  }

  // ---- binding --------------------------------------------------------------------------------

  private ReferenceRow bind(
      String part,
      JsonNode img,
      @Nullable Map<String, JsonNode> schemas,
      @Nullable JsonNode env,
      @Nullable String op) {
    Column c = new Column(part, img, schemas);
    List<Reject> faults = new ArrayList<>();
    long id = c.get(faults, () -> c.primitiveLong("id"), 0L);
    String name = c.get(faults, () -> c.string("name"), null);
    Boolean active = c.get(faults, () -> c.bool("active"), null);
    Integer qty = c.get(faults, () -> c.integer("qty"), null);
    BigDecimal amount = c.get(faults, () -> c.decimal("amount"), null);
    BigDecimal ratio = c.get(faults, () -> c.decimal("ratio"), null);
    LocalDate day = c.get(faults, () -> c.localDate("day"), null);
    LocalDateTime created =
        (LocalDateTime) c.get(faults, () -> c.timestamp("created", false), null);
    Instant shipped = (Instant) c.get(faults, () -> c.timestamp("shipped", true), null);
    LocalTime at = c.get(faults, () -> c.time("at"), null);
    String srcTable = null;
    String srcOp = null;
    Long srcLsn = null;
    String srcSnapshot = null;
    Integer srcRow = null;
    Long srcTs = null;
    long srcPos = 0L;
    String srcConnector = null;
    Long srcTxId = null;
    Long envTs = null;
    if (!config.metadata()) {
      srcTable = c.get(faults, () -> c.string("srcTable"), null);
      srcOp = c.get(faults, () -> c.string("srcOp"), null);
      srcLsn = c.get(faults, () -> c.longWrapper("srcLsn"), null);
      srcSnapshot = c.get(faults, () -> c.string("srcSnapshot"), null);
      srcRow = c.get(faults, () -> c.integer("srcRow"), null);
      srcTs = c.get(faults, () -> c.longWrapper("srcTs"), null);
      srcPos = c.get(faults, () -> c.primitiveLong("srcPos"), 0L);
      srcConnector = c.get(faults, () -> c.string("srcConnector"), null);
      srcTxId = c.get(faults, () -> c.longWrapper("srcTxId"), null);
      envTs = c.get(faults, () -> c.longWrapper("envTs"), null);
    }
    Reject.throwAny(faults);
    if (config.metadata()) {
      JsonNode source = env == null ? null : env.get("source");
      if (source == null || !source.isObject()) {
        source = JsonNodeFactory.instance.objectNode();
      }
      srcTable = asText(source.get("table"));
      srcOp = env == null ? null : op;
      srcLsn = asLong(source.get("lsn"));
      JsonNode snapshot = source.get("snapshot");
      srcSnapshot =
          snapshot != null && snapshot.isTextual()
              ? snapshot.textValue()
              : snapshot != null && snapshot.isBoolean()
                  ? String.valueOf(snapshot.booleanValue())
                  : null;
      srcRow = asInt(source.get("row"));
      srcTs = asLong(source.get("ts_ms"));
      Long pos = asLong(source.get("pos"));
      srcPos = pos == null ? 0L : pos; // absent metadata: 0 for a primitive field
      srcConnector = asText(source.get("connector"));
      srcTxId = asLong(source.get("txId"));
      envTs = env == null ? null : asLong(env.get("ts_ms"));
    }
    return new ReferenceRow(
        id,
        name,
        active,
        qty,
        amount,
        ratio,
        day,
        created,
        shipped,
        at,
        srcTable,
        srcOp,
        srcLsn,
        srcSnapshot,
        srcRow,
        srcTs,
        srcPos,
        srcConnector,
        srcTxId,
        envTs);
  }

  /** The columns of one image, with their Connect schemas when the event has them. */
  private final class Column {
    final String part;
    final JsonNode img;
    @Nullable final Map<String, JsonNode> schemas;

    Column(String part, JsonNode img, @Nullable Map<String, JsonNode> schemas) {
      this.part = part;
      this.img = img;
      this.schemas = schemas;
    }

    /** One column's value, or {@code fallback} with its fault recorded. */
    <V> V get(List<Reject> faults, java.util.function.Supplier<V> column, V fallback) {
      try {
        return column.get();
      } catch (Reject r) {
        faults.add(r);
        return fallback;
      }
    }

    private Reject misfit(String col) {
      return reject(MIE, part + "." + col + ": ");
    }

    private Reject bad(String col) {
      return reject(null, part + "." + col + ": ");
    }

    @Nullable
    private String schemaName(String col) {
      if (schemas == null || !schemas.containsKey(col)) {
        return null;
      }
      return asText(schemas.get(col).get("name"));
    }

    long primitiveLong(String col) {
      JsonNode v = img.get(col);
      if (v == null) {
        return 0L;
      }
      if (v.isNull()) {
        throw reject(MIE, part + "." + col + ": null does not fit primitive long");
      }
      BigInteger i = exactInteger(v);
      if (i == null || i.bitLength() > 63) {
        throw misfit(col);
      }
      return i.longValue();
    }

    @Nullable
    Long longWrapper(String col) {
      JsonNode v = img.get(col);
      if (v == null || v.isNull()) {
        return null;
      }
      BigInteger i = exactInteger(v);
      if (i == null || i.bitLength() > 63) {
        throw misfit(col);
      }
      return i.longValue();
    }

    @Nullable
    Integer integer(String col) {
      JsonNode v = img.get(col);
      if (v == null || v.isNull()) {
        return null;
      }
      BigInteger i = exactInteger(v);
      if (i == null || i.bitLength() > 31) {
        throw misfit(col);
      }
      return i.intValue();
    }

    @Nullable
    String string(String col) {
      JsonNode v = img.get(col);
      if (v == null || v.isNull()) {
        return null;
      }
      if (!v.isTextual()) {
        throw misfit(col);
      }
      return v.textValue();
    }

    @Nullable
    Boolean bool(String col) {
      JsonNode v = img.get(col);
      if (v == null || v.isNull()) {
        return null;
      }
      if (v.isBoolean()) {
        return v.booleanValue();
      }
      if (v.isIntegralNumber() && v.bigIntegerValue().equals(BigInteger.ZERO)) {
        return false;
      }
      if (v.isIntegralNumber() && v.bigIntegerValue().equals(BigInteger.ONE)) {
        return true;
      }
      throw misfit(col);
    }

    @Nullable
    BigDecimal decimal(String col) {
      JsonNode v = img.get(col);
      if (v == null || v.isNull()) {
        return null;
      }
      String schema = schemaName(col);
      BigDecimal d;
      if (v.isObject() && v.has("scale") && v.has("value")) {
        // io.debezium.data.VariableScaleDecimal, with or without the schema
        Integer scale = asInt(v.get("scale"));
        String value = asText(v.get("value"));
        if (scale == null || value == null) {
          throw bad(col);
        }
        d = new BigDecimal(unscaled(col, value), scale);
      } else if ("org.apache.kafka.connect.data.Decimal".equals(schema)) {
        if (!v.isTextual()) {
          throw bad(col);
        }
        JsonNode scaleText = schemas.get(col).path("parameters").get("scale");
        if (scaleText == null || !scaleText.isTextual()) {
          throw reject(IAE, part + "." + col + ": ");
        }
        d = new BigDecimal(unscaled(col, v.textValue()), Integer.parseInt(scaleText.textValue()));
      } else if (v.isNumber()) {
        d = v.decimalValue();
        if (v.isIntegralNumber()) {
          d = new BigDecimal(v.bigIntegerValue());
        }
      } else if (v.isTextual() && DECIMAL_TEXT.matcher(v.textValue()).matches()) {
        d = new BigDecimal(v.textValue());
      } else {
        throw bad(col);
      }
      if (Math.abs((long) d.scale()) > MAX_NUMBER_LENGTH) {
        throw reject(IAE, part + "." + col + ": decimal scale outside +-maxNumberLength 100");
      }
      long digits =
          d.scale() <= 0 ? d.precision() - (long) d.scale() : Math.max(d.precision(), d.scale());
      if (digits > MAX_NUMBER_LENGTH) {
        throw reject(IAE, part + "." + col + ": decimal longer than maxNumberLength 100");
      }
      return d;
    }

    private BigInteger unscaled(String col, String base64) {
      byte[] bytes;
      try {
        bytes = Base64.getDecoder().decode(base64);
      } catch (IllegalArgumentException e) {
        throw reject(IAE, part + "." + col + ": decimal is not valid base64");
      }
      if (bytes.length == 0) {
        throw bad(col);
      }
      return new BigInteger(bytes);
    }

    /** Rejects a schema type the field would misread; returns the schema name or null. */
    @Nullable
    private String checkedSchema(String col, Set<String> allowed, Class<?> field) {
      String schema = schemaName(col);
      if (schema == null) {
        return null;
      }
      boolean known =
          DATES.contains(schema)
              || TIMESTAMPS.contains(schema)
              || TIMES.contains(schema)
              || NO_DATE_TIME.contains(schema);
      if (known && !allowed.contains(schema)) {
        throw reject(
            IAE,
            part
                + "."
                + col
                + ": a column of type "
                + schema
                + " cannot be read into "
                + field.getName());
      }
      return schema;
    }

    /** An integer for a date/time field, or null for text to parse; rejects numbers as text. */
    @Nullable
    private BigInteger dateTimeInteger(String col, JsonNode v) {
      if (v.isIntegralNumber()) {
        return v.bigIntegerValue();
      }
      if (v.isNumber() || (v.isTextual() && NUMBER_TEXT.matcher(v.textValue()).matches())) {
        throw reject(
            IAE,
            part + "." + col + ": a number as text or with a fraction is no date/time encoding");
      }
      if (!v.isTextual() || v.textValue().isEmpty()) {
        throw bad(col);
      }
      return null;
    }

    private Reject outOfRange(String col) {
      return reject(IAE, part + "." + col + ": integer date/time outside the years 0001 to 9999");
    }

    /** ISO text: the same range as integers, at UTC. */
    private Reject textOutOfRange(String col) {
      return reject(IAE, part + "." + col + ": date/time outside the years 0001 to 9999 (at UTC)");
    }

    @Nullable
    LocalDate localDate(String col) {
      JsonNode v = img.get(col);
      if (v == null || v.isNull()) {
        return null;
      }
      checkedSchema(col, DATES, LocalDate.class);
      BigInteger i = dateTimeInteger(col, v);
      if (i == null) {
        LocalDate d;
        try {
          d = LocalDate.parse(v.textValue());
        } catch (RuntimeException e) {
          throw bad(col);
        }
        if (d.getYear() < 1 || d.getYear() > 9999) {
          throw textOutOfRange(col);
        }
        return d;
      }
      if (i.abs().compareTo(BigInteger.valueOf(10_000_000)) > 0) {
        throw outOfRange(col);
      }
      LocalDate d = LocalDate.ofEpochDay(i.longValue());
      if (d.getYear() < 1 || d.getYear() > 9999) {
        throw outOfRange(col);
      }
      return d;
    }

    @Nullable
    Object timestamp(String col, boolean instant) {
      JsonNode v = img.get(col);
      if (v == null || v.isNull()) {
        return null;
      }
      Set<String> allowed = new java.util.HashSet<>(TIMESTAMPS);
      allowed.addAll(DATES);
      String schema = checkedSchema(col, allowed, instant ? Instant.class : LocalDateTime.class);
      BigInteger i = dateTimeInteger(col, v);
      if (i == null) {
        LocalDateTime utc;
        Object parsed;
        try {
          parsed = instant ? Instant.parse(v.textValue()) : LocalDateTime.parse(v.textValue());
          utc =
              instant
                  ? LocalDateTime.ofInstant((Instant) parsed, ZoneOffset.UTC)
                  : (LocalDateTime) parsed;
        } catch (RuntimeException e) {
          throw bad(col);
        }
        if (utc.getYear() < 1 || utc.getYear() > 9999) {
          throw textOutOfRange(col);
        }
        return parsed;
      }
      ChronoUnit unit = config.timePrecision();
      long perDay = 0;
      if (schema != null) {
        switch (schema) {
          case "io.debezium.time.Date", "org.apache.kafka.connect.data.Date" -> perDay = 1;
          case "io.debezium.time.Timestamp", "org.apache.kafka.connect.data.Timestamp" ->
              unit = ChronoUnit.MILLIS;
          case "io.debezium.time.MicroTimestamp" -> unit = ChronoUnit.MICROS;
          case "io.debezium.time.NanoTimestamp" -> unit = ChronoUnit.NANOS;
          default -> {}
        }
      }
      BigInteger nanosPerUnit =
          perDay == 1
              ? BigInteger.valueOf(86_400_000_000_000L)
              : BigInteger.valueOf(unit.getDuration().toNanos());
      BigInteger[] secondsAndNanos =
          i.multiply(nanosPerUnit).divideAndRemainder(BigInteger.valueOf(1_000_000_000L));
      BigInteger seconds = secondsAndNanos[0];
      BigInteger nanos = secondsAndNanos[1];
      if (nanos.signum() < 0) {
        seconds = seconds.subtract(BigInteger.ONE);
        nanos = nanos.add(BigInteger.valueOf(1_000_000_000L));
      }
      // 0001-01-01T00:00Z .. 9999-12-31T23:59:59.999999999Z
      if (seconds.compareTo(BigInteger.valueOf(-62_135_596_800L)) < 0
          || seconds.compareTo(BigInteger.valueOf(253_402_300_799L)) > 0) {
        throw outOfRange(col);
      }
      Instant at = Instant.ofEpochSecond(seconds.longValue(), nanos.longValue());
      return instant ? at : LocalDateTime.ofInstant(at, ZoneOffset.UTC);
    }

    @Nullable
    LocalTime time(String col) {
      JsonNode v = img.get(col);
      if (v == null || v.isNull()) {
        return null;
      }
      String schema = checkedSchema(col, TIMES, LocalTime.class);
      BigInteger i = dateTimeInteger(col, v);
      if (i == null) {
        try {
          return LocalTime.parse(v.textValue());
        } catch (RuntimeException e) {
          throw bad(col);
        }
      }
      ChronoUnit unit = config.timePrecision();
      if (schema != null) {
        switch (schema) {
          case "io.debezium.time.Time", "org.apache.kafka.connect.data.Time" ->
              unit = ChronoUnit.MILLIS;
          case "io.debezium.time.MicroTime" -> unit = ChronoUnit.MICROS;
          case "io.debezium.time.NanoTime" -> unit = ChronoUnit.NANOS;
          default -> {}
        }
      }
      BigInteger nanos = i.multiply(BigInteger.valueOf(unit.getDuration().toNanos()));
      if (nanos.signum() < 0 || nanos.compareTo(BigInteger.valueOf(86_400_000_000_000L)) >= 0) {
        // ASSUMPTION: 24:00 itself (no LocalTime) is a dead letter too; never generated.
        throw bad(col);
      }
      return LocalTime.ofNanoOfDay(nanos.longValue());
    }
  }

  /** An integer written exactly (a whole number with a fraction or exponent, integer text). */
  @Nullable
  private static BigInteger exactInteger(JsonNode v) {
    if (v.isIntegralNumber()) {
      return v.bigIntegerValue();
    }
    if (v.isNumber()) {
      BigDecimal d = v.decimalValue().stripTrailingZeros();
      if (d.scale() > 0 || d.scale() < -40) {
        return d.scale() > 0 ? null : BigInteger.TEN.pow(41); // out of every range
      }
      return d.toBigIntegerExact();
    }
    if (v.isTextual() && INTEGER_TEXT.matcher(v.textValue()).matches()) {
      return v.textValue().length() > 40 ? BigInteger.TEN.pow(41) : new BigInteger(v.textValue());
    }
    return null;
  }
}
