package dev.etlkit.operators.cdc.internal;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.CompositeType;
import org.apache.flink.api.java.typeutils.GenericTypeInfo;
import org.apache.flink.api.java.typeutils.ListTypeInfo;
import org.apache.flink.api.java.typeutils.MapTypeInfo;
import org.apache.flink.api.java.typeutils.ObjectArrayTypeInfo;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;

/** Checks that a row type has a Flink type all the way down: no part of it falls back to Kryo. */
@Internal
public final class RowTypes {
  private RowTypes() {}

  /**
   * Returns {@code type} if it is a POJO type none of whose fields (recursively) is a {@link
   * GenericTypeInfo}.
   *
   * @throws IllegalArgumentException naming the row type and each field that would use Kryo
   */
  public static <T> TypeInformation<T> requirePojoWithoutKryo(
      TypeInformation<T> type, Class<T> rowType) {
    if (!(type instanceof PojoTypeInfo)) {
      throw new IllegalArgumentException(
          "rowType must be a POJO or Java record with a Flink POJO type (public, with a public"
              + " no-argument constructor or a canonical record constructor), was "
              + type
              + ": it would be serialized with Kryo");
    }
    List<String> generic = new ArrayList<>();
    collectGeneric(type, "", generic);
    if (!generic.isEmpty()) {
      throw new IllegalArgumentException(
          "rowType "
              + rowType.getName()
              + " has fields that Flink would serialize with Kryo: "
              + String.join(", ", generic)
              + ". Give each a Flink type: annotate it with @TypeInfo(<a TypeInfoFactory>)"
              + " returning for example Types.LOCAL_DATE, Types.LOCAL_TIME or"
              + " Types.LOCAL_DATE_TIME (Flink's POJO analysis has none for java.time.Local*),"
              + " or change its type");
    }
    return type;
  }

  private static void collectGeneric(TypeInformation<?> type, String path, List<String> into) {
    if (type instanceof GenericTypeInfo) {
      into.add((path.isEmpty() ? "value" : path) + " (" + type + ")");
    } else if (type instanceof CompositeType) {
      CompositeType<?> composite = (CompositeType<?>) type;
      String[] names = composite.getFieldNames();
      for (int i = 0; i < composite.getArity(); i++) {
        collectGeneric(composite.getTypeAt(i), join(path, names[i]), into);
      }
    } else if (type instanceof ListTypeInfo) {
      collectGeneric(((ListTypeInfo<?>) type).getElementTypeInfo(), path + "[]", into);
    } else if (type instanceof MapTypeInfo) {
      collectGeneric(((MapTypeInfo<?, ?>) type).getKeyTypeInfo(), path + "{key}", into);
      collectGeneric(((MapTypeInfo<?, ?>) type).getValueTypeInfo(), path + "{value}", into);
    } else if (type instanceof ObjectArrayTypeInfo) {
      collectGeneric(((ObjectArrayTypeInfo<?, ?>) type).getComponentInfo(), path + "[]", into);
    }
  }

  private static String join(String path, String name) {
    return path.isEmpty() ? name : path + "." + name;
  }
}
