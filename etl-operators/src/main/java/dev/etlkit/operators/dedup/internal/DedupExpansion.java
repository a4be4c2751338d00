package dev.etlkit.operators.dedup.internal;

import dev.etlkit.core.Change;
import dev.etlkit.core.ChangeTypeInfo;
import dev.etlkit.core.StateDeclaration;
import dev.etlkit.core.StepContext;
import dev.etlkit.core.internal.KryoTypes;
import dev.etlkit.core.internal.ValueEquality;
import dev.etlkit.operators.dedup.Dedup;
import dev.etlkit.operators.dedup.DedupOutput;
import dev.etlkit.operators.internal.ChangeKeySelector;
import dev.etlkit.operators.internal.DeclaredKeyType;
import dev.etlkit.operators.internal.DeleteDeadlinePass;
import dev.etlkit.operators.internal.FingerprintKey;
import dev.etlkit.operators.internal.HeldRecords;
import dev.etlkit.operators.internal.StoredFingerprintKey;
import dev.etlkit.operators.internal.StoredWatermark;
import java.time.Duration;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.InvalidTypesException;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.api.java.typeutils.TypeExtractor;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

/**
 * What a {@link Dedup.DedupStep} becomes when it is applied: the rules between its options, its row
 * and key types, the operator that checks the keys before the shuffle, the {@link DedupOperator},
 * and the states they declare. The step checks each option's own value when it is set ({@link
 * DedupOptions}).
 *
 * @param <I> input type: {@code T}, or {@code Change<T>} on changelog input
 * @param <T> row type
 * @param <K> key type
 * @param <O> output type: {@code T} for append output, else {@code Change<T>}
 */
@Internal
public final class DedupExpansion<I, T, K, O> {

  /** Uid suffix of the operator that checks the keys before the shuffle: {@code <step>/keys}. */
  private static final String KEY_CHECK = "keys";

  private final DedupOptions<T, K> options;

  /** The expansion of a step with these options. */
  public DedupExpansion(DedupOptions<T, K> options) {
    this.options = options;
  }

  /**
   * Checks the rules between the options and the types, then adds the key check and the dedup
   * operator after {@code input}, and declares their states.
   *
   * @throws IllegalArgumentException if the options contradict each other or the input, or a type
   *     would be serialized with Kryo or has no value equality
   */
  public DataStream<O> expand(DataStream<I> input, StepContext context) {
    checkOptions();
    TypeInformation<T> rowType = rowType(input.getType());
    TypeInformation<K> resolvedKeyType =
        options.keyType() != null ? declaredKeyType(rowType) : inferKeyType(rowType);
    requireNotGeneric(resolvedKeyType, "key type", "pass the key type with withKeyType(...)");
    ValueEquality.requireKeyEquality(resolvedKeyType, "dedup step '" + options.name() + "'");
    Duration ttl = context.stateTtl(options.stateTtl()).orElse(null);
    DedupConfig<T> config =
        new DedupConfig<>(
            options.keepLast(),
            options.output(),
            options.order(),
            options.changelogInput(),
            rowType,
            ttl,
            options.lateRecordsOrDefault(),
            options.miniBatchRecords(),
            options.miniBatchDelay() == null ? 0L : options.miniBatchDelay().toMillis(),
            context.errorHandler(options.errorPolicy()),
            FingerprintKey.random(),
            options.deleteRetention());
    @SuppressWarnings("unchecked")
    TypeInformation<O> outputType =
        options.output() == DedupOutput.APPEND
            ? (TypeInformation<O>) rowType
            : (TypeInformation<O>) (TypeInformation<?>) Change.typeInfo(rowType);
    @SuppressWarnings("unchecked")
    KeySelector<I, K> selector =
        options.changelogInput()
            ? (KeySelector<I, K>) (KeySelector<?, K>) new ChangeKeySelector<>(options.key())
            : (KeySelector<I, K>) options.key();
    // Flink's keyBy would fail the job on a null or throwing key: such records become dead
    // letters before the shuffle, in an operator chained to the input.
    SingleOutputStreamOperator<I> keyed =
        context.named(
            input
                .process(
                    DedupOperator.keyCheck(selector, resolvedKeyType, input.getType(), config),
                    input.getType())
                .setParallelism(input.getParallelism()),
            KEY_CHECK);
    SingleOutputStreamOperator<O> deduplicated =
        context.named(
            keyed
                .keyBy(selector, resolvedKeyType)
                .transform(options.name(), outputType, new DedupOperator<K, I, T, O>(config)));
    context.addDeadLettersOf(keyed);
    context.addDeadLettersOf(deduplicated);
    declareState(context, resolvedKeyType, config);
    return deduplicated;
  }

