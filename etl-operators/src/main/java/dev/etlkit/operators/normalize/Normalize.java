package dev.etlkit.operators.normalize;

import dev.etlkit.core.Change;
import dev.etlkit.core.internal.Names;
import dev.etlkit.operators.normalize.internal.NormalizeFunctionBase;
import java.util.Objects;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.dag.Transformation;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.operators.UdfStreamOperatorFactory;
import org.apache.flink.streaming.api.transformations.OneInputTransformation;
import org.apache.flink.util.OutputTag;

/**
 * Upsert normalization: from an upsert changelog (inserts, updates and possibly key-only deletes,
 * no before-images) to the full changelog that retracting consumers and Flink SQL sinks need.
 *
 * <pre>{@code
 * EtlStream<Change<Customer>> normalized =
 *     customers.apply(
 *         Normalize.upserts("normalize-customers", Customer::id, Types.STRING)
 *             .withSequence(ChangeSequence.sourcePosition()));
 * DataStream<Change<Customer>> stale = Normalize.rejected(normalized.toDataStream());
 * }</pre>
 *
 * <p>See {@link UpsertNormalize} for the semantics, and {@link ChangelogCheck} to validate a
 * changelog as it flows.
 */
@PublicEvolving
public final class Normalize {

  private Normalize() {}

  /**
   * A step normalizing an upsert changelog keyed by {@code key}.
   *
   * @param name the step's name (part of its uid: keep it stable)
   * @param key the key of a row (the upsert key: a primary key); must be deterministic. A change
   *     whose key is null or whose key selector throws becomes a dead letter, checked before the
   *     shuffle (where Flink's {@code keyBy} would fail the job), in an operator with uid {@code
   *     <pipeline>/<step>/keys}; so does a change whose row holds a Flink {@code Tuple} with a
   *     {@code null} field its serializer cannot write (the shuffle would fail)
   * @param keyType the key's Flink type; must not be a generic (Kryo) type, and where the key
   *     selector's type can be inferred, must be that type (else the step is refused when applied)
   */
  public static <T, K> UpsertNormalize<T, K> upserts(
      String name, KeySelector<T, K> key, TypeInformation<K> keyType) {
    Names.requireValid(name, "step name");
    Objects.requireNonNull(key, "key");
    UpsertNormalize.requireNotGeneric(keyType, "keyType");
    return new UpsertNormalize<>(name, key, keyType);
  }

  /**
   * The changes an {@link UpsertNormalize} step routed to its side output ({@link
   * UpsertNormalize.Route#SIDE_OUTPUT}): stale changes and, if so configured, unknown-key deletes,
   * exactly as they came in.
   *
   * @param normalized the output of an {@code UpsertNormalize} step ({@code
   *     EtlStream#toDataStream()} of its result, before any other step or operator)
   * @throws IllegalArgumentException if {@code normalized} is not the output of an {@code
   *     UpsertNormalize} step's operator (another operator never emits its side output, so the
   *     stream would stay empty)
   */
  public static <T> DataStream<Change<T>> rejected(DataStream<Change<T>> normalized) {
    Objects.requireNonNull(normalized, "normalized");
    if (!(normalized instanceof SingleOutputStreamOperator)) {
      throw new IllegalArgumentException(
          "normalized must be the output stream of an UpsertNormalize step, was a "
              + normalized.getClass().getSimpleName());
    }
    if (!isNormalizeOutput(normalized.getTransformation())) {
      throw new IllegalArgumentException(
          "normalized must be the output stream of an UpsertNormalize step, was the output of "
              + normalized.getTransformation().getName()
              + ": apply Normalize.rejected to the step's own output, before other steps");
    }
    OutputTag<Change<T>> tag =
        new OutputTag<>(NormalizeFunctionBase.REJECTED_OUTPUT_ID, normalized.getType());
    return ((SingleOutputStreamOperator<Change<T>>) normalized).getSideOutput(tag);
  }

  /**
   * Whether {@code transformation} runs a normalizer's function (only it emits the side output).
   */
  private static boolean isNormalizeOutput(Transformation<?> transformation) {
    return transformation instanceof OneInputTransformation<?, ?> one
        && one.getOperatorFactory() instanceof UdfStreamOperatorFactory<?> udf
        && udf.getUserFunction() instanceof NormalizeFunctionBase;
  }
}
