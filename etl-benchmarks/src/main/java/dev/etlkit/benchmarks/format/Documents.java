package dev.etlkit.benchmarks.format;

import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.SplittableRandom;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;

/**
 * The benchmark's input: {@code count} random records of a {@link Shape}, each encoded once as JSON
 * and once as Avro binary, with plain Jackson data binding and Avro's generic writer (independently
 * of every impl under test). The Avro form of a document is what every impl must produce from its
 * JSON form, byte for byte; the JSON form of a document is, read back as the record, what every
 * impl must produce from its Avro form.
 *
 * <p>JSON: the record components in order, timestamps as ISO-8601 instants in UTC with milliseconds
 * ({@code 2026-11-20T23:16:03.120Z}), nulls written. Avro: {@link Shape#avroSchema()}.
 */
final class Documents {

  /** Reads and writes the records in the data model's JSON form. */
  static final JsonMapper MAPPER =
      JsonMapper.builder()
          .addModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .build();

  private final Shape shape;
  private final Record[] records;
  private final byte[][] json;
  private final byte[][] avro;

  private Documents(Shape shape, Record[] records, byte[][] json, byte[][] avro) {
    this.shape = shape;
    this.records = records;
    this.json = json;
    this.avro = avro;
  }

  /** {@code count} documents drawn with {@code seed}: the same seed gives the same documents. */
  static Documents generate(Shape shape, int count, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    Schema schema = shape.avroSchema();
    GenericDatumWriter<GenericRecord> writer = new GenericDatumWriter<>(schema);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BinaryEncoder encoder = null;
    Record[] records = new Record[count];
    byte[][] json = new byte[count][];
    byte[][] avro = new byte[count][];
    try {
      for (int i = 0; i < count; i++) {
        records[i] = DataModel.random(shape.type(), random);
        json[i] = MAPPER.writeValueAsBytes(records[i]);
        out.reset();
        encoder = EncoderFactory.get().binaryEncoder(out, encoder);
        writer.write(DataModel.toGenericRecord(records[i], schema), encoder);
        encoder.flush();
        avro[i] = out.toByteArray();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Documents(shape, records, json, avro);
  }

  Shape shape() {
    return shape;
  }

  int count() {
    return records.length;
  }

  /** The inputs of one direction: JSON documents to convert to Avro, or the other way. */
  byte[][] inputs(Direction direction) {
    return direction == Direction.JSON_TO_AVRO ? json : avro;
  }

  Record record(int i) {
    return records[i];
  }

  byte[] json(int i) {
    return json[i];
  }

  byte[] avro(int i) {
    return avro[i];
  }

  /** Reads a JSON document of this shape back into its record, to compare converted JSON. */
  Record readJson(byte[] document) throws IOException {
    return MAPPER.readerFor(shape.type()).readValue(document);
  }
}
