package dev.etlkit.operators.avro.internal;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.lang.reflect.WildcardType;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import javax.annotation.Nullable;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericFixed;

/**
 * What {@link PojoToAvro} needs to know about Java classes: how to read a property through a method
 * handle, the raw class and type arguments of declared types, and which Java classes can map to
 * which Avro types.
 */
final class JavaTypes {
  private JavaTypes() {}

  private static final MethodHandles.Lookup LOOKUP = MethodHandles.lookup();

  /** Reads one Java property. */
  interface Accessor {
    Object get(Object owner) throws Throwable;
  }

  /** Thrown by an accessor applied to an object of the wrong class. */
  static final class WrongTypeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    WrongTypeException() {
      super(null, null, false, false);
    }
  }

  /** How to read one property of a class, and its declared type. */
  static final class Property {
    final Accessor accessor;
    final Type type;

    Property(Accessor accessor, Type type) {
      this.accessor = accessor;
      this.type = type;
    }
  }

  /**
   * The property {@code name} of {@code type}: a record component, a public {@code getX()} or
   * {@code isX()} getter, or a public field; null if there is none.
   */
  @Nullable
  static Property property(Class<?> type, String name) {
    try {
      if (type.isRecord()) {
        for (RecordComponent component : type.getRecordComponents()) {
          if (component.getName().equals(name)) {
            return methodProperty(type, component.getAccessor());
          }
        }
        return null;
      }
      String capitalized = name.substring(0, 1).toUpperCase(Locale.ROOT) + name.substring(1);
      for (String getter : new String[] {"get" + capitalized, "is" + capitalized}) {
        Method m = publicMethod(type, getter);
        if (m != null
            && (getter.startsWith("get")
                || m.getReturnType() == boolean.class
                || m.getReturnType() == Boolean.class)) {
          return methodProperty(type, m);
        }
      }
      Field f = publicField(type, name);
      if (f != null) {
        f.setAccessible(true);
        MethodHandle handle = LOOKUP.unreflectGetter(f);
        return new Property(handleAccessor(type, handle), f.getGenericType());
      }
      return null;
    } catch (IllegalAccessException | RuntimeException e) {
      throw new IllegalArgumentException(
          "cannot read property '" + name + "' of " + type.getName() + ": " + e, e);
    }
  }

  private static Property methodProperty(Class<?> type, Method m) throws IllegalAccessException {
    m.setAccessible(true);
    return new Property(handleAccessor(type, LOOKUP.unreflect(m)), m.getGenericReturnType());
  }

  private static Accessor handleAccessor(Class<?> type, MethodHandle handle) {
    MethodHandle generic = handle.asType(MethodType.methodType(Object.class, Object.class));
    return owner -> {
      if (!type.isInstance(owner)) {
        throw new WrongTypeException();
      }
      return generic.invokeExact(owner);
    };
  }

  private static Method publicMethod(Class<?> type, String name) {
    try {
      Method m = type.getMethod(name);
      if (Modifier.isStatic(m.getModifiers()) || m.getReturnType() == void.class) {
        return null;
      }
      return m;
    } catch (NoSuchMethodException e) {
      return null;
    }
  }

  private static Field publicField(Class<?> type, String name) {
    try {
      Field f = type.getField(name);
      return Modifier.isStatic(f.getModifiers()) ? null : f;
    } catch (NoSuchFieldException e) {
      return null;
    }
  }

  static Class<?> raw(Type type) {
    if (type instanceof Class) {
      return (Class<?>) type;
    }
    if (type instanceof ParameterizedType) {
      return raw(((ParameterizedType) type).getRawType());
    }
    if (type instanceof WildcardType) {
      Type[] upper = ((WildcardType) type).getUpperBounds();
      return upper.length == 1 ? raw(upper[0]) : Object.class;
    }
    if (type instanceof java.lang.reflect.GenericArrayType) {
      return java.lang.reflect.Array.newInstance(
              raw(((java.lang.reflect.GenericArrayType) type).getGenericComponentType()), 0)
          .getClass();
    }
    return Object.class; // type variables
  }

  static Type typeArgument(Type type, int index) {
    if (type instanceof ParameterizedType) {
      Type[] args = ((ParameterizedType) type).getActualTypeArguments();
      if (index < args.length) {
        return args[index];
      }
    }
    return Object.class;
  }

  static Class<?> box(Class<?> c) {
    if (!c.isPrimitive()) {
      return c;
    }
    if (c == int.class) {
      return Integer.class;
    }
    if (c == long.class) {
      return Long.class;
    }
    if (c == boolean.class) {
      return Boolean.class;
    }
    if (c == double.class) {
      return Double.class;
    }
    if (c == float.class) {
      return Float.class;
    }
    if (c == short.class) {
      return Short.class;
    }
    if (c == byte.class) {
      return Byte.class;
    }
    return Character.class;
  }

  static boolean isConcrete(Class<?> c) {
    return !c.isInterface() && !Modifier.isAbstract(c.getModifiers()) && c != Object.class;
  }

  /**
   * Whether values of Java class {@code c} can map to {@code s} (for unions: to some branch). An
   * interface or abstract class is accepted where an implementation could be.
   */
  static boolean accepts(Schema s, Class<?> c) {
    String logical = LogicalValues.logicalName(s);
    switch (s.getType()) {
      case UNION:
        for (Schema b : s.getTypes()) {
          if (b.getType() != Schema.Type.NULL && accepts(b, c)) {
            return true;
          }
        }
        return false;
      case STRING:
        return CharSequence.class.isAssignableFrom(c)
            || isEnum(c)
            || c == UUID.class
            || isOpen(c, CharSequence.class);
      case BOOLEAN:
        return c == Boolean.class;
      case INT:
        if (LogicalValues.DATE.equals(logical)) {
          return c == LocalDate.class;
        }
        if (LogicalValues.TIME_MILLIS.equals(logical)) {
          return c == LocalTime.class;
        }
        return c == Integer.class || c == Short.class || c == Byte.class;
      case LONG:
        if (LogicalValues.TIMESTAMP_MILLIS.equals(logical)
            || LogicalValues.TIMESTAMP_MICROS.equals(logical)) {
          return c == Instant.class || java.util.Date.class.isAssignableFrom(c);
        }
        if (LogicalValues.LOCAL_TIMESTAMP_MILLIS.equals(logical)
            || LogicalValues.LOCAL_TIMESTAMP_MICROS.equals(logical)) {
          return c == LocalDateTime.class;
        }
        if (LogicalValues.TIME_MICROS.equals(logical)) {
          return c == LocalTime.class;
        }
        return c == Long.class || c == Integer.class || c == Short.class || c == Byte.class;
      case FLOAT:
        return c == Float.class
            || c == Integer.class
            || c == Long.class
            || c == Short.class
            || c == Byte.class;
      case DOUBLE:
        return c == Double.class
            || c == Float.class
            || c == Integer.class
            || c == Long.class
            || c == Short.class
            || c == Byte.class;
      case BYTES:
      case FIXED:
        if (LogicalValues.DECIMAL.equals(logical)) {
          return c == BigDecimal.class
              || c == BigInteger.class
              || c == Integer.class
              || c == Long.class
              || c == Short.class
              || c == Byte.class;
        }
        return c == byte[].class
            || ByteBuffer.class.isAssignableFrom(c)
            || (s.getType() == Schema.Type.FIXED && GenericFixed.class.isAssignableFrom(c));
      case ENUM:
        return isEnum(c)
            || CharSequence.class.isAssignableFrom(c)
            || GenericData.EnumSymbol.class.isAssignableFrom(c)
            || isOpen(c, CharSequence.class);
      case ARRAY:
        return Collection.class.isAssignableFrom(c)
            || (c.isArray() && !c.getComponentType().isPrimitive())
            || isOpen(c, Collection.class);
      case MAP:
        return Map.class.isAssignableFrom(c) || isOpen(c, Map.class);
      case RECORD:
        return !isValueClass(c);
      default:
        return false;
    }
  }

  /**
   * Whether {@code c} is a Java enum or the class of one of its constants: a constant with a body
   * is an instance of an anonymous subclass, for which {@code isEnum()} is false.
   */
  private static boolean isEnum(Class<?> c) {
    return Enum.class.isAssignableFrom(c) && c != Enum.class;
  }

  /** An interface or abstract type that some implementation of {@code target} could have. */
  private static boolean isOpen(Class<?> c, Class<?> target) {
    return (c.isInterface() || Modifier.isAbstract(c.getModifiers())) && c.isAssignableFrom(target);
  }

  /** Classes that are values, never records. */
  private static boolean isValueClass(Class<?> c) {
    return c.isPrimitive()
        || c.isArray()
        || isEnum(c)
        || c.getName().startsWith("java.")
        || c.getName().startsWith("javax.");
  }
}