  private void checkOptions() {
    boolean ordered = options.order() != null;
    boolean eventTime = ordered && options.order().isEventTime();
    if (options.output() == DedupOutput.APPEND && options.changelogInput()) {
      throw new IllegalArgumentException(
          "dedup step '"
              + options.name()
              + "': output APPEND needs insert-only input, but onChangelog() was given; use"
              + " withUpsertOutput() or withRetractOutput()");
    }
    if (options.output() == DedupOutput.APPEND && ordered && !eventTime) {
      throw new IllegalArgumentException(
          "dedup step '"
              + options.name()
              + "': output APPEND cannot know when a row ordered by "
              + options.order()
              + " is final; order by processing or event time, or use withUpsertOutput() or"
              + " withRetractOutput()");
    }
    if (!options.keepLast() && options.changelogInput() && ordered) {
      throw new IllegalArgumentException(
          "dedup step '"
              + options.name()
              + "': keepFirst on a changelog is ordered by processing time only (ordering by "
              + options.order()
              + " would need every later row in state to recover from an out-of-order delete);"
              + " use keepLast, or deduplicate before the changelog is formed");
    }
    if (options.deleteRetention() != null
        && !(options.keepLast() && ordered && options.changelogInput())) {
      // Refused rather than ignored: these modes never hold a tombstone, so the option would
      // promise a bound the step already has, or suggest deletes where there are none.
      throw new IllegalArgumentException(
          "dedup step '"
              + options.name()
              + "': withDeleteRetention("
              + options.deleteRetention()
              + ") needs keepLast with an ordering on a changelog, the only mode that keeps a"
              + " tombstone for a deleted key; "
              + (!options.changelogInput()
                  ? "without onChangelog() there are no deletes"
                  : !options.keepLast()
                      ? "keepFirst clears a deleted key's state at once"
                      : "ordered by processing time, a delete clears the key's state at once"));
    }
    if (options.lateRecords() != null && !eventTime) {
      throw new IllegalArgumentException(
          "dedup step '"
              + options.name()
              + "': withLateRecords("
              + options.lateRecords()
              + ") needs event-time ordering; records ordered by "
              + (ordered ? options.order().toString() : "processing time")
              + " are never late");
    }
  }

  @SuppressWarnings("unchecked")
  private TypeInformation<T> rowType(TypeInformation<I> inputType) {
    TypeInformation<T> rowType;
    if (options.changelogInput()) {
      if (!(inputType instanceof ChangeTypeInfo)) {
        throw new IllegalArgumentException(
            "dedup step '"
                + options.name()
                + "': onChangelog() needs a stream of Change<T> declared with"
                + " Change.typeInfo(...), was "
                + inputType);
      }
      rowType = ((ChangeTypeInfo<T>) inputType).getValueType();
    } else {
      if (inputType instanceof ChangeTypeInfo) {
        throw new IllegalArgumentException(
            "dedup step '"
                + options.name()
                + "': the input is a changelog ("
                + inputType
                + "); call onChangelog() to deduplicate its rows");
      }
      rowType = (TypeInformation<T>) inputType;
    }
    requireNotGeneric(rowType, "row type", "give the stream a POJO, record, Avro or basic type");
    return rowType;
  }

