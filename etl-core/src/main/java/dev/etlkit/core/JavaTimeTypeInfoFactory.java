package dev.etlkit.core;

import java.lang.reflect.Type;
import java.util.Map;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.functions.InvalidTypesException;
import org.apache.flink.api.common.typeinfo.LocalTimeTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * Gives {@code LocalDate}, {@code LocalTime} and {@code LocalDateTime} fields Flink's own types
 * instead of Kryo. Flink 2.2's type extraction knows {@code Instant} but treats these three as
 * generic types inside POJOs and records, which fails a job that disables generic types (etlkit's
 * decoders reject such a type up front). Annotate each such field (or record component):
 *
 * <pre>{@code
 * public record Order(String id, @TypeInfo(JavaTimeTypeInfoFactory.class) LocalDate orderDate) {}
 * }</pre>
 */
@PublicEvolving
public final class JavaTimeTypeInfoFactory extends TypeInfoFactory<Object> {

  @Override
  @SuppressWarnings("unchecked")
  public TypeInformation<Object> createTypeInfo(
      Type t, Map<String, TypeInformation<?>> genericParameters) {
    if (t instanceof Class) {
      TypeInformation<?> info = LocalTimeTypeInfo.getInfoFor((Class<?>) t);
      if (info != null) {
        return (TypeInformation<Object>) info;
      }
    }
    throw new InvalidTypesException(
        "JavaTimeTypeInfoFactory serves LocalDate, LocalTime and LocalDateTime fields, not " + t);
  }
}
