package dev.etlkit.operators.normalize;

import static dev.etlkit.operators.internal.CraftedBlocks.inverse;
import static dev.etlkit.operators.internal.CraftedBlocks.isPrintable;
import static dev.etlkit.operators.internal.CraftedBlocks.littleEndian;
import static dev.etlkit.operators.internal.CraftedBlocks.printable;
import static dev.etlkit.operators.internal.CraftedBlocks.putLittleEndian;

import dev.etlkit.operators.normalize.internal.LegacyRowHash;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * Crafted collisions of the row hash the normalize steps kept in state before keyed fingerprints
 * (MurmurHash64A of a row's serialized form, with the seed fixed in the source): for a row with a
 * free-text field, another row that differs only in that field, stays printable ASCII, and has the
 * same hash. Whoever writes that field can make it, in well under a second.
 *
 * <p>MurmurHash64A folds the bytes in 8-byte blocks, {@code h = (h ^ mix(block)) * M}, where {@code
 * mix} and the multiplication by the odd {@code M} are bijections: after changing one block inside
 * the field freely, the next block can be solved for so that {@code h} is what it was. Solved
 * blocks are printable about once in 2,800 tries. The hash itself is the step's {@link
 * LegacyRowHash}, with which it still compares rows to state written before keyed hashes.
 */
final class LegacyHashCollisions {

  private static final long M = 0xc6a4a7935bd1e995L;
  private static final int R = 47;

  /** The seed the steps hashed with, as written in {@code LegacyRowHash.SEED}. */
  private static final long SEED = 0x5EED_C0DE_0F_E71L;

  private static final long M_INVERSE = inverse(M);

  private LegacyHashCollisions() {}

  /** The legacy hash of {@code row}'s serialized form. */
  static <T> long legacyHash(T row, TypeSerializer<T> serializer) {
    return new LegacyRowHash<>(serializer).hash(row);
  }

  /**
   * A row that differs from {@code row} only in the characters of {@code text}, a printable ASCII
   * field value of it at least 23 characters long (so that two whole 8-byte blocks of the
   * serialized row lie in it), with the same legacy hash: the blocks before those two, and so the
   * hash state before them, are unchanged, and so are the hash state after them and the rest.
   */
  static <T> T colliding(T row, String text, TypeSerializer<T> serializer) throws IOException {
    byte[] bytes = serialized(row, serializer);
    int start = indexOf(bytes, text.getBytes(StandardCharsets.US_ASCII));
    int block = (start + 7) >>> 3; // the first whole block in the text; the next one is solved
    if ((block + 2) << 3 > start + text.length()) {
      throw new IllegalArgumentException("text too short for two whole blocks: " + text);
    }
    long h = SEED ^ (bytes.length * M);
    for (int i = 0; i < block; i++) {
      h = fold(h, littleEndian(bytes, i << 3));
    }
    long first = littleEndian(bytes, block << 3);
    long target = fold(fold(h, first), littleEndian(bytes, (block + 1) << 3));
    Random random = new Random(42);
    for (int attempt = 0; attempt < 10_000_000; attempt++) {
      long changed = printable(random);
      if (changed == first) {
        continue;
      }
      // fold(fold(h, changed), solved) == target
      long solved = unmix((target * M_INVERSE) ^ fold(h, changed));
      if (isPrintable(solved)) {
        byte[] crafted = bytes.clone();
        putLittleEndian(crafted, block << 3, changed);
        putLittleEndian(crafted, (block + 1) << 3, solved);
        return serializer.deserialize(new DataInputDeserializer(crafted));
      }
    }
    throw new IllegalStateException("no collision found");
  }

  private static long fold(long h, long block) {
    long k = block * M;
    k ^= k >>> R;
    k *= M;
    return (h ^ k) * M;
  }

  /** The block whose {@code k *= M; k ^= k >>> R; k *= M} is {@code k}. */
  private static long unmix(long k) {
    long x = k * M_INVERSE;
    x ^= x >>> R; // its own inverse: R is more than half the width
    return x * M_INVERSE;
  }

  private static <T> byte[] serialized(T row, TypeSerializer<T> serializer) throws IOException {
    DataOutputSerializer out = new DataOutputSerializer(128);
    serializer.serialize(row, out);
    return out.getCopyOfBuffer();
  }

  private static int indexOf(byte[] bytes, byte[] part) {
    int found = -1;
    for (int i = 0; i + part.length <= bytes.length; i++) {
      int j = 0;
      while (j < part.length && bytes[i + j] == part[j]) {
        j++;
      }
      if (j == part.length) {
        if (found >= 0) {
          throw new IllegalArgumentException("the text occurs twice in the serialized row");
        }
        found = i;
      }
    }
    if (found < 0) {
      throw new IllegalArgumentException("the text is not in the serialized row as ASCII");
    }
    return found;
  }
}
