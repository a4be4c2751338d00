package dev.etlkit.operators.cdc;

import java.lang.reflect.Type;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * Flink types for {@code java.time.Local*} fields of row types: Flink's POJO analysis has none and
 * would fall back to Kryo, so fields of these types are annotated with {@code @TypeInfo(...)}.
 */
public final class JavaTimeTypes {
  private JavaTimeTypes() {}

  // tag::debezium-local-date-factory[]
  /** {@code @TypeInfo(JavaTimeTypes.LocalDateType.class) LocalDate orderDate}. */
  public static final class LocalDateType extends TypeInfoFactory<LocalDate> {
    @Override
    public TypeInformation<LocalDate> createTypeInfo(
        Type t, Map<String, TypeInformation<?>> genericParameters) {
      return Types.LOCAL_DATE;
    }
  }

  // end::debezium-local-date-factory[]

  /** {@code @TypeInfo(JavaTimeTypes.LocalTimeType.class) LocalTime pickupTime}. */
  public static final class LocalTimeType extends TypeInfoFactory<LocalTime> {
    @Override
    public TypeInformation<LocalTime> createTypeInfo(
        Type t, Map<String, TypeInformation<?>> genericParameters) {
      return Types.LOCAL_TIME;
    }
  }

  /** {@code @TypeInfo(JavaTimeTypes.LocalDateTimeType.class) LocalDateTime createdAt}. */
  public static final class LocalDateTimeType extends TypeInfoFactory<LocalDateTime> {
    @Override
    public TypeInformation<LocalDateTime> createTypeInfo(
        Type t, Map<String, TypeInformation<?>> genericParameters) {
      return Types.LOCAL_DATE_TIME;
    }
  }
}
