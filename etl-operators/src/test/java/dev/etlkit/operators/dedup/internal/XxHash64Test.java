package dev.etlkit.operators.dedup.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Vectors computed with lz4-java's XXH64 (an independent implementation), all length classes. */
class XxHash64Test {

  @ParameterizedTest(name = "\"{0}\"")
  @CsvSource(
      delimiter = '|',
      value = {
        "''|EF46DB3751D8E999|98B1582B0977E704",
        "a|D24EC4F1A98C6E5B|88E4FE59ADF7B0CC",
        "abc|44BC2CF5AD770999|13C1D910702770E6",
        "message digest|066ED728FCEEB3BE|85FEA12F652E06E9",
        "abcdefghijklmnopqrstuvwxyz0123456789|64F23ECF1609B766|25CE6FFE7DBD8389",
        "The quick brown fox jumps over the lazy dog, then naps for 70 bytes ok"
            + "|273B51D2779B976C|D12C925859D0B18E"
      })
  void hash_referenceVectors_match(String text, String seed0, String seed42) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);

    assertThat(XxHash64.hash(bytes, 0, bytes.length, 0L))
        .isEqualTo(Long.parseUnsignedLong(seed0, 16));
    assertThat(XxHash64.hash(bytes, 0, bytes.length, 42L))
        .isEqualTo(Long.parseUnsignedLong(seed42, 16));
  }

  @Test
  void hash_rangeOfALargerArray_hashesOnlyTheRange() {
    byte[] big = new byte[1000];
    for (int i = 0; i < big.length; i++) {
      big[i] = (byte) (i * 31 + 7);
    }

    assertThat(XxHash64.hash(big, 0, 1000, 0L)).isEqualTo(0x99594F4828043D35L);
    assertThat(XxHash64.hash(big, 3, 997, 0x0E7C_D3D0_0B5EL)).isEqualTo(0x7CDA41F5C7F8D23FL);
  }

  @Test
  void hash_rangeOutsideTheArray_throws() {
    assertThatThrownBy(() -> XxHash64.hash(new byte[4], 2, 3, 0L))
        .isInstanceOf(IndexOutOfBoundsException.class)
        .hasMessage("range [2, 5) of 4 bytes");
  }
}
