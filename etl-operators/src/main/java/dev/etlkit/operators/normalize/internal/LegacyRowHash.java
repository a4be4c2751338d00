package dev.etlkit.operators.normalize.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * The unkeyed row hash of etlkit before keyed fingerprints: MurmurHash64A, with a seed fixed in
 * this source, of a row's serialized form (the bytes its {@link TypeSerializer} writes). Kept only
 * to read state written by those versions: a projected normalizer's {@link RowState} without {@code
 * FLAG_KEYED_HASH} and a changelog check's live status tagged as holding a legacy hash ({@link
 * ChangelogRules}) hold this hash, so a row is compared with them by this hash until the key's
 * entry is next written (with the keyed fingerprint). Never write it: anyone who knows this source
 * can craft a row with another row's hash (each 8-byte block step is invertible), which is why
 * state now holds {@link dev.etlkit.operators.internal.RowFingerprint keyed fingerprints}.
 *
 * <p>Not thread-safe; one per function instance, created in {@code open()}; reuses one buffer.
 */
@Internal
public final class LegacyRowHash<T> {

  private static final long M = 0xc6a4a7935bd1e995L;
  private static final int R = 47;
  private static final long SEED = 0x5EED_C0DE_0F_E71L;

  private final TypeSerializer<T> serializer;
  private final DataOutputSerializer buffer = new DataOutputSerializer(128);

  public LegacyRowHash(TypeSerializer<T> serializer) {
    this.serializer = serializer;
  }

  /** The legacy hash of {@code row}'s serialized form. */
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
