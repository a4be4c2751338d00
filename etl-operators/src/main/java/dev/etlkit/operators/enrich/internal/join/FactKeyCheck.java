package dev.etlkit.operators.enrich.internal.join;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorHandler;
import dev.etlkit.core.StepMetrics;
import dev.etlkit.core.internal.NestedNullFields;
import dev.etlkit.core.internal.SourcePositions;
import dev.etlkit.operators.enrich.DimensionJoin;
import dev.etlkit.operators.enrich.JoinStatus;
import dev.etlkit.operators.enrich.UnmatchedFacts;
import dev.etlkit.operators.internal.KeyCheck;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.annotation.VisibleForTesting;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.util.FunctionUtils;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Runs before the facts are keyed (Flink's {@code keyBy} fails the job on a {@code null} key or a
 * throwing key selector): a fact with a non-null key goes on to the join untouched; a fact with a
 * {@code null} key, or a key with a {@code null} tuple field (which the join's key serializer
 * cannot write: of a tuple key, or of a tuple inside a POJO, record or row key, or a {@code null}
 * list element or map key its serializer refuses, {@link KeyCheck#nullField(Object,
 * NestedNullFields)}), is finished here, without a shuffle, as {@link JoinStatus#NULL_KEY} (passed
 * on through the side output {@link #nullKeyTag} or dead-lettered); a fact whose key selector
 * throws is dead-lettered, and so is a fact with a usable key that holds a tuple with a {@code
 * null} field, or a {@code null} list element or map key, its serializer cannot write, which would
 * fail the shuffle ({@link KeyCheck#unwritableRecord}; only for fact types that can hold one,
 * {@link NestedNullFields#ofRecords}).
 *
 * <p>Accounting: the facts finished here count in and out (or dead-lettered) here; the facts passed
 * to the join count there, so each fact counts once. The error policy's budget of this function is
 * its own (the join has another) and counts every fact it sees: an error-rate budget is the share
 * of bad facts among all the facts that reach this subtask ({@link ErrorHandler#passedOn()}).
 */
@Internal
public final class FactKeyCheck<F, K, D, O> extends ProcessFunction<F, F> {
  private static final long serialVersionUID = 1L;

  private final KeySelector<F, K> key;
  private final DimensionJoin.Combiner<F, D, O> combiner;
  private final UnmatchedFacts unmatched;
  private final ErrorHandler errors;
  private final OutputTag<O> nullKeys;
  @Nullable private final NestedNullFields nested;
  @Nullable private final NestedNullFields values;

  private transient StepMetrics metrics;
  private transient JoinMetrics joins;

  public FactKeyCheck(
      KeySelector<F, K> key,
      TypeInformation<K> keyType,
      TypeInformation<F> factType,
      DimensionJoin.Combiner<F, D, O> combiner,
      UnmatchedFacts unmatched,
      ErrorHandler errors,
      TypeInformation<O> outputType) {
    this.key = key;
    this.combiner = combiner;
    this.unmatched = unmatched;
    this.errors = errors;
    this.nullKeys = nullKeyTag(outputType);
    this.nested = NestedNullFields.of(keyType);
    this.values = NestedNullFields.ofRecords(factType);
  }

  /** The side output of the outputs of facts with a null key. */
  public static <O> OutputTag<O> nullKeyTag(TypeInformation<O> outputType) {
    return new OutputTag<>(JoinConfig.NULL_KEY_TAG_ID, outputType);
  }

  @VisibleForTesting
  public JoinMetrics joinMetrics() {
    return joins;
  }

  @Override
  public void open(OpenContext openContext) throws Exception {
    metrics = StepMetrics.register(getRuntimeContext(), errors.step());
    errors.open(metrics);
    joins = JoinMetrics.registerNullKeys(getRuntimeContext(), errors.step());
    FunctionUtils.setFunctionRuntimeContext(combiner, getRuntimeContext());
    FunctionUtils.openFunction(combiner, openContext);
  }

  @Override
  public void processElement(F fact, Context ctx, Collector<F> out) throws Exception {
    K k;
    try {
      k = key.getKey(fact);
    } catch (Exception e) {
      metrics.in();
      reject(e, fact, ctx);
      return;
    }
    if (k != null && KeyCheck.nullField(k, nested) == null) {
      String unwritable = values == null ? null : values.find(fact);
      if (unwritable != null) {
        metrics.in();
        reject(KeyCheck.unwritableRecord(unwritable), fact, ctx);
        return;
      }
      errors.passedOn();
      out.collect(fact);
      return;
    }
    metrics.in();
    if (unmatched == UnmatchedFacts.DEAD_LETTER) {
      joins.status(JoinStatus.NULL_KEY);
      reject(DimensionJoinOperator.unmatchedError(JoinStatus.NULL_KEY), fact, ctx);
      return;
    }
    O result;
    try {
      result = combiner.combine(fact, null, JoinStatus.NULL_KEY);
      if (result == null) {
        throw new NullPointerException("combiner returned null");
      }
    } catch (Exception e) {
      reject(e, fact, ctx);
      return;
    }
    // counted as the join counts a status: once the combiner made the output
    joins.status(JoinStatus.NULL_KEY);
    metrics.out();
    ctx.output(nullKeys, result);
  }

  private void reject(Exception error, F fact, Context ctx) {
    ctx.output(
        DeadLetter.OUTPUT_TAG,
        errors.reject(
            error,
            fact,
            ctx.timestamp(),
            SourcePositions.of(fact),
            ctx.timerService().currentProcessingTime()));
  }

  @Override
  public void close() throws Exception {
    FunctionUtils.closeFunction(combiner);
  }
}
