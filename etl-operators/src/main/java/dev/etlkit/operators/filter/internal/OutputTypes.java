package dev.etlkit.operators.filter.internal;

import dev.etlkit.core.internal.KryoTypes;
import java.util.List;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.GenericTypeInfo;

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
    List<KryoTypes.GenericPart> parts = KryoTypes.genericParts(type);
    if (!parts.isEmpty()) {
      KryoTypes.GenericPart first = parts.get(0);
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
}
