package dev.etlkit.operators.normalize.internal;

import java.io.IOException;
import java.io.Serializable;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;

/**
 * What a versioned or projected normalizer keeps per key besides the row: a sequence, and whether
 * the row is a projection (with the full row's hash). Both layouts with a projection store {@code
 * RowState<P>}, so the serializer snapshot records the layout (format 2 on): restoring a savepoint
 * into a step with another layout fails instead of reading, for example, a missing sequence as 0.
 *
 * @param sequence whether each entry holds the sequence of its key's last change
 * @param projection whether the kept row is a projection, live entries also holding a row hash
 */
@Internal
public record RowLayout(boolean sequence, boolean projection) implements Serializable {

  private static final int SEQUENCE = 1;
  private static final int PROJECTION = 1 << 1;

  public RowLayout {
    if (!sequence && !projection) {
      throw new IllegalArgumentException(
          "a row layout keeps a sequence or a projection, or both (plain rows need no RowState)");
    }
  }

  /** Whether {@code state} has the fields this layout writes (a deleted key has no row hash). */
  boolean holds(RowState<?> state) {
    return state.hasSequence() == sequence && (!state.isLive() || state.hasRowHash() == projection);
  }

  /** The layout as one byte of a serializer snapshot; 0 stands for an unknown layout. */
  static int encode(@Nullable RowLayout layout) {
    if (layout == null) {
      return 0;
    }
    return (layout.sequence ? SEQUENCE : 0) | (layout.projection ? PROJECTION : 0);
  }

  /**
   * The layout {@link #encode} wrote; null for 0 (unknown).
   *
   * @throws IOException for bits this version does not know: written by a newer etlkit
   */
  @Nullable
  static RowLayout decode(int code) throws IOException {
    if ((code & ~(SEQUENCE | PROJECTION)) != 0) {
      throw new IOException(
          "Cannot read the normalizer row state layout 0x"
              + Integer.toHexString(code)
              + "; was it written by a newer etlkit?");
    }
    return code == 0 ? null : new RowLayout((code & SEQUENCE) != 0, (code & PROJECTION) != 0);
  }

  /** For example {@code no sequence and a row hash}: what an entry holds besides its row. */
  static String describeEntry(RowState<?> state) {
    return (state.hasSequence() ? "a sequence" : "no sequence")
        + " and "
        + (state.hasRowHash() ? "a row hash" : "no row hash");
  }

  /** For example {@code projected rows with a sequence}. */
  String describe() {
    return (projection ? "projected rows" : "full rows")
        + (sequence ? " with a sequence" : " without a sequence");
  }
}
