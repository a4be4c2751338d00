package dev.etlkit.operators.json.internal;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.BeanDeserializerBase;
import com.fasterxml.jackson.databind.deser.DefaultDeserializationContext;
import com.fasterxml.jackson.databind.introspect.AnnotatedMember;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import dev.etlkit.operators.JsonReadLimits;
import dev.etlkit.operators.internal.SafeJson;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;

/** How Jackson sees a target type: its readable properties, and whether it can be bound at all. */
@Internal
public final class JsonTypes {
  private JsonTypes() {}

  /** A mapper configured like the parse steps' mappers, for introspection only. */
  public static ObjectMapper introspector() {
    return SafeJson.mapperBuilder(JsonReadLimits.defaults()).build();
  }

  /** The properties Jackson can set on {@code type}, by JSON name, in declaration order. */
  public static Map<String, JavaType> readableProperties(ObjectMapper mapper, Class<?> type) {
    Map<String, JavaType> properties = new LinkedHashMap<>();
    for (BeanPropertyDefinition p : describe(mapper, mapper.constructType(type)).findProperties()) {
      if (p.couldDeserialize()) {
        properties.put(p.getName(), p.getPrimaryType());
      }
    }
    return properties;
  }

  static BeanDescription describe(ObjectMapper mapper, JavaType type) {
    DeserializationConfig config = mapper.getDeserializationConfig();
    return config.introspect(type);
  }

  /** The class declaring the member through which Jackson sets property {@code p}. */
  @Nullable
  static Class<?> owner(BeanPropertyDefinition p) {
    AnnotatedMember member = p.getConstructorParameter();
    if (member == null) {
      member = p.getNonConstructorMutator();
    }
    return member == null ? null : member.getDeclaringClass();
  }

  /**
   * Whether properties of this class are introspected (a POJO or record of the user's), as opposed
   * to JDK, Jackson and scalar types.
   */
  static boolean isBean(Class<?> raw) {
    if (raw.isPrimitive() || raw.isArray() || raw.isEnum() || raw.isInterface()) {
      return false;
    }
    String name = raw.getName();
    return !(name.startsWith("java.")
        || name.startsWith("javax.")
        || name.startsWith("jdk.")
        || name.startsWith("sun.")
        || name.startsWith("com.fasterxml."));
  }

  /**
   * Fails when Jackson cannot bind {@code type} (no usable constructor, conflicting properties), so
   * the step fails when it is built instead of rejecting every record.
   *
   * @throws IllegalArgumentException naming the type and Jackson's reason
   */
  public static void requireBindable(ObjectMapper mapper, Class<?> type) {
    DefaultDeserializationContext ctxt =
        ((DefaultDeserializationContext) mapper.getDeserializationContext())
            .createDummyInstance(mapper.getDeserializationConfig());
    JsonDeserializer<Object> deserializer;
    try {
      deserializer = ctxt.findRootValueDeserializer(mapper.constructType(type));
    } catch (JsonMappingException e) {
      throw new IllegalArgumentException(
          type.getName() + " cannot be read from JSON: " + e.getOriginalMessage(), e);
    }
    if (!(deserializer instanceof BeanDeserializerBase)
        || !((BeanDeserializerBase) deserializer).getValueInstantiator().canInstantiate()) {
      throw new IllegalArgumentException(
          type.getName()
              + " cannot be read from JSON: it needs a public no-argument constructor (a Flink"
              + " POJO), a canonical constructor (a record) or a @JsonCreator");
    }
  }
}
