package dev.etlkit.operators.json.internal;

import java.util.Arrays;
import org.apache.flink.annotation.Internal;

/**
 * Which required fields the object being read has set so far, one frame per nesting level of
 * objects with required fields. Marks are by required-name bit ({@link FieldRules}); a frame's
 * owner checks its mask when the object is complete.
 *
 * <p>Not thread-safe: one tracker per reader, and a reader per function instance. Frames are
 * reused, so reading allocates nothing once the deepest nesting has been seen.
 */
@Internal
final class RequiredTracker {
  private final int words;
  private long[][] frames = new long[8][];
  private int depth = -1;

  RequiredTracker(int requiredNames) {
    this.words = Math.max(1, (requiredNames + 63) >>> 6);
  }

  /** Opens a frame for a new object; returns its depth, to pass to {@link #exit(int)}. */
  int enter() {
    int d = ++depth;
    if (d == frames.length) {
      frames = Arrays.copyOf(frames, d * 2);
    }
    long[] frame = frames[d];
    if (frame == null) {
      frames[d] = new long[words];
    } else {
      Arrays.fill(frame, 0L);
    }
    return d;
  }

  /** Closes the frame opened at {@code frameDepth} (and any left open inside it by an error). */
  void exit(int frameDepth) {
    depth = frameDepth - 1;
  }

  /** The current object set the required field with this bit (to a non-null value). */
  void mark(int bit) {
    if (depth >= 0) {
      frames[depth][bit >>> 6] |= 1L << bit;
    }
  }

  /**
   * The current object set the required field with this bit to null (or to a failed cast): a
   * duplicate key's last value wins, so an earlier non-null value no longer counts.
   */
  void unmark(int bit) {
    if (depth >= 0) {
      frames[depth][bit >>> 6] &= ~(1L << bit);
    }
  }

  /** The first required bit of {@code mask} not marked in the current frame, or -1. */
  int firstMissing(long[] mask) {
    long[] frame = frames[depth];
    for (int w = 0; w < words; w++) {
      long missing = mask[w] & ~frame[w];
      if (missing != 0) {
        return (w << 6) + Long.numberOfTrailingZeros(missing);
      }
    }
    return -1;
  }

  /** The required bits of {@code mask} not marked in the current frame, in bit order. */
  int[] allMissing(long[] mask) {
    long[] frame = frames[depth];
    int count = 0;
    for (int w = 0; w < words; w++) {
      count += Long.bitCount(mask[w] & ~frame[w]);
    }
    int[] bits = new int[count];
    int i = 0;
    for (int w = 0; w < words; w++) {
      long missing = mask[w] & ~frame[w];
      while (missing != 0) {
        bits[i++] = (w << 6) + Long.numberOfTrailingZeros(missing);
        missing &= missing - 1;
      }
    }
    return bits;
  }

  /** Forgets all frames, before reading a new document. */
  void reset() {
    depth = -1;
  }
}
