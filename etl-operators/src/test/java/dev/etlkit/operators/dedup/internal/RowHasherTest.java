package dev.etlkit.operators.dedup.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.operators.internal.SerializedForm;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.junit.jupiter.api.Test;

/**
 * Fingerprints are kept in state: the function must not change. The values below were computed by
 * the first release, which serialized rows with their {@code TypeSerializer} before hashing.
 */
class RowHasherTest {

  @Test
  void hash_isTheFingerprintKeptInStateByEarlierVersions() throws Exception {
    assertThat(hasher(Types.STRING).hash("k1#v1")).isEqualTo(0x7620d410ac165b3aL);

    Reading reading = new Reading();
    reading.sensor = "s1";
    reading.value = -0.0;
    reading.at = 1234567890123L;
    assertThat(hasher(TypeInformation.of(Reading.class)).hash(reading))
        .isEqualTo(0x420d11faf2cf96f5L);
  }

  private static <T> RowHasher<T> hasher(TypeInformation<T> type) {
    return new RowHasher<>(SerializedForm.of(type, new SerializerConfigImpl()));
  }

  /** A POJO with a primitive, a boxed (null) and a string field. */
  public static class Reading {
    public String sensor;
    public double value;
    public long at;
    public Integer n;
  }
}
