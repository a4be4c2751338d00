package dev.etlkit.operators.internal;

import static dev.etlkit.operators.DecimalForms.flinkBytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Decimals from unscaled bytes and BigIntegers, and canonical values: equal to Avro's or the input,
 * in the form {@code valueOf} gives.
 */
class DecimalsTest {

  /**
   * {@code bytes} behind {@code pad} copies of its sign byte, as a fixed of more bytes holds it.
   */
  private static byte[] padded(byte[] bytes, int pad) {
    byte[] out = new byte[bytes.length + pad];
    Arrays.fill(out, 0, pad, bytes[0] < 0 ? (byte) -1 : 0);
    System.arraycopy(bytes, 0, out, pad, bytes.length);
    return out;
  }

  private static void assertLikeItsText(BigDecimal decimal, byte[] unscaled, int scale) {
    BigDecimal avros = new BigDecimal(new BigInteger(unscaled), scale);
    BigDecimal text = new BigDecimal(avros.toString());
    assertThat(decimal).isEqualTo(avros);
    assertThat(decimal.scale()).isEqualTo(scale);
    assertThat(flinkBytes(decimal)).isEqualTo(flinkBytes(text));
  }

  @Test
  void of_bytesAndBuffers_equalAvrosDecimal_andSerializeAsItsText() {
    SplittableRandom random = new SplittableRandom(7);
    for (int i = 0; i < 20_000; i++) {
      byte[] bytes = new byte[1 + random.nextInt(12)];
      random.nextBytes(bytes);
      if (random.nextBoolean()) { // small values: 0, 1, 10 and their neighbours
        bytes = BigInteger.valueOf(random.nextInt(-20, 21)).toByteArray();
      }
      byte[] unscaled = padded(bytes, random.nextInt(0, 10));
      int scale = random.nextInt(-5, 40);
      ByteBuffer inside = ByteBuffer.allocate(unscaled.length + 6);
      inside.position(3);
      inside.put(unscaled);
      inside.position(3).limit(3 + unscaled.length);

      assertLikeItsText(Decimals.of(unscaled, scale), unscaled, scale);
      assertLikeItsText(Decimals.of(inside, scale), unscaled, scale);
      assertThat(inside.position()).isEqualTo(3);
      assertLikeItsText(
          Decimals.of(new BigInteger(unscaled), scale),
          new BigInteger(unscaled).toByteArray(),
          scale);
    }
  }

  @Test
  void of_longRangeEdges_andBeyond() {
    for (BigInteger edge :
        new BigInteger[] {
          BigInteger.valueOf(Long.MIN_VALUE),
          BigInteger.valueOf(Long.MAX_VALUE),
          BigInteger.valueOf(Long.MIN_VALUE).subtract(BigInteger.ONE),
          BigInteger.valueOf(Long.MAX_VALUE).add(BigInteger.ONE)
        }) {
      byte[] unscaled = padded(edge.toByteArray(), 4);
      assertLikeItsText(Decimals.of(unscaled, 2), unscaled, 2);
      assertLikeItsText(Decimals.of(ByteBuffer.wrap(unscaled), 2), unscaled, 2);
      assertLikeItsText(Decimals.of(edge, 2), edge.toByteArray(), 2);
    }
  }

  @Test
  void of_noBytes_isRejectedAsAvroRejectsIt() {
    assertThatThrownBy(() -> Decimals.of(new byte[0], 2)).isInstanceOf(NumberFormatException.class);
    assertThatThrownBy(() -> Decimals.of(ByteBuffer.allocate(0), 2))
        .isInstanceOf(NumberFormatException.class);
  }

  @Test
  void canonical_decimals_equalTheirInput_inTheFormOfValueOf() {
    SplittableRandom random = new SplittableRandom(11);
    for (int i = 0; i < 20_000; i++) {
      long unscaled =
          random.nextBoolean()
              ? random.nextLong(-120, 121)
              : random.nextLong() >> random.nextInt(64);
      int scale = random.nextInt(-5, 30);
      // as Avro's conversion and new BigDecimal(text of more than 18 characters) make it
      BigDecimal inflated =
          new BigDecimal(new BigInteger(BigInteger.valueOf(unscaled).toByteArray()), scale);

      BigDecimal canonical = Decimals.canonical(inflated);

      assertThat(canonical).isEqualTo(inflated);
      assertThat(flinkBytes(canonical)).isEqualTo(flinkBytes(BigDecimal.valueOf(unscaled, scale)));
      if (inflated.precision() > 2) {
        assertThat(canonical).isSameAs(inflated);
      }
    }
    BigDecimal beyondLong = new BigDecimal("92233720368547758080.5");
    assertThat(Decimals.canonical(beyondLong)).isSameAs(beyondLong);
  }

  @Test
  void canonical_integers_areTheConstantsFor0And1And10_elseUnchanged() {
    assertThat(Decimals.canonical(new BigInteger("0"))).isSameAs(BigInteger.ZERO);
    assertThat(Decimals.canonical(new BigInteger("1"))).isSameAs(BigInteger.ONE);
    assertThat(Decimals.canonical(new BigInteger("10"))).isSameAs(BigInteger.TEN);
    for (String other :
        new String[] {"-1", "-10", "2", "9", "11", "15", "16", "100", "-9223372036854775809"}) {
      BigInteger value = new BigInteger(other);
      assertThat(Decimals.canonical(value)).as(other).isSameAs(value);
    }
  }
}
