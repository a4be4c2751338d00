package dev.etlkit.core;

import java.util.Map;
import java.util.Objects;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * Type information of a type that wraps one value of another type: a {@link Change}, an SCD2
 * version, a state entry. The wrapper has one nested type, is not a key type, and two instances are
 * equal when they are of the same class over equal value types (and {@link #sameOptions} agrees).
 *
 * <p>Subclasses provide {@link #createSerializer}; its serializer should nest the value type's
 * serializer and snapshot it inside its own, so Flink migrates an evolving value type on restore.
 *
 * @param <W> the wrapper type
 * @param <T> the wrapped value type
 */
@PublicEvolving
public abstract class WrappingTypeInfo<W, T> extends TypeInformation<W> {

  private static final long serialVersionUID = 1L;

  private final Class<?> wrapperClass;
  private final TypeInformation<T> valueType;

  /**
   * Creates the type information of {@code wrapperClass} over {@code valueType}.
   *
   * @param wrapperClass the raw class of {@code W}; its first type variable is mapped to the value
   *     type in {@link #getGenericParameters()}
   * @param valueType the type information of the wrapped value
   */
  protected WrappingTypeInfo(Class<?> wrapperClass, TypeInformation<T> valueType) {
    this.wrapperClass = Objects.requireNonNull(wrapperClass, "wrapperClass");
    this.valueType = Objects.requireNonNull(valueType, "valueType");
  }

  /** The type information of the wrapped value. */
  public TypeInformation<T> getValueType() {
    return valueType;
  }

  @Override
  public boolean isBasicType() {
    return false;
  }

  @Override
  public boolean isTupleType() {
    return false;
  }

  @Override
  public int getArity() {
    return 1;
  }

  @Override
  public int getTotalFields() {
    return 1;
  }

  @Override
  @SuppressWarnings("unchecked")
  public Class<W> getTypeClass() {
    return (Class<W>) wrapperClass;
  }

  /** Maps the wrapper's first type variable to the value type. */
  @Override
  public Map<String, TypeInformation<?>> getGenericParameters() {
    return wrapperClass.getTypeParameters().length == 0
        ? Map.of()
        : Map.of(wrapperClass.getTypeParameters()[0].getName(), valueType);
  }

  /** False: key a stream of wrappers by a field of the wrapped value instead. */
  @Override
  public boolean isKeyType() {
    return false;
  }

  @Override
  public String toString() {
    return wrapperClass.getSimpleName() + "<" + valueType + ">";
  }

  /**
   * Whether the options a subclass adds beside the value type (a layout, a mode) equal those of
   * {@code other}, which is of the same class and has an equal value type. Default {@code true}.
   *
   * @param other type information of the same class over an equal value type
   * @return whether both describe the same serialized form
   */
  protected boolean sameOptions(WrappingTypeInfo<?, ?> other) {
    return true;
  }

  @Override
  public final boolean equals(Object obj) {
    if (this == obj) {
      return true;
    }
    if (!canEqual(obj)) {
      return false;
    }
    WrappingTypeInfo<?, ?> that = (WrappingTypeInfo<?, ?>) obj;
    return valueType.equals(that.valueType) && sameOptions(that);
  }

  @Override
  public final int hashCode() {
    return Objects.hash(getClass().getName(), valueType);
  }

  @Override
  public final boolean canEqual(Object obj) {
    return obj != null && obj.getClass() == getClass();
  }
}
