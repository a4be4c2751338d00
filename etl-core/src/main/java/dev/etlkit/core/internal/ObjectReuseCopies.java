package dev.etlkit.core.internal;

import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/**
 * Copies of the objects an operator shares with its neighbours in a chain, made only when Flink's
 * object reuse is on.
 *
 * <p>With object reuse ({@code pipeline.object-reuse}), Flink hands a chained operator the very
 * object its upstream emitted, and the upstream may change that object and emit it again; and it
 * hands the objects an operator emits to the next chained function, which may change them in place.
 * The heap state backend keeps the objects given to {@code update}, {@code put} and {@code add},
 * not copies. So an operator keeps a {@link #copy} of an input it keeps past the call (in heap
 * state, a field, a buffer), and emits a copy of an object it keeps. Without object reuse Flink
 * copies (or deserializes) every record between operators, and {@link #copy} returns its argument:
 * no copy, no allocation. Flink SQL's and Flink's async operators copy the same way.
 *
 * @param <T> the type of the objects copied (a record, or a part of one)
 */
@Internal
public final class ObjectReuseCopies<T> {

  /** Null when object reuse is off. */
  @Nullable private final TypeSerializer<T> serializer;

  private ObjectReuseCopies(@Nullable TypeSerializer<T> serializer) {
    this.serializer = serializer;
  }

  /** For an operator with the given runtime context; call from {@code open()}. */
  public static <T> ObjectReuseCopies<T> of(TypeInformation<T> type, RuntimeContext context) {
    return new ObjectReuseCopies<>(
        context.isObjectReuseEnabled() ? context.createSerializer(type) : null);
  }

  /** {@code value}, or a copy of it when object reuse is on; null stays null. */
  public T copy(T value) {
    return serializer == null || value == null ? value : serializer.copy(value);
  }

  /** Whether {@link #copy} copies (object reuse is on). */
  public boolean copies() {
    return serializer != null;
  }
}
