package dev.etlkit.testkit.internal;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.dag.Transformation;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.SimpleOperatorFactory;
import org.apache.flink.streaming.api.operators.StreamOperator;
import org.apache.flink.streaming.api.operators.StreamOperatorFactory;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.api.transformations.OneInputTransformation;
import org.apache.flink.streaming.api.transformations.SideOutputTransformation;
import org.apache.flink.streaming.api.transformations.TwoInputTransformation;
import org.apache.flink.streaming.api.transformations.UnionTransformation;
import org.apache.flink.types.Either;
import org.apache.flink.util.InstantiationUtil;

/**
 * The keyed two-input operator behind a stream, as the job graph holds it: the operator (never run
 * itself, only copied), the keys of its two inputs and its output type. It is the stream's
 * producer, or the only keyed two-input operator reached from the stream through unions and side
 * outputs (a step whose output is the union of a join and another path).
 *
 * @param <I1> first input type
 * @param <I2> second input type
 * @param <O> output type
 */
@Internal
public final class KeyedTwoInputStreamOperator<I1, I2, O> {

  private static final String ONE_INPUT_KEYED = " (a one-input operator on a keyed stream)";

  private final TwoInputStreamOperator<I1, I2, O> operator;
  private final KeySelector<Either<I1, I2>, Object> keySelector;
  private final TypeInformation<Object> keyType;
  private final TypeInformation<O> outputType;

  private KeyedTwoInputStreamOperator(
      TwoInputStreamOperator<I1, I2, O> operator,
      KeySelector<Either<I1, I2>, Object> keySelector,
      TypeInformation<Object> keyType,
      TypeInformation<O> outputType) {
    this.operator = operator;
    this.keySelector = keySelector;
    this.keyType = keyType;
    this.outputType = outputType;
  }

  /**
   * The keyed two-input operator behind {@code stream}.
   *
   * @throws IllegalArgumentException if there is none, or more than one, or it is not made by a
   *     {@link SimpleOperatorFactory}, does not extend {@link AbstractStreamOperator}, runs on
   *     asynchronous state ({@code enableAsyncState}), reads other types than {@code
   *     firstInputType} and {@code secondInputType}, or emits another type than the stream's
   */
  @SuppressWarnings("unchecked")
  public static <I1, I2, O> KeyedTwoInputStreamOperator<I1, I2, O> of(
      DataStream<O> stream,
      TypeInformation<I1> firstInputType,
      TypeInformation<I2> secondInputType) {
    Objects.requireNonNull(stream, "stream");
    Objects.requireNonNull(firstInputType, "firstInputType");
    Objects.requireNonNull(secondInputType, "secondInputType");
    Transformation<O> transformation = stream.getTransformation();
    Set<Transformation<?>> found = Collections.newSetFromMap(new IdentityHashMap<>());
    List<String> others = new ArrayList<>();
    search(transformation, found, others, Collections.newSetFromMap(new IdentityHashMap<>()));
    if (found.isEmpty()) {
      boolean passedThrough =
          transformation instanceof UnionTransformation<?>
              || transformation instanceof SideOutputTransformation<?>;
      throw new IllegalArgumentException(
          "the stream must be the output of a two-input operator on two keyed streams (directly or"
              + " through unions and side outputs), but it is made by "
              + (passedThrough
                  ? describe(transformation) + ", which reaches only " + String.join(", ", others)
                  : others.get(0))
              + (others.stream().anyMatch(o -> o.endsWith(ONE_INPUT_KEYED))
                  ? "; harness a one-input operator with KeyedHarness.forStream"
                  : ""));
    }
    if (found.size() > 1) {
      List<String> names = new ArrayList<>();
      for (Transformation<?> t : found) {
        names.add(describe(t));
      }
      throw new IllegalArgumentException(
          "the stream reaches "
              + found.size()
              + " keyed two-input operators through unions and side outputs, so which one to"
              + " harness is ambiguous: "
              + String.join(", ", names)
              + "; pass the output of one of them");
    }
    TwoInputTransformation<?, ?, ?> join =
        (TwoInputTransformation<?, ?, ?>) found.iterator().next();
    StreamOperatorFactory<?> factory = join.getOperatorFactory();
    if (!(factory instanceof SimpleOperatorFactory<?> simple)) {
      throw new IllegalArgumentException(
          "the operator of "
              + describe(join)
              + " must come from a SimpleOperatorFactory to be copied, but its factory is a "
              + factory.getClass().getName());
    }
    StreamOperator<?> found0 = simple.getOperator();
    if (!(found0 instanceof AbstractStreamOperator<?>)) {
      throw new IllegalArgumentException(
          "the operator of "
              + describe(join)
              + " must extend AbstractStreamOperator to be harnessed, but "
              + found0.getClass().getName()
              + " does not");
    }
    RecordingHarness.refuseAsyncState(found0, "the operator of " + describe(join));
    checkType(join, "first input", join.getInputType1(), firstInputType);
    checkType(join, "second input", join.getInputType2(), secondInputType);
    if (!join.getOutputType().equals(stream.getType())) {
      throw new IllegalArgumentException(
          "the operator of "
              + describe(join)
              + " emits "
              + join.getOutputType()
              + ", not the stream's type "
              + stream.getType());
    }
    return new KeyedTwoInputStreamOperator<>(
        (TwoInputStreamOperator<I1, I2, O>) found0,
        new EitherKey<>(
            (KeySelector<I1, Object>) join.getStateKeySelector1(),
            (KeySelector<I2, Object>) join.getStateKeySelector2()),
        (TypeInformation<Object>) join.getStateKeyType(),
        (TypeInformation<O>) join.getOutputType());
  }

