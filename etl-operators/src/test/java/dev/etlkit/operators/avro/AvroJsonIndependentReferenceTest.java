package dev.etlkit.operators.avro;

import static dev.etlkit.operators.avro.AvroJsonIndependentReference.EITHER_INFINITY_OR_REJECT;
import static dev.etlkit.operators.avro.AvroJsonIndependentReference.REJECT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.operators.IndependentStepRun;
import dev.etlkit.operators.PayloadInput;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Drives the real {@code Avro.fromJson}, {@code Avro.toJson} and {@code Avro.decode} steps (local
 * jobs) and compares every record's fate with {@link AvroJsonIndependentReference} and with
 * expectations taken from docs/formats-avro.md and the Avro specification (schema resolution,
 * Confluent wire format).
 *
 * <p>Points where the docs are silent and the reference decides:
 *
 * <ol>
 *   <li>date, time and timestamp epoch numbers must be integral (5.0 counts, as for int);
 *   <li>uuid text must be canonical (36 characters); Java's UUID.fromString takes "1-1-1-1-1";
 *   <li>a number beyond a float's or double's range may become infinity or be rejected.
 * </ol>
 */
@Timeout(180)
class AvroJsonIndependentReferenceTest {

  static final Schema SCHEMA =
      new Schema.Parser()
          .parse(
              "{\"type\":\"record\",\"name\":\"Ref\",\"namespace\":\"ref\",\"fields\":["
                  + "{\"name\":\"i\",\"type\":\"int\"},"
                  + "{\"name\":\"l\",\"type\":\"long\"},"
                  + "{\"name\":\"f\",\"type\":\"float\"},"
                  + "{\"name\":\"d\",\"type\":\"double\"},"
                  + "{\"name\":\"b\",\"type\":\"boolean\"},"
                  + "{\"name\":\"s\",\"type\":\"string\"},"
                  + "{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"B\"]}},"
                  + "{\"name\":\"ed\",\"type\":{\"type\":\"enum\",\"name\":\"Ed\",\"symbols\":[\"X\",\"Y\"],\"default\":\"X\"}},"
                  + "{\"name\":\"by\",\"type\":\"bytes\"},"
                  + "{\"name\":\"fx\",\"type\":{\"type\":\"fixed\",\"name\":\"F4\",\"size\":4}},"
                  + "{\"name\":\"dec\",\"type\":{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":6,\"scale\":2}},"
                  + "{\"name\":\"decf\",\"type\":{\"type\":\"fixed\",\"name\":\"D3\",\"size\":3,\"logicalType\":\"decimal\",\"precision\":6,\"scale\":0}},"
                  + "{\"name\":\"uid\",\"type\":{\"type\":\"string\",\"logicalType\":\"uuid\"}},"
                  + "{\"name\":\"dt\",\"type\":{\"type\":\"int\",\"logicalType\":\"date\"}},"
                  + "{\"name\":\"tm\",\"type\":{\"type\":\"int\",\"logicalType\":\"time-millis\"}},"
                  + "{\"name\":\"tu\",\"type\":{\"type\":\"long\",\"logicalType\":\"time-micros\"}},"
                  + "{\"name\":\"tsm\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}},"
                  + "{\"name\":\"tsu\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-micros\"}},"
                  + "{\"name\":\"ltm\",\"type\":{\"type\":\"long\",\"logicalType\":\"local-timestamp-millis\"}},"
                  + "{\"name\":\"ltu\",\"type\":{\"type\":\"long\",\"logicalType\":\"local-timestamp-micros\"}},"
                  + "{\"name\":\"ni\",\"type\":[\"null\",\"int\"]},"
                  + "{\"name\":\"il\",\"type\":[\"int\",\"long\"]},"
                  + "{\"name\":\"sd\",\"type\":[\"string\",\"double\"]},"
                  + "{\"name\":\"fd\",\"type\":[\"float\",\"double\"]},"
                  + "{\"name\":\"nts\",\"type\":[\"null\",{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}],\"default\":null},"
                  + "{\"name\":\"ndec\",\"type\":[\"null\",{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":4,\"scale\":1}]},"
                  + "{\"name\":\"wd\",\"type\":\"int\",\"default\":7},"
                  + "{\"name\":\"sdef\",\"type\":\"string\",\"default\":\"web\"}"
                  + "]}");

