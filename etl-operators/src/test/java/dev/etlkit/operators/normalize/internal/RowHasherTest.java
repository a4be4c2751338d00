package dev.etlkit.operators.normalize.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.junit.jupiter.api.Test;

/** The serialized-form row hash: deterministic, sensitive to every byte. */
class RowHasherTest {

  @Test
  void hash_isTheSameForEqualRowsInAnyInstance() {
    RowHasher<String> one = new RowHasher<>(StringSerializer.INSTANCE);
    RowHasher<String> two = new RowHasher<>(StringSerializer.INSTANCE);

    assertThat(one.hash(new String("k1#v1"))).isEqualTo(two.hash("k1#v1"));
    assertThat(one.hash("k1#v1")).isEqualTo(one.hash("k1#v1")); // buffer reuse changes nothing
  }

  @Test
  void hash_ofManyDistinctRows_hasNoCollisions() {
    RowHasher<String> hasher = new RowHasher<>(StringSerializer.INSTANCE);
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
      hashes.add(RowHasher.hash(bytes, length));
    }
    assertThat(hashes).hasSize(bytes.length + 1);
    byte[] flipped = bytes.clone();
    flipped[16] = 1;
    assertThat(RowHasher.hash(flipped, 17)).isNotEqualTo(RowHasher.hash(bytes, 17));
  }
}
