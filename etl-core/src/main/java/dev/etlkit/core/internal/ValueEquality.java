package dev.etlkit.core.internal;

import java.lang.reflect.Array;
import java.lang.reflect.Constructor;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.util.Optional;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeinfo.BasicArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.tuple.Tuple;
import org.apache.flink.api.java.typeutils.ListTypeInfo;
import org.apache.flink.api.java.typeutils.MapTypeInfo;
import org.apache.flink.api.java.typeutils.ObjectArrayTypeInfo;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.api.java.typeutils.RowTypeInfo;
import org.apache.flink.api.java.typeutils.TupleTypeInfoBase;

/**
 * Finds the part of a type whose values {@code equals} would compare by identity: a concrete class
 * that inherits {@code Object.equals} (a nested POJO without an {@code equals} of its own), or an
 * array inside a part whose {@code equals} compares its fields with {@code equals} (a record, a
 * tuple, a list, a map), where arrays compare by identity. Every value a step deserializes is a new
 * object, so such a part differs on every delivery: a step that compares rows to drop redeliveries
 * and no-op updates would take each one for a change.
 *
 * <p>How {@code equals} goes into a type is known for Flink's own type informations: a {@code Row}
 * compares its fields deeply (arrays element-wise), a Java record and a tuple with their {@code
 * equals} (arrays by identity), a list's elements and a map's keys and values with {@code equals}.
 * A class with an {@code equals} of its own (a POJO, an Avro record) is trusted as it is, without
 * looking inside; so are interfaces, abstract classes and enums (their values are what they are).
 *
 * <p>A record always declares {@code equals}, so whether it is the compiler's (arrays by identity)
 * or one written for it cannot be read from its methods. A record with array components is probed
 * instead: two instances made with its canonical constructor from distinct empty arrays (and zero
 * or null for every other component). If {@code equals} (and, for keys, {@code hashCode}) takes
 * them for equal, the record compares its arrays by content, as etlkit's {@code RawRecord} does,
 * and is trusted as written; if not, or if the constructor or {@code equals} refuses the probe, its
 * components are judged one by one.
 */
@Internal
public final class ValueEquality {
  private ValueEquality() {}

  /** How the caller uses values of the type. */
  private enum Use {
    /** Compared with {@code equals}. */
    COMPARED,
    /** Also hashed with {@code hashCode}, in one JVM (a hash map, a cache). */
    HASHED,
    /**
     * Also hashed in every JVM that handles the value: a key of keyed state, whose key group Flink
     * computes from its hash on both sides of a shuffle and after every restore.
     */
    KEYED
  }

  /**
   * The first part of {@code type} compared by identity, described by where it is and its class
   * (for example {@code "address (com.example.Address)"} or {@code "tags (an array inside a
   * record)"}), or empty when every part has value equality.
   *
   * @param path how the caller names {@code type} in the description (a column name, or the type's
   *     simple name); nested parts extend it ({@code .field}, {@code []}, {@code <element>})
   * @param arraysCompareDeep whether the caller compares values of {@code type} with {@code
   *     Objects.deepEquals}, so an array there is compared element by element
   */
  public static Optional<String> identityComparedPart(
      TypeInformation<?> type, String path, boolean arraysCompareDeep) {
    return find(type, path, arraysCompareDeep, Use.COMPARED);
  }

  /**
   * As {@link #identityComparedPart} for keys of hash maps and caches, compared with {@code equals}
   * (arrays by identity) and hashed with {@code hashCode}: also a class whose {@code hashCode} is
   * {@code Object}'s, as equal keys would then land in different places.
   */
  public static Optional<String> identityHashedPart(TypeInformation<?> type, String path) {
    return find(type, path, false, Use.HASHED);
  }

  /**
   * Refuses the key type of a keyed step whose part {@link #identityHashedPart} finds. Flink's
   * {@code keyBy} refuses a POJO without {@code hashCode} of its own, not one with {@code hashCode}
   * but without {@code equals}: the heap state backend finds a key's state with {@code equals}, so
   * there every record would find no state and look new, while RocksDB, which compares serialized
   * keys, would find it. The step would then behave differently on the two backends. Nor does it
   * refuse an enum inside a record (a POJO to Flink), a list or a map: an enum's {@code hashCode}
   * is its identity, different in every JVM, and Flink computes a key's group from its hash in the
   * JVM that sends the record, in the one that keeps its state and after every restore, so one key
   * would land in several key groups. Such a part is refused too.
   *
   * @param keyType the key type the step keys its stream by
   * @param step how the message names the step, for example {@code "dedup step 'orders'"}
   * @throws IllegalArgumentException naming the part, if one is compared or hashed by identity
   */
  public static void requireKeyEquality(TypeInformation<?> keyType, String step) {
    find(keyType, "key", false, Use.KEYED)
        .ifPresent(
            part -> {
              throw new IllegalArgumentException(
                  step
                      + ": "
                      + part
                      + " is compared by identity (no equals or hashCode of its own, an array, or"
                      + " an enum, hashed by its identity). The heap state backend finds a key's state with"
                      + " equals, so every record would look new there, while RocksDB, which"
                      + " compares serialized keys, would find it; and Flink finds a key's group"
                      + " from its hash, which for an enum differs in every JVM. Give the key class"
                      + " equals and hashCode (or make it a record), key by an enum's name(), or"
                      + " select a key of such a type");
            });
  }

