package dev.etlkit.operators.cdc.internal;

import dev.etlkit.core.internal.KryoTypes;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;

/** Checks that a row type has a Flink type all the way down: no part of it falls back to Kryo. */
@Internal
public final class RowTypes {
  private RowTypes() {}

  /**
   * Returns {@code type} if it is a POJO type none of whose fields (recursively) is a generic
   * (Kryo) type.
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
    for (KryoTypes.GenericPart part : KryoTypes.genericParts(type)) {
      generic.add((part.path().isEmpty() ? "value" : part.path()) + " (" + part.type() + ")");
    }
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
}
