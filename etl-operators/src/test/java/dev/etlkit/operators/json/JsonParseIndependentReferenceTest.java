package dev.etlkit.operators.json;

import static dev.etlkit.operators.json.JsonParseIndependentReference.Kind;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.JavaTimeTypeInfoFactory;
import dev.etlkit.operators.IndependentStepRun;
import dev.etlkit.operators.JsonReadLimits;
import dev.etlkit.operators.json.JsonParseIndependentReference.FieldMode;
import dev.etlkit.operators.json.JsonParseIndependentReference.Outcome;
import dev.etlkit.testkit.Soak;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Drives the real {@link JsonParse} step (a local job) with a cross product of field kinds, JSON
 * values and configurations, and compares every record's fate (value, or dead letter and reason)
 * and the step's counters with {@link JsonParseIndependentReference}, which was written from the
 * docs alone.
 *
 * <p>Points where docs/formats-json.md is silent and the reference decides (each one is either
 * confirmed by the step or written into the docs):
 *
 * <ol>
 *   <li>Strict integer fields reject every number with a fraction or exponent, even integral ones
 *       ({@code 7.00}, {@code 1e3}), with WRONG_TYPE.
 *   <li>A JSON number for an enum field is WRONG_TYPE (Jackson would take it as an ordinal).
 *   <li>A strict Instant given a string of digits is WRONG_TYPE or INVALID_VALUE (docs allow both).
 *   <li>Under coercion, a value of the field's own JSON type that the type cannot take (an integer
 *       out of range, {@code "2024-02-30"}) is a failed cast, not OUT_OF_RANGE/INVALID_VALUE.
 *   <li>Under coercion a JSON number for a double is read as without coercion ({@code 1e400} is
 *       infinity); only the string {@code "1e400"} fails.
 *   <li>The space between date and time is accepted only under coercion (Instant, LocalDateTime).
 * </ol>
 */
@Timeout(120)
class JsonParseIndependentReferenceTest {

  /** The enum of the reference record. */
  public enum RefColor {
    RED,
    GREEN
  }

  /** A nested record. */
  public record RefInner(String name, int n) {}

  /** One field of every scalar kind, plus nested record, list and map. */
  public record RefRecord(
      String s,
      int i,
      long l,
      double d,
      boolean b,
      Integer ib,
      Long lb,
      Double db,
      Boolean bb,
      BigDecimal dec,
      Instant ts,
      @TypeInfo(JavaTimeTypeInfoFactory.class) LocalDate date,
      @TypeInfo(JavaTimeTypeInfoFactory.class) LocalDateTime ldt,
      RefColor color,
      RefInner inner,
      List<Integer> ints,
      Map<String, Long> m) {}

  static final Map<String, Kind> FIELDS = new LinkedHashMap<>();

  static {
    FIELDS.put("s", Kind.STRING);
    FIELDS.put("i", Kind.INT);
    FIELDS.put("l", Kind.LONG);
    FIELDS.put("d", Kind.DOUBLE);
    FIELDS.put("b", Kind.BOOLEAN);
    FIELDS.put("ib", Kind.INT_BOX);
    FIELDS.put("lb", Kind.LONG_BOX);
    FIELDS.put("db", Kind.DOUBLE_BOX);
    FIELDS.put("bb", Kind.BOOLEAN_BOX);
    FIELDS.put("dec", Kind.DECIMAL);
    FIELDS.put("ts", Kind.INSTANT);
    FIELDS.put("date", Kind.DATE);
    FIELDS.put("ldt", Kind.DATETIME);
    FIELDS.put("color", Kind.ENUM);
  }

  static final String NESTED_JSON =
      "\"inner\":{\"name\":\"n\",\"n\":5},\"ints\":[1,2],\"m\":{\"a\":1}";