  static Map<String, String> baseJson() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("i", "1");
    m.put("l", "2");
    m.put("f", "0.5");
    m.put("d", "0.25");
    m.put("b", "true");
    m.put("s", "\"x\"");
    m.put("e", "\"A\"");
    m.put("ed", "\"Y\"");
    m.put("by", "\"AQID\"");
    m.put("fx", "\"AQIDBA==\"");
    m.put("dec", "12.50");
    m.put("decf", "123456");
    m.put("uid", "\"123e4567-e89b-12d3-a456-426614174000\"");
    m.put("dt", "\"2024-05-01\"");
    m.put("tm", "\"10:15:30.123\"");
    m.put("tu", "\"10:15:30.123456\"");
    m.put("tsm", "\"2024-05-01T10:15:30.123Z\"");
    m.put("tsu", "\"2024-05-01T10:15:30.123456Z\"");
    m.put("ltm", "\"2024-05-01T10:15:30.123\"");
    m.put("ltu", "\"2024-05-01T10:15:30.123456\"");
    m.put("ni", "3");
    m.put("il", "4");
    m.put("sd", "\"t\"");
    m.put("fd", "0.5");
    m.put("nts", "1714558530123");
    m.put("ndec", "\"1.5\"");
    m.put("wd", "8");
    m.put("sdef", "\"app\"");
    return m;
  }

  static final List<String> POOL =
      List.of(
          "null",
          "0",
          "-0",
          "5",
          "5.0",
          "5.5",
          "1e3",
          "-1",
          "0.1",
          "0.5",
          "16777217",
          "2147483647",
          "2147483648",
          "-2147483649",
          "9223372036854775807",
          "9223372036854775808",
          "1099511627776",
          "3.4028235e38",
          "1e39",
          "1e300",
          "1e400",
          "-1e400",
          "1e-400",
          "86399999",
          "86400000",
          "86399999999",
          "86400000000",
          "1714558530123",
          "-1714558530123",
          "1714558530123456",
          "1714558530123.5",
          "12.5",
          "12.505",
          "9999.99",
          "10000",
          "-9999.99",
          "\"12.50\"",
          "\"1e2\"",
          "\"abc\"",
          "\"\"",
          "\"5\"",
          "\"NaN\"",
          "\"Infinity\"",
          "\"-Infinity\"",
          "\"nan\"",
          "true",
          "false",
          "\"true\"",
          "\"A\"",
          "\"B\"",
          "\"C\"",
          "\"X\"",
          "\"Z\"",
          "\"AQID\"",
          "\"AQIDBA==\"",
          "\"AQIDBAU=\"",
          "\"!!\"",
          "\"AQ\"",
          "\"123e4567-e89b-12d3-a456-426614174000\"",
          "\"1-1-1-1-1\"",
          "\"123E4567-E89B-12D3-A456-426614174000\"",
          "\"2024-05-01\"",
          "\"2024-02-30\"",
          "\"10:15:30.123\"",
          "\"10:15:30.1234\"",
          "\"10:15:30.123456\"",
          "\"10:15:30.1234567\"",
          "\"10:15:30.123000\"",
          "\"24:00:00\"",
          "\"10:15\"",
          "\"2024-05-01T10:15:30Z\"",
          "\"2024-05-01T10:15:30.123Z\"",
          "\"2024-05-01T10:15:30.123456Z\"",
          "\"2024-05-01T10:15:30.123456789Z\"",
          "\"2024-05-01T10:15:30.123000Z\"",
          "\"2024-05-01T10:15:30+02:00\"",
          "\"2024-05-01T10:15:30\"",
          "\"2024-05-01T10:15:30.123\"",
          "\"2024-05-01T10:15:30.1234\"",
          "\"2024-05-01 10:15:30Z\"",
          "{}",
          "[]",
          "[1]",
          "{\"a\":1}");

  record Case(String json, Object expected, String what) {}

  static Map<String, Object> baseValues() {
    Map<String, Object> v = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : baseJson().entrySet()) {
      v.put(
          e.getKey(),
          AvroJsonIndependentReference.field(SCHEMA.getField(e.getKey()), e.getValue()));
    }
    return v;
  }

  static String document(Map<String, String> json) {
    StringBuilder sb = new StringBuilder("{");
    for (Map.Entry<String, String> e : json.entrySet()) {
      if (e.getValue() != null) {
        if (sb.length() > 1) {
          sb.append(',');
        }
        sb.append('"').append(e.getKey()).append("\":").append(e.getValue());
      }
    }
    return sb.append('}').toString();
  }

  @Test
  void fromJson_everyFieldType_everyPoolValue_matchesReference() throws Exception {
    List<Case> cases = new ArrayList<>();
    for (Schema.Field field : SCHEMA.getFields()) {
      List<String> values = new ArrayList<>(POOL);
      values.add(null);
      for (String value : values) {
        Map<String, String> json = baseJson();
        json.put(field.name(), value);
        Object f = AvroJsonIndependentReference.field(field, value);
        Object expected = f;
        if (f != REJECT && f != EITHER_INFINITY_OR_REJECT) {
          Map<String, Object> v = baseValues();
          v.put(field.name(), f);
          expected = v;
        }
        cases.add(new Case(document(json), expected, field.name() + "=" + value));
      }
    }
    // whole documents
    cases.add(new Case("[]", REJECT, "array"));
    cases.add(new Case("", REJECT, "empty"));
    cases.add(new Case(document(baseJson()) + " 1", REJECT, "trailing"));
    cases.add(new Case(document(baseJson()).replace("}", ""), REJECT, "truncated"));
    Map<String, String> unknown = baseJson();
    unknown.put("zz", "{\"q\":[1,2]}");
    cases.add(new Case(document(unknown), baseValues(), "unknown field ignored"));
    compareFromJson(cases);
  }

  /** Seeded random values in and around each type's range, checked against the reference. */
  @Test
  void fromJson_randomValues_matchReference() throws Exception {
    List<Case> cases = new ArrayList<>();
    for (long seed : dev.etlkit.testkit.Soak.seeds(3, 30)) {
      java.util.Random r = new java.util.Random(seed);
      for (int n = 0; n < 100; n++) {
        Map<String, String> json = baseJson();
        json.put("i", Long.toString(r.nextInt() + (long) r.nextInt(3) * Integer.MAX_VALUE));
        json.put(
            "l",
            new java.math.BigInteger(64, r)
                .subtract(java.math.BigInteger.ONE.shiftLeft(63))
                .toString());
        json.put(
            "d",
            Double.toString(Double.longBitsToDouble(r.nextLong()))
                .replace("NaN", "0")
                .replace("Infinity", "1"));
        json.put(
            "f",
            Float.toString(Float.intBitsToFloat(r.nextInt()))
                .replace("NaN", "0")
                .replace("Infinity", "1"));
        json.put(
            "dec",
            new java.math.BigDecimal(
                    java.math.BigInteger.valueOf(r.nextInt(2_000_000) - 1_000_000), r.nextInt(4))
                .toPlainString());
        json.put("dt", Integer.toString(r.nextInt(4_000_000) - 2_000_000));
        json.put("tm", Long.toString(r.nextInt(90_000_000) - 1_000_000));
        json.put("tsu", Long.toString(r.nextLong() >> r.nextInt(20)));
        json.put(
            "ltm",
            quote(
                java.time.LocalDateTime.ofEpochSecond(
                        r.nextInt(2_000_000_000),
                        r.nextInt(1000) * 1_000_000 + (r.nextInt(4) == 0 ? 1000 : 0),
                        java.time.ZoneOffset.UTC)
                    .toString()));
        json.put("fd", Double.toString(r.nextBoolean() ? (double) r.nextFloat() : r.nextDouble()));
        json.put("il", Long.toString(r.nextLong() >> r.nextInt(40)));
        Map<String, Object> v = baseValues();
        Object expected = v;
        for (Map.Entry<String, String> e : json.entrySet()) {
          Object f = AvroJsonIndependentReference.field(SCHEMA.getField(e.getKey()), e.getValue());
          if (f == REJECT || f == EITHER_INFINITY_OR_REJECT) {
            expected = f;
            break;
          }
          v.put(e.getKey(), f);
        }
        cases.add(new Case(document(json), expected, "seed " + seed + " #" + n));
      }
    }
    compareFromJson(cases);
  }

  static String quote(String s) {
    return "\"" + s + "\"";
  }

  static void compareFromJson(List<Case> cases) throws Exception {
    List<String> inputs = new ArrayList<>();
    List<Case> kept = new ArrayList<>();
    Set<String> seen = new LinkedHashSet<>();
    for (Case c : cases) {
      if (seen.add(c.json())) {
        inputs.add(c.json());
        kept.add(c);
      }
    }
    IndependentStepRun<GenericRecord> run =
        IndependentStepRun.run(
            inputs, Types.STRING, Avro.fromJson("from-json", SCHEMA, PayloadInput.text()));
    Map<String, DeadLetter> dls = new LinkedHashMap<>();
    for (DeadLetter dl : run.deadLetters) {
      assertThat(dl.errorClass()).isEqualTo(AvroFormatException.class.getName());
      dls.put(dl.payloadAsText(), dl);
    }
    List<String> mismatches = new ArrayList<>();
    int out = 0;
    long expectedOut = 0;
    long acceptedEither = 0;
    for (Case c : kept) {
      DeadLetter dl = dls.get(c.json());
      Object e = c.expected();
      if (dl != null) {
        if (e != REJECT && e != EITHER_INFINITY_OR_REJECT) {
          mismatches.add(
              c.what() + ": expected " + e + "\n    got dead letter " + dl.errorMessage());
        }
        continue;
      }
      GenericRecord r = out < run.outputs.size() ? run.outputs.get(out) : null;
      out++;
      if (e == REJECT) {
        mismatches.add(c.what() + ": expected a dead letter, got " + r);
        continue;
      }
      if (e == EITHER_INFINITY_OR_REJECT) {
        String field = c.what().substring(0, c.what().indexOf('='));
        Object v = r.get(field);
        if (!(v instanceof Number && Double.isInfinite(((Number) v).doubleValue()))) {
          mismatches.add(c.what() + ": expected infinity or a dead letter, got " + v);
        }
        acceptedEither++;
        continue;
      }
      expectedOut++;
      @SuppressWarnings("unchecked")
      Map<String, Object> values = (Map<String, Object>) e;
      String diff = diff(values, r);
      if (diff != null) {
        mismatches.add(c.what() + ": " + diff);
      }
    }
    assertThat(mismatches).as("records whose fate differs from the reference").isEmpty();
    assertThat(run.counts.in()).isEqualTo(inputs.size());
    assertThat(run.counts.out()).isEqualTo(expectedOut + acceptedEither);
    assertThat(run.counts.deadLettered()).isEqualTo(inputs.size() - expectedOut - acceptedEither);
  }

  /** Null when the record holds exactly the expected values, else what differs. */
  static String diff(Map<String, Object> expected, GenericRecord r) {
    for (Map.Entry<String, Object> e : expected.entrySet()) {
      Object actual = r.get(e.getKey());
      if (!same(e.getValue(), actual)) {
        return "field "
            + e.getKey()
            + " expected "
            + describe(e.getValue())
            + " got "
            + describe(actual);
      }
    }
    return null;
  }

  static String describe(Object v) {
    if (v instanceof ByteBuffer) {
      return "bytes" + java.util.Arrays.toString(bytes((ByteBuffer) v));
    }
    if (v instanceof GenericFixed) {
      return "fixed" + java.util.Arrays.toString(((GenericFixed) v).bytes());
    }
    return v == null ? "null" : v + " (" + v.getClass().getSimpleName() + ")";
  }

  static byte[] bytes(ByteBuffer b) {
    ByteBuffer d = b.duplicate();
    byte[] out = new byte[d.remaining()];
    d.get(out);
    return out;
  }

  static boolean same(Object expected, Object actual) {
    if (expected instanceof ByteBuffer) {
      byte[] a =
          actual instanceof ByteBuffer
              ? bytes((ByteBuffer) actual)
              : actual instanceof GenericFixed ? ((GenericFixed) actual).bytes() : null;
      return a != null && java.util.Arrays.equals(bytes((ByteBuffer) expected), a);
    }
    if (expected instanceof String && actual instanceof GenericData.EnumSymbol) {
      return expected.equals(actual.toString());
    }
    if (expected instanceof Float || expected instanceof Double) {
      return actual != null && expected.getClass() == actual.getClass() && expected.equals(actual);
    }
    return Objects.equals(expected, actual)
        && (expected == null || expected.getClass() == actual.getClass());
  }

  // ---------------------------------------------------------------- toJson -> fromJson

  @Test
  void toJson_thenFromJson_givesEqualRecords() throws Exception {
    List<String> docs = new ArrayList<>();
    for (Schema.Field field : SCHEMA.getFields()) {
      for (String value : POOL) {
        Map<String, String> json = baseJson();
        json.put(field.name(), value);
        Object f = AvroJsonIndependentReference.field(field, value);
        if (f != REJECT && f != EITHER_INFINITY_OR_REJECT) {
          docs.add(document(json));
        }
      }
    }
    docs = new ArrayList<>(new LinkedHashSet<>(docs));
    IndependentStepRun<GenericRecord> first =
        IndependentStepRun.run(
            docs, Types.STRING, Avro.fromJson("from-json", SCHEMA, PayloadInput.text()));
    assertThat(first.deadLetters).isEmpty();
    IndependentStepRun<String> written =
        IndependentStepRun.run(
            first.outputs, Avro.genericRecordType(SCHEMA), Avro.toJson("to-json"));
    assertThat(written.deadLetters).isEmpty();
    IndependentStepRun<GenericRecord> again =
        IndependentStepRun.run(
            written.outputs, Types.STRING, Avro.fromJson("from-json", SCHEMA, PayloadInput.text()));
    assertThat(again.deadLetters).isEmpty();
    List<String> mismatches = new ArrayList<>();
    for (int k = 0; k < first.outputs.size(); k++) {
      GenericRecord a = first.outputs.get(k);
      GenericRecord b = again.outputs.get(k);
      for (Schema.Field f : SCHEMA.getFields()) {
        Object x = a.get(f.name());
        Object y = b.get(f.name());
        boolean negativeZeroFloat = x instanceof Float && ((Float) x) == 0f && 1 / (Float) x < 0;
        if (!negativeZeroFloat
            && !same(
                x instanceof GenericFixed ? ByteBuffer.wrap(((GenericFixed) x).bytes()) : x, y)) {
          mismatches.add(
              docs.get(k)
                  + " -> "
                  + written.outputs.get(k)
                  + ": "
                  + f.name()
                  + " "
                  + describe(x)
                  + " vs "
                  + describe(y));
        }
      }
    }
    assertThat(mismatches).isEmpty();
  }

  // ---------------------------------------------------------------- decode

  static final Schema V1 =
      new Schema.Parser()
          .parse(
              "{\"type\":\"record\",\"name\":\"Order\",\"namespace\":\"shop\",\"fields\":["
                  + "{\"name\":\"id\",\"type\":\"int\"},"
                  + "{\"name\":\"gone\",\"type\":\"string\"},"
                  + "{\"name\":\"st\",\"type\":{\"type\":\"enum\",\"name\":\"St\",\"symbols\":[\"NEW\",\"PAID\",\"LOST\"]}},"
                  + "{\"name\":\"amount\",\"type\":{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":10,\"scale\":2}},"
                  + "{\"name\":\"ts\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}},"
                  + "{\"name\":\"opt\",\"type\":[\"null\",\"string\"]}"
                  + "]}");

  static final Schema V2 =
      new Schema.Parser()
          .parse(
              "{\"type\":\"record\",\"name\":\"Order\",\"namespace\":\"shop\",\"fields\":["
                  + "{\"name\":\"id\",\"type\":\"long\"},"
                  + "{\"name\":\"st\",\"type\":{\"type\":\"enum\",\"name\":\"St\",\"symbols\":[\"NEW\",\"PAID\",\"OTHER\"],\"default\":\"OTHER\"}},"
                  + "{\"name\":\"amount\",\"type\":{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":10,\"scale\":2}},"
                  + "{\"name\":\"ts\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}},"
                  + "{\"name\":\"opt\",\"type\":[\"null\",\"string\"]},"
                  + "{\"name\":\"channel\",\"type\":\"string\",\"default\":\"web\"},"
                  + "{\"name\":\"note\",\"type\":[\"null\",\"string\"],\"default\":null}"
                  + "]}");

  static byte[] encode(Schema schema, GenericRecord r) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
    GenericData model = new GenericData();
    model.addLogicalTypeConversion(new org.apache.avro.Conversions.DecimalConversion());
    model.addLogicalTypeConversion(
        new org.apache.avro.data.TimeConversions.TimestampMillisConversion());
    new GenericDatumWriter<GenericRecord>(schema, model).write(r, enc);
    enc.flush();
    return out.toByteArray();
  }

  static byte[] encodeBlocking(Schema schema, GenericRecord r) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    org.apache.avro.io.Encoder enc = EncoderFactory.get().blockingBinaryEncoder(out, null);
    new GenericDatumWriter<GenericRecord>(schema).write(r, enc);
    enc.flush();
    return out.toByteArray();
  }

  static GenericRecord v1(int id, String st, String amount, long ts, String opt) {
    GenericData.Record r = new GenericData.Record(V1);
    r.put("id", id);
    r.put("gone", "drop me");
    r.put("st", new GenericData.EnumSymbol(V1.getField("st").schema(), st));
    r.put("amount", new java.math.BigDecimal(amount));
    r.put("ts", java.time.Instant.ofEpochMilli(ts));
    r.put("opt", opt);
    return r;
  }

  static byte[] confluent(int id, byte[] body) {
    ByteBuffer b = ByteBuffer.allocate(5 + body.length);
    b.put((byte) 0).putInt(id).put(body);
    return b.array();
  }

  @Test
  void decode_confluentAndSchemaEvolution_matchSpecification() throws Exception {
    byte[] a = encode(V1, v1(1, "PAID", "12.34", 1714558530123L, null));
    byte[] b = encode(V1, v1(-7, "LOST", "-0.01", -1L, "o"));
    byte[] c = encode(V2, v2Record(9L, "OTHER", "99999999.99", 0L, "p", "app", "n"));
    List<byte[]> inputs = new ArrayList<>();
    List<Object> expected = new ArrayList<>();
    List<String> what = new ArrayList<>();
    // resolved v1 -> v2: int widened to long, removed field skipped, unknown enum symbol ->
    // default,
    // added fields from their defaults
    inputs.add(confluent(1, a));
    expected.add(v2Record(1L, "PAID", "12.34", 1714558530123L, null, "web", null));
    what.add("v1 a");
    inputs.add(confluent(1, b));
    expected.add(v2Record(-7L, "OTHER", "-0.01", -1L, "o", "web", null));
    what.add("v1 b (LOST -> default OTHER)");
    inputs.add(confluent(2, c));
    expected.add(v2Record(9L, "OTHER", "99999999.99", 0L, "p", "app", "n"));
    what.add("v2 c");
    inputs.add(confluent(3, a));
    expected.add(REJECT);
    what.add("unknown id 3");
    inputs.add(confluent(4, a));
    expected.add(REJECT);
    what.add("incompatible: decimal scale 2 vs reader 4");
    inputs.add(new byte[] {0, 0, 0});
    expected.add(REJECT);
    what.add("shorter than header");
    byte[] wrongMagic = confluent(1, a);
    wrongMagic[0] = '{';
    inputs.add(wrongMagic);
    expected.add(REJECT);
    what.add("magic byte");
    byte[] trailing = java.util.Arrays.copyOf(confluent(1, a), confluent(1, a).length + 2);
    inputs.add(trailing);
    expected.add(REJECT);
    what.add("trailing bytes");
    byte[] truncated = java.util.Arrays.copyOf(confluent(1, a), confluent(1, a).length - 3);
    inputs.add(truncated);
    expected.add(REJECT);
    what.add("truncated");
    inputs.add(confluent(1, new byte[0]));
    expected.add(REJECT);
    what.add("empty body");

    IndependentStepRun<GenericRecord> run =
        IndependentStepRun.run(
            inputs,
            PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO,
            Avro.decode("decode", V2, PayloadInput.bytes())
                .withConfluentWireFormat(
                    SchemaProvider.of(Map.of(1, V1, 2, V2, 4, V2_SCALE_WRITER))));
    compareDecoded(inputs, expected, what, run);
  }

  /** A writer whose decimal has scale 4 while the reader's has 2: incompatible by etlkit's rule. */
  static final Schema V2_SCALE_WRITER =
      new Schema.Parser().parse(V2.toString().replace("\"scale\":2", "\"scale\":4"));

  /** Avro's resolution skips a writer field the reader does not have, whatever its type. */
  @Test
  void decode_removedWriterFieldsOfEveryType_areSkipped() throws Exception {
    String[] types = {
      "\"string\"",
      "\"bytes\"",
      "{\"type\":\"fixed\",\"name\":\"G\",\"size\":3}",
      "\"int\"",
      "\"double\"",
      "{\"type\":\"array\",\"items\":\"string\"}",
      "{\"type\":\"map\",\"values\":\"bytes\"}",
      "[\"null\",\"string\"]"
    };
    Object[] values = {
      "a longer string value",
      ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5}),
      null,
      42,
      0.5,
      List.of("x", "yz"),
      Map.of("k", ByteBuffer.wrap(new byte[] {9})),
      "u"
    };
    List<byte[]> inputs = new ArrayList<>();
    List<Object> expected = new ArrayList<>();
    List<String> what = new ArrayList<>();
    Schema reader = s("{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"z\",\"type\":\"long\"}");
    Map<Integer, Schema> writers = new LinkedHashMap<>();
    for (int k = 0; k < types.length; k++) {
      Schema writer =
          s(
              "{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"gone\",\"type\":"
                  + types[k]
                  + "},{\"name\":\"z\",\"type\":\"long\"}");
      GenericData.Record w = new GenericData.Record(writer);
      w.put("a", k);
      Object v = values[k];
      if (writer.getField("gone").schema().getType() == Schema.Type.FIXED) {
        v = new GenericData.Fixed(writer.getField("gone").schema(), new byte[] {7, 7, 7});
      }
      w.put("gone", v);
      w.put("z", 1234567890123L + k);
      GenericData.Record r = new GenericData.Record(reader);
      r.put("a", k);
      r.put("z", 1234567890123L + k);
      writers.put(k + 1, writer);
      inputs.add(confluent(k + 1, encode(writer, w)));
      expected.add(r);
      what.add("removed " + types[k]);
      // the same record as a blocking encoder writes it: arrays and maps in blocks that carry
      // their byte size (a negative item count), which a reader may skip in one step
      inputs.add(confluent(k + 1, encodeBlocking(writer, w)));
      expected.add(r);
      what.add("removed " + types[k] + " (blocks with byte sizes)");
    }
    // one job: each writer schema under its own Confluent id
    IndependentStepRun<GenericRecord> run =
        IndependentStepRun.run(
            inputs,
            PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO,
            Avro.decode("decode", reader, PayloadInput.bytes())
                .withConfluentWireFormat(SchemaProvider.of(writers)));
    compareDecoded(inputs, expected, what, run);
  }

  static Schema s(String fields) {
    return new Schema.Parser()
        .parse(
            "{\"type\":\"record\",\"name\":\"R\",\"namespace\":\"ev\",\"fields\":["
                + fields
                + "]}");
  }

  static GenericRecord v2Record(
      long id, String st, String amount, long ts, String opt, String channel, String note) {
    GenericData.Record r = new GenericData.Record(V2);
    r.put("id", id);
    r.put("st", new GenericData.EnumSymbol(V2.getField("st").schema(), st));
    r.put("amount", new java.math.BigDecimal(amount));
    r.put("ts", java.time.Instant.ofEpochMilli(ts));
    r.put("opt", opt);
    r.put("channel", channel);
    r.put("note", note);
    return r;
  }

  static void compareDecoded(
      List<byte[]> inputs,
      List<Object> expected,
      List<String> what,
      IndependentStepRun<GenericRecord> run) {
    Map<String, DeadLetter> dls = new LinkedHashMap<>();
    for (DeadLetter dl : run.deadLetters) {
      assertThat(dl.errorClass()).isEqualTo(AvroFormatException.class.getName());
      dls.put(java.util.Base64.getEncoder().encodeToString(dl.payloadAsBytes()), dl);
    }
    List<String> mismatches = new ArrayList<>();
    int out = 0;
    long expectedOut = 0;
    for (int k = 0; k < inputs.size(); k++) {
      DeadLetter dl = dls.get(java.util.Base64.getEncoder().encodeToString(inputs.get(k)));
      Object e = expected.get(k);
      if (e != REJECT) {
        expectedOut++;
      }
      if (dl != null) {
        if (e != REJECT) {
          mismatches.add(
              what.get(k) + ": expected " + e + ", got dead letter " + dl.errorMessage());
        }
        continue;
      }
      GenericRecord r = out < run.outputs.size() ? run.outputs.get(out) : null;
      out++;
      if (e == REJECT) {
        mismatches.add(what.get(k) + ": expected a dead letter, got " + r);
        continue;
      }
      GenericRecord x = (GenericRecord) e;
      Map<String, Object> values = new LinkedHashMap<>();
      for (Schema.Field f : x.getSchema().getFields()) {
        Object v = x.get(f.name());
        values.put(f.name(), v instanceof GenericData.EnumSymbol ? v.toString() : v);
      }
      String diff = diff(values, r);
      if (diff != null) {
        mismatches.add(what.get(k) + ": " + diff);
      }
    }
    assertThat(mismatches).isEmpty();
    assertThat(run.counts.in()).isEqualTo(inputs.size());
    assertThat(run.counts.out()).isEqualTo(expectedOut);
    assertThat(run.counts.deadLettered()).isEqualTo(inputs.size() - expectedOut);
  }
}
