package dev.etlkit.operators.json.internal;

import dev.etlkit.core.internal.KryoTypes;
import java.util.List;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeinfo.TypeInformation;

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
    List<KryoTypes.GenericPart> generic = KryoTypes.genericParts(info);
    if (!generic.isEmpty()) {
      KryoTypes.GenericPart first = generic.get(0);
      String cls = first.type().getTypeClass().getName();
      String hint =
          cls.startsWith("java.time.Local")
              ? "; annotate the field with @TypeInfo(JavaTimeTypeInfoFactory.class)"
              : "; use a Flink POJO (public class, public no-argument constructor, public fields"
                  + " or getters/setters) or a record, with fields of Flink-supported types";
      throw new IllegalArgumentException(
          type.getName()
              + " would be serialized with Kryo"
              + (first.path().isEmpty() ? "" : " (field " + first.path() + ": " + cls + ")")
              + hint);
    }
    return info;
  }
}
