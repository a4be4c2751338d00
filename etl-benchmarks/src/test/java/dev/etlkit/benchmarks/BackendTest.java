package dev.etlkit.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class BackendTest {

  @Test
  void rocksDbOptions_keyValuePairs_parsedInOrder() {
    assertThat(Backend.rocksDbOptions("")).isEmpty();
    assertThat(
            Backend.rocksDbOptions(
                "state.backend.rocksdb.writebuffer.size=8mb; state.backend.rocksdb.writebuffer.count = 3;"))
        .containsExactly(
            Map.entry("state.backend.rocksdb.writebuffer.size", "8mb"),
            Map.entry("state.backend.rocksdb.writebuffer.count", "3"));
  }

  @Test
  void rocksDbOptions_notARocksDbOption_rejected() {
    assertThatThrownBy(() -> Backend.rocksDbOptions("state.backend.rocksdb.writebuffer.size"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(Backend.OPTIONS_PROPERTY);
    assertThatThrownBy(() -> Backend.rocksDbOptions("parallelism.default=4"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
