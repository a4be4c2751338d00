package dev.etlkit.core.internal;

import dev.etlkit.core.WrappingTypeInfo;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.CompositeType;
import org.apache.flink.api.java.typeutils.EitherTypeInfo;
import org.apache.flink.api.java.typeutils.GenericTypeInfo;
import org.apache.flink.api.java.typeutils.ListTypeInfo;
import org.apache.flink.api.java.typeutils.MapTypeInfo;
import org.apache.flink.api.java.typeutils.ObjectArrayTypeInfo;
import org.apache.flink.api.java.typeutils.SetTypeInfo;

/**
 * Finds the parts of a Flink type that Flink would serialize with Kryo ({@link GenericTypeInfo}),
 * at any depth: fields of POJOs, records, rows and tuples, elements of lists, sets and arrays, keys
 * and values of maps. Steps use it to fail when they are built instead of at runtime.
 */
@Internal
public final class KryoTypes {
  private KryoTypes() {}

  /**
   * One generic part of a type.
   *
   * @param path where it is: empty for the type itself, field names joined by {@code .}, {@code []}
   *     for elements, {@code {key}}/{@code {value}} for map entries, {@code {left}}/{@code {right}}
   *     for the sides of an {@code Either}
   * @param type the generic type information found there
   */
  public record GenericPart(String path, TypeInformation<?> type) {}

  /** Every generic part of {@code type}, in field order; empty when Flink serializes it fully. */
  public static List<GenericPart> genericParts(TypeInformation<?> type) {
    List<GenericPart> found = new ArrayList<>();
    collect(type, "", found, Collections.newSetFromMap(new IdentityHashMap<>()));
    return found;
  }

  /**
   * Returns {@code type} if neither it nor any of its fields, elements, keys or values is a {@link
   * GenericTypeInfo} (a type Flink would serialize with Kryo).
   *
   * @param what what the type is, for the message ("output type of step 'slim'")
   * @throws IllegalArgumentException naming the first generic part otherwise
   */
  public static <T> TypeInformation<T> requireNoKryo(TypeInformation<T> type, String what) {
    List<GenericPart> parts = genericParts(type);
    if (!parts.isEmpty()) {
      GenericPart first = parts.get(0);
      String cls = first.type().getTypeClass().getName();
      String generic =
          first.path().isEmpty()
              ? "the type " + cls
              : "field '" + first.path() + "' of type " + cls;
      throw new IllegalArgumentException(
          what
              + " "
              + type
              + " is not fully typed: "
              + generic
              + " would be serialized with Kryo. Use a POJO or Java record whose fields have"
              + " Flink types, or declare a TypeInformation (Types.POJO, Types.ROW, ...)");
    }
    return type;
  }

  private static void collect(
      TypeInformation<?> type, String path, List<GenericPart> into, Set<TypeInformation<?>> seen) {
    if (type instanceof GenericTypeInfo) {
      into.add(new GenericPart(path, type));
      return;
    }
    if (!seen.add(type)) {
      return; // recursive types: each type information is visited once
    }
    if (type instanceof CompositeType) {
      CompositeType<?> composite = (CompositeType<?>) type;
      String[] names = composite.getFieldNames();
      for (int i = 0; i < composite.getArity(); i++) {
        collect(
            composite.getTypeAt(i), path.isEmpty() ? names[i] : path + "." + names[i], into, seen);
      }
    } else if (type instanceof WrappingTypeInfo) { // Change<T> and etlkit's state wrappers
      collect(
          ((WrappingTypeInfo<?, ?>) type).getValueType(),
          path.isEmpty() ? "value" : path + ".value",
          into,
          seen);
    } else if (type instanceof ListTypeInfo) {
      collect(((ListTypeInfo<?>) type).getElementTypeInfo(), path + "[]", into, seen);
    } else if (type instanceof SetTypeInfo) {
      collect(((SetTypeInfo<?>) type).getElementTypeInfo(), path + "[]", into, seen);
    } else if (type instanceof ObjectArrayTypeInfo) {
      collect(((ObjectArrayTypeInfo<?, ?>) type).getComponentInfo(), path + "[]", into, seen);
    } else if (type instanceof EitherTypeInfo) {
      EitherTypeInfo<?, ?> either = (EitherTypeInfo<?, ?>) type;
      collect(either.getLeftType(), path + "{left}", into, seen);
      collect(either.getRightType(), path + "{right}", into, seen);
    } else if (type instanceof MapTypeInfo) {
      MapTypeInfo<?, ?> map = (MapTypeInfo<?, ?>) type;
      collect(map.getKeyTypeInfo(), path + "{key}", into, seen);
      collect(map.getValueTypeInfo(), path + "{value}", into, seen);
    }
  }
}
