package dev.etlkit.core;

import java.util.Arrays;
import java.util.Objects;
import javax.annotation.Nullable;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * Bytes as a source delivered them, with where they came from: the input of etlkit's decoders when
 * the source knows more than the payload (Kafka key, tombstones, offsets).
 *
 * <p>{@code value} is null for a Kafka tombstone (a key with no value). {@code source} names the
 * record's position in its source as the code that built the record wrote it; for Kafka, {@code
 * topic-partition@offset} (topic and partition as Kafka's {@code TopicPartition} prints them, for
 * example {@code orders-3@1234}), as the example job's deserializer writes it. Decoders copy it
 * into dead letters. {@code timestamp} is the source's timestamp in epoch milliseconds, if any. A
 * Java record, serialized by Flink's POJO serializer (no Kryo), so its fields can evolve.
 *
 * @param key the record key, or null
 * @param value the record value, or null for a tombstone
 * @param source where the record came from, or null when unknown
 * @param timestamp the source timestamp (epoch ms), or null when unknown
 */
@PublicEvolving
public record RawRecord(
    @Nullable byte[] key,
    @Nullable byte[] value,
    @Nullable String source,
    @Nullable Long timestamp) {

  /** The type information of {@code RawRecord} streams. */
  public static final TypeInformation<RawRecord> TYPE_INFO = TypeInformation.of(RawRecord.class);

  /** A record with only a value. */
  public static RawRecord ofValue(byte[] value) {
    return new RawRecord(null, Objects.requireNonNull(value, "value"), null, null);
  }

  /** True for a tombstone: a key and no value. */
  public boolean isTombstone() {
    return value == null && key != null;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof RawRecord)) {
      return false;
    }
    RawRecord that = (RawRecord) o;
    return Arrays.equals(key, that.key)
        && Arrays.equals(value, that.value)
        && Objects.equals(source, that.source)
        && Objects.equals(timestamp, that.timestamp);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * Arrays.hashCode(key) + Arrays.hashCode(value))
        + Objects.hash(source, timestamp);
  }

  /** Sizes and coordinates only: never the bytes, they may hold personal data. */
  @Override
  public String toString() {
    return "RawRecord{key="
        + (key == null ? "null" : key.length + " bytes")
        + ", value="
        + (value == null ? "null" : value.length + " bytes")
        + (source != null ? ", source=" + source : "")
        + (timestamp != null ? ", timestamp=" + timestamp : "")
        + "}";
  }
}
