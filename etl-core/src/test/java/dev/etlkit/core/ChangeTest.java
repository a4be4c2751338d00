package dev.etlkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.flink.types.RowKind;
import org.junit.jupiter.api.Test;

class ChangeTest {

  /**
   * Flink's {@code keyBy} accepts a {@code Change} key (it checks only for arrays, enums and POJOs
   * without {@code hashCode}) and assigns key groups from {@code hashCode}, once in the sending JVM
   * and again in the receiving one, and again after a restore. So a change must hash the same in
   * every JVM, as Flink's {@code Row} does: it hashes its kind by its byte value, since an enum's
   * own {@code hashCode} is its identity, different in every JVM. Fixed numbers for fixed changes
   * say so.
   */
  @Test
  void hashCode_isTheSameInEveryJvm() {
    assertThat(Change.insert("a").hashCode()).isEqualTo(923_618);
    assertThat(Change.of(RowKind.DELETE, "a", 5L, 7L).hashCode()).isEqualTo(1_018_013);
  }
}
