package dev.etlkit.operators.cdc.internal;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyName;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import dev.etlkit.operators.JsonReadLimits;
import dev.etlkit.operators.internal.SafeJson;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.annotation.Internal;

/** The properties of a row type as Jackson binds them: JSON name to Java type. */
@Internal
public final class RowProperties {
  private RowProperties() {}

  /**
   * The row type's properties (JSON names, in declaration order) and their raw types. The names of
   * a property's {@code @JsonAlias}es come right after it with the same type: Jackson binds a
   * column of either name, so each needs the same conversions and checks.
   */
  static Map<String, Class<?>> of(ObjectMapper mapper, Class<?> rowType) {
    BeanDescription description =
        mapper.getDeserializationConfig().introspect(mapper.constructType(rowType));
    Map<String, Class<?>> properties = new LinkedHashMap<>();
    for (BeanPropertyDefinition property : description.findProperties()) {
      if (property.couldDeserialize()) {
        properties.put(property.getName(), property.getRawPrimaryType());
        for (PropertyName alias : property.findAliases()) {
          properties.putIfAbsent(alias.getSimpleName(), property.getRawPrimaryType());
        }
      }
    }
    return properties;
  }

  /**
   * The element types of the row type's array and collection properties (JSON names, aliases
   * included as in {@link #of}): {@code Instant} for a {@code List<Instant>} or an {@code
   * Instant[]}. Maps and other properties are not listed.
   */
  static Map<String, Class<?>> elementsOf(ObjectMapper mapper, Class<?> rowType) {
    BeanDescription description =
        mapper.getDeserializationConfig().introspect(mapper.constructType(rowType));
    Map<String, Class<?>> elements = new LinkedHashMap<>();
    for (BeanPropertyDefinition property : description.findProperties()) {
      JavaType type = property.getPrimaryType();
      if (property.couldDeserialize()
          && (type.isArrayType() || type.isCollectionLikeType())
          && type.getContentType() != null) {
        Class<?> element = type.getContentType().getRawClass();
        elements.put(property.getName(), element);
        for (PropertyName alias : property.findAliases()) {
          elements.putIfAbsent(alias.getSimpleName(), element);
        }
      }
    }
    return elements;
  }

  /**
   * Checks that no column property of {@code rowType} is a {@code java.util.Date} (or {@code
   * java.sql.Date}, {@code Time}, {@code Timestamp}): Flink has types for them, but Jackson reads
   * every integer into them as epoch milliseconds, whatever Debezium's unit (days, micro- or
   * nanoseconds), and ISO text at millisecond precision.
   *
   * @throws IllegalArgumentException naming the row type and each such property
   */
  public static void requireNoLegacyDates(Class<?> rowType) {
    ObjectMapper mapper = SafeJson.mapperBuilder(JsonReadLimits.defaults()).build();
    List<String> legacy = new ArrayList<>();
    for (Map.Entry<String, Class<?>> property : of(mapper, rowType).entrySet()) {
      if (java.util.Date.class.isAssignableFrom(property.getValue())) {
        legacy.add(property.getKey() + " (" + property.getValue().getName() + ")");
      }
    }
    if (!legacy.isEmpty()) {
      throw new IllegalArgumentException(
          "rowType "
              + rowType.getName()
              + " has date/time fields whose type the step cannot bind exactly: "
              + String.join(", ", legacy)
              + ". Use Instant or LocalDateTime for timestamps, LocalDate for dates and LocalTime"
              + " for times of day (Debezium's integer encodings are converted for these)");
    }
  }

  /**
   * Checks that {@code field} is a property of {@code rowType} that can hold a metadata value of
   * {@code valueType}.
   *
   * @throws IllegalArgumentException naming the field, the row type and what is wrong
   */
  public static void requireMetadataField(Class<?> rowType, String field, Class<?> valueType) {
    ObjectMapper mapper = SafeJson.mapperBuilder(JsonReadLimits.defaults()).build();
    Map<String, Class<?>> properties = of(mapper, rowType);
    Class<?> type = properties.get(field);
    if (type == null) {
      throw new IllegalArgumentException(
          "metadata field '"
              + field
              + "' is not a property of "
              + rowType.getName()
              + "; its properties are "
              + properties.keySet());
    }
    if (!fits(valueType, type)) {
      throw new IllegalArgumentException(
          "metadata field '"
              + field
              + "' of "
              + rowType.getName()
              + " must have type "
              + valueType.getSimpleName()
              + (valueType == Integer.class ? " (or int, long, Long)" : "")
              + (valueType == Long.class ? " (or long)" : "")
              + ", was "
              + type.getName());
    }
  }

  private static boolean fits(Class<?> valueType, Class<?> fieldType) {
    if (valueType == String.class) {
      return fieldType == String.class;
    }
    boolean isLong = fieldType == Long.class || fieldType == long.class;
    if (valueType == Long.class) {
      return isLong;
    }
    return isLong || fieldType == Integer.class || fieldType == int.class;
  }
}
