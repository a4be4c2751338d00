package dev.etlkit.operators.filter.internal;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.CompositeType;
import org.apache.flink.api.java.typeutils.GenericTypeInfo;
import org.apache.flink.api.java.typeutils.ListTypeInfo;
import org.apache.flink.api.java.typeutils.MapTypeInfo;
import org.apache.flink.api.java.typeutils.ObjectArrayTypeInfo;

/** Checks that a step's record type has a real Flink serializer, with no Kryo fallback inside. */
@Internal
public final class OutputTypes {
  private OutputTypes() {}

  /**
   * Returns {@code type} if neither it nor any of its fields, elements, keys or values is a {@link
   * GenericTypeInfo} (a type Flink would serialize with Kryo).
   *
   * @param what what the type is, for the message ("output type of step 'slim'")
   * @throws IllegalArgumentException naming the generic part otherwise
   */
  public static <T> TypeInformation<T> requireNoKryo(TypeInformation<T> type, String what) {
    String generic = findGeneric(type, "");
    if (generic != null) {
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

  private static String findGeneric(TypeInformation<?> type, String path) {
    if (type instanceof GenericTypeInfo) {
      String cls = type.getTypeClass().getName();
      return path.isEmpty() ? "the type " + cls : "field '" + path + "' of type " + cls;
    }
    if (type instanceof CompositeType) {
      CompositeType<?> composite = (CompositeType<?>) type;
      String[] names = composite.getFieldNames();
      for (int i = 0; i < composite.getArity(); i++) {
        String found = findGeneric(composite.getTypeAt(i), join(path, names[i]));
        if (found != null) {
          return found;
        }
      }
    } else if (type instanceof ObjectArrayTypeInfo) {
      return findGeneric(((ObjectArrayTypeInfo<?, ?>) type).getComponentInfo(), path + "[]");
    } else if (type instanceof ListTypeInfo) {
      return findGeneric(((ListTypeInfo<?>) type).getElementTypeInfo(), path + "[]");
    } else if (type instanceof MapTypeInfo) {
      MapTypeInfo<?, ?> map = (MapTypeInfo<?, ?>) type;
      String found = findGeneric(map.getKeyTypeInfo(), path + "{key}");
      return found != null ? found : findGeneric(map.getValueTypeInfo(), path + "{value}");
    }
    return null;
  }

  private static String join(String path, String field) {
    return path.isEmpty() ? field : path + "." + field;
  }
}
