package dev.etlkit.core.internal;

import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A sequence of parts run in order while each returns true, compiled for speed: each part is a
 * method handle of type {@code (Object, Object, Object) boolean}, and {@link #of} defines a class
 * per sequence whose parts are constants to the JIT compiler, so that, for instance, the field
 * reads of a POJO compile to plain loads, as in code written by hand for the type, instead of the
 * calls through {@code java.lang.reflect.Field} that a loop over the fields makes (a third of a
 * deduplication step's time on the heap went to them).
 *
 * <p>Two uses: a <b>comparison</b> of two values, {@code all(a, b, scratch)}, whose parts compare
 * one field each ({@link #samePrimitiveField}, {@link #sameObjectField}) and say false at the first
 * difference; and a <b>writer</b> of a value, {@code all(value, out, scratch)}, whose parts write
 * one field each and always say true.
 *
 * <p>Instances are immutable and thread-safe; what a part does with its arguments is its own.
 */
@Internal
public abstract class CompiledParts {

  /** The most parts one class holds; a longer sequence chains another for the rest. */
  static final int PARTS = 8;

  private static final MethodType PART =
      MethodType.methodType(boolean.class, Object.class, Object.class, Object.class);

  private static final MethodHandles.Lookup LOOKUP = MethodHandles.lookup();

  private static final Logger LOG = LoggerFactory.getLogger(CompiledParts.class);

  /** {@link #all} of a given sequence. */
  private static final MethodHandle ALL;

  /** {@code equal(type, type)} of each primitive type. */
  private static final Map<Class<?>, MethodHandle> EQUAL;

  /** The bytes of {@link PartsTemplate}, or null if they cannot be read. */
  @Nullable private static final byte[] TEMPLATE;

  static {
    try {
      ALL = LOOKUP.findVirtual(CompiledParts.class, "all", PART);
      Map<Class<?>, MethodHandle> equal = new HashMap<>();
      for (Class<?> type :
          List.of(
              long.class,
              int.class,
              short.class,
              byte.class,
              char.class,
              boolean.class,
              double.class,
              float.class)) {
        equal.put(
            type,
            LOOKUP.findStatic(
                CompiledParts.class, "equal", MethodType.methodType(boolean.class, type, type)));
      }
      EQUAL = Map.copyOf(equal);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
    TEMPLATE = template();
  }

  /** Only the template's hidden classes. */
  CompiledParts() {}

  /** Runs the parts in order while each returns true; returns whether all did. */
  public abstract boolean all(Object a, Object b, Object c) throws IOException;

  /**
   * The sequence of {@code parts}, run in their order until one returns false.
   *
   * @throws IllegalStateException if the JVM does not let the class be defined (then do it by other
   *     means)
   */
  public static CompiledParts of(List<MethodHandle> parts) {
    for (MethodHandle part : parts) {
      if (!part.type().equals(PART)) {
        throw new IllegalArgumentException("a part must be " + PART + ", was " + part.type());
      }
    }
    if (parts.size() <= PARTS) {
      return define(List.copyOf(parts));
    }
    List<MethodHandle> head = new ArrayList<>(parts.subList(0, PARTS - 1));
    CompiledParts rest = of(parts.subList(PARTS - 1, parts.size()));
    head.add(ALL.bindTo(rest));
    return define(List.copyOf(head));
  }

  /**
   * A part comparing a primitive field of both values: {@code double} and {@code float} by their
   * bits (as serialized: {@code 0.0} and {@code -0.0} differ, all NaNs are one), the others by
   * {@code ==}. The field must be accessible ({@code setAccessible(true)} for a private one).
   */
  public static MethodHandle samePrimitiveField(Field field) throws IllegalAccessException {
    Class<?> type = field.getType();
    MethodHandle equal = EQUAL.get(type);
    if (equal == null) {
      throw new IllegalArgumentException("not a primitive field: " + field);
    }
    MethodHandle get =
        LOOKUP.unreflectGetter(field).asType(MethodType.methodType(type, Object.class));
    return MethodHandles.dropArguments(
        MethodHandles.filterArguments(equal, 0, get, get), 2, Object.class);
  }

  /**
   * A part comparing an object field of both values by {@code sameValues}, a part called with the
   * two field values (null included) and the scratch. The field must be accessible.
   */
  public static MethodHandle sameObjectField(Field field, MethodHandle sameValues)
      throws IllegalAccessException {
    MethodHandle get =
        LOOKUP.unreflectGetter(field).asType(MethodType.methodType(Object.class, Object.class));
    return MethodHandles.filterArguments(sameValues.asType(PART), 0, get, get);
  }

  /**
   * A part that reads {@code field} of its first argument and hands the value on: {@code (value, b,
   * c)} runs {@code into(field of value, b, c)}, where {@code into} takes the field's type
   * (primitive or not) and two objects and returns a boolean; a writer's parts are made this way
   * ({@code into} writes the value to {@code b}). The field must be accessible.
   */
  public static MethodHandle fieldInto(Field field, MethodHandle into)
      throws IllegalAccessException {
    Class<?> type = field.getType();
    MethodHandle get =
        LOOKUP.unreflectGetter(field).asType(MethodType.methodType(type, Object.class));
    return MethodHandles.filterArguments(
        into.asType(MethodType.methodType(boolean.class, type, Object.class, Object.class)),
        0,
        get);
  }

  /**
   * Reports that a compiled sequence for {@code type} could not be built (the caller falls back to
   * reflection, slower but the same result): a warning, naming the type only.
   */
  public static void refused(Class<?> type, Exception cause) {
    LOG.warn(
        "Cannot compile field access for {} ({}); using reflection instead, which is slower",
        type.getName(),
        cause.toString());
  }

  @Nullable
  private static byte[] template() {
    try (InputStream in = CompiledParts.class.getResourceAsStream("PartsTemplate.class")) {
      return in == null ? null : in.readAllBytes();
    } catch (IOException e) {
      return null;
    }
  }

  private static CompiledParts define(List<MethodHandle> parts) {
    if (TEMPLATE == null) {
      throw new IllegalStateException("PartsTemplate.class is not on the class path");
    }
    try {
      MethodHandles.Lookup hidden = LOOKUP.defineHiddenClassWithClassData(TEMPLATE, parts, true);
      return (CompiledParts)
          hidden.findConstructor(hidden.lookupClass(), MethodType.methodType(void.class)).invoke();
    } catch (Throwable e) {
      throw new IllegalStateException("cannot define a class of compiled parts", e);
    }
  }

  static boolean equal(long a, long b) {
    return a == b;
  }

  static boolean equal(int a, int b) {
    return a == b;
  }

  static boolean equal(short a, short b) {
    return a == b;
  }

  static boolean equal(byte a, byte b) {
    return a == b;
  }

  static boolean equal(char a, char b) {
    return a == b;
  }

  static boolean equal(boolean a, boolean b) {
    return a == b;
  }

  static boolean equal(double a, double b) {
    return Double.doubleToLongBits(a) == Double.doubleToLongBits(b);
  }

  static boolean equal(float a, float b) {
    return Float.floatToIntBits(a) == Float.floatToIntBits(b);
  }
}