  private static Optional<String> find(
      TypeInformation<?> type, String path, boolean arraysCompareDeep, Use use) {
    if (type instanceof ObjectArrayTypeInfo
        || type instanceof BasicArrayTypeInfo
        || type instanceof PrimitiveArrayTypeInfo) {
      if (!arraysCompareDeep) {
        return Optional.of(path + " (an array, whose equals is identity)");
      }
      if (type instanceof ObjectArrayTypeInfo) {
        return find(((ObjectArrayTypeInfo<?, ?>) type).getComponentInfo(), path + "[]", true, use);
      }
      return Optional.empty();
    }
    if (type instanceof RowTypeInfo) {
      RowTypeInfo row = (RowTypeInfo) type;
      return firstOfFields(row, row.getFieldNames(), path, true, use);
    }
    if (type instanceof TupleTypeInfoBase && Tuple.class.isAssignableFrom(type.getTypeClass())) {
      TupleTypeInfoBase<?> tuple = (TupleTypeInfoBase<?>) type;
      return firstOfFields(tuple, tuple.getFieldNames(), path, false, use);
    }
    if (type instanceof ListTypeInfo) {
      return find(((ListTypeInfo<?>) type).getElementTypeInfo(), path + "<element>", false, use);
    }
    if (type instanceof MapTypeInfo) {
      MapTypeInfo<?, ?> map = (MapTypeInfo<?, ?>) type;
      Optional<String> key = find(map.getKeyTypeInfo(), path + "<key>", false, use);
      return key.isPresent() ? key : find(map.getValueTypeInfo(), path + "<value>", false, use);
    }
    Class<?> typeClass = type.getTypeClass();
    if (type instanceof PojoTypeInfo && typeClass.isRecord()) {
      if (comparesArraysByContent(typeClass, use != Use.COMPARED)) {
        return Optional.empty();
      }
      PojoTypeInfo<?> pojo = (PojoTypeInfo<?>) type;
      for (int i = 0; i < pojo.getArity(); i++) {
        Optional<String> part =
            find(
                pojo.getPojoFieldAt(i).getTypeInformation(),
                path + "." + pojo.getPojoFieldAt(i).getField().getName(),
                false,
                use);
        if (part.isPresent()) {
          return part;
        }
      }
      return Optional.empty();
    }
    if (use == Use.KEYED && typeClass.isEnum()) {
      return Optional.of(path + " (" + typeClass.getName() + ", an enum, hashed by identity)");
    }
    // A declared Object (a generic part) may hold anything: not judged.
    return inheritsObjectEquals(typeClass, use != Use.COMPARED)
        ? Optional.of(path + " (" + typeClass.getName() + ")")
        : Optional.empty();
  }

  private static Optional<String> firstOfFields(
      TupleTypeInfoBase<?> type, String[] names, String path, boolean arraysCompareDeep, Use use) {
    for (int i = 0; i < type.getArity(); i++) {
      Optional<String> part =
          find(type.getTypeAt(i), path + "." + names[i], arraysCompareDeep, use);
      if (part.isPresent()) {
        return part;
      }
    }
    return Optional.empty();
  }

  /**
   * Whether a record with array components has an {@code equals} (and, if hashed, a {@code
   * hashCode}) that compares them by content: the probe of the class comment. False for a record
   * without array components, whose {@code equals} the probe cannot tell apart.
   */
  private static boolean comparesArraysByContent(Class<?> record, boolean hashed) {
    RecordComponent[] components = record.getRecordComponents();
    Class<?>[] types = new Class<?>[components.length];
    boolean anyArray = false;
    for (int i = 0; i < components.length; i++) {
      types[i] = components[i].getType();
      anyArray |= types[i].isArray();
    }
    if (!anyArray) {
      return false;
    }
    try {
      Constructor<?> canonical = record.getDeclaredConstructor(types);
      canonical.setAccessible(true);
      Object a = canonical.newInstance(probeArguments(types));
      Object b = canonical.newInstance(probeArguments(types));
      return a.equals(b) && (!hashed || a.hashCode() == b.hashCode());
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      return false; // the probe was refused: judge the components
    }
  }

  /** New empty arrays for array components, zero or false for primitives, null for the rest. */
  private static Object[] probeArguments(Class<?>[] types) {
    Object[] arguments = new Object[types.length];
    for (int i = 0; i < types.length; i++) {
      if (types[i].isArray()) {
        arguments[i] = Array.newInstance(types[i].getComponentType(), 0);
      } else if (types[i].isPrimitive()) {
        arguments[i] = Array.get(Array.newInstance(types[i], 1), 0);
      }
    }
    return arguments;
  }

  /**
   * A concrete class whose {@code equals} (or, if hashed, {@code hashCode}) is {@code Object}'s.
   */
  private static boolean inheritsObjectEquals(Class<?> type, boolean hashed) {
    if (type == Object.class
        || type.isPrimitive()
        || type.isArray()
        || type.isInterface()
        || type.isEnum()
        || Modifier.isAbstract(type.getModifiers())) {
      return false;
    }
    try {
      return type.getMethod("equals", Object.class).getDeclaringClass() == Object.class
          || (hashed && type.getMethod("hashCode").getDeclaringClass() == Object.class);
    } catch (NoSuchMethodException e) {
      throw new IllegalStateException("every class has equals(Object) and hashCode()", e);
    }
  }
}
