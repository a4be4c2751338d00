package dev.etlkit.operators.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * SipHash-c-d written the plain way, with the round counts as parameters (the form {@link SipHash}
 * had until it was written out for 1-3). {@code SipHashTest} checks it against the paper's 2-4
 * reference vectors, and {@link SipHash} against it with 1-3.
 */
final class SipHashReference {

  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private SipHashReference() {}

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
