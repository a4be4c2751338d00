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
 * on) hash with against hash flooding, the same use (a secret key, outputs not revealed); it runs
 * 15 rounds on a 90-byte row where 2-4 runs 28, and 2-4 (measured in the generic form) made the
 * heap-state dedup step with upsert output about 30 % slower than the unkeyed xxHash64 before it
 * (docs/benchmarks.md).
 *
 * <p>Written out for 1-3 (one round per block, the last block's round and three finalization rounds
 * in one unrolled loop) rather than with the round counts as parameters: on a 90-byte row that
 * takes about half the time (a loop bound the compiler cannot see as a constant keeps the rounds a
 * loop), and one round written once in a loop over all blocks and finalization steps, with a branch
 * per step, took two and a half times as long: the round is written twice on purpose. {@code
 * SipHashTest} checks it against CPython's 1-3 vectors (key zero) and against a reference
 * implementation with the rounds as parameters, itself checked against the paper's 2-4 reference
 * vectors with a key.
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
    if (offset < 0 || length < 0 || offset + length > bytes.length) {
      throw new IndexOutOfBoundsException(
          "range [" + offset + ", " + (offset + length) + ") of " + bytes.length + " bytes");
    }
    long v0 = k0 ^ 0x736f6d6570736575L;
    long v1 = k1 ^ 0x646f72616e646f6dL;
    long v2 = k0 ^ 0x6c7967656e657261L;
    long v3 = k1 ^ 0x7465646279746573L;
    int end = offset + (length & ~7);
    for (int at = offset; at < end; at += 8) {
      long m = (long) LONGS.get(bytes, at);
      v3 ^= m;
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
      v0 ^= m;
    }
    long m = lastBlock(bytes, offset, length);
    v3 ^= m;
    // Round 0 compresses the last block; rounds 1-3 finalize (after v0 ^= m and v2 ^= 0xff). A
    // loop with a constant bound, which the compiler unrolls.
    for (int round = 0; round < 4; round++) {
      if (round == 1) {
        v0 ^= m;
        v2 ^= 0xff;
      }
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
    return v0 ^ v1 ^ v2 ^ v3;
  }

  /**
   * The last block of {@code bytes[offset, offset + length)}: its last {@code length % 8} bytes in
   * the low bytes, the length in the top byte. A message of 8 bytes or more has those bytes at the
   * top of its last 8, read as one little-endian long.
   */
  private static long lastBlock(byte[] bytes, int offset, int length) {
    int remaining = length & 7;
    long m = (long) length << 56;
    if (remaining == 0) {
      return m;
    }
    if (length >= 8) {
      return m | ((long) LONGS.get(bytes, offset + length - 8) >>> (64 - 8 * remaining));
    }
    for (int i = 0; i < remaining; i++) {
      m |= (bytes[offset + i] & 0xFFL) << (8 * i);
    }
    return m;
  }
}
