package dev.etlkit.operators.dedup.internal;

import dev.etlkit.operators.internal.SerializedForm;
import java.io.IOException;
import org.apache.flink.annotation.Internal;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * The 64-bit fingerprint of a row: {@link XxHash64} of the row's bytes as written by its own
 * serializer. Two rows with the same serialized form have the same fingerprint, so an identical
 * redelivery is recognised whatever the row's {@code equals}. The bytes are written by {@link
 * SerializedForm#write} (the same bytes as the serializer, written faster) into one reused buffer;
 * not thread-safe.
 *
 * <p>A serializer whose output is not canonical (a {@code HashMap} field whose equal contents
 * iterate in another order) can give equal rows different fingerprints: an identical row is then
 * emitted again, never a change lost.
 *
 * @param <T> the row type
 */
@Internal
public final class RowHasher<T> {

  /** Fixed seed: fingerprints are stored in state, so it must never change. */
  static final long SEED = 0x0E7C_D3D0_0B5EL;

  private static final int INITIAL_BUFFER = 256;

  private final SerializedForm<T> form;
  private final DataOutputSerializer buffer = new DataOutputSerializer(INITIAL_BUFFER);

  public RowHasher(SerializedForm<T> form) {
    this.form = form;
  }

  public long hash(T row) throws IOException {
    buffer.clear();
    form.write(row, buffer);
    return XxHash64.hash(buffer.getSharedBuffer(), 0, buffer.length(), SEED);
  }
}
