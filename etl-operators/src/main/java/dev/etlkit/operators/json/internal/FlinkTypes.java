package dev.etlkit.operators.json.internal;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.CompositeType;
import org.apache.flink.api.java.typeutils.GenericTypeInfo;
import org.apache.flink.api.java.typeutils.ListTypeInfo;
import org.apache.flink.api.java.typeutils.MapTypeInfo;
import org.apache.flink.api.java.typeutils.ObjectArrayTypeInfo;
import org.apache.flink.api.java.typeutils.SetTypeInfo;

/** The Flink type of a JSON step's records, checked for Kryo fallbacks at any depth. */
@Internal
public final class FlinkTypes {
  private FlinkTypes() {}

  /**
   * The type information of {@code type}, which must be a POJO or record that Flink serializes
   * without Kryo, all the way down.
   *
   * @throws IllegalArgumentException naming the first field Flink would hand to Kryo
   */
  public static <T> TypeInformation<T> pojoTypeOf(Class<T> type) {
    TypeInformation<T> info;
    try {
      info = TypeInformation.of(type);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "Flink cannot derive a type for " + type.getName() + ": " + e.getMessage(), e);
    }
    List<String> path = new ArrayList<>();
    String generic = findGeneric(info, path, new IdentityHashMap<>());
    if (generic != null) {
      String hint =
          generic.startsWith("java.time.Local")
              ? "; annotate the field with @TypeInfo(JavaTimeTypeInfoFactory.class)"
              : "; use a Flink POJO (public class, public no-argument constructor, public fields"
                  + " or getters/setters) or a record, with fields of Flink-supported types";
      throw new IllegalArgumentException(
          type.getName()
              + " would be serialized with Kryo"
              + (path.isEmpty() ? "" : " (field " + String.join(".", path) + ": " + generic + ")")
              + hint);
    }
    return info;
  }

  /** The class of the first generic type in {@code info}, with its field path, or null. */
  private static String findGeneric(
      TypeInformation<?> info, List<String> path, Map<TypeInformation<?>, Boolean> seen) {
    if (info instanceof GenericTypeInfo) {
      return info.getTypeClass().getName();
    }
    if (seen.put(info, Boolean.TRUE) != null) {
      return null;
    }
    if (info instanceof CompositeType) {
      CompositeType<?> composite = (CompositeType<?>) info;
      String[] names = composite.getFieldNames();
      for (int i = 0; i < composite.getArity(); i++) {
        path.add(names[i]);
        String found = findGeneric(composite.getTypeAt(i), path, seen);
        if (found != null) {
          return found;
        }
        path.remove(path.size() - 1);
      }
      return null;
    }
    List<TypeInformation<?>> children = new ArrayList<>();
    if (info instanceof ListTypeInfo) {
      children.add(((ListTypeInfo<?>) info).getElementTypeInfo());
    } else if (info instanceof SetTypeInfo) {
      children.add(((SetTypeInfo<?>) info).getElementTypeInfo());
    } else if (info instanceof MapTypeInfo) {
      children.add(((MapTypeInfo<?, ?>) info).getKeyTypeInfo());
      children.add(((MapTypeInfo<?, ?>) info).getValueTypeInfo());
    } else if (info instanceof ObjectArrayTypeInfo) {
      children.add(((ObjectArrayTypeInfo<?, ?>) info).getComponentInfo());
    }
    for (TypeInformation<?> child : children) {
      String found = findGeneric(child, path, seen);
      if (found != null) {
        return found;
      }
    }
    return null;
  }
}
