package dev.etlkit.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class KeySequenceTest {

  @Test
  void draw_sameSeed_sameKeys_allInRange() {
    int[] a = KeySequence.draw(KeyDistribution.UNIFORM, 100, 10_000, 7);
    int[] b = KeySequence.draw(KeyDistribution.UNIFORM, 100, 10_000, 7);

    assertThat(a).isEqualTo(b);
    assertThat(Arrays.stream(a).allMatch(i -> i >= 0 && i < 100)).isTrue();
    int[] zipf = KeySequence.draw(KeyDistribution.ZIPF, 100, 10_000, 7);
    assertThat(Arrays.stream(zipf).allMatch(i -> i >= 0 && i < 100)).isTrue();
  }

  @Test
  void draw_zipf_hottestKeyTakesItsHarmonicShare() {
    int keyCount = 1000;
    int[] keys = KeySequence.draw(KeyDistribution.ZIPF, keyCount, 200_000, 1);

    double harmonic = 0;
    for (int r = 1; r <= keyCount; r++) {
      harmonic += 1.0 / r;
    }
    long hottest = Arrays.stream(keys).filter(k -> k == 0).count();
    assertThat(hottest / 200_000.0).isCloseTo(1 / harmonic, within(0.005));
  }

  @Test
  void keyOf_distinctIndexes_distinctKeys() {
    Set<Long> keys = new HashSet<>();
    for (int i = 0; i < 100_000; i++) {
      keys.add(KeySequence.keyOf(i));
    }
    assertThat(keys).hasSize(100_000);
  }

  @Test
  void draw_keyCountBelowOne_isRejected() {
    assertThatThrownBy(() -> KeySequence.draw(KeyDistribution.UNIFORM, 0, 1, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("keyCount must be >= 1, was 0");
  }
}
