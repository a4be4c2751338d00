package dev.etlkit.benchmarks.format;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.IOException;
import java.math.RoundingMode;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;

/**
 * The {@code LIMIT} impl, JSON → Avro: the least work the conversion needs. A Jackson streaming
 * parser reads the document's tokens into the reused value slots of a {@link LimitPlan} (field
 * names looked up once per field, strings encoded straight from the parser's char buffer to UTF-8,
 * timestamps parsed from it by {@link IsoInstants}, doubles by Jackson's fast double parser,
 * decimals of up to 18 digits by {@link LimitDecimals}, longer ones through a {@code BigDecimal}),
 * then an Avro {@link BinaryEncoder} writes the slots in schema order into a reused buffer, copied
 * out once into the array a step would emit. No typed record, no {@code GenericRecord}, no strings;
 * the only other allocations are Jackson's parser per document and a {@code BigDecimal} per decimal
 * of more than 18 digits.
 *
 * <p>It checks what it must to write valid Avro (token types, required fields present) and nothing
 * else: it is a yardstick, not a decoder for untrusted input.
 */
final class LimitJsonToAvro implements Converter {
  private final JsonFactory factory =
      JsonFactory.builder().enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER).build();
  private final LimitPlan plan;
  private final ReusableOutput out = new ReusableOutput();
  private final BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);

  LimitJsonToAvro(Schema schema) {
    this.plan = new LimitPlan(schema);
  }

  @Override
  public byte[] convert(byte[] document) throws IOException {
    try (JsonParser parser = factory.createParser(document)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw new IOException("not a JSON object");
      }
      readObject(parser, plan);
    }
    out.reset();
    write(plan);
    encoder.flush();
    return out.toByteArray();
  }

  /** Reads the fields of the object the parser is in, up to and including its end. */
  private static void readObject(JsonParser parser, LimitPlan plan) throws IOException {
    boolean[] seen = plan.seen;
    for (int i = 0; i < plan.size; i++) {
      seen[i] = false;
    }
    JsonToken token;
    while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
      int i = plan.position(parser.currentName());
      token = parser.nextToken();
      if (i < 0) {
        parser.skipChildren();
        continue;
      }
      seen[i] = true;
      if (token == JsonToken.VALUE_NULL) {
        if (plan.nullIndex[i] < 0) {
          throw new IOException("null for a required field");
        }
        plan.isNull[i] = true;
        continue;
      }
      plan.isNull[i] = false;
      switch (plan.kinds[i]) {
        case LONG:
          plan.longs[i] = parser.getLongValue();
          break;
        case INT:
          plan.longs[i] = parser.getIntValue();
          break;
        case DOUBLE:
          plan.doubles[i] = parser.getDoubleValue();
          break;
        case BOOLEAN:
          plan.longs[i] = parser.getBooleanValue() ? 1 : 0;
          break;
        case STRING:
          expect(token, JsonToken.VALUE_STRING);
          readUtf8(parser, plan, i);
          break;
        case TIMESTAMP_MILLIS:
          expect(token, JsonToken.VALUE_STRING);
          plan.longs[i] =
              IsoInstants.parseMillis(
                  parser.getTextCharacters(), parser.getTextOffset(), parser.getTextLength());
          break;
        case DECIMAL:
          readDecimal(parser, token, plan, i);
          break;
        case RECORD:
          expect(token, JsonToken.START_OBJECT);
          readObject(parser, plan.nested[i]);
          break;
        default:
          throw new IllegalStateException("unknown kind " + plan.kinds[i]);
      }
    }
    if (token != JsonToken.END_OBJECT) {
      throw new IOException("unexpected token " + token);
    }
    for (int i = 0; i < plan.size; i++) {
      if (!seen[i]) {
        if (plan.nullIndex[i] < 0) {
          throw new IOException("missing required field " + plan.names[i].getValue());
        }
        plan.isNull[i] = true;
      }
    }
  }

  /** Encodes the current string token's chars to UTF-8 into the field's slot. */
  private static void readUtf8(JsonParser parser, LimitPlan plan, int i) throws IOException {
    char[] chars = parser.getTextCharacters();
    int from = parser.getTextOffset();
    int to = from + parser.getTextLength();
    byte[] b = plan.utf8Slot(i, 3 * (to - from));
    int n = 0;
    for (int p = from; p < to; p++) {
      char c = chars[p];
      if (c < 0x80) {
        b[n++] = (byte) c;
      } else if (c < 0x800) {
        b[n++] = (byte) (0xC0 | c >> 6);
        b[n++] = (byte) (0x80 | c & 0x3F);
      } else if (Character.isHighSurrogate(c) && p + 1 < to) {
        int cp = Character.toCodePoint(c, chars[++p]);
        b[n++] = (byte) (0xF0 | cp >> 18);
        b[n++] = (byte) (0x80 | cp >> 12 & 0x3F);
        b[n++] = (byte) (0x80 | cp >> 6 & 0x3F);
        b[n++] = (byte) (0x80 | cp & 0x3F);
      } else {
        b[n++] = (byte) (0xE0 | c >> 12);
        b[n++] = (byte) (0x80 | c >> 6 & 0x3F);
        b[n++] = (byte) (0x80 | c & 0x3F);
      }
    }
    plan.utf8Lengths[i] = n;
  }

  /**
   * Reads the current number token at the field's scale into its byte slot: from the parser's chars
   * into a long where it fits ({@link LimitDecimals}), else through a {@code BigDecimal}.
   */
  private static void readDecimal(JsonParser parser, JsonToken token, LimitPlan plan, int i)
      throws IOException {
    if (token != JsonToken.VALUE_NUMBER_INT && token != JsonToken.VALUE_NUMBER_FLOAT) {
      throw new IOException("expected a number, was " + token);
    }
    int scale = plan.scales[i];
    long unscaled =
        LimitDecimals.parseUnscaled(
            parser.getTextCharacters(), parser.getTextOffset(), parser.getTextLength(), scale);
    if (unscaled != LimitDecimals.NOT_A_LONG) {
      plan.utf8Lengths[i] = LimitDecimals.toBytes(unscaled, plan.utf8Slot(i, Long.BYTES));
      return;
    }
    byte[] bytes =
        parser
            .getDecimalValue()
            .setScale(scale, RoundingMode.UNNECESSARY)
            .unscaledValue()
            .toByteArray();
    System.arraycopy(bytes, 0, plan.utf8Slot(i, bytes.length), 0, bytes.length);
    plan.utf8Lengths[i] = bytes.length;
  }

  private void write(LimitPlan plan) throws IOException {
    for (int i = 0; i < plan.size; i++) {
      if (plan.nullIndex[i] >= 0) {
        if (plan.isNull[i]) {
          encoder.writeIndex(plan.nullIndex[i]);
          continue;
        }
        encoder.writeIndex(plan.valueIndex[i]);
      }
      switch (plan.kinds[i]) {
        case LONG:
        case TIMESTAMP_MILLIS:
          encoder.writeLong(plan.longs[i]);
          break;
        case INT:
          encoder.writeInt((int) plan.longs[i]);
          break;
        case DOUBLE:
          encoder.writeDouble(plan.doubles[i]);
          break;
        case BOOLEAN:
          encoder.writeBoolean(plan.longs[i] != 0);
          break;
        case STRING:
        case DECIMAL:
          // An Avro string is encoded as its UTF-8 bytes, a decimal as its unscaled value's two's
          // complement bytes: length, then the bytes.
          encoder.writeBytes(plan.utf8[i], 0, plan.utf8Lengths[i]);
          break;
        case RECORD:
          write(plan.nested[i]);
          break;
        default:
          throw new IllegalStateException("unknown kind " + plan.kinds[i]);
      }
    }
  }

  private static void expect(JsonToken actual, JsonToken expected) throws IOException {
    if (actual != expected) {
      throw new IOException("expected " + expected + ", was " + actual);
    }
  }
}
