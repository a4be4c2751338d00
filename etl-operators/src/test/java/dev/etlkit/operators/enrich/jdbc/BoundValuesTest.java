package dev.etlkit.operators.enrich.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Which bound values a JDBC batch takes for the same value: sent once, answering each key. */
class BoundValuesTest {

  private static void assertSame(Object a, Object b) {
    assertThat(BoundValues.identity(a)).isEqualTo(BoundValues.identity(b));
    assertThat(BoundValues.identity(a).hashCode()).isEqualTo(BoundValues.identity(b).hashCode());
  }

  private static void assertDistinct(Object a, Object b) {
    assertThat(BoundValues.identity(a)).isNotEqualTo(BoundValues.identity(b));
  }

  @Test
  void numbers_areTheSame_whenTheirValuesAre_whateverTheirTypes() {
    assertSame(1L, 1);
    assertSame(1L, (short) 1);
    assertSame(1L, (byte) 1);
    assertSame(1L, BigInteger.ONE);
    assertSame(1L, new BigDecimal("1.00"));
    assertSame(1L, 1.0d);
    assertSame(1L, 1.0f);
    assertSame(0L, -0.0d);
    assertSame(new BigDecimal("0.5"), 0.5d);
    assertSame(new BigDecimal("2.50"), new BigDecimal("2.5"));
    assertSame(new BigDecimal("1E+3"), 1000);
    assertSame(Long.MAX_VALUE, new BigDecimal(Long.MAX_VALUE).setScale(2));
    assertSame(
        BigInteger.valueOf(Long.MAX_VALUE).add(BigInteger.ONE),
        new BigDecimal("9223372036854775808.0"));
    assertSame(Double.NaN, Float.NaN);
  }

  @Test
  void numbers_areDistinct_whenTheirValuesAre() {
    assertDistinct(1L, 2);
    assertDistinct(new BigDecimal("0.1"), 0.1d); // 0.1d is 0.1000000000000000055511151231257827…
    assertDistinct(Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY);
    assertDistinct(Long.MIN_VALUE, BigInteger.valueOf(Long.MIN_VALUE).subtract(BigInteger.ONE));
    assertDistinct(1L, "1");
  }

  @Test
  void hugeExponent_isComparedWithoutExpandingIt() {
    assertSame(new BigDecimal("1E+999999999"), new BigDecimal("10E+999999998"));
    assertDistinct(new BigDecimal("1E+999999999"), Long.MAX_VALUE);
  }

  @Test
  void bytes_areTheSame_whenTheirContentIs() {
    assertSame(new byte[] {1, 2}, new byte[] {1, 2});
    assertDistinct(new byte[] {1, 2}, new byte[] {2, 1});
  }

  @Test
  void otherValues_areTheSame_whenEqual_textExactly() {
    UUID uuid = UUID.randomUUID();
    assertSame(uuid, UUID.fromString(uuid.toString()));
    assertSame("c-1", new String("c-1"));
    assertDistinct("c-1", "C-1");
    assertDistinct("c-1", "c-1 ");
    assertThat(BoundValues.identity(null)).isNull();
  }
}
