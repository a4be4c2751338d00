package dev.etlkit.operators.normalize.internal;

import java.io.Serializable;
import java.util.Objects;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * The projected state of an upsert normalizer: what to keep of a row, its type, and how to build
 * the retraction value from it.
 */
@Internal
public final class Projection<T, P> implements Serializable {
  private static final long serialVersionUID = 1L;

  private final MapFunction<T, P> project;
  private final TypeInformation<P> type;
  private final MapFunction<P, T> retraction;

  public Projection(
      MapFunction<T, P> project, TypeInformation<P> type, MapFunction<P, T> retraction) {
    this.project = Objects.requireNonNull(project, "project");
    this.type = Objects.requireNonNull(type, "type");
    this.retraction = Objects.requireNonNull(retraction, "retraction");
  }

  public TypeInformation<P> type() {
    return type;
  }

  /** The part of {@code row} to keep; never null. */
  P project(T row) throws Exception {
    P projected = project.map(row);
    if (projected == null) {
      throw new NullPointerException("state projection returned null");
    }
    return projected;
  }

  /** The value of a retraction of the kept part; never null. */
  T retraction(P projected) throws Exception {
    T value = retraction.map(projected);
    if (value == null) {
      throw new NullPointerException("retraction function returned null");
    }
    return value;
  }
}
