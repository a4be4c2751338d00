package dev.etlkit.core.internal;

import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/**
 * What an operator keeps of its input past the call (in heap state, a field, a buffer): the input
 * itself, or a copy when Flink's object reuse is on.
 *
 * <p>With object reuse ({@code pipeline.object-reuse}), Flink hands a chained operator the very
 * object its upstream emitted, and the upstream may change that object and emit it again; the heap
 * state backend keeps the objects given to {@code update}, {@code put} and {@code add}, not copies.
 * Without object reuse Flink copies (or deserializes) every record an operator gets, so the
 * operator owns it and {@link #keep} returns it as is: no copy, no allocation. Flink SQL's and
 * Flink's async operators copy the same way.
 *
 * @param <T> the type of what is kept (a record, or a part of one)
 */
@Internal
public final class KeptInputs<T> {

  /** Null when object reuse is off. */
  @Nullable private final TypeSerializer<T> serializer;

  private KeptInputs(@Nullable TypeSerializer<T> serializer) {
    this.serializer = serializer;
  }

  /** For an operator with the given runtime context; call from {@code open()}. */
  public static <T> KeptInputs<T> of(TypeInformation<T> type, RuntimeContext context) {
    return new KeptInputs<>(context.isObjectReuseEnabled() ? context.createSerializer(type) : null);
  }

  /** {@code value}, or a copy of it when object reuse is on; null stays null. */
  public T keep(T value) {
    return serializer == null || value == null ? value : serializer.copy(value);
  }

  /** Whether {@link #keep} copies (object reuse is on). */
  public boolean copies() {
    return serializer != null;
  }
}
