package dev.etlkit.operators.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.Change;
import dev.etlkit.operators.avro.AvroFormatException;
import dev.etlkit.operators.avro.SchemaProvider;
import dev.etlkit.operators.cdc.Debezium.Tombstones;
import dev.etlkit.operators.cdc.internal.DebeziumDecoder;
import dev.etlkit.operators.cdc.internal.DecoderSettings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.annotation.Nullable;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.flink.types.RowKind;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;

/**
 * Column shapes exactly as Confluent's {@code AvroConverter} (Kafka Connect's {@code AvroData})
 * writes them, beyond the PostgreSQL and MySQL tables of {@link DebeziumAvroTest}.
 */
class DebeziumAvroShapesTest {

  static final String SOURCE =
      "{\"type\":\"record\",\"name\":\"Source\",\"namespace\":\"io.debezium.connector.postgresql\","
          + "\"fields\":[{\"name\":\"ts_ms\",\"type\":\"long\"},{\"name\":\"table\",\"type\":\"string\"},"
          + "{\"name\":\"lsn\",\"type\":[\"null\",\"long\"],\"default\":null}],"
          + "\"connect.name\":\"io.debezium.connector.postgresql.Source\"}";

  static String envelope(String rowFields, String opType) {
    return "{\"type\":\"record\",\"name\":\"Envelope\",\"namespace\":\"db.public.t\",\"fields\":["
        + "{\"name\":\"before\",\"type\":[\"null\",{\"type\":\"record\",\"name\":\"Value\",\"fields\":["
        + rowFields
        + "],\"connect.name\":\"db.public.t.Value\"}],\"default\":null},"
        + "{\"name\":\"after\",\"type\":[\"null\",\"Value\"],\"default\":null},"
        + "{\"name\":\"source\",\"type\":"
        + SOURCE
        + "},{\"name\":\"op\",\"type\":"
        + opType
        + "},{\"name\":\"ts_ms\",\"type\":[\"null\",\"long\"],\"default\":null}],"
        + "\"connect.name\":\"db.public.t.Envelope\"}";
  }

  static Schema parse(String json) {
    return new Schema.Parser().parse(json);
  }

