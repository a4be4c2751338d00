package dev.etlkit.core;

import java.lang.reflect.Type;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.Map;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * Flink types for {@code java.time.Local*} fields of POJOs and records. Flink 2.2's type extraction
 * knows {@code Instant} but not {@code LocalDate}, {@code LocalTime} or {@code LocalDateTime}:
 * without help such a field becomes a Kryo {@code GenericTypeInfo} (and fails with generic types
 * disabled). Annotate the field with the matching factory, for example
 * {@code @TypeInfo(JavaTimeTypes.LocalDateType.class) LocalDate orderDate}, and Flink uses its own
 * serializers for these types.
 */
@PublicEvolving
public final class JavaTimeTypes {
  private JavaTimeTypes() {}

  // tag::debezium-local-date-factory[]
  /** {@code @TypeInfo(JavaTimeTypes.LocalDateType.class) LocalDate orderDate}. */
  @PublicEvolving
  public static final class LocalDateType extends TypeInfoFactory<LocalDate> {
    @Override
    public TypeInformation<LocalDate> createTypeInfo(
        Type t, Map<String, TypeInformation<?>> genericParameters) {
      return Types.LOCAL_DATE;
    }
  }

  // end::debezium-local-date-factory[]

  /** {@code @TypeInfo(JavaTimeTypes.LocalTimeType.class) LocalTime pickupTime}. */
  @PublicEvolving
  public static final class LocalTimeType extends TypeInfoFactory<LocalTime> {
    @Override
    public TypeInformation<LocalTime> createTypeInfo(
        Type t, Map<String, TypeInformation<?>> genericParameters) {
      return Types.LOCAL_TIME;
    }
  }

  /** {@code @TypeInfo(JavaTimeTypes.LocalDateTimeType.class) LocalDateTime createdAt}. */
  @PublicEvolving
  public static final class LocalDateTimeType extends TypeInfoFactory<LocalDateTime> {
    @Override
    public TypeInformation<LocalDateTime> createTypeInfo(
        Type t, Map<String, TypeInformation<?>> genericParameters) {
      return Types.LOCAL_DATE_TIME;
    }
  }
}
