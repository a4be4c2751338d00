package dev.etlkit.operators.internal;

import dev.etlkit.core.StateDeclaration;
import java.io.IOException;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.runtime.state.FunctionInitializationContext;

/**
 * Keeps a step's {@link FingerprintKey} in operator state, so that the fingerprints in its keyed
 * state are computed under the same key after a restore, whatever the parallelism and whichever key
 * the resubmitted job graph drew.
 *
 * <p>The state is a <b>broadcast state</b> (a map: {@code 0} to the key's first half, {@code 1} to
 * its second): every subtask writes the one key, and at a restore each subtask gets one subtask's
 * copy (Flink's broadcast redistribution), so there is one copy per subtask at any parallelism,
 * also when a later version of the step does not register the state (Flink then carries it over as
 * it was; a union list state would give every subtask every subtask's copy, multiplying them by the
 * parallelism at every restore).
 *
 * <p>On restore the restored key wins over the drawn one, as long as the rows are written as they
 * were: the state also holds a digest of the row serializer's snapshot (its configuration: a POJO's
 * fields, an enum's constants in order, an Avro schema), and when the step's row serializer now has
 * another, the step takes the drawn key. Fingerprints are of the bytes the serializer writes, and
 * after such an upgrade other rows may write the bytes the kept ones wrote (an enum constant
 * inserted before others shifts their positions): under a new key no kept fingerprint is
 * recognised, so the key's next row is emitted even if identical, and no change is taken for a
 * no-op. A restore without the state (written before etlkit kept fingerprint keys) takes the drawn
 * key. If the subtasks' copies differed (state put together by hand, for example with the State
 * Processor API), a subtask would take the copy it is given: rows fingerprinted under another key
 * are then not recognised as identical.
 */
@Internal
public final class StoredFingerprintKey {

  /** Entry of the row serializer's digest. */
  private static final int DIGEST = 2;

  /** Key of the digest of the row serializer's snapshot (any fixed key: it is not a secret). */
  private static final FingerprintKey DIGEST_KEY = new FingerprintKey(0x5E71A1, 0xD16E57);

  /** The state's key type: the half of the key (0 or 1), or the serializer's digest (2). */
  public static final TypeInformation<Integer> HALF_TYPE = Types.INT;

  /** The state's value type: a half of the key, or the digest. */
  public static final TypeInformation<Long> VALUE_TYPE = Types.LONG;

  private StoredFingerprintKey() {}

  /** The state inventory's entry for the broadcast state {@code name}. */
  public static StateDeclaration declaration(String name) {
    return StateDeclaration.map(name, HALF_TYPE, VALUE_TYPE)
        .withGrowth(
            "the step's 128-bit row fingerprint key and a digest of the row serializer, one copy"
                + " per subtask (broadcast operator state, not keyed)");
  }

  /**
   * Registers the broadcast state {@code name} and returns the key to fingerprint rows written by
   * {@code rowSerializer} with: the restored one if it was kept for rows written alike, else {@code
   * drawn}; the state then holds that key and the serializer's digest.
   */
  public static FingerprintKey register(
      FunctionInitializationContext context,
      String name,
      FingerprintKey drawn,
      TypeSerializer<?> rowSerializer)
      throws Exception {
    BroadcastState<Integer, Long> state =
        context
            .getOperatorStateStore()
            .getBroadcastState(new MapStateDescriptor<>(name, HALF_TYPE, VALUE_TYPE));
    long digest = digest(rowSerializer);
    Long k0 = state.get(0);
    Long k1 = state.get(1);
    Long restoredDigest = state.get(DIGEST);
    FingerprintKey key =
        k0 != null && k1 != null && restoredDigest != null && restoredDigest == digest
            ? new FingerprintKey(k0, k1)
            : drawn;
    state.put(0, key.k0());
    state.put(1, key.k1());
    state.put(DIGEST, digest);
    return key;
  }

  /** A 64-bit digest of the serializer's snapshot, as Flink writes it into savepoints. */
  static long digest(TypeSerializer<?> serializer) throws IOException {
    DataOutputSerializer out = new DataOutputSerializer(256);
    TypeSerializerSnapshot.writeVersionedSnapshot(out, serializer.snapshotConfiguration());
    return SipHash.hash(DIGEST_KEY.k0(), DIGEST_KEY.k1(), out.getSharedBuffer(), 0, out.length());
  }
}
