package dev.etlkit.operators.internal;

import org.apache.flink.annotation.Internal;
import org.apache.flink.types.Row;
import org.apache.flink.types.RowKind;

/**
 * A {@link Row} value has a kind of its own, which {@code equals} and the row serializer include
 * and which Flink's {@code toChangelogStream} sets to the change's kind. The {@code Change}'s kind
 * is the one that counts, so rows are compared and fingerprinted as if their own kind were {@code
 * INSERT}: {@link RowFingerprint} fingerprints them so for every step, and normalize compares them
 * so.
 */
@Internal
public final class RowKinds {

  private RowKinds() {}

  /**
   * {@code value}, or for a {@code Row} of another kind than {@code INSERT} a shallow copy of kind
   * {@code INSERT} (the value itself is not changed).
   */
  @SuppressWarnings("unchecked")
  public static <T> T compared(T value) {
    if (value instanceof Row row && row.getKind() != RowKind.INSERT) {
      Row copy = Row.copy(row);
      copy.setKind(RowKind.INSERT);
      return (T) copy;
    }
    return value;
  }
}
