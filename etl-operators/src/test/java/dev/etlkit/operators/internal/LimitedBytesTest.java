package dev.etlkit.operators.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** A byte buffer that stores up to a limit and counts beyond it. */
class LimitedBytesTest {

  private static byte[] bytes(int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) i;
    }
    return b;
  }

  @Test
  void withinTheLimit_storesEveryByte_exactlyAtTheLimitToo() {
    LimitedBytes out = new LimitedBytes();
    byte[] data = bytes(1_000);
    for (int limit : new int[] {1_000, 1_001, Integer.MAX_VALUE}) {
      out.start(limit);
      out.write(data[0]);
      out.write(data, 1, 599);
      out.write(data, 600, 400);

      assertThat(out.size()).isEqualTo(1_000);
      assertThat(out.isOverLimit()).isFalse();
      assertThat(out.toByteArray()).isEqualTo(data);
    }
  }

  @Test
  void overTheLimit_countsEveryByte_storingNoMoreThanTheLimit() {
    LimitedBytes out = new LimitedBytes();
    byte[] data = bytes(100_000);
    out.start(999); // one byte under the first write's end
    out.write(data, 0, 1_000);
    out.write(7);
    for (int i = 0; i < 99; i++) {
      out.write(data, i * 1_000, 1_000);
    }

    assertThat(out.size()).isEqualTo(100_001);
    assertThat(out.isOverLimit()).isTrue();
    assertThat(out.capacity()).isLessThanOrEqualTo(999);
    assertThatThrownBy(out::toByteArray)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("100001 bytes written, over the limit 999");
  }

  @Test
  void oneByteOverTheLimit_singleWrites_isOver() {
    LimitedBytes out = new LimitedBytes();
    out.start(3);
    out.write(1);
    out.write(2);
    out.write(3);
    assertThat(out.isOverLimit()).isFalse();
    assertThat(out.toByteArray()).containsExactly(1, 2, 3);

    out.write(4);

    assertThat(out.size()).isEqualTo(4);
    assertThat(out.isOverLimit()).isTrue();
  }

  @Test
  void aNegativeLimit_storesNothing_andAnythingWrittenIsOver() {
    LimitedBytes out = new LimitedBytes();
    out.start(-5); // a key longer than the whole limit leaves the value none
    assertThat(out.isOverLimit()).isFalse();
    assertThat(out.toByteArray()).isEmpty();

    out.write(bytes(10), 0, 10);

    assertThat(out.size()).isEqualTo(10);
    assertThat(out.isOverLimit()).isTrue();
  }

  @Test
  void start_forgetsTheLastRecord_evenOneOverItsLimit() {
    LimitedBytes out = new LimitedBytes();
    out.start(2);
    out.write(bytes(5), 0, 5);
    assertThat(out.isOverLimit()).isTrue();

    out.start(2);
    out.write(9);

    assertThat(out.size()).isEqualTo(1);
    assertThat(out.toByteArray()).containsExactly(9);
  }

  @Test
  void release_dropsOnlyABufferGrownPastMaxRetainedBytes() {
    LimitedBytes out = new LimitedBytes();
    out.start(Integer.MAX_VALUE);
    out.write(bytes(LimitedBytes.MAX_RETAINED_BYTES), 0, LimitedBytes.MAX_RETAINED_BYTES);
    out.release();
    assertThat(out.capacity()).isEqualTo(LimitedBytes.MAX_RETAINED_BYTES);

    out.start(Integer.MAX_VALUE);
    out.write(
        new byte[LimitedBytes.MAX_RETAINED_BYTES + 1], 0, LimitedBytes.MAX_RETAINED_BYTES + 1);
    out.release();

    assertThat(out.capacity()).isLessThanOrEqualTo(256);
    out.start(Integer.MAX_VALUE);
    out.write(bytes(3), 0, 3);
    assertThat(out.toByteArray()).isEqualTo(Arrays.copyOf(bytes(3), 3));
  }
}
