package dev.etlkit.operators.internal;

import java.io.Serializable;
import java.security.SecureRandom;
import org.apache.flink.annotation.Internal;

/**
 * The secret 128-bit key of a step's row fingerprints ({@link SipHash}). A step draws one when its
 * job graph is built ({@link #random()}), so every subtask of a fresh start shares it; the step
 * keeps it in operator state ({@link StoredFingerprintKey}), and a restored key wins over the drawn
 * one, so fingerprints kept in state stay comparable across restores, rescaling and resubmissions.
 *
 * <p>{@link #toString()} never shows the key: it ends up in exception messages and logs.
 *
 * @param k0 the key's first 8 bytes, little-endian
 * @param k1 the key's last 8 bytes, little-endian
 */
@Internal
public record FingerprintKey(long k0, long k1) implements Serializable {

  /** A key drawn from {@link SecureRandom}. */
  public static FingerprintKey random() {
    SecureRandom random = new SecureRandom();
    return new FingerprintKey(random.nextLong(), random.nextLong());
  }

  @Override
  public String toString() {
    return "FingerprintKey{<secret>}";
  }
}
