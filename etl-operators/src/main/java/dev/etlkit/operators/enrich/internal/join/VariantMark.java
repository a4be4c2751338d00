package dev.etlkit.operators.enrich.internal.join;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.annotation.Nullable;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.StateInitializationContext;

/**
 * Which variant of the join wrote a snapshot, kept in the union list state {@link
 * JoinConfig#VARIANT_STATE} ({@code "latest"} or {@code "asOf"}). The variants share the state of
 * the facts waiting for their row ({@link JoinConfig#WAITING_STATE}), but a waiting fact's deadline
 * is processing time in one and event time in the other, so the state alone cannot say whose facts
 * they are. Kept by every join that can hold waiting facts: a point-in-time join, a join that
 * waits, and a join that restored waiting facts; another join empties a restored mark ({@link
 * dev.etlkit.operators.internal.RestoredUnionStates}).
 *
 * <p>Snapshots written before the mark (formats 1 and 2) are told apart by the point-in-time join's
 * watermark state ({@link JoinConfig#WATERMARK_STATE}), which that variant has always registered
 * and the latest join never has. The mark is written once per attempt, at the restore: operator
 * state keeps its value until the next snapshot.
 */
final class VariantMark {
  static final String LATEST = "latest";
  static final String AS_OF = "asOf";

  private VariantMark() {}

  /**
   * Reads which variant wrote the restored snapshot and marks this attempt's snapshots with its own
   * variant. Call before the step registers its other operator state.
   *
   * @return {@code true} for the point-in-time join, {@code false} for the latest join, {@code
   *     null} on a fresh start
   */
  @Nullable
  static Boolean register(StateInitializationContext context, boolean asOf) throws Exception {
    Set<String> restoredStates =
        context.isRestored()
            ? new HashSet<>(context.getOperatorStateStore().getRegisteredStateNames())
            : Set.of();
    ListState<String> mark =
        context
            .getOperatorStateStore()
            .getUnionListState(new ListStateDescriptor<>(JoinConfig.VARIANT_STATE, Types.STRING));
    Boolean writtenByAsOf = context.isRestored() ? writtenByAsOf(mark.get(), restoredStates) : null;
    mark.update(List.of(asOf ? AS_OF : LATEST));
    return writtenByAsOf;
  }

  /**
   * The variant a restored snapshot names (every subtask wrote its own, all the same), or for a
   * snapshot without the mark the one its operator state shows: the watermark state is the
   * point-in-time join's (a snapshot without any operator state is a latest join's of format 1).
   */
  static boolean writtenByAsOf(@Nullable Iterable<String> marks, Set<String> restoredStates) {
    if (marks != null) {
      for (String mark : marks) {
        if (AS_OF.equals(mark) || LATEST.equals(mark)) {
          return AS_OF.equals(mark);
        }
      }
    }
    return restoredStates.contains(JoinConfig.WATERMARK_STATE);
  }
}
