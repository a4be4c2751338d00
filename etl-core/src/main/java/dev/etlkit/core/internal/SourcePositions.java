package dev.etlkit.core.internal;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.RawRecord;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;

/**
 * The source position a step puts into the dead letter of a rejected record, the same for every
 * step, so that records rejected anywhere in a pipeline can be replayed from their source.
 */
@Internal
public final class SourcePositions {

  private SourcePositions() {}

  /**
   * Where {@code record} came from, as {@link DeadLetter#sourcePosition()} carries it: a {@link
   * Change}'s {@link Change#sourcePosition()} in decimal (the number itself, so a replay tool can
   * parse it back), a {@link RawRecord}'s {@link RawRecord#source()}; null for other records and
   * for those that carry none.
   */
  @Nullable
  public static String of(@Nullable Object record) {
    if (record instanceof Change) {
      Long position = ((Change<?>) record).sourcePosition();
      return position == null ? null : Long.toString(position);
    }
    if (record instanceof RawRecord) {
      return ((RawRecord) record).source();
    }
    return null;
  }
}
