package dev.etlkit.operators.internal;

import dev.etlkit.core.StateDeclaration;
import java.util.List;
import java.util.TreeSet;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a step's {@link FingerprintKey} in operator state (a union list; every subtask writes the
 * one key), so that the fingerprints in its keyed state are computed under the same key after a
 * restore, whatever the parallelism and whichever key the resubmitted job graph drew.
 *
 * <p>On restore the restored key wins over the drawn one. Several different restored keys (state
 * put together by hand, for example with the State Processor API) should not happen; the smallest
 * is taken on every subtask and a warning logged: rows fingerprinted under the others are then not
 * recognised as identical, so an identical row is emitted again, never a change lost. A restore
 * without the state (written before etlkit kept fingerprint keys) takes the drawn key.
 */
@Internal
public final class StoredFingerprintKey {

  private static final Logger LOG = LoggerFactory.getLogger(StoredFingerprintKey.class);

  /** The type of the state's entries: the key's two halves. */
  public static final TypeInformation<Tuple2<Long, Long>> ENTRY_TYPE =
      Types.TUPLE(Types.LONG, Types.LONG);

  private StoredFingerprintKey() {}

  /** The state inventory's entry for the union list state {@code name}. */
  public static StateDeclaration declaration(String name) {
    return StateDeclaration.of(name, StateDeclaration.Kind.LIST, "Tuple2<Long, Long>")
        .withStateType(ENTRY_TYPE)
        .withUnionDistribution()
        .withGrowth(
            "the step's 128-bit row fingerprint key, one copy per subtask"
                + " (operator state, not keyed)");
  }

  /**
   * Registers the union list state {@code name} and returns the key to fingerprint with: the
   * restored one, or {@code drawn} on a fresh start (or a restore without the state); the state
   * then holds that key.
   */
  public static FingerprintKey register(
      FunctionInitializationContext context, String name, FingerprintKey drawn) throws Exception {
    ListState<Tuple2<Long, Long>> state =
        context
            .getOperatorStateStore()
            .getUnionListState(new ListStateDescriptor<>(name, ENTRY_TYPE));
    TreeSet<FingerprintKey> restored = new TreeSet<>(FingerprintKey.ORDER);
    if (context.isRestored()) {
      for (Tuple2<Long, Long> entry : state.get()) {
        restored.add(new FingerprintKey(entry.f0, entry.f1));
      }
    }
    if (restored.size() > 1) {
      LOG.warn(
          "State '{}' restored {} different row fingerprint keys; using one of them. Rows"
              + " fingerprinted under the others are not recognised as identical: an identical row"
              + " is emitted again, never a change lost.",
          name,
          restored.size());
    }
    FingerprintKey key = restored.isEmpty() ? drawn : restored.first();
    state.update(List.of(Tuple2.of(key.k0(), key.k1())));
    return key;
  }
}
