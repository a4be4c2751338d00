package dev.etlkit.testkit;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.annotation.PublicEvolving;

/**
 * How many seeds a seeded test runs: a few in a normal build, many under the Maven {@code soak}
 * profile ({@code ./mvnw verify -Psoak}, which sets the system property {@value #SOAK_PROPERTY}
 * {@code =true}). To replay one failing seed, set {@value #SEED_PROPERTY}: {@code ./mvnw -pl
 * etl-operators test -Dtest=DedupTest -Detlkit.seed=17}.
 *
 * <pre>{@code
 * static List<Long> seeds() {
 *   return Soak.seeds(20, 2_000); // 20 seeds, 2000 under -Psoak
 * }
 *
 * @ParameterizedTest
 * @MethodSource("seeds")
 * void generate_anySeed_tagsAreTrueAndSourceIsWellFormed(long seed) { ... }
 * }</pre>
 */
@PublicEvolving
public final class Soak {

  /** {@code true} under the {@code soak} profile. */
  public static final String SOAK_PROPERTY = "etlkit.soak";

  /** When set, seeded tests run this one seed only. */
  public static final String SEED_PROPERTY = "etlkit.seed";

  private Soak() {}

  /** True when the system property {@value #SOAK_PROPERTY} is {@code true}. */
  public static boolean isEnabled() {
    return Boolean.getBoolean(SOAK_PROPERTY);
  }

  /** {@code soakCount} under the soak profile, else {@code defaultCount}. */
  public static int count(int defaultCount, int soakCount) {
    if (defaultCount < 1 || soakCount < defaultCount) {
      throw new IllegalArgumentException(
          "need 1 <= defaultCount <= soakCount, was " + defaultCount + " and " + soakCount);
    }
    return isEnabled() ? soakCount : defaultCount;
  }

  /**
   * The seeds {@code 1..count(defaultCount, soakCount)}, or only the seed in {@value
   * #SEED_PROPERTY} when it is set.
   */
  public static List<Long> seeds(int defaultCount, int soakCount) {
    int count = count(defaultCount, soakCount);
    String fixed = System.getProperty(SEED_PROPERTY);
    if (fixed != null && !fixed.isBlank()) {
      try {
        return List.of(Long.parseLong(fixed.trim()));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(SEED_PROPERTY + " must be a number, was " + fixed, e);
      }
    }
    List<Long> seeds = new ArrayList<>(count);
    for (long seed = 1; seed <= count; seed++) {
      seeds.add(seed);
    }
    return seeds;
  }
}
