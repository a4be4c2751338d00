package dev.etlkit.benchmarks.format;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.util.Utf8;

/**
 * The {@code LIMIT} impl, Avro → JSON: the least work the conversion needs. A reused Avro {@link
 * BinaryDecoder} reads the fields in schema order and a Jackson {@link JsonGenerator} writes each
 * one as soon as it is read into a reused buffer: field names pre-encoded, strings copied as UTF-8
 * bytes from a reused {@link Utf8}, timestamps formatted by {@link IsoInstants} into a reused char
 * buffer, decimals of up to 8 bytes formatted by {@link LimitDecimals} into another (longer ones
 * through a {@code BigDecimal}), copied out once into the array a step would emit. No typed record,
 * no {@code GenericRecord}; the other allocations are Jackson's generator per document and a string
 * per double (the JDK's {@code Double.toString}: Jackson's optional fast writer allocates more).
 */
final class LimitAvroToJson implements Converter {
  private final JsonFactory factory =
      JsonFactory.builder().disable(StreamWriteFeature.AUTO_CLOSE_TARGET).build();
  private final LimitPlan plan;
  private final ReusableOutput out = new ReusableOutput();
  private final Utf8 utf8 = new Utf8();
  private final char[] timestamp = new char[IsoInstants.FORMATTED_LENGTH];
  private final char[] decimalChars = new char[LimitDecimals.MAX_FORMATTED_LENGTH];
  private ByteBuffer decimalBytes = ByteBuffer.allocate(64);
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

  /**
   * Writes the decimal bytes the decoder is at as a plain JSON number at {@code scale}: formatted
   * from a long where the bytes fit one ({@link LimitDecimals}), else through a {@code BigDecimal}.
   */
  private void writeDecimal(JsonGenerator generator, int scale) throws IOException {
    decimalBytes = decoder.readBytes(decimalBytes);
    int n = decimalBytes.remaining();
    byte[] bytes = decimalBytes.array();
    if (n >= 1 && n <= Long.BYTES) {
      int start = LimitDecimals.format(LimitDecimals.fromBytes(bytes, n), scale, decimalChars);
      generator.writeNumber(decimalChars, start, decimalChars.length - start);
    } else {
      byte[] unscaled = Arrays.copyOf(bytes, n);
      generator.writeNumber(new BigDecimal(new BigInteger(unscaled), scale).toPlainString());
    }
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
        case DECIMAL:
          writeDecimal(generator, plan.scales[i]);
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