  static Map<String, String> baseJson() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("s", "\"x\"");
    m.put("i", "1");
    m.put("l", "2");
    m.put("d", "0.5");
    m.put("b", "true");
    m.put("ib", "3");
    m.put("lb", "4");
    m.put("db", "1.5");
    m.put("bb", "false");
    m.put("dec", "12.50");
    m.put("ts", "\"2024-01-31T10:15:30Z\"");
    m.put("date", "\"2024-01-31\"");
    m.put("ldt", "\"2024-01-31T10:15:30\"");
    m.put("color", "\"RED\"");
    return m;
  }

  /** JSON values tried in every field. */
  static final List<String> POOL =
      List.of(
          "42",
          "-0",
          "0",
          "1",
          "2",
          "1.5",
          "7.00",
          "1e3",
          "-1E+2",
          "0.1",
          "1e-7",
          "2147483647",
          "2147483648",
          "-2147483649",
          "9223372036854775807",
          "9223372036854775808",
          "-9223372036854775809",
          "123456789012345678901234567890",
          "1e400",
          "-1e400",
          "1e-400",
          "1e99",
          "1e100",
          "1e-99",
          "1e-100",
          "1e999999999",
          "12.50",
          "\"12.50\"",
          "\"42\"",
          "\" 42 \"",
          "\"1e3\"",
          "\"1.0\"",
          "\"1.5\"",
          "\"2147483648\"",
          "\"NaN\"",
          "\"Infinity\"",
          "\"-Infinity\"",
          "\"nan\"",
          "\"1e400\"",
          "\"-0.0\"",
          "\"\u0661\u0662\"",
          "\"abc\"",
          "\"\"",
          "\"  \"",
          "true",
          "false",
          "\"true\"",
          "\"YES\"",
          "\"n\"",
          "\" T \"",
          "\"0\"",
          "\"1\"",
          "null",
          "{}",
          "[]",
          "[1]",
          "{\"a\":1}",
          "\"2024-01-31\"",
          "\"2024-02-30\"",
          "\"2024-01-31T10:15:30\"",
          "\"2024-01-31 10:15:30\"",
          "\"2024-01-31T10:15:30Z\"",
          "\"2024-01-31T10:15:30.123+02:00\"",
          "\"2024-01-31 10:15:30Z\"",
          "\" 2024-01-31 \"",
          "1706696130000",
          "\"1706696130000\"",
          "\"-1706696130000\"",
          "1706696130000.5",
          "\"RED\"",
          "\"red\"",
          "\"PURPLE\"",
          "\"" + "9".repeat(101) + "\"",
          "\"x\\u0000y\"",
          "\"\\ud83d\\ude00\"");

  enum Mode {
    STRICT,
    TRY_CAST,
    MIXED,
    LAX
  }

  static JsonParse<byte[], RefRecord> step(Mode mode) {
    JsonParse<byte[], RefRecord> p = Json.parse("parse", RefRecord.class);
    switch (mode) {
      case TRY_CAST:
        return p.withCoercion(Coercion.tryCast());
      case MIXED:
        return p.withCoercion(Coercion.tryCast())
            .withRequiredFields("ib")
            .withFieldCoercion("i", Coercion.tryCast().orDefault(-1))
            .withFieldCoercion("l", Coercion.tryCast().orDeadLetter())
            .withFieldCoercion("dec", Coercion.tryCast().orDefault(0))
            .withFieldCoercion("bb", Coercion.tryCast().orDefault("yes"))
            .withFieldCoercion("s", Coercion.none())
            .withFieldCoercion("date", Coercion.tryCast().orDeadLetter())
            .withFieldCoercion("ts", Coercion.tryCast().orDefault(Instant.EPOCH));
      case LAX:
        return p.withPrimitiveFieldsRequired(false)
            .withRequiredFields("s", "dec")
            .withUnknownFields(UnknownFields.DEAD_LETTER);
      default:
        return p;
    }
  }

  static FieldMode fieldMode(Mode mode, String field) {
    Kind kind = FIELDS.get(field);
    Coercion c = Coercion.none();
    boolean required = false;
    if (mode == Mode.TRY_CAST || mode == Mode.MIXED) {
      c = kind == Kind.ENUM ? Coercion.none() : Coercion.tryCast();
    }
    if (mode == Mode.MIXED) {
      switch (field) {
        case "i":
          c = Coercion.tryCast().orDefault(-1);
          break;
        case "l":
        case "date":
          c = Coercion.tryCast().orDeadLetter();
          break;
        case "dec":
          c = Coercion.tryCast().orDefault(0);
          break;
        case "bb":
          c = Coercion.tryCast().orDefault("yes");
          break;
        case "s":
          c = Coercion.none();
          break;
        case "ts":
          c = Coercion.tryCast().orDefault(Instant.EPOCH);
          break;
        case "ib":
          required = true;
          break;
        default:
      }
    }
    if (mode == Mode.LAX && (field.equals("s") || field.equals("dec"))) {
      required = true;
    }
    return new FieldMode(c, required);
  }

  /** One input document and its expected fate. */
  record Case(String json, Outcome expected, String what) {}

  static Map<String, Object> baseValues(Mode mode) {
    Map<String, Object> values = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : baseJson().entrySet()) {
      Outcome o =
          JsonParseIndependentReference.field(
              FIELDS.get(e.getKey()), e.getValue(), fieldMode(mode, e.getKey()), mode != Mode.LAX);
      values.put(e.getKey(), o.value);
    }
    values.put("inner", new RefInner("n", 5));
    values.put("ints", List.of(1, 2));
    values.put("m", Map.of("a", 1L));
    return values;
  }

  static RefRecord record(Map<String, Object> v) {
    return new RefRecord(
        (String) v.get("s"),
        (Integer) v.get("i"),
        (Long) v.get("l"),
        (Double) v.get("d"),
        (Boolean) v.get("b"),
        (Integer) v.get("ib"),
        (Long) v.get("lb"),
        (Double) v.get("db"),
        (Boolean) v.get("bb"),
        (BigDecimal) v.get("dec"),
        (Instant) v.get("ts"),
        (LocalDate) v.get("date"),
        (LocalDateTime) v.get("ldt"),
        (RefColor) v.get("color"),
        (RefInner) v.get("inner"),
        (List<Integer>) v.get("ints"),
        (Map<String, Long>) v.get("m"));
  }

  static String document(Map<String, String> json, String nested) {
    StringBuilder sb = new StringBuilder("{");
    for (Map.Entry<String, String> e : json.entrySet()) {
      if (e.getValue() != null) {
        sb.append('"').append(e.getKey()).append("\":").append(e.getValue()).append(',');
      }
    }
    sb.append(nested).append('}');
    return sb.toString();
  }

  /** Every field × every pool value (and missing), one fault per document. */
  static List<Case> fieldCases(Mode mode) {
    List<Case> cases = new ArrayList<>();
    for (String field : FIELDS.keySet()) {
      List<String> values = new ArrayList<>(POOL);
      values.add(null);
      for (String value : values) {
        Map<String, String> json = baseJson();
        json.put(field, value);
        Outcome f =
            JsonParseIndependentReference.field(
                FIELDS.get(field), value, fieldMode(mode, field), mode != Mode.LAX);
        Outcome expected;
        if (f.accepted) {
          Map<String, Object> v = baseValues(mode);
          v.put(field, f.value);
          expected = Outcome.value(record(v));
        } else {
          expected = f;
        }
        cases.add(new Case(document(json, NESTED_JSON), expected, field + "=" + value));
      }
    }
    return cases;
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void everyFieldKind_everyPoolValue_matchesReference(Mode mode) throws Exception {
    compare(step(mode), fieldCases(mode));
  }

  /** Seeded random valid values: what is written in range must be read back exactly. */
  @Test
  void randomValidValues_readBackExactly() throws Exception {
    List<Case> cases = new ArrayList<>();
    for (long seed : Soak.seeds(3, 30)) {
      Random r = new Random(seed);
      for (int n = 0; n < 150; n++) {
        Map<String, String> json = baseJson();
        json.put("s", quote(randomString(r)));
        json.put("i", Integer.toString(r.nextInt()));
        json.put("l", Long.toString(r.nextLong()));
        double dv = Double.longBitsToDouble(r.nextLong());
        json.put(
            "d", Double.isNaN(dv) ? "\"NaN\"" : Double.isInfinite(dv) ? quote("" + dv) : "" + dv);
        json.put(
            "dec", new BigDecimal(new java.math.BigInteger(90, r), r.nextInt(40) - 10).toString());
        long ms = r.nextLong() % 253402300799000L;
        json.put("ts", quote(Instant.ofEpochMilli(Math.abs(ms)).toString()));
        json.put("ib", r.nextBoolean() ? "null" : Integer.toString(r.nextInt()));
        json.put("lb", r.nextBoolean() ? null : Long.toString(r.nextLong()));
        json.put("date", quote(LocalDate.ofEpochDay(r.nextInt(2_000_000) - 700_000).toString()));
        Map<String, Object> v = baseValues(Mode.STRICT);
        boolean ok = true;
        for (Map.Entry<String, String> e : json.entrySet()) {
          Outcome o =
              JsonParseIndependentReference.field(
                  FIELDS.get(e.getKey()), e.getValue(), fieldMode(Mode.STRICT, e.getKey()), true);
          if (!o.accepted) {
            cases.add(
                new Case(document(json, NESTED_JSON), o, "random " + e.getKey() + " seed " + seed));
            ok = false;
            break;
          }
          v.put(e.getKey(), o.value);
        }
        if (ok) {
          cases.add(
              new Case(
                  document(json, NESTED_JSON), Outcome.value(record(v)), "random seed " + seed));
        }
      }
    }
    compare(step(Mode.STRICT), cases);
  }

  static String quote(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') {
        sb.append('\\').append(c);
      } else if (c < 0x20) {
        sb.append(String.format("\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    return sb.append('"').toString();
  }

  static String randomString(Random r) {
    StringBuilder sb = new StringBuilder();
    int n = r.nextInt(12);
    for (int k = 0; k < n; k++) {
      int pick = r.nextInt(4);
      sb.appendCodePoint(
          pick == 0
              ? r.nextInt(0x20)
              : pick == 1 ? 0x20 + r.nextInt(0x5f) : pick == 2 ? 0xe9 : 0x1f600);
    }
    return sb.toString();
  }

  /** Documents as a whole: syntax, limits, nesting, unknown fields, duplicates. */
  @Test
  void wholeDocuments_matchReference() throws Exception {
    JsonRecordException.Reason[] none = {};
    String base = document(baseJson(), NESTED_JSON);
    String body = base.substring(1, base.length() - 1);
    RefRecord baseRecord = record(baseValues(Mode.STRICT));
    List<Case> cases = new ArrayList<>();
    java.util.function.BiConsumer<String, JsonRecordException.Reason> reject =
        (doc, reason) -> cases.add(new Case(doc, Outcome.reject(reason), doc));
    java.util.function.BiConsumer<String, RefRecord> accept =
        (doc, rec) -> cases.add(new Case(doc, Outcome.value(rec), doc));
    reject.accept("", JsonRecordException.Reason.EMPTY);
    reject.accept(" \n\t ", JsonRecordException.Reason.EMPTY);
    reject.accept(base.substring(0, base.length() - 1), JsonRecordException.Reason.TRUNCATED);
    reject.accept(base.substring(0, 20), JsonRecordException.Reason.TRUNCATED);
    reject.accept("{" + body + ",\"x\":NaN}", JsonRecordException.Reason.MALFORMED);
    reject.accept("{" + body + ",'x':1}", JsonRecordException.Reason.MALFORMED);
    reject.accept("{" + body + "/*c*/}", JsonRecordException.Reason.MALFORMED);
    reject.accept("{" + body + ",\"x\":\"a\u0001b\"}", JsonRecordException.Reason.MALFORMED);
    reject.accept("{" + body + ",\"x\":01}", JsonRecordException.Reason.MALFORMED);
    reject.accept("{" + body + ",}", JsonRecordException.Reason.MALFORMED);
    reject.accept(base + " {}", JsonRecordException.Reason.TRAILING_CONTENT);
    reject.accept(base + "x", JsonRecordException.Reason.TRAILING_CONTENT);
    reject.accept("[" + base + "]", JsonRecordException.Reason.NOT_AN_OBJECT);
    reject.accept("\"text\"", JsonRecordException.Reason.NOT_AN_OBJECT);
    reject.accept("42", JsonRecordException.Reason.NOT_AN_OBJECT);
    reject.accept("null", JsonRecordException.Reason.NOT_AN_OBJECT);
    accept.accept(" \n" + base + " \n", baseRecord);
    // duplicate keys: the last wins, also for required checks
    accept.accept("{\"i\":9," + body + "}", baseRecord);
    Map<String, Object> v = baseValues(Mode.STRICT);
    v.put("i", 9);
    accept.accept("{" + body + ",\"i\":9}", record(v));
    reject.accept("{" + body + ",\"i\":null}", JsonRecordException.Reason.MISSING_REQUIRED_FIELD);
    // unknown fields are ignored by default, at any depth
    accept.accept("{" + body + ",\"zz\":{\"a\":[1,{\"b\":null}]}}", baseRecord);
    accept.accept("{\"@class\":\"java.net.URL\"," + body + "}", baseRecord);
    String innerUnknown = body.replace("\"n\":5", "\"n\":5,\"q\":1");
    accept.accept("{" + innerUnknown + "}", baseRecord);
    // nested: a missing primitive of the nested record; wrong types in list and map
    reject.accept(
        "{" + body.replace(",\"n\":5", "") + "}",
        JsonRecordException.Reason.MISSING_REQUIRED_FIELD);
    reject.accept(
        "{" + body.replace("[1,2]", "[1,\"2\"]") + "}", JsonRecordException.Reason.WRONG_TYPE);
    reject.accept(
        "{" + body.replace("[1,2]", "[1,2.5]") + "}", JsonRecordException.Reason.WRONG_TYPE);
    reject.accept(
        "{" + body.replace("[1,2]", "[1,2147483648]") + "}",
        JsonRecordException.Reason.OUT_OF_RANGE);
    reject.accept(
        "{" + body.replace("{\"a\":1}", "{\"a\":9223372036854775808}") + "}",
        JsonRecordException.Reason.OUT_OF_RANGE);
    reject.accept(
        "{" + body.replace("{\"a\":1}", "{\"a\":\"1\"}") + "}",
        JsonRecordException.Reason.WRONG_TYPE);
    reject.accept("{" + body.replace("[1,2]", "1") + "}", JsonRecordException.Reason.WRONG_TYPE);
    // java.time values are ISO strings: Jackson's array forms are a JSON array, not a string
    reject.accept(
        "{" + body.replace("\"2024-01-31\"", "[2024,1,31]") + "}",
        JsonRecordException.Reason.WRONG_TYPE);
    reject.accept(
        "{" + body.replace("\"2024-01-31T10:15:30\"", "[2024,1,31,10,15,30]") + "}",
        JsonRecordException.Reason.WRONG_TYPE);
    reject.accept(
        "{" + body.replace("\"2024-01-31\"", "[]") + "}", JsonRecordException.Reason.WRONG_TYPE);
    reject.accept(
        "{" + body.replace("{\"name\":\"n\",\"n\":5}", "[]") + "}",
        JsonRecordException.Reason.WRONG_TYPE);
    v = baseValues(Mode.STRICT);
    v.put("ints", java.util.Arrays.asList(1, null));
    java.util.HashMap<String, Long> mm = new java.util.HashMap<>();
    mm.put("a", null);
    mm.put("", 2L);
    v.put("m", mm);
    accept.accept(
        "{" + body.replace("[1,2]", "[1,null]").replace("{\"a\":1}", "{\"a\":null,\"\":2}") + "}",
        record(v));
    // a number of 100 digits is fine, 101 is a huge number
    v = baseValues(Mode.STRICT);
    v.put("dec", new BigDecimal("9".repeat(100)));
    accept.accept("{" + body.replace("12.50", "9".repeat(100)) + "}", record(v));
    reject.accept(
        "{" + body.replace("12.50", "9".repeat(101)) + "}",
        JsonRecordException.Reason.LIMIT_EXCEEDED);
    reject.accept(
        "{" + body + ",\"zz\":" + "9".repeat(101) + "}", JsonRecordException.Reason.LIMIT_EXCEEDED);
    // nesting: 64 levels are fine (the object itself is level 1), 65 are not
    accept.accept("{" + body + ",\"zz\":" + "[".repeat(63) + "]".repeat(63) + "}", baseRecord);
    reject.accept(
        "{" + body + ",\"zz\":" + "[".repeat(64) + "]".repeat(64) + "}",
        JsonRecordException.Reason.LIMIT_EXCEEDED);
    // encodings: bad UTF-8 is rejected; a BOM is fine
    List<byte[]> raw = new ArrayList<>();
    List<Outcome> rawExpected = new ArrayList<>();
    byte[] good = base.getBytes(StandardCharsets.UTF_8);
    for (byte[] bad :
        List.of(
            new byte[] {(byte) 0xC3, 0x28},
            new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
            new byte[] {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80},
            new byte[] {(byte) 0xC0, (byte) 0xAF},
            new byte[] {(byte) 0xE0, (byte) 0x80, (byte) 0xAF},
            new byte[] {(byte) 0xF0, (byte) 0x80, (byte) 0x80, (byte) 0xAF},
            new byte[] {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80},
            new byte[] {(byte) 0xFF})) {
      String prefix = "{\"s\":\"a";
      byte[] doc = new byte[good.length + bad.length];
      byte[] p = prefix.getBytes(StandardCharsets.UTF_8);
      System.arraycopy(p, 0, doc, 0, p.length);
      System.arraycopy(bad, 0, doc, p.length, bad.length);
      byte[] rest =
          ("\"," + body.substring(body.indexOf(",") + 1) + "}").getBytes(StandardCharsets.UTF_8);
      doc = java.util.Arrays.copyOf(doc, p.length + bad.length + rest.length);
      System.arraycopy(rest, 0, doc, p.length + bad.length, rest.length);
      raw.add(doc);
      rawExpected.add(Outcome.reject(JsonRecordException.Reason.INVALID_ENCODING));
    }
    byte[] bom = new byte[good.length + 3];
    bom[0] = (byte) 0xEF;
    bom[1] = (byte) 0xBB;
    bom[2] = (byte) 0xBF;
    System.arraycopy(good, 0, bom, 3, good.length);
    raw.add(bom);
    rawExpected.add(Outcome.value(baseRecord));
    List<byte[]> inputs = new ArrayList<>();
    List<Outcome> expected = new ArrayList<>();
    List<String> what = new ArrayList<>();
    for (Case c : cases) {
      inputs.add(c.json().getBytes(StandardCharsets.UTF_8));
      expected.add(c.expected());
      what.add(c.what());
    }
    for (int k = 0; k < raw.size(); k++) {
      inputs.add(raw.get(k));
      expected.add(rawExpected.get(k));
      what.add("raw bytes #" + k);
    }
    compareBytes(step(Mode.STRICT), inputs, expected, what);

    // unknown fields with DEAD_LETTER, at any depth; small limits
    List<Case> strictCases = new ArrayList<>();
    strictCases.add(
        new Case(
            "{" + body + ",\"zz\":1}",
            Outcome.reject(JsonRecordException.Reason.UNKNOWN_FIELD),
            "top"));
    strictCases.add(
        new Case(
            "{" + innerUnknown + "}",
            Outcome.reject(JsonRecordException.Reason.UNKNOWN_FIELD),
            "inner"));
    strictCases.add(
        new Case(
            "{\"@class\":\"java.net.URL\"," + body + "}",
            Outcome.reject(JsonRecordException.Reason.UNKNOWN_FIELD),
            "type id"));
    strictCases.add(new Case(base, Outcome.value(baseRecord), "base"));
    compare(
        Json.parse("parse", RefRecord.class).withUnknownFields(UnknownFields.DEAD_LETTER),
        strictCases);

    List<Case> limitCases = new ArrayList<>();
    limitCases.add(new Case(base, Outcome.value(baseRecord), "base"));
    limitCases.add(
        new Case(
            "{" + body + ",\"zz\":[[1]]}",
            Outcome.reject(JsonRecordException.Reason.LIMIT_EXCEEDED),
            "depth 3"));
    limitCases.add(new Case("{" + body + ",\"zz\":[1]}", Outcome.value(baseRecord), "depth 2"));
    String longS = "y".repeat(40);
    Map<String, Object> vs = baseValues(Mode.STRICT);
    vs.put("s", longS);
    Map<String, String> js = baseJson();
    js.put("s", quote(longS));
    limitCases.add(new Case(document(js, NESTED_JSON), Outcome.value(record(vs)), "string 40"));
    js.put("s", quote(longS + "y"));
    limitCases.add(
        new Case(
            document(js, NESTED_JSON),
            Outcome.reject(JsonRecordException.Reason.LIMIT_EXCEEDED),
            "string 41"));
    int size = document(baseJson(), NESTED_JSON).getBytes(StandardCharsets.UTF_8).length + 60;
    limitCases.add(
        new Case(
            "{"
                + body
                + ",\"zz\":\""
                + "w".repeat(39)
                + "\","
                + "\"zy\":\""
                + "w".repeat(39)
                + "\"}",
            Outcome.reject(JsonRecordException.Reason.TOO_LARGE),
            "too large"));
    compare(
        Json.parse("parse", RefRecord.class)
            .withReadLimits(
                JsonReadLimits.defaults()
                    .withMaxNestingDepth(2)
                    .withMaxStringLength(40)
                    .withMaxDocumentBytes(size)),
        limitCases);
  }

  static void compare(JsonParse<byte[], RefRecord> step, List<Case> cases) throws Exception {
    List<byte[]> inputs = new ArrayList<>();
    List<Outcome> expected = new ArrayList<>();
    List<String> what = new ArrayList<>();
    Set<String> seen = new LinkedHashSet<>();
    for (Case c : cases) {
      if (seen.add(c.json())) {
        inputs.add(c.json().getBytes(StandardCharsets.UTF_8));
        expected.add(c.expected());
        what.add(c.what());
      }
    }
    compareBytes(step, inputs, expected, what);
  }

  static void compareBytes(
      JsonParse<byte[], RefRecord> step,
      List<byte[]> inputs,
      List<Outcome> expected,
      List<String> what)
      throws Exception {
    IndependentStepRun<RefRecord> run =
        IndependentStepRun.run(inputs, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO, step);
    Map<String, DeadLetter> dlByPayload = new LinkedHashMap<>();
    for (DeadLetter dl : run.deadLetters) {
      assertThat(dl.errorClass()).isEqualTo(JsonRecordException.class.getName());
      dlByPayload.put(java.util.Base64.getEncoder().encodeToString(dl.payloadAsBytes()), dl);
    }
    List<String> mismatches = new ArrayList<>();
    int out = 0;
    long expectedOut = 0;
    for (int k = 0; k < inputs.size(); k++) {
      Outcome e = expected.get(k);
      DeadLetter dl = dlByPayload.get(java.util.Base64.getEncoder().encodeToString(inputs.get(k)));
      String actual;
      boolean ok;
      if (dl != null) {
        String reason = dl.errorMessage().substring(0, dl.errorMessage().indexOf(':'));
        actual = "dead letter " + dl.errorMessage();
        ok = !e.accepted && e.reasons.contains(JsonRecordException.Reason.valueOf(reason));
      } else {
        RefRecord r = out < run.outputs.size() ? run.outputs.get(out) : null;
        out++;
        actual = "value " + r;
        ok = e.accepted && java.util.Objects.equals(e.value, r);
      }
      if (e.accepted) {
        expectedOut++;
      }
      if (!ok) {
        mismatches.add(what.get(k) + "\n    expected " + e + "\n    actual   " + actual);
      }
    }
    assertThat(mismatches).as("records whose fate differs from the reference").isEmpty();
    assertThat(run.outputs).hasSize((int) expectedOut);
    assertThat(run.counts.in()).isEqualTo(inputs.size());
    assertThat(run.counts.out()).isEqualTo(expectedOut);
    assertThat(run.counts.deadLettered()).isEqualTo(inputs.size() - expectedOut);
    assertThat(run.counts.isBalanced()).isTrue();
  }
}
