package dev.etlkit.operators.avro.internal;

import dev.etlkit.operators.avro.AvroFormatException;
import org.apache.flink.annotation.Internal;

/**
 * The Confluent wire format's header: magic byte {@code 0}, then the writer schema's registry id as
 * a 4-byte big-endian int, then the Avro binary record.
 */
@Internal
public final class ConfluentWireFormat {
  private ConfluentWireFormat() {}

  public static final byte MAGIC_BYTE = 0;
  public static final int HEADER_BYTES = 5;

  /**
   * The schema id in {@code payload}'s header.
   *
   * @throws AvroFormatException if the header is shorter than 5 bytes or the magic byte is wrong
   */
  public static int schemaId(byte[] payload) throws AvroFormatException {
    if (payload.length < HEADER_BYTES) {
      throw new AvroFormatException(
          "not the Confluent wire format: "
              + payload.length
              + " bytes, shorter than the 5-byte header (magic byte + schema id)");
    }
    if (payload[0] != MAGIC_BYTE) {
      throw new AvroFormatException(
          String.format(
              "not the Confluent wire format: magic byte is 0x%02x, expected 0x00",
              payload[0] & 0xff));
    }
    return (payload[1] & 0xff) << 24
        | (payload[2] & 0xff) << 16
        | (payload[3] & 0xff) << 8
        | (payload[4] & 0xff);
  }

  /** Writes the header for {@code schemaId} into {@code into[0..5)}. */
  public static void writeHeader(int schemaId, byte[] into) {
    into[0] = MAGIC_BYTE;
    into[1] = (byte) (schemaId >>> 24);
    into[2] = (byte) (schemaId >>> 16);
    into[3] = (byte) (schemaId >>> 8);
    into[4] = (byte) schemaId;
  }
}
