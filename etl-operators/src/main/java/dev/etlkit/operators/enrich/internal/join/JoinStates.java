package dev.etlkit.operators.enrich.internal.join;

import static dev.etlkit.operators.enrich.internal.join.JoinConfig.COUNT_STATE;
import static dev.etlkit.operators.enrich.internal.join.JoinConfig.DELETE_DEADLINES_COMPLETE_STATE;
import static dev.etlkit.operators.enrich.internal.join.JoinConfig.DELETE_DEADLINE_STATE;
import static dev.etlkit.operators.enrich.internal.join.JoinConfig.DELETE_RETENTION_STATE;
import static dev.etlkit.operators.enrich.internal.join.JoinConfig.DELETE_TIMERS;
import static dev.etlkit.operators.enrich.internal.join.JoinConfig.HELD_FACTS_STATE;
import static dev.etlkit.operators.enrich.internal.join.JoinConfig.HELD_STATE;
import static dev.etlkit.operators.enrich.internal.join.JoinConfig.ROW_STATE;
import static dev.etlkit.operators.enrich.internal.join.JoinConfig.TIMERS;
import static dev.etlkit.operators.enrich.internal.join.JoinConfig.VARIANT_STATE;
import static dev.etlkit.operators.enrich.internal.join.JoinConfig.VERSIONS_STATE;
import static dev.etlkit.operators.enrich.internal.join.JoinConfig.WAITING_STATE;
import static dev.etlkit.operators.enrich.internal.join.JoinConfig.WATERMARK_RANGES_STATE;
import static dev.etlkit.operators.enrich.internal.join.JoinConfig.WATERMARK_STATE;

import dev.etlkit.core.Change;
import dev.etlkit.core.StateDeclaration;
import dev.etlkit.core.StepContext;
import dev.etlkit.core.internal.Names;
import dev.etlkit.operators.internal.DeleteDeadlinePass;
import dev.etlkit.operators.internal.HeldRecords;
import dev.etlkit.operators.internal.StoredWatermark;
import java.time.Duration;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * The state inventory of a dimension join: every state the join operator of a {@link JoinConfig}
 * holds, with its type, TTL and growth, declared to the step's context when the step is applied.
 * Which states exist depends on the variant (latest or point in time), on whether facts wait
 * ({@code maxWait}) and on whether deleted keys are forgotten ({@code deleteRetention}).
 */
@Internal
public final class JoinStates {
  private JoinStates() {}

  /** Declares the join's states, keyed by {@code keyType}, to {@code context}. */
  public static <K, F, D> void declare(
      StepContext context, TypeInformation<K> keyType, JoinConfig<F, D, ?> config) {
    boolean asOf = config.asOf();
    boolean waits = config.waits();
    boolean forgetsDeletes = config.deleteRetentionMillis() > 0;
    TypeInformation<F> factType = config.factType();
    TypeInformation<D> rowType = config.dimensionType();
    @Nullable Duration ttl = config.ttl();
    if (asOf) {
      context.declareState(
          keyType,
          StateDeclaration.value(VERSIONS_STATE, JoinStateTypeInfo.versionHistory(rowType))
              .withGrowth(
                  "per key the row versions since the one in force at watermark - allowed"
                      + " lateness (when the key was last written; deletes are versions"
                      + (forgetsDeletes
                          ? "; a history left with its delete only, for deleteRetention after it"
                          : "")
                      + ")")
              .withTtl(ttl));
      context.declareState(
          keyType,
          StateDeclaration.list(HELD_STATE, factType)
              .withGrowth("per key and fact time: the facts until the watermark passes it"));
    } else {
      context.declareState(
          keyType,
          StateDeclaration.of(
                  ROW_STATE,
                  StateDeclaration.Kind.VALUE,
                  "Change<" + Names.describeType(rowType) + ">")
              .withStateType(Change.typeInfo(rowType))
              .withGrowth(
                  forgetsDeletes
                      ? "one row per key (or the delete that removed it, for deleteRetention after"
                          + " the delete)"
                      : "one row per key (or the delete that removed it)")
              .withTtl(ttl));
    }
    if (forgetsDeletes) {
      context.declareState(
          keyType,
          StateDeclaration.value(DELETE_DEADLINE_STATE, Types.LONG)
              .withGrowth("one long per deleted key, until its marker is removed"));
      if (!asOf) {
        context.declareState(
            keyType,
            StateDeclaration.of(DELETE_TIMERS, StateDeclaration.Kind.TIMERS, "processing time")
                .withGrowth("one timer per deleted key, until its marker is removed"));
      }
      for (StateDeclaration pass :
          DeleteDeadlinePass.declarations(
              DELETE_DEADLINES_COMPLETE_STATE, DELETE_RETENTION_STATE)) {
        context.declareState(keyType, pass);
      }
    }
    if (waits) {
      context.declareState(
          keyType,
          StateDeclaration.list(WAITING_STATE, JoinStateTypeInfo.pendingFact(factType))
              .withGrowth(
                  "facts waiting for their row, up to maxWait (at most "
                      + config.maxBufferedFacts()
                      + " per key)"));
      context.declareState(
          keyType,
          StateDeclaration.value(COUNT_STATE, Types.INT)
              .withGrowth("one int per key with waiting facts"));
    }
    if (asOf || waits) {
      context.declareState(
          keyType,
          StateDeclaration.of(
                  TIMERS,
                  StateDeclaration.Kind.TIMERS,
                  asOf
                      ? (forgetsDeletes ? "event and processing time" : "event time")
                      : "processing time")
              .withGrowth(
                  asOf
                      ? "one timer per key and fact time, and per wait deadline (until it fires)"
                          + (forgetsDeletes
                              ? "; one processing-time timer per key whose newest version is a"
                                  + " delete, until its history is removed"
                              : "")
                      : "one timer per waiting fact"));
    }
    if (asOf) {
      for (StateDeclaration watermark :
          StoredWatermark.declarations(WATERMARK_STATE, WATERMARK_RANGES_STATE)) {
        context.declareState(keyType, watermark);
      }
    }
    if (asOf || waits) {
      context.declareState(
          keyType,
          HeldRecords.declaration(
              HELD_FACTS_STATE, asOf ? "held and waiting facts" : "waiting facts"));
      context.declareState(
          keyType,
          StateDeclaration.list(VARIANT_STATE, Types.STRING)
              .withUnionDistribution()
              .withGrowth(
                  "one string per subtask: the variant that wrote the snapshot (operator state, not"
                      + " keyed)"));
    }
  }
}
