package dev.etlkit.operators.normalize.internal;

import dev.etlkit.core.internal.FunctionLifecycle;
import dev.etlkit.core.internal.NestedNullFields;
import dev.etlkit.operators.internal.KeyCheck;
import java.io.Serializable;
import java.util.List;
import java.util.Objects;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.functions.util.FunctionUtils;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.tuple.Tuple;

/**
 * The projected state of an upsert normalizer: what to keep of a row, its type, and how to build
 * the retraction value from it. Rich functions among the two are opened and closed with the step's
 * function (one that is both is opened once).
 */
@Internal
public final class Projection<T, P> implements Serializable {
  private static final long serialVersionUID = 1L;

  private final MapFunction<T, P> project;
  private final TypeInformation<P> type;
  private final MapFunction<P, T> retraction;

  /**
   * The walks of the projected and the row type ({@link NestedNullFields#of}), set in {@link
   * #open}; {@code null} for a type that can hold no tuple below a POJO, record or row, and no list
   * or map that refuses a {@code null} element or key.
   */
  @Nullable private transient NestedNullFields projectedNulls;

  @Nullable private transient NestedNullFields retractionNulls;

  public Projection(
      MapFunction<T, P> project, TypeInformation<P> type, MapFunction<P, T> retraction) {
    this.project = Objects.requireNonNull(project, "project");
    this.type = Objects.requireNonNull(type, "type");
    this.retraction = Objects.requireNonNull(retraction, "retraction");
  }

  public TypeInformation<P> type() {
    return type;
  }

  /**
   * Gives rich functions the runtime context and opens them; from the step's {@code open()}, with
   * the step's row type (the type of the retraction values).
   */
  void open(RuntimeContext context, OpenContext openContext, TypeInformation<T> rowType)
      throws Exception {
    projectedNulls = NestedNullFields.of(type);
    retractionNulls = NestedNullFields.of(rowType);
    for (MapFunction<?, ?> function : functions()) {
      FunctionUtils.setFunctionRuntimeContext(function, context);
      FunctionUtils.openFunction(function, openContext);
    }
  }

  /** Closes rich functions, all of them even if one fails; from the step's {@code close()}. */
  void close() throws Exception {
    FunctionLifecycle.closeAll(functions());
  }

  private List<MapFunction<?, ?>> functions() {
    return project == (Object) retraction ? List.of(project) : List.of(project, retraction);
  }

  /**
   * The part of {@code row} to keep; never null, nor a tuple with a null field, nor a value holding
   * one.
   */
  P project(T row) throws Exception {
    P projected = project.map(row);
    if (projected == null) {
      throw new NullPointerException("state projection returned null");
    }
    return requireWritable(projected, projectedNulls, "state projection");
  }

  /**
   * The value of a retraction of the kept part; never null, nor a tuple with a null field, nor a
   * value holding one.
   */
  T retraction(P projected) throws Exception {
    T value = retraction.map(projected);
    if (value == null) {
      throw new NullPointerException("retraction function returned null");
    }
    return requireWritable(value, retractionNulls, "retraction function");
  }

  /**
   * {@code value}, unless it is a Flink {@code Tuple} with a null field (nested tuples included),
   * or a POJO, record or row holding such a tuple, or a list or map with a {@code null} element or
   * key its serializer refuses ({@code nested}, the walk of its type), which Flink's tuple, list or
   * map serializer cannot write: kept in state it would fail RocksDB at once and the heap at the
   * next checkpoint, emitted it would fail where it is shipped, each time the job restarts. Such a
   * change is a dead letter instead, as such a key is.
   */
  private static <X> X requireWritable(
      X value, @Nullable NestedNullFields nested, String function) {
    String field = KeyCheck.nullField(value, nested);
    if (field != null) {
      throw new IllegalArgumentException(
          function
              + (value instanceof Tuple
                  ? " returned a tuple whose field "
                  : " returned a value whose field ")
              + field
              + " is null, "
              + NestedNullFields.cannotWrite(field));
    }
    return value;
  }
}