  static byte[] wire(int id, Schema schema, Object datum) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0);
    out.writeBytes(ByteBuffer.allocate(4).putInt(id).array());
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
    new GenericDatumWriter<>(schema, new GenericData()).write(datum, encoder);
    encoder.flush();
    return out.toByteArray();
  }

  static GenericData.Record record(Schema schema, Object... namesAndValues) {
    GenericData.Record r = new GenericData.Record(schema);
    for (int i = 0; i < namesAndValues.length; i += 2) {
      r.put((String) namesAndValues[i], namesAndValues[i + 1]);
    }
    return r;
  }

  static Schema rowOf(Schema envelope) {
    return envelope.getField("after").schema().getTypes().get(1);
  }

  static GenericData.Record event(Schema envelope, String op, @Nullable Object after, long ts) {
    Schema source = envelope.getField("source").schema();
    Schema opSchema = envelope.getField("op").schema();
    Object opValue =
        opSchema.getType() == Schema.Type.ENUM ? new GenericData.EnumSymbol(opSchema, op) : op;
    return record(
        envelope,
        "before",
        null,
        "after",
        after,
        "source",
        record(source, "ts_ms", ts, "table", "t", "lsn", ts * 10),
        "op",
        opValue,
        "ts_ms",
        ts + 1);
  }

  static <T> List<Change<T>> decode(
      DecoderSettings<T> settings, @Nullable byte[] value, @Nullable byte[] key)
      throws IOException {
    List<Change<T>> into = new ArrayList<>();
    new DebeziumDecoder<>(settings).decode(value, key, 7L, into);
    return into;
  }

  static ByteBuffer unscaled(long n) {
    return ByteBuffer.wrap(BigInteger.valueOf(n).toByteArray());
  }

  // ---- many column shapes

  static final String SHAPES_FIELDS =
      "{\"name\":\"id\",\"type\":\"int\"},"
          + "{\"name\":\"ratio\",\"type\":[\"null\",\"double\"],\"default\":null},"
          + "{\"name\":\"small\",\"type\":[\"null\",\"float\"],\"default\":null},"
          + "{\"name\":\"tiny\",\"type\":[\"null\",{\"type\":\"int\",\"connect.type\":\"int16\"}],\"default\":null},"
          // scale < 0: AvroData writes the legacy logicalType prop, which Avro ignores as invalid
          + "{\"name\":\"neg\",\"type\":[\"null\",{\"type\":\"bytes\",\"scale\":-2,\"precision\":5,"
          + "\"connect.version\":1,\"connect.parameters\":{\"scale\":\"-2\",\"connect.decimal.precision\":\"5\"},"
          + "\"connect.name\":\"org.apache.kafka.connect.data.Decimal\",\"logicalType\":\"decimal\"}],\"default\":null},"
          // an optional column with a default: [T, null], default T, connect.default
          + "{\"name\":\"status\",\"type\":[{\"type\":\"string\",\"connect.version\":1,"
          + "\"connect.parameters\":{\"allowed\":\"new,paid\"},\"connect.default\":\"new\","
          + "\"connect.name\":\"io.debezium.data.Enum\"},\"null\"],\"default\":\"new\"},"
          + "{\"name\":\"tags\",\"type\":[\"null\",{\"type\":\"array\",\"items\":[\"null\",\"int\"]}],\"default\":null},"
          + "{\"name\":\"attrs\",\"type\":[\"null\",{\"type\":\"map\",\"values\":[\"null\",\"string\"]}],\"default\":null},"
          + "{\"name\":\"doc\",\"type\":[\"null\",{\"type\":\"string\",\"connect.version\":1,"
          + "\"connect.name\":\"io.debezium.data.Json\"}],\"default\":null},"
          + "{\"name\":\"uid\",\"type\":[\"null\",{\"type\":\"string\",\"connect.version\":1,"
          + "\"connect.name\":\"io.debezium.data.Uuid\"}],\"default\":null},"
          + "{\"name\":\"created\",\"type\":[\"null\",{\"type\":\"long\",\"connect.version\":1,"
          + "\"connect.name\":\"io.debezium.time.MicroTimestamp\"}],\"default\":null},"
          + "{\"name\":\"geom\",\"type\":[\"null\",{\"type\":\"record\",\"name\":\"Geometry\","
          + "\"namespace\":\"io.debezium.data.geometry\",\"fields\":[{\"name\":\"wkb\",\"type\":\"bytes\"},"
          + "{\"name\":\"srid\",\"type\":[\"null\",\"int\"],\"default\":null}],\"connect.version\":1,"
          + "\"connect.name\":\"io.debezium.data.geometry.Geometry\"}],\"default\":null}";

  public record ShapesRow(
      int id,
      Double ratio,
      Float small,
      Short tiny,
      BigDecimal neg,
      String status,
      List<Integer> tags,
      Map<String, String> attrs,
      String doc,
      String uid,
      LocalDateTime created,
      Map<String, Object> geom) {}

  @Test
  void connectShapes_decodeToTheirValues() throws Exception {
    Schema envelope = parse(envelope(SHAPES_FIELDS, "\"string\""));
    Schema row = rowOf(envelope);
    Map<String, Object> attrs = new LinkedHashMap<>();
    attrs.put("a", "x");
    attrs.put("b", null);
    Schema geom = row.getField("geom").schema().getTypes().get(1);
    GenericData.Record after =
        record(
            row,
            "id",
            1,
            "ratio",
            0.1,
            "small",
            1.1f,
            "tiny",
            7,
            "neg",
            unscaled(123),
            "status",
            "paid",
            "tags",
            Arrays.asList(1, null, 3),
            "attrs",
            attrs,
            "doc",
            "{\"k\":1}",
            "uid",
            "0e4f5b3a-7c2d-4c49-9a3e-2b1f0c9d8e7f",
            "created",
            1_710_497_730_123_456L,
            "geom",
            record(geom, "wkb", ByteBuffer.wrap(new byte[] {1, 2}), "srid", 4326));
    DecoderSettings<ShapesRow> settings =
        DecoderSettings.defaults(ShapesRow.class).withAvro(SchemaProvider.of(Map.of(1, envelope)));

    List<Change<ShapesRow>> changes =
        decode(settings, wire(1, envelope, event(envelope, "c", after, 1000)), null);

    assertThat(changes).singleElement().extracting(Change::kind).isEqualTo(RowKind.INSERT);
    ShapesRow r = changes.get(0).value();
    assertThat(r.ratio()).isEqualTo(0.1);
    assertThat(r.small()).isEqualTo(1.1f);
    assertThat(r.tiny()).isEqualTo((short) 7);
    assertThat(r.neg()).isEqualByComparingTo(new BigDecimal("12300"));
    assertThat(r.status()).isEqualTo("paid");
    assertThat(r.tags()).containsExactly(1, null, 3);
    assertThat(r.attrs()).containsEntry("a", "x").containsEntry("b", null);
    assertThat(r.doc()).isEqualTo("{\"k\":1}");
    assertThat(r.uid()).isEqualTo("0e4f5b3a-7c2d-4c49-9a3e-2b1f0c9d8e7f");
    assertThat(r.created()).isEqualTo(LocalDateTime.parse("2024-03-15T10:15:30.123456"));
    assertThat(r.geom()).containsEntry("wkb", "AQI=").containsEntry("srid", 4326);
  }

  /** maxNameLength is JSON's (Jackson keeps names); an Avro map key is bounded as a string. */
  @Test
  void mapKeyLongerThanMaxStringLength_isRejected() throws Exception {
    Schema envelope = parse(envelope(SHAPES_FIELDS, "\"string\""));
    Schema row = rowOf(envelope);
    DecoderSettings<ShapesRow> settings =
        DecoderSettings.defaults(ShapesRow.class)
            .withLimits(dev.etlkit.operators.JsonReadLimits.defaults().withMaxStringLength(8))
            .withAvro(SchemaProvider.of(Map.of(1, envelope)));
    byte[] shortKey =
        wire(1, envelope, event(envelope, "c", record(row, "id", 1, "attrs", Map.of("k", "v")), 1));
    byte[] longKey =
        wire(
            1,
            envelope,
            event(envelope, "c", record(row, "id", 1, "attrs", Map.of("k".repeat(9), "v")), 1));

    assertThat(decode(settings, shortKey, null))
        .singleElement()
        .satisfies(c -> assertThat(c.value().attrs()).containsEntry("k", "v"));
    assertThatThrownBy(() -> decode(settings, longKey, null))
        .isInstanceOf(AvroFormatException.class)
        .hasMessage("value: a string longer than maxStringLength 8");
  }

  @Test
  void nonFiniteDoubles_decodeAsInJson() throws Exception {
    Schema envelope = parse(envelope(SHAPES_FIELDS, "\"string\""));
    Schema row = rowOf(envelope);
    DecoderSettings<ShapesRow> settings =
        DecoderSettings.defaults(ShapesRow.class).withAvro(SchemaProvider.of(Map.of(1, envelope)));
    GenericData.Record after = record(row, "id", 1, "ratio", Double.NaN, "status", null);
    assertThat(decode(settings, wire(1, envelope, event(envelope, "c", after, 1000)), null))
        .singleElement()
        .satisfies(c -> assertThat(c.value().ratio()).isNaN());
  }

  @Test
  void opAsAvroEnum_isTheSameOp() throws Exception {
    Schema envelope =
        parse(
            envelope(
                SHAPES_FIELDS,
                "{\"type\":\"enum\",\"name\":\"Op\",\"symbols\":[\"c\",\"u\",\"d\",\"r\",\"t\",\"m\"]}"));
    Schema row = rowOf(envelope);
    DecoderSettings<ShapesRow> settings =
        DecoderSettings.defaults(ShapesRow.class).withAvro(SchemaProvider.of(Map.of(1, envelope)));
    assertThat(
            decode(
                settings,
                wire(1, envelope, event(envelope, "u", record(row, "id", 4, "status", "new"), 1)),
                null))
        .singleElement()
        .extracting(Change::kind)
        .isEqualTo(RowKind.UPDATE_AFTER);
  }

  // ---- schema evolution within one stream

  public record EvolvingRow(int id, LocalDateTime created, String extra) {}

  @Test
  void twoWriterSchemasOfOneTable_interleaved_eachWithItsOwnEncodings() throws Exception {
    // v1: created in microseconds (time.precision.mode=adaptive); v2 adds a column with a default
    // and writes created as Kafka Connect's Timestamp (milliseconds).
    Schema v1 =
        parse(
            envelope(
                "{\"name\":\"id\",\"type\":\"int\"},{\"name\":\"created\",\"type\":[\"null\","
                    + "{\"type\":\"long\",\"connect.version\":1,\"connect.name\":\"io.debezium.time.MicroTimestamp\"}],\"default\":null}",
                "\"string\""));
    Schema v2 =
        parse(
            envelope(
                "{\"name\":\"id\",\"type\":\"int\"},{\"name\":\"created\",\"type\":[\"null\","
                    + "{\"type\":\"long\",\"connect.version\":1,\"connect.name\":\"org.apache.kafka.connect.data.Timestamp\","
                    + "\"logicalType\":\"timestamp-millis\"}],\"default\":null},"
                    + "{\"name\":\"extra\",\"type\":[{\"type\":\"string\",\"connect.default\":\"x\"},\"null\"],\"default\":\"x\"}",
                "\"string\""));
    DecoderSettings<EvolvingRow> settings =
        DecoderSettings.defaults(EvolvingRow.class)
            .withAvro(SchemaProvider.of(Map.of(11, v1, 12, v2)));
    DebeziumDecoder<EvolvingRow> decoder = new DebeziumDecoder<>(settings);
    long micros = 1_710_497_730_123_456L;
    long millis = 1_710_497_730_123L;
    byte[] a = wire(11, v1, event(v1, "c", record(rowOf(v1), "id", 1, "created", micros), 1));
    byte[] b =
        wire(
            12, v2, event(v2, "c", record(rowOf(v2), "id", 2, "created", millis, "extra", "y"), 2));
    List<String> seen = new ArrayList<>();
    for (byte[] value : List.of(a, b, a, b, b, a)) {
      List<Change<EvolvingRow>> into = new ArrayList<>();
      decoder.decode(value, null, 7L, into);
      EvolvingRow r = into.get(0).value();
      seen.add(r.id() + " " + r.created() + " " + r.extra());
    }
    assertThat(seen)
        .containsExactly(
            "1 2024-03-15T10:15:30.123456 null",
            "2 2024-03-15T10:15:30.123 y",
            "1 2024-03-15T10:15:30.123456 null",
            "2 2024-03-15T10:15:30.123 y",
            "2 2024-03-15T10:15:30.123 y",
            "1 2024-03-15T10:15:30.123456 null");
  }

  // ---- keys

  static final Schema COMPOSITE_KEY =
      parse(
          "{\"type\":\"record\",\"name\":\"Key\",\"namespace\":\"db.public.t\",\"fields\":["
              + "{\"name\":\"id\",\"type\":\"int\"},{\"name\":\"region\",\"type\":\"string\"},"
              + "{\"name\":\"amount\",\"type\":{\"type\":\"bytes\",\"scale\":2,\"precision\":10,"
              + "\"connect.version\":1,\"connect.parameters\":{\"scale\":\"2\",\"connect.decimal.precision\":\"10\"},"
              + "\"connect.name\":\"org.apache.kafka.connect.data.Decimal\",\"logicalType\":\"decimal\"}},"
              + "{\"name\":\"day\",\"type\":{\"type\":\"int\",\"connect.version\":1,"
              + "\"connect.name\":\"io.debezium.time.Date\"}}],"
              + "\"connect.name\":\"db.public.t.Key\"}");

  public record KeyRow(int id, String region, BigDecimal amount, LocalDate day) {}

  @Test
  void tombstone_withACompositeAvroKey_isADeleteOfTheKeyColumns() throws Exception {
    byte[] key =
        wire(
            5,
            COMPOSITE_KEY,
            record(COMPOSITE_KEY, "id", 3, "region", "eu", "amount", unscaled(1230), "day", 19797));
    DecoderSettings<KeyRow> settings =
        DecoderSettings.defaults(KeyRow.class)
            .withTombstones(Tombstones.DELETE)
            .withAvro(SchemaProvider.of(Map.of(5, COMPOSITE_KEY)));
    assertThat(decode(settings, null, key))
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.kind()).isEqualTo(RowKind.DELETE);
              assertThat(c.value())
                  .isEqualTo(
                      new KeyRow(3, "eu", new BigDecimal("12.30"), LocalDate.of(2024, 3, 15)));
            });
  }

  // ---- the step's settings travel with the job

  @Test
  void settingsWithAProvider_surviveJavaSerialization() throws Exception {
    Schema envelope = parse(envelope(SHAPES_FIELDS, "\"string\""));
    Map<Integer, Schema> schemas = new HashMap<>();
    schemas.put(1, envelope);
    DecoderSettings<ShapesRow> settings =
        InstantiationUtil.clone(
            DecoderSettings.defaults(ShapesRow.class).withAvro(SchemaProvider.of(schemas)));
    assertThat(
            decode(
                settings,
                wire(
                    1,
                    envelope,
                    event(envelope, "r", record(rowOf(envelope), "id", 9, "status", "new"), 1)),
                null))
        .singleElement()
        .satisfies(c -> assertThat(c.value().id()).isEqualTo(9));
  }

  // ---- hostile data: bounded, a dead letter each

  static final Schema LIST =
      parse(
          "{\"type\":\"record\",\"name\":\"Node\",\"fields\":[{\"name\":\"s\",\"type\":\"string\"},"
              + "{\"name\":\"n\",\"type\":{\"type\":\"array\",\"items\":\"null\"}},"
              + "{\"name\":\"next\",\"type\":[\"null\",\"Node\"],\"default\":null}]}");

  static byte[] header(int id, int... body) {
    byte[] bytes = new byte[5 + body.length];
    bytes[4] = (byte) id;
    for (int i = 0; i < body.length; i++) {
      bytes[5 + i] = (byte) body[i];
    }
    return bytes;
  }

  @Test
  void hostileAvro_isRejectedWithoutAllocatingWhatItClaims() throws Exception {
    DecoderSettings<ShapesRow> settings =
        DecoderSettings.defaults(ShapesRow.class).withAvro(SchemaProvider.of(Map.of(1, LIST)));
    // a string claiming 2^31-1 bytes: varint of zigzag(2147483647) = fe ff ff ff 0f
    assertThatThrownBy(() -> decode(settings, header(1, 0xfe, 0xff, 0xff, 0xff, 0x0f), null))
        .isInstanceOf(AvroFormatException.class)
        .hasMessageStartingWith("value: truncated Avro data: a string is longer than");
    // an array of 2^30 nulls (zero bytes each): zigzag(2^30) = 80 80 80 80 08
    assertThatThrownBy(() -> decode(settings, header(1, 0, 0x80, 0x80, 0x80, 0x80, 0x08, 0), null))
        .isInstanceOf(AvroFormatException.class)
        .hasMessageContaining("maxCollectionItems");
    // a union index out of range
    assertThatThrownBy(() -> decode(settings, header(1, 0, 0, 0x08), null))
        .isInstanceOf(AvroFormatException.class)
        .hasMessageStartingWith("value: cannot decode the Avro record (writer schema id 1)");
    // 100 nested records: deeper than maxNestingDepth 64
    int[] deep = new int[100 * 3 + 3];
    for (int i = 0; i < 100; i++) {
      deep[3 * i] = 0; // s: ""
      deep[3 * i + 1] = 0; // n: []
      deep[3 * i + 2] = 2; // next: branch 1
    }
    assertThatThrownBy(() -> decode(settings, header(1, deep), null))
        .isInstanceOf(AvroFormatException.class)
        .hasMessage("value: nesting deeper than maxNestingDepth 64");
  }

  // ---- connect.meta.data=false: only Avro's own properties

  public record DecimalRow(int id, BigDecimal small, BigDecimal rounded, String text) {}

  /**
   * A decimal whose scale is negative or above its precision (Oracle {@code NUMBER(2,5)}, {@code
   * NUMBER(5,-2)}; PostgreSQL 15 {@code numeric(3,5)}) is no valid Avro decimal: {@code AvroData}
   * writes the legacy {@code "logicalType":"decimal"} with its {@code scale} and {@code precision}
   * properties, which Avro's parser ignores as an invalid logical type. Without {@code
   * connect.name} (a converter with {@code connect.meta.data=false}) those properties are all that
   * says the bytes are a decimal of that scale.
   */
  @Test
  void withoutConnectMetadata_aLegacyDecimalOfScaleOutsideAvrosRange_isStillItsNumber()
      throws Exception {
    String fields =
        "{\"name\":\"id\",\"type\":\"int\"},"
            + "{\"name\":\"small\",\"type\":[\"null\",{\"type\":\"bytes\",\"scale\":5,"
            + "\"precision\":2,\"logicalType\":\"decimal\"}],\"default\":null},"
            + "{\"name\":\"rounded\",\"type\":[\"null\",{\"type\":\"bytes\",\"scale\":-2,"
            + "\"precision\":5,\"logicalType\":\"decimal\"}],\"default\":null},"
            + "{\"name\":\"text\",\"type\":[\"null\",{\"type\":\"bytes\",\"scale\":-2,"
            + "\"precision\":5,\"logicalType\":\"decimal\"}],\"default\":null}";
    Schema envelope = parse(envelope(fields, "\"string\""));
    assertThat(rowOf(envelope).getField("small").schema().getTypes().get(1).getLogicalType())
        .as("Avro ignores the invalid logical type")
        .isNull();
    DecoderSettings<DecimalRow> settings =
        DecoderSettings.defaults(DecimalRow.class).withAvro(SchemaProvider.of(Map.of(1, envelope)));
    GenericData.Record after =
        record(
            rowOf(envelope),
            "id",
            1,
            "small",
            unscaled(12),
            "rounded",
            unscaled(123),
            "text",
            unscaled(123));

    assertThat(decode(settings, wire(1, envelope, event(envelope, "c", after, 1)), null))
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.value().small()).isEqualTo(new BigDecimal("0.00012"));
              assertThat(c.value().rounded()).isEqualByComparingTo(new BigDecimal("12300"));
              assertThat(c.value().text()).isEqualTo("12300");
            });
  }
}
