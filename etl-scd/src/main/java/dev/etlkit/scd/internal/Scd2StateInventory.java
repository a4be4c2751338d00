package dev.etlkit.scd.internal;

import dev.etlkit.core.StateDeclaration;
import dev.etlkit.core.StepContext;
import dev.etlkit.core.internal.Names;
import dev.etlkit.core.internal.ProcessOperatorTimers;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * The state an SCD2 step declares for its pipeline's state inventory: {@link Scd2Function}'s keyed
 * states (names in {@link Scd2Function}), the timer service of {@link Scd2Operator} and its
 * operator states, each with its type, growth and TTL.
 */
final class Scd2StateInventory {
  private Scd2StateInventory() {}

  /** Declares the state of the step with {@code config}. */
  static void declare(StepContext context, Scd2Config<?, ?> config) {
    String value = Names.describeType(config.valueType());
    String horizon = config.horizon().toString();
    context.declareState(
        Types.STRING,
        StateDeclaration.of(
                Scd2Function.CURSOR_STATE, StateDeclaration.Kind.VALUE, "KeyCursor<" + value + ">")
            .withStateType(KeyCursor.typeInfo(config.valueType(), config.output()))
            .withGrowth(
                "per key: the current version, the latest change, the base and a candidate base"
                    + " (up to four rows), with append output up to "
                    + KeyCursor.MAX_EARLIER
                    + " effective times, the open chunk (fewer than "
                    + KeyHistory.CHUNK_SIZE
                    + " kept changes on RocksDB, "
                    + KeyHistory.HEAP_CHUNK_SIZE
                    + " on the heap unless writes go to the changelog state backend) and two times"
                    + " per sealed chunk")
            .withTimerTtl(config.ttl()));
    context.declareState(
        Types.STRING,
        StateDeclaration.of(
                Scd2Function.BASE_STATE, StateDeclaration.Kind.VALUE, "KeyCursor<" + value + ">")
            .withStateType(KeyCursor.typeInfo(config.valueType(), config.output()))
            .withGrowth(
                "none written: only keys restored from SCD2 state format 1 hold the version in"
                    + " force at their prune point here, until their next prune")
            .withTimerTtl(config.ttl()));
    context.declareState(
        Types.STRING,
        StateDeclaration.map(
                Scd2Function.CHUNKS_STATE, Types.LONG, ChangeChunk.typeInfo(config.valueType()))
            .withGrowth(
                "one entry per "
                    + KeyHistory.CHUNK_SIZE
                    + " (heap: "
                    + KeyHistory.HEAP_CHUNK_SIZE
                    + ", unless under the changelog state backend) changes of a key within the"
                    + " last one to two lateness horizons"
                    + " (three while a prune waits for its candidate base; horizon "
                    + horizon
                    + "), never more than that")
            .withTimerTtl(config.ttl()));
    context.declareState(
        Types.STRING,
        StateDeclaration.map(
                Scd2Function.CHANGES_STATE, Types.LONG, StoredChange.typeInfo(config.valueType()))
            .withGrowth(
                "none written: only keys restored from SCD2 state format 1 or 2 hold their kept"
                    + " changes here, until their next change moves them into chunks")
            .withTimerTtl(config.ttl()));
    // the timer service Scd2Operator (a KeyedProcessOperator) opens, also without TTL
    context.declareState(
        Types.STRING,
        ProcessOperatorTimers.declaration(
            "processing time",
            config.ttl() != null
                ? "one cleanup timer per key (state TTL"
                    + (config.deleteRetention() != null ? ", delete retention)" : ")")
                : config.deleteRetention() != null
                    ? "one cleanup timer per deleted key (delete retention)"
                    : "none without state TTL: the step's timer service, empty"));
    context.declareState(
        Types.STRING,
        StateDeclaration.list(Scd2Operator.TIMERS_COMPLETE_STATE, Types.BOOLEAN)
            .withUnionDistribution()
            .withGrowth(
                "one flag per subtask (operator state, not keyed): whether every key has a"
                    + " cleanup timer"));
    context.declareState(
        Types.STRING,
        StateDeclaration.list(Scd2Operator.CLEANUP_TTL_STATE, Types.LONG)
            .withUnionDistribution()
            .withGrowth(
                "one long per subtask (operator state, not keyed): the TTL the cleanup timers"
                    + " were set with"));
    if (config.deleteRetention() != null) {
      context.declareState(
          Types.STRING,
          StateDeclaration.list(Scd2Operator.DELETE_RETENTION_STATE, Types.LONG)
              .withUnionDistribution()
              .withGrowth(
                  "one long per subtask (operator state, not keyed), only with a delete"
                      + " retention: the retention the deleted keys' cleanup timers were set"
                      + " with"));
    }
  }
}
