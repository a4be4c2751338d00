package dev.etlkit.operators.avro;

import dev.etlkit.operators.avro.generated.Payment;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.types.StringValue;

/**
 * An older version of the generated class {@link Payment}, as a savepoint of an older job holds it:
 * {@code memo} (default {@code ""}) since removed, {@code tags} since added. The class itself is
 * generated once, so the old version exists only as a schema, in bytes and in snapshots.
 */
public final class PaymentV0 {
  private PaymentV0() {}

  public static final Schema SCHEMA = AvroFixtures.schema("payment-v0.avsc");

  /** Version 0 with a memo that has no default: it cannot read the class's records. */
  public static final Schema WITHOUT_MEMO_DEFAULT =
      new Schema.Parser().parse(SCHEMA.toString().replace(",\"default\":\"\"", ""));

  /**
   * The versioned snapshot bytes an {@code AvroRecordSerializer} of {@link Payment} wrote when the
   * class had {@code schema}, in the format of snapshot version 1 (spelled out here, so a change of
   * the format fails the tests that read them).
   */
  public static byte[] snapshotBytes(Schema schema) {
    try {
      DataOutputSerializer out = new DataOutputSerializer(1024);
      out.writeUTF("dev.etlkit.operators.avro.internal.AvroRecordSerializerSnapshot");
      out.writeInt(1);
      out.writeBoolean(true);
      out.writeUTF(Payment.class.getName());
      StringValue.writeString(schema.toString(), out);
      return out.getCopyOfBuffer();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The snapshot of {@link #snapshotBytes}, read back as Flink reads it from a savepoint. */
  public static TypeSerializerSnapshot<Payment> snapshot(Schema schema) {
    try {
      return TypeSerializerSnapshot.readVersionedSnapshot(
          new DataInputDeserializer(snapshotBytes(schema)), PaymentV0.class.getClassLoader());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code payment} as version 0 of the class held it, with {@code memo}. */
  public static GenericRecord of(Payment payment, String memo) {
    GenericRecord old = new GenericData.Record(SCHEMA);
    for (Schema.Field field : SCHEMA.getFields()) {
      if (!field.name().equals("memo")) {
        old.put(field.name(), payment.get(field.name()));
      }
    }
    old.put("memo", memo);
    return old;
  }

  /** Plain Avro binary of a version 0 record, logical values converted as the class does. */
  public static byte[] binary(GenericRecord old) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(bytes, null);
      new GenericDatumWriter<GenericRecord>(SCHEMA, SpecificData.getForClass(Payment.class))
          .write(old, encoder);
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
