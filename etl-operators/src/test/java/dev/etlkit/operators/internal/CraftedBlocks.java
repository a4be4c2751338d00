package dev.etlkit.operators.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

/**
 * What the crafted-collision tests of the unkeyed row hashes share: 8-byte blocks of printable
 * ASCII, read and written little-endian as the hashes read them, and inverses of odd multipliers.
 */
public final class CraftedBlocks {

  private CraftedBlocks() {}

  /** The inverse of an odd number modulo 2^64 (Newton's iteration). */
  public static long inverse(long odd) {
    long x = odd;
    for (int i = 0; i < 6; i++) {
      x *= 2 - odd * x;
    }
    return x;
  }

  /** A random block of eight printable ASCII characters. */
  public static long printable(Random random) {
    long block = 0;
    for (int i = 0; i < 8; i++) {
      block |= (long) (0x20 + random.nextInt(0x5f)) << (8 * i);
    }
    return block;
  }

  /** Whether all eight bytes of the block are printable ASCII. */
  public static boolean isPrintable(long block) {
    for (int i = 0; i < 8; i++) {
      int b = (int) (block >>> (8 * i)) & 0xff;
      if (b < 0x20 || b > 0x7e) {
        return false;
      }
    }
    return true;
  }

  public static long littleEndian(byte[] bytes, int offset) {
    return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(offset);
  }

  public static void putLittleEndian(byte[] bytes, int offset, long value) {
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(offset, value);
  }
}
