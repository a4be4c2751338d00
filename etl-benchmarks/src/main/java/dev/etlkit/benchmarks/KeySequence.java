package dev.etlkit.benchmarks;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Seeded key sequences for benchmark inputs: the same seed always gives the same keys. */
public final class KeySequence {

  /** Exponent of the {@link KeyDistribution#ZIPF} distribution (1.0: the classic Zipf law). */
  public static final double ZIPF_EXPONENT = 1.0;

  private KeySequence() {}

  /**
   * Draws {@code length} key indexes in {@code [0, keyCount)}. With {@link KeyDistribution#ZIPF}
   * index 0 is the hottest key; use {@link #keyOf(int)} to turn indexes into keys that do not sit
   * next to each other in key order.
   */
  public static int[] draw(KeyDistribution distribution, int keyCount, int length, long seed) {
    if (keyCount < 1) {
      throw new IllegalArgumentException("keyCount must be >= 1, was " + keyCount);
    }
    if (length < 0) {
      throw new IllegalArgumentException("length must be >= 0, was " + length);
    }
    SplittableRandom random = new SplittableRandom(seed);
    int[] indexes = new int[length];
    if (distribution == KeyDistribution.UNIFORM) {
      for (int i = 0; i < length; i++) {
        indexes[i] = random.nextInt(keyCount);
      }
      return indexes;
    }
    double[] cdf = zipfCdf(keyCount);
    for (int i = 0; i < length; i++) {
      int pos = Arrays.binarySearch(cdf, random.nextDouble());
      // A miss returns -(insertion point) - 1: the first rank whose cumulative weight exceeds u.
      indexes[i] = Math.min(pos >= 0 ? pos : -pos - 1, keyCount - 1);
    }
    return indexes;
  }

  /**
   * The key for an index: a bijection on longs (multiplication by an odd constant), so distinct
   * indexes give distinct keys and hot Zipf keys are spread over the key space.
   */
  public static long keyOf(int index) {
    return index * 0x9E3779B97F4A7C15L;
  }

  private static double[] zipfCdf(int keyCount) {
    double[] cdf = new double[keyCount];
    double sum = 0;
    for (int rank = 0; rank < keyCount; rank++) {
      sum += 1.0 / Math.pow(rank + 1, ZIPF_EXPONENT);
      cdf[rank] = sum;
    }
    for (int rank = 0; rank < keyCount; rank++) {
      cdf[rank] /= sum;
    }
    return cdf;
  }
}
