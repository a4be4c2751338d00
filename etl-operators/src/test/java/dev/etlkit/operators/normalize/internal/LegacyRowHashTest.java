package dev.etlkit.operators.normalize.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.junit.jupiter.api.Test;

/** The legacy (unkeyed) row hash: deterministic, sensitive to every byte. */
class LegacyRowHashTest {

  @Test
  void hash_isTheSameForEqualRowsInAnyInstance() {
    LegacyRowHash<String> one = new LegacyRowHash<>(StringSerializer.INSTANCE);
    LegacyRowHash<String> two = new LegacyRowHash<>(StringSerializer.INSTANCE);

    assertThat(one.hash(new String("k1#v1"))).isEqualTo(two.hash("k1#v1"));
    assertThat(one.hash("k1#v1")).isEqualTo(one.hash("k1#v1")); // buffer reuse changes nothing
  }

  /**
   * Pinned: the hash etlkit kept in state before keyed fingerprints, which restored entries are
   * compared with; it must never change.
   */
  @Test
  void hash_isTheOneEarlierEtlkitVersionsWroteToState() {
    assertThat(new LegacyRowHash<>(StringSerializer.INSTANCE).hash("k1#v1"))
        .isEqualTo(0xce2eca5aa85a1c59L);
  }

  @Test
  void hash_ofManyDistinctRows_hasNoCollisions() {
    LegacyRowHash<String> hasher = new LegacyRowHash<>(StringSerializer.INSTANCE);
    Set<Long> hashes = new HashSet<>();
    for (int i = 0; i < 100_000; i++) {
      hashes.add(hasher.hash("row-" + i));
    }
    assertThat(hashes).hasSize(100_000);
  }

  @Test
  void hash_ofBytes_coversEveryTailLength() {
    byte[] bytes = new byte[17];
    Set<Long> hashes = new HashSet<>();
    for (int length = 0; length <= bytes.length; length++) {
      hashes.add(LegacyRowHash.hash(bytes, length));
    }
    assertThat(hashes).hasSize(bytes.length + 1);
    byte[] flipped = bytes.clone();
    flipped[16] = 1;
    assertThat(LegacyRowHash.hash(flipped, 17)).isNotEqualTo(LegacyRowHash.hash(bytes, 17));
  }
}
