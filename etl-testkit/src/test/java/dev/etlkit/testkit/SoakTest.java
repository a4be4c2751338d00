package dev.etlkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SoakTest {

  private String soak;
  private String seed;

  @BeforeEach
  void saveProperties() {
    soak = System.getProperty(Soak.SOAK_PROPERTY);
    seed = System.getProperty(Soak.SEED_PROPERTY);
    System.clearProperty(Soak.SOAK_PROPERTY);
    System.clearProperty(Soak.SEED_PROPERTY);
  }

  @AfterEach
  void restoreProperties() {
    restore(Soak.SOAK_PROPERTY, soak);
    restore(Soak.SEED_PROPERTY, seed);
  }

  @Test
  void seeds_normalBuild_defaultCountFromOne() {
    assertThat(Soak.isEnabled()).isFalse();
    assertThat(Soak.seeds(3, 100)).containsExactly(1L, 2L, 3L);
  }

  @Test
  void seeds_soakProfile_soakCount() {
    System.setProperty(Soak.SOAK_PROPERTY, "true");

    assertThat(Soak.seeds(3, 100)).hasSize(100).startsWith(1L).endsWith(100L);
    assertThat(Soak.count(3, 100)).isEqualTo(100);
  }

  @Test
  void seeds_seedProperty_onlyThatSeed() {
    System.setProperty(Soak.SEED_PROPERTY, "17");

    assertThat(Soak.seeds(3, 100)).containsExactly(17L);
  }

  @Test
  void count_soakBelowDefault_isRejected() {
    assertThatThrownBy(() -> Soak.count(10, 5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("need 1 <= defaultCount <= soakCount, was 10 and 5");
  }

  private static void restore(String name, String value) {
    if (value == null) {
      System.clearProperty(name);
    } else {
      System.setProperty(name, value);
    }
  }
}
