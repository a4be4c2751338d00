package dev.etlkit.operators.normalize.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * A 64-bit hash of a row's serialized form (MurmurHash64A over the bytes its {@link TypeSerializer}
 * writes). Unlike {@code hashCode()}, it is the same in every JVM (enum and identity hash codes are
 * not), so it can be kept in state across restores and backends.
 *
 * <p>Rows are "equal" for this hash when their serialized forms are equal: that is value equality
 * for POJOs, records, tuples, rows and basic types. Types whose serialized form is not canonical
 * (maps, which serialize in iteration order) can hash equal values differently. Not thread-safe;
 * one per function instance, created in {@code open()}; reuses one buffer.
 */
@Internal
public final class RowHasher<T> {

  private static final long M = 0xc6a4a7935bd1e995L;
  private static final int R = 47;
  private static final long SEED = 0x5EED_C0DE_0F_E71L;

  private final TypeSerializer<T> serializer;
  private final DataOutputSerializer buffer = new DataOutputSerializer(128);

  public RowHasher(TypeSerializer<T> serializer) {
    this.serializer = serializer;
  }

  /** The hash of {@code row}'s serialized form. */
  public long hash(T row) {
    buffer.clear();
    try {
      serializer.serialize(row, buffer);
    } catch (IOException e) {
      throw new UncheckedIOException("Could not serialize a row to hash it", e);
    }
    return hash(buffer.getSharedBuffer(), buffer.length());
  }

  /** MurmurHash64A of {@code bytes[0, length)}. */
  static long hash(byte[] bytes, int length) {
    long h = SEED ^ (length * M);
    int blocks = length >>> 3;
    for (int i = 0; i < blocks; i++) {
      long k = littleEndianLong(bytes, i << 3);
      k *= M;
      k ^= k >>> R;
      k *= M;
      h ^= k;
      h *= M;
    }
    int tail = blocks << 3;
    int remaining = length & 7;
    if (remaining > 0) {
      for (int i = remaining - 1; i >= 0; i--) {
        h ^= (bytes[tail + i] & 0xFFL) << (8 * i);
      }
      h *= M;
    }
    h ^= h >>> R;
    h *= M;
    h ^= h >>> R;
    return h;
  }

  private static long littleEndianLong(byte[] b, int offset) {
    return (b[offset] & 0xFFL)
        | (b[offset + 1] & 0xFFL) << 8
        | (b[offset + 2] & 0xFFL) << 16
        | (b[offset + 3] & 0xFFL) << 24
        | (b[offset + 4] & 0xFFL) << 32
        | (b[offset + 5] & 0xFFL) << 40
        | (b[offset + 6] & 0xFFL) << 48
        | (b[offset + 7] & 0xFFL) << 56;
  }
}