  /**
   * Collects the keyed two-input operators reached from {@code t} through unions and side outputs
   * into {@code found}, and describes every other producer met into {@code others}.
   */
  private static void search(
      Transformation<?> t,
      Set<Transformation<?>> found,
      List<String> others,
      Set<Transformation<?>> visited) {
    if (!visited.add(t)) {
      return;
    }
    if (t instanceof UnionTransformation<?> || t instanceof SideOutputTransformation<?>) {
      for (Transformation<?> input : t.getInputs()) {
        search(input, found, others, visited);
      }
    } else if (t instanceof TwoInputTransformation<?, ?, ?> twoInput
        && twoInput.getStateKeySelector1() != null
        && twoInput.getStateKeySelector2() != null) {
      found.add(t);
    } else if (t instanceof TwoInputTransformation<?, ?, ?>) {
      others.add(describe(t) + " (a two-input operator not keyed on both inputs)");
    } else if (t instanceof OneInputTransformation<?, ?> oneInput
        && oneInput.getStateKeySelector() != null) {
      others.add(describe(t) + ONE_INPUT_KEYED);
    } else {
      others.add(describe(t));
    }
  }

  private static void checkType(
      Transformation<?> join, String input, TypeInformation<?> reads, TypeInformation<?> given) {
    if (!reads.equals(given)) {
      throw new IllegalArgumentException(
          "the "
              + input
              + " of "
              + describe(join)
              + " reads "
              + reads
              + ", not the given "
              + input
              + " type "
              + given);
    }
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
   * class loader of the test kit), behind a one-input face.
   */
  @SuppressWarnings("unchecked")
  public TwoInputAsOneInputOperator<I1, I2, O> copy(@Nullable ClassLoader classLoader) {
    TwoInputStreamOperator<I1, I2, O> copy;
    try {
      copy =
          (TwoInputStreamOperator<I1, I2, O>)
              InstantiationUtil.clone(
                  (Serializable) operator,
                  classLoader != null
                      ? classLoader
                      : KeyedTwoInputStreamOperator.class.getClassLoader());
    } catch (Exception e) {
      throw new IllegalStateException("could not copy the operator " + operator, e);
    }
    return new TwoInputAsOneInputOperator<>(copy);
  }

  /** The key of an {@code Either}: the first input's key of a left, the second's of a right. */
  public KeySelector<Either<I1, I2>, Object> keySelector() {
    return keySelector;
  }

  public TypeInformation<Object> keyType() {
    return keyType;
  }

  public TypeInformation<O> outputType() {
    return outputType;
  }

  /** Keys an {@code Either} as the operator keys its two inputs. */
  private static final class EitherKey<I1, I2> implements KeySelector<Either<I1, I2>, Object> {
    private static final long serialVersionUID = 1L;

    private final KeySelector<I1, Object> first;
    private final KeySelector<I2, Object> second;

    EitherKey(KeySelector<I1, Object> first, KeySelector<I2, Object> second) {
      this.first = first;
      this.second = second;
    }

    @Override
    public Object getKey(Either<I1, I2> input) throws Exception {
      return input.isLeft() ? first.getKey(input.left()) : second.getKey(input.right());
    }
  }
}
