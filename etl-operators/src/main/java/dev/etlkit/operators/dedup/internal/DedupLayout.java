package dev.etlkit.operators.dedup.internal;

import java.io.Serializable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * Which fields a dedup state holds: the number of ordering-key components, whether a row
 * fingerprint and whether the row itself. Part of the state's serializer snapshot: restoring a
 * savepoint into a step whose layout differs (another ordering, or RETRACT where UPSERT was) fails
 * instead of misreading the state.
 *
 * @param orderSize ordering-key components per entry, 0 when ordered by processing time
 * @param hash whether a row fingerprint is kept (entries whose row is compared leave it out, see
 *     {@link #fingerprints})
 * @param row whether the row is kept
 */
@Internal
public record DedupLayout(int orderSize, boolean hash, boolean row) implements Serializable {

  public DedupLayout {
    if (orderSize < 0 || orderSize > 127) {
      throw new IllegalArgumentException("orderSize must be in 0..127, was " + orderSize);
    }
  }

  /** The layout as one int, as written into serializer snapshots. */
  int encode() {
    return orderSize << 2 | (hash ? 2 : 0) | (row ? 1 : 0);
  }

  static DedupLayout decode(int code) {
    return new DedupLayout(code >>> 2, (code & 2) != 0, (code & 1) != 0);
  }

  /**
   * Whether entries for rows of {@code rowType} carry fingerprints: not where the row is kept and
   * compared value by value instead ({@link RowIdentity#comparesRows()}).
   */
  boolean fingerprints(TypeInformation<?> rowType) {
    return hash && !(row && RowIdentity.comparesRows(rowType));
  }

  /**
   * For example {@code marker}, {@code hash} or {@code order[2], hash, row: Order}: what entries
   * for rows of {@code rowType} (named {@code rowName}) hold.
   */
  String describe(TypeInformation<?> rowType, String rowName) {
    StringBuilder sb = new StringBuilder();
    if (orderSize > 0) {
      sb.append("order[").append(orderSize).append(']');
    }
    if (fingerprints(rowType)) {
      sb.append(sb.length() > 0 ? ", " : "").append("hash");
    }
    if (row) {
      sb.append(sb.length() > 0 ? ", " : "").append("row: ").append(rowName);
    }
    return sb.length() == 0 ? "marker" : sb.toString();
  }
}
