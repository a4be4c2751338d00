package dev.etlkit.operators.internal;

import static dev.etlkit.operators.DecimalForms.flinkBytes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.operators.DecimalForms;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.Arrays;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * {@link Decimals#of} against Avro's {@code new BigDecimal(new BigInteger(bytes), scale)}: equal,
 * and serialized by Flink as the reference form ({@code valueOf} where the value fits a long), for
 * unscaled bytes of 1 to 17 bytes, sign bytes of every length before a long (and wrong ones, which
 * make the value not fit), and buffers at an offset, read-only, direct or sliced.
 */
class DecimalsPropertyTest {

  /** How a test holds the bytes in a buffer. */
  enum Holder {
    HEAP,
    READ_ONLY,
    DIRECT,
    SLICED
  }

  @Property(tries = 300)
  void of_anyUnscaledBytes_equalsAvrosDecimal_inTheReferenceForm(
      @ForAll("unscaled") byte[] unscaled,
      @ForAll @IntRange(min = -5, max = 40) int scale,
      @ForAll @IntRange(min = 0, max = 3) int before,
      @ForAll @IntRange(min = 0, max = 3) int after,
      @ForAll Holder holder) {
    BigDecimal avros = new BigDecimal(new BigInteger(unscaled), scale);
    BigDecimal reference = DecimalForms.reference(avros.toString());
    ByteBuffer buffer = buffer(unscaled, before, after, holder);
    int position = buffer.position();

    BigDecimal fromArray = Decimals.of(unscaled, scale);
    BigDecimal fromBuffer = Decimals.of(buffer, scale);
    BigDecimal fromInteger = Decimals.of(new BigInteger(unscaled), scale);

    for (BigDecimal decimal : new BigDecimal[] {fromArray, fromBuffer, fromInteger}) {
      assertThat(decimal).isEqualTo(avros);
      assertThat(flinkBytes(decimal)).isEqualTo(flinkBytes(reference));
    }
    assertThat(buffer.position()).isEqualTo(position);
    assertThat(flinkBytes(Decimals.canonical(avros))).isEqualTo(flinkBytes(reference));
  }

  @Provide
  Arbitrary<byte[]> unscaled() {
    Arbitrary<Long> longs =
        Arbitraries.oneOf(
            Arbitraries.longs(),
            Arbitraries.of(0L, 1L, 10L, -1L, -10L, 2L, 100L, Long.MIN_VALUE, Long.MAX_VALUE));
    Arbitrary<byte[]> signPadded =
        Arbitraries.integers()
            .between(0, 16)
            .flatMap(pad -> longs.map(v -> pad(BigInteger.valueOf(v).toByteArray(), pad, v < 0)));
    // eight bytes of a long behind bytes of the other sign: the value does not fit a long
    Arbitrary<byte[]> wrongSign =
        Arbitraries.integers()
            .between(1, 9)
            .flatMap(
                pad -> longs.map(v -> pad(ByteBuffer.allocate(8).putLong(v).array(), pad, v >= 0)));
    Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(17);
    return Arbitraries.oneOf(signPadded, wrongSign, random);
  }

  /** {@code bytes} behind {@code pad} bytes 0xFF ({@code negative}) or 0x00. */
  private static byte[] pad(byte[] bytes, int pad, boolean negative) {
    byte[] out = new byte[pad + bytes.length];
    Arrays.fill(out, 0, pad, negative ? (byte) -1 : 0);
    System.arraycopy(bytes, 0, out, pad, bytes.length);
    return out;
  }

  /** A buffer holding {@code bytes} from its position to its limit, others around them. */
  private static ByteBuffer buffer(byte[] bytes, int before, int after, Holder holder) {
    byte[] wide = new byte[before + bytes.length + after];
    Arrays.fill(wide, (byte) 0x5A);
    System.arraycopy(bytes, 0, wide, before, bytes.length);
    ByteBuffer buffer =
        holder == Holder.DIRECT ? ByteBuffer.allocateDirect(wide.length) : ByteBuffer.wrap(wide);
    if (holder == Holder.DIRECT) {
      buffer.put(wide).clear();
    }
    if (holder == Holder.READ_ONLY) {
      buffer = buffer.asReadOnlyBuffer();
    }
    buffer.position(before).limit(before + bytes.length);
    return holder == Holder.SLICED ? buffer.slice() : buffer;
  }
}
