package dev.etlkit.testkit.internal;

import java.io.Serializable;
import java.util.Objects;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.dag.Transformation;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.SimpleOperatorFactory;
import org.apache.flink.streaming.api.operators.StreamOperatorFactory;
import org.apache.flink.streaming.api.transformations.OneInputTransformation;
import org.apache.flink.streaming.api.transformations.TwoInputTransformation;
import org.apache.flink.util.InstantiationUtil;

/**
 * The keyed one-input operator that produced a stream, as the job graph holds it: the operator
 * (never run itself, only copied), the key the stream was keyed by and the operator's output type.
 *
 * @param <I> input type
 * @param <O> output type
 */
@Internal
public final class KeyedStreamOperator<I, O> {

  private final OneInputStreamOperator<I, O> operator;
  private final KeySelector<I, Object> keySelector;
  private final TypeInformation<Object> keyType;
  private final TypeInformation<O> outputType;

  private KeyedStreamOperator(
      OneInputStreamOperator<I, O> operator,
      KeySelector<I, Object> keySelector,
      TypeInformation<Object> keyType,
      TypeInformation<O> outputType) {
    this.operator = operator;
    this.keySelector = keySelector;
    this.keyType = keyType;
    this.outputType = outputType;
  }

  /**
   * The operator of {@code stream}'s transformation.
   *
   * @throws IllegalArgumentException if the transformation is not a one-input operator on a keyed
   *     stream made by a {@link SimpleOperatorFactory}, the operator runs on asynchronous state
   *     ({@code enableAsyncState}), or it reads another type than {@code inputType}
   */
  @SuppressWarnings("unchecked")
  public static <I, O> KeyedStreamOperator<I, O> of(
      DataStream<O> stream, TypeInformation<I> inputType) {
    Objects.requireNonNull(stream, "stream");
    Objects.requireNonNull(inputType, "inputType");
    Transformation<O> transformation = stream.getTransformation();
    if (!(transformation instanceof OneInputTransformation<?, O> oneInput)) {
      throw new IllegalArgumentException(
          "the stream must be the output of a one-input operator on a keyed stream, but it is made"
              + " by "
              + describe(transformation)
              + (transformation instanceof TwoInputTransformation
                  ? " (a two-input operator: harness it with KeyedHarness.forTwoInputStream)"
                  : ""));
    }
    if (oneInput.getStateKeySelector() == null) {
      throw new IllegalArgumentException(
          "the stream must be the output of an operator on a keyed stream, but "
              + describe(transformation)
              + " is not keyed");
    }
    StreamOperatorFactory<O> factory = oneInput.getOperatorFactory();
    if (!(factory instanceof SimpleOperatorFactory<O> simple)) {
      throw new IllegalArgumentException(
          "the operator of "
              + describe(transformation)
              + " must come from a SimpleOperatorFactory to be copied, but its factory is a "
              + factory.getClass().getName());
    }
    RecordingHarness.refuseAsyncState(
        simple.getOperator(), "the operator of " + describe(transformation));
    if (!oneInput.getInputType().equals(inputType)) {
      throw new IllegalArgumentException(
          "the operator of "
              + describe(transformation)
              + " reads "
              + oneInput.getInputType()
              + ", not the given input type "
              + inputType);
    }
    return new KeyedStreamOperator<>(
        (OneInputStreamOperator<I, O>) simple.getOperator(),
        (KeySelector<I, Object>) oneInput.getStateKeySelector(),
        (TypeInformation<Object>) oneInput.getStateKeyType(),
        oneInput.getOutputType());
  }

  private static String describe(Transformation<?> transformation) {
    return transformation.getClass().getSimpleName()
        + " '"
        + transformation.getName()
        + "'"
        + (transformation.getUid() == null ? "" : " (uid " + transformation.getUid() + ")");
  }

  /**
   * A fresh copy of the operator, serialized and read back with {@code classLoader} (null: the
   * class loader of the test kit).
   */
  @SuppressWarnings("unchecked")
  public OneInputStreamOperator<I, O> copy(@Nullable ClassLoader classLoader) {
    try {
      return (OneInputStreamOperator<I, O>)
          InstantiationUtil.clone(
              (Serializable) operator,
              classLoader != null ? classLoader : KeyedStreamOperator.class.getClassLoader());
    } catch (Exception e) {
      throw new IllegalStateException("could not copy the operator " + operator, e);
    }
  }

  public KeySelector<I, Object> keySelector() {
    return keySelector;
  }

  public TypeInformation<Object> keyType() {
    return keyType;
  }

  public TypeInformation<O> outputType() {
    return outputType;
  }
}
