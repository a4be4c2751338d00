package dev.etlkit.benchmarks.format;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import java.io.IOException;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.util.Utf8;

/**
 * The {@code LIMIT} impl, Avro → JSON: the least work the conversion needs. A reused Avro {@link
 * BinaryDecoder} reads the fields in schema order and a Jackson {@link JsonGenerator} writes each
 * one as soon as it is read into a reused buffer: field names pre-encoded, strings copied as UTF-8
 * bytes from a reused {@link Utf8}, timestamps formatted by {@link IsoInstants} into a reused char
 * buffer, copied out once into the array a step would emit. No typed record, no {@code
 * GenericRecord}; the other allocations are Jackson's generator per document and a string per
 * double (the JDK's {@code Double.toString}: Jackson's optional fast writer allocates more).
 */
final class LimitAvroToJson implements Converter {
  private final JsonFactory factory =
      JsonFactory.builder().disable(StreamWriteFeature.AUTO_CLOSE_TARGET).build();
  private final LimitPlan plan;
  private final ReusableOutput out = new ReusableOutput();
  private final Utf8 utf8 = new Utf8();
  private final char[] timestamp = new char[IsoInstants.FORMATTED_LENGTH];
  private BinaryDecoder decoder;

  LimitAvroToJson(Schema schema) {
    this.plan = new LimitPlan(schema);
  }

  @Override
  public byte[] convert(byte[] document) throws IOException {
    decoder = DecoderFactory.get().binaryDecoder(document, decoder);
    out.reset();
    try (JsonGenerator generator = factory.createGenerator(out)) {
      write(generator, plan);
    }
    return out.toByteArray();
  }

  private void write(JsonGenerator generator, LimitPlan plan) throws IOException {
    BinaryDecoder in = decoder;
    generator.writeStartObject();
    for (int i = 0; i < plan.size; i++) {
      generator.writeFieldName(plan.names[i]);
      if (plan.nullIndex[i] >= 0 && in.readIndex() == plan.nullIndex[i]) {
        generator.writeNull();
        continue;
      }
      switch (plan.kinds[i]) {
        case LONG:
          generator.writeNumber(in.readLong());
          break;
        case INT:
          generator.writeNumber(in.readInt());
          break;
        case DOUBLE:
          generator.writeNumber(in.readDouble());
          break;
        case BOOLEAN:
          generator.writeBoolean(in.readBoolean());
          break;
        case STRING:
          Utf8 s = in.readString(utf8);
          generator.writeUTF8String(s.getBytes(), 0, s.getByteLength());
          break;
        case TIMESTAMP_MILLIS:
          IsoInstants.formatMillis(in.readLong(), timestamp);
          generator.writeString(timestamp, 0, timestamp.length);
          break;
        case RECORD:
          write(generator, plan.nested[i]);
          break;
        default:
          throw new IllegalStateException("unknown kind " + plan.kinds[i]);
      }
    }
    generator.writeEndObject();
  }
}
