package dev.etlkit.operators.dedup;

import static dev.etlkit.operators.dedup.DedupHarness.keepLast;
import static dev.etlkit.operators.dedup.DedupHarness.rows;
import static dev.etlkit.operators.internal.CraftedBlocks.inverse;
import static dev.etlkit.operators.internal.CraftedBlocks.isPrintable;
import static dev.etlkit.operators.internal.CraftedBlocks.littleEndian;
import static dev.etlkit.operators.internal.CraftedBlocks.printable;
import static dev.etlkit.operators.internal.CraftedBlocks.putLittleEndian;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.operators.dedup.internal.XxHash64;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A hole closed (docs/dedup.md, "No-op suppression"): no-op suppression by fingerprint (upsert
 * output, the default of {@code keepLast}; ordered keep-first; retract output of row types not
 * compared field by field) takes two rows as identical when their fingerprints are equal. Until
 * keyed fingerprints, the fingerprint was xxHash64 with a seed fixed in the source ({@link
 * #STEP_SEED}), which is not collision resistant: its lane round {@code rotl(acc + in * P2, 31) *
 * P1} is a bijection of the input, so whoever controlled 16 bytes of a row (a free-text field)
 * could make a different row with the kept row's fingerprint (here printable ASCII, found in a few
 * thousand tries), and the step dropped that change as a no-op (found by a review on 2026-11-24).
 * The step now fingerprints with SipHash under a secret key of its own: the same crafted row is an
 * update. Unkeyed fingerprints restored from an earlier etlkit's state are not trusted, so the
 * attack fails on them too ({@code DedupSavepointCompatibilityTest#keepLastUpsert_*}).
 */
class DedupCraftedFingerprintCollisionTest {

  /** xxHash64's primes (public, from the specification). */
  private static final long P1 = 0x9E3779B185EBCA87L;

  private static final long P2 = 0xC2B2AE3D27D4EB4FL;

  /** The fixed seed the step fingerprinted with (in {@code RowHasher.SEED}, now removed). */
  private static final long STEP_SEED = 0x0E7C_D3D0_0B5EL;

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keepLastUpsert_aRowCraftedToCollideUnderTheUnkeyedFingerprint_isAnUpdate(
      StateBackendKind backend) throws Exception {
    String kept = "k1#" + "order 4711 note: please deliver to the back door, thanks!!!!";
    String changed = collidingRow(kept);
    assertThat(changed).isNotEqualTo(kept).startsWith("k1#");
    assertThat(fingerprint(changed)).isEqualTo(fingerprint(kept)); // the crafted collision, unkeyed

    try (OperatorHarness<String, Change<String>> harness =
        rows(keepLast()).harness().on(backend).open()) {
      harness.processElement(kept, 1);
      harness.processElement(changed, 2); // a real change of k1's row

      assertThat(harness.output())
          .as("the crafted change is a change")
          .containsExactly(Change.insert(kept), Change.updateAfter(changed));
    }
  }

  /**
   * A printable-ASCII row of the same key and length as {@code row} (63 characters, serialized to
   * 64 bytes: two xxHash64 stripes) with the same fingerprint: the second lane of the first stripe
   * (characters 7 to 14) is changed, and the second lane of the second stripe (characters 39 to 46)
   * chosen so that the lane's accumulator ends as before.
   */
  static String collidingRow(String row) throws Exception {
    byte[] bytes = serialized(row);
    if (bytes.length != 64) {
      throw new IllegalArgumentException("needs a 63-character ASCII row, was " + bytes.length);
    }
    long lane1 = littleEndian(bytes, 8);
    long lane2 = littleEndian(bytes, 40);
    long start = STEP_SEED + P2;
    long target = round(round(start, lane1), lane2);
    long p1Inverse = inverse(P1);
    long p2Inverse = inverse(P2);
    Random random = new Random(42);
    for (int attempt = 0; attempt < 10_000_000; attempt++) {
      long newLane1 = printable(random);
      if (newLane1 == lane1) {
        continue;
      }
      long acc = round(start, newLane1);
      long newLane2 = (Long.rotateRight(target * p1Inverse, 31) - acc) * p2Inverse;
      if (isPrintable(newLane2)) {
        byte[] crafted = bytes.clone();
        putLittleEndian(crafted, 8, newLane1);
        putLittleEndian(crafted, 40, newLane2);
        return new String(crafted, 1, 63, StandardCharsets.US_ASCII);
      }
    }
    throw new IllegalStateException("no collision found");
  }

  private static long fingerprint(String row) throws Exception {
    byte[] bytes = serialized(row);
    return XxHash64.hash(bytes, 0, bytes.length, STEP_SEED);
  }

  private static byte[] serialized(String row) throws Exception {
    DataOutputSerializer out = new DataOutputSerializer(64);
    StringSerializer.INSTANCE.serialize(row, out);
    return out.getCopyOfBuffer();
  }

  private static long round(long acc, long input) {
    return Long.rotateLeft(acc + input * P2, 31) * P1;
  }
}
