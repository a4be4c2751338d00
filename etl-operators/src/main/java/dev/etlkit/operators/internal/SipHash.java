package dev.etlkit.operators.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import org.apache.flink.annotation.Internal;

/**
 * SipHash-1-3 (Aumasson and Bernstein's SipHash with one compression and three finalization rounds)
 * over a byte range with a 128-bit key: a keyed pseudo-random function with a 64-bit output.
 * Whoever does not know the key cannot compute a hash, so cannot craft two inputs that collide; two
 * inputs not chosen to collide do with probability 2^-64. Used for the row fingerprints steps keep
 * in state ({@link RowFingerprint}), whose values nobody outside the job sees.
 *
 * <p>Why 1-3 and not the paper's 2-4: it is the variant Rust's standard library and CPython (3.11
 * on) hash with against hash flooding, the same use (a secret key, outputs not revealed); it costs
 * about two thirds of 2-4 on a 90-byte row, and 2-4 made the heap-state dedup step with upsert
 * output about 30 % slower than the unkeyed xxHash64 before it (docs/benchmarks.md). The rounds are
 * parameters of one implementation, which {@code SipHashTest} checks against the reference vectors
 * of 2-4 (with a key) and CPython's 1-3 (key zero).
 *
 * <p>Allocation-free. Written here rather than taken from Guava: Guava's is 2-4 only, allocates a
 * hasher per call, and would be a 3 MB dependency of every job for one function.
 */
@Internal
public final class SipHash {

  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private SipHash() {}

  /** SipHash-1-3 of {@code bytes[offset, offset + length)} under the key {@code (k0, k1)}. */
  public static long hash(long k0, long k1, byte[] bytes, int offset, int length) {
    return hash(1, 3, k0, k1, bytes, offset, length);
  }

  /** SipHash-c-d: {@code c} rounds per 8-byte block and for the last block, {@code d} to finish. */
  static long hash(int c, int d, long k0, long k1, byte[] bytes, int offset, int length) {
    if (offset < 0 || length < 0 || offset + length > bytes.length) {
      throw new IndexOutOfBoundsException(
          "range [" + offset + ", " + (offset + length) + ") of " + bytes.length + " bytes");
    }
    long v0 = k0 ^ 0x736f6d6570736575L;
    long v1 = k1 ^ 0x646f72616e646f6dL;
    long v2 = k0 ^ 0x6c7967656e657261L;
    long v3 = k1 ^ 0x7465646279746573L;
    int blocks = length >>> 3;
    // Each whole 8-byte block, then the last one (the remaining bytes and the length), with c
    // rounds each; then the finalization, d rounds after v2 ^= 0xff (its block is zero).
    for (int block = 0; block <= blocks + 1; block++) {
      long m;
      int rounds = c;
      if (block < blocks) {
        m = (long) LONGS.get(bytes, offset + (block << 3));
      } else if (block == blocks) {
        m = (long) length << 56;
        int tail = offset + (blocks << 3);
        for (int i = 0; tail + i < offset + length; i++) {
          m |= (bytes[tail + i] & 0xFFL) << (8 * i);
        }
      } else {
        m = 0;
        v2 ^= 0xff;
        rounds = d;
      }
      v3 ^= m;
      for (int i = 0; i < rounds; i++) {
        v0 += v1;
        v1 = Long.rotateLeft(v1, 13) ^ v0;
        v0 = Long.rotateLeft(v0, 32);
        v2 += v3;
        v3 = Long.rotateLeft(v3, 16) ^ v2;
        v0 += v3;
        v3 = Long.rotateLeft(v3, 21) ^ v0;
        v2 += v1;
        v1 = Long.rotateLeft(v1, 17) ^ v2;
        v2 = Long.rotateLeft(v2, 32);
      }
      v0 ^= m;
    }
    return v0 ^ v1 ^ v2 ^ v3;
  }
}
