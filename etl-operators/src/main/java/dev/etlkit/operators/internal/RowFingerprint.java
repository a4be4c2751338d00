package dev.etlkit.operators.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Objects;
import org.apache.flink.annotation.Internal;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * The 64-bit fingerprint of a row that a step keeps in state to recognise the row again: {@link
 * SipHash} under the step's secret {@link FingerprintKey} of the row's bytes as written by its own
 * serializer ({@link SerializedForm#write}). Two rows with the same serialized form have the same
 * fingerprint; two different rows have the same one with probability 2^-64, and nobody without the
 * key can craft a row to collide with another (which an unkeyed hash such as xxHash64 or MurmurHash
 * with a seed in the source allows).
 *
 * <p>A serializer whose output is not canonical (a {@code HashMap} field whose equal contents
 * iterate in another order) can give equal rows different fingerprints. Not thread-safe (one reused
 * buffer): one per operator or function instance, created in {@code open()}.
 *
 * @param <T> the row type
 */
@Internal
public final class RowFingerprint<T> {

  private static final int INITIAL_BUFFER = 256;

  private final SerializedForm<T> form;
  private final long k0;
  private final long k1;
  private final DataOutputSerializer buffer = new DataOutputSerializer(INITIAL_BUFFER);

  public RowFingerprint(SerializedForm<T> form, FingerprintKey key) {
    this.form = Objects.requireNonNull(form, "form");
    this.k0 = key.k0();
    this.k1 = key.k1();
  }

  /** The fingerprint of {@code row}; a {@code Row} as of kind INSERT ({@link RowKinds}). */
  public long of(T row) {
    buffer.clear();
    try {
      form.write(RowKinds.compared(row), buffer);
    } catch (IOException e) {
      throw new UncheckedIOException("could not serialize a row to fingerprint it", e);
    }
    return SipHash.hash(k0, k1, buffer.getSharedBuffer(), 0, buffer.length());
  }
}
