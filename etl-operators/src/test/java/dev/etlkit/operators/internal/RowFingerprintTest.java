package dev.etlkit.operators.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.junit.jupiter.api.Test;

/**
 * Fingerprints are kept in state with their key: for a given key the function must not change. The
 * pinned values were computed by the first release with keyed fingerprints; {@code SipHashTest}
 * checks the hash itself against the reference vectors.
 */
class RowFingerprintTest {

  private static final FingerprintKey KEY =
      new FingerprintKey(0x0706050403020100L, 0x0f0e0d0c0b0a0908L);

  @Test
  void of_isSipHashOfTheSerializedRow_pinned() {
    assertThat(fingerprint(Types.STRING, KEY, "k1#v1")).isEqualTo(0xdc25434b170661bcL);
    assertThat(fingerprint(TypeInformation.of(Reading.class), KEY, reading("s1", -0.0)))
        .isEqualTo(0x7c90f3dbd3025df2L);
  }

  @Test
  void of_equalRows_sameFingerprint_otherRowOrKey_another() {
    long first = fingerprint(TypeInformation.of(Reading.class), KEY, reading("s1", 1.5));

    assertThat(fingerprint(TypeInformation.of(Reading.class), KEY, reading("s1", 1.5)))
        .isEqualTo(first);
    assertThat(fingerprint(TypeInformation.of(Reading.class), KEY, reading("s1", 1.25)))
        .isNotEqualTo(first);
    assertThat(
            fingerprint(
                TypeInformation.of(Reading.class),
                new FingerprintKey(KEY.k0(), KEY.k1() + 1),
                reading("s1", 1.5)))
        .isNotEqualTo(first);
  }

  @Test
  void key_isNeverShown() {
    assertThat(KEY.toString()).doesNotContain("706").isEqualTo("FingerprintKey{<secret>}");
  }

  private static <T> long fingerprint(TypeInformation<T> type, FingerprintKey key, T row) {
    return new RowFingerprint<>(SerializedForm.of(type, new SerializerConfigImpl()), key).of(row);
  }

  private static Reading reading(String sensor, double value) {
    Reading reading = new Reading();
    reading.sensor = sensor;
    reading.value = value;
    reading.at = 1234567890123L;
    return reading;
  }

  /** A POJO with a primitive, a boxed (null) and a string field. */
  public static class Reading {
    public String sensor;
    public double value;
    public long at;
    public Integer n;
  }
}