  /**
   * The declared key type, given where the selector's type is lost to erasure, but also where it is
   * not: a selector whose type is known must have the declared one, or the dedup operator's key
   * serializer could not write its keys.
   */
  private TypeInformation<K> declaredKeyType(TypeInformation<T> rowType) {
    TypeInformation<K> inferred =
        DeclaredKeyType.conflicting(options.keyType(), options.key(), rowType);
    if (inferred != null) {
      throw new IllegalArgumentException(
          "dedup step '"
              + options.name()
              + "': the key selector's type is "
              + inferred
              + " but the declared key type (withKeyType) is "
              + options.keyType()
              + "; both must be the same");
    }
    return options.keyType();
  }

  private TypeInformation<K> inferKeyType(TypeInformation<T> rowType) {
    try {
      return TypeExtractor.getKeySelectorTypes(options.key(), rowType);
    } catch (InvalidTypesException e) {
      throw new IllegalArgumentException(
          "dedup step '"
              + options.name()
              + "': the key type cannot be inferred from the key selector; pass it with"
              + " withKeyType(...)",
          e);
    }
  }

  private void requireNotGeneric(TypeInformation<?> type, String what, String fix) {
    if (!KryoTypes.genericParts(type).isEmpty()) {
      throw new IllegalArgumentException(
          "dedup step '"
              + options.name()
              + "': the "
              + what
              + " "
              + type
              + " would be serialized with Kryo; "
              + fix);
    }
  }

  private void declareState(
      StepContext context, TypeInformation<K> keyType, DedupConfig<T> config) {
    context.declareState(
        keyType,
        StateDeclaration.value(
                DedupConfig.STATE, new DedupEntryTypeInfo<>(config.layout(), config.rowType()))
            .withGrowth(config.growth())
            .withTtl(config.ttl()));
    if (config.holdsCandidates()) {
      context.declareState(
          keyType,
          StateDeclaration.value(
                  DedupConfig.PENDING_STATE,
                  new DedupEntryTypeInfo<>(config.pendingLayout(), config.rowType()))
              .withGrowth("the held row per key until the watermark passes it (no TTL)"));
      context.declareState(
          keyType,
          StateDeclaration.of(DedupConfig.TIMERS, StateDeclaration.Kind.TIMERS, "event time")
              .withGrowth("one timer per held row"));
    }
    if (config.deleteRetention() != null) {
      context.declareState(
          keyType,
          StateDeclaration.value(DedupConfig.DELETE_DEADLINE_STATE, Types.LONG)
              .withGrowth("per deleted key: the processing time its tombstone is removed at"));
      context.declareState(
          keyType,
          StateDeclaration.of(
                  DedupConfig.DELETE_TIMERS, StateDeclaration.Kind.TIMERS, "processing time")
              .withGrowth("one processing-time timer per deleted key"));
      for (StateDeclaration pass :
          DeleteDeadlinePass.declarations(
              DedupConfig.DELETE_DEADLINES_COMPLETE_STATE, DedupConfig.DELETE_RETENTION_STATE)) {
        context.declareState(keyType, pass);
      }
    }
    if (config.isEventTime()) {
      for (StateDeclaration watermark :
          StoredWatermark.declarations(
              DedupConfig.WATERMARK_STATE, DedupConfig.WATERMARK_RANGES_STATE)) {
        context.declareState(keyType, watermark);
      }
    }
    if (config.holdsCandidates()) {
      context.declareState(
          keyType, HeldRecords.declaration(DedupConfig.HELD_RECORDS_STATE, "held rows"));
    }
    if (config.keepsFingerprints()) {
      context.declareState(
          keyType, StoredFingerprintKey.declaration(DedupConfig.FINGERPRINT_KEY_STATE));
    }
  }
}
