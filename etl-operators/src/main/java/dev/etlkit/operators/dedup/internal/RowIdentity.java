package dev.etlkit.operators.dedup.internal;

import dev.etlkit.operators.internal.FingerprintKey;
import dev.etlkit.operators.internal.RowFingerprint;
import dev.etlkit.operators.internal.SerializedForm;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.types.Row;

/**
 * Whether a row is identical to a key's kept one, that is has the same serialized form.
 *
 * <p>Where the step keeps the row (retract output) and the row type is {@linkplain
 * SerializedForm#isStructural structural} (POJOs, records, tuples, strings, boxed primitives, ...),
 * the two rows are compared value by value ({@link SerializedForm#same}): exact, and nothing is
 * serialized or fingerprinted, so entries keep no fingerprint ({@link #comparesRows()}). Otherwise
 * the rules compare {@link RowFingerprint fingerprints} under the step's secret key, kept in the
 * entries.
 *
 * <p>A {@link Row}'s own kind, which its serializer writes and which Flink's {@code
 * toChangelogStream} sets to the change's kind, is not part of the row here: a row is fingerprinted
 * as if its kind were {@code INSERT}, so the {@code +U} of an identical row is a no-op (the
 * change's kind is the one that counts).
 *
 * <p>Not thread-safe: one per operator, created in {@code open()}.
 *
 * @param <T> the row type
 */
@Internal
public final class RowIdentity<T> {

  private final SerializedForm<T> form;
  private final RowFingerprint<T> fingerprints;
  private final boolean comparesRows;

  RowIdentity(SerializedForm<T> form, FingerprintKey key, boolean comparesRows) {
    this.form = form;
    this.fingerprints = new RowFingerprint<>(form, key);
    this.comparesRows = comparesRows;
  }

  /**
   * The identity of rows of {@code rowType} for a step whose entries keep the row ({@code
   * keepsRow}) or not, fingerprinting under {@code key}.
   */
  public static <T> RowIdentity<T> of(
      TypeInformation<T> rowType, SerializerConfig config, FingerprintKey key, boolean keepsRow) {
    return new RowIdentity<>(
        SerializedForm.of(rowType, config), key, keepsRow && comparesRows(rowType));
  }

  /** Whether a step keeping rows of {@code rowType} compares them instead of fingerprints. */
  static boolean comparesRows(TypeInformation<?> rowType) {
    return SerializedForm.isStructural(rowType);
  }

  /** True when kept rows are compared with incoming ones: entries need no fingerprint. */
  public boolean comparesRows() {
    return comparesRows;
  }

  /** Whether the two rows have the same serialized form (for {@link #comparesRows()}). */
  public boolean sameRows(T kept, T row) {
    try {
      return form.same(kept, row);
    } catch (IOException e) {
      throw new UncheckedIOException("could not serialize a row to compare it", e);
    }
  }

  /** The keyed {@link RowFingerprint fingerprint} of a row; a {@code Row} as of kind INSERT. */
  public long fingerprint(T row) {
    return fingerprints.of(row);
  }
}
