package dev.etlkit.operators.internal;

import static dev.etlkit.operators.DecimalForms.flinkBytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
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
  void canonical_ofDecimalsAlreadyCanonical_returnsThem_allocatingNothing() {
    // valueOf's form (a compact decimal: unscaledValue() makes a BigInteger, cached only for -16
    // to 16) and decimals holding a BigInteger that is no 0, 1 or 10, at the scales of SQL
    // decimals and of exponent forms; each is returned as it is, and no call allocates
    List<BigDecimal> values = new ArrayList<>();
    for (int scale : new int[] {-3, -1, 0, 1, 2, 4, 6, 18, 38}) {
      for (long unscaled = -120; unscaled <= 120; unscaled++) {
        values.add(BigDecimal.valueOf(unscaled, scale));
      }
      for (long unscaled :
          new long[] {Long.MIN_VALUE, -123_456_789_012L, 1234, 999_999_999_999_999_999L}) {
        values.add(BigDecimal.valueOf(unscaled, scale));
      }
      for (long unscaled : new long[] {-10, -1, 2, 11, 17, 50, 99, 100, 12_345}) {
        values.add(new BigDecimal(new BigInteger(Long.toString(unscaled)), scale));
      }
    }
    BigDecimal[] inputs = values.toArray(new BigDecimal[0]);
    BigDecimal[] outputs = new BigDecimal[inputs.length];
    canonicalEach(inputs, outputs); // loads and links what the calls need

    long before = Allocations.ofCurrentThread();
    canonicalEach(inputs, outputs);
    long allocated = Allocations.ofCurrentThread() - before;

    for (int i = 0; i < inputs.length; i++) {
      assertThat(outputs[i]).as("%s", inputs[i]).isSameAs(inputs[i]);
    }
    assertThat(allocated)
        .as("bytes allocated by %d calls (one BigInteger is at least 40)", inputs.length)
        .isLessThan(inputs.length);
  }

  @Test
  void canonical_unscaledZeroOneTen_beyondTheTabledScales_areTheConstantsToo() {
    for (int scale : new int[] {Integer.MIN_VALUE + 1, -65, 65, 1000, Integer.MAX_VALUE}) {
      for (String unscaled : new String[] {"0", "1", "10"}) {
        BigDecimal inflated = new BigDecimal(new BigInteger(unscaled), scale);

        BigDecimal canonical = Decimals.canonical(inflated);

        assertThat(canonical).isEqualTo(inflated);
        assertThat(canonical.unscaledValue())
            .isSameAs(BigInteger.valueOf(Long.parseLong(unscaled)));
      }
      BigDecimal eleven = new BigDecimal(new BigInteger("11"), scale);
      assertThat(Decimals.canonical(eleven)).isSameAs(eleven);
    }
  }

  /**
   * At every scale of the table and a little beyond it: a decimal of unscaled -120 to 120 (every
   * two-digit one among them) or any long, as Avro's conversion or {@code valueOf} builds it, comes
   * back equal, of the same scale, with the constant {@code BigInteger} for an unscaled 0, 1 or 10,
   * and as it is where nothing needs to change.
   */
  @Property
  void canonical_everyTabledScaleAndBeyond_givesTheConstantsAndKeepsTheRest(
      @ForAll("unscaledValues") long unscaled,
      @ForAll @IntRange(min = Decimals.MIN_TABLED_SCALE - 6, max = Decimals.MAX_TABLED_SCALE + 6)
          int scale) {
    BigDecimal compact = BigDecimal.valueOf(unscaled, scale);
    BigDecimal inflated = new BigDecimal(new BigInteger(Long.toString(unscaled)), scale);
    boolean constant = unscaled == 0 || unscaled == 1 || unscaled == 10;

    for (BigDecimal value : new BigDecimal[] {compact, inflated}) {
      BigDecimal canonical = Decimals.canonical(value);

      assertThat(canonical).as("%s", value).isEqualTo(value);
      assertThat(canonical.scale()).isEqualTo(scale);
      assertThat(flinkBytes(canonical)).isEqualTo(flinkBytes(compact));
      if (constant) {
        assertThat(canonical.unscaledValue())
            .as("%s", value)
            .isSameAs(BigInteger.valueOf(unscaled));
      }
    }
    assertThat(Decimals.canonical(compact)).isSameAs(compact);
    if (!constant) {
      assertThat(Decimals.canonical(inflated)).isSameAs(inflated);
    }
  }

  @Provide
  Arbitrary<Long> unscaledValues() {
    return Arbitraries.frequencyOf(
        Tuple.of(4, Arbitraries.longs().between(-120, 120)),
        Tuple.of(1, Arbitraries.of(0L, 1L, 10L, -10L, 11L, 99L, -99L)),
        Tuple.of(1, Arbitraries.longs()));
  }

  private static void canonicalEach(BigDecimal[] inputs, BigDecimal[] outputs) {
    for (int i = 0; i < inputs.length; i++) {
      outputs[i] = Decimals.canonical(inputs[i]);
    }
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
