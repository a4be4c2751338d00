package dev.etlkit.operators.json.internal;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.Annotated;
import com.fasterxml.jackson.databind.introspect.AnnotatedClass;
import com.fasterxml.jackson.databind.introspect.AnnotatedClassResolver;
import com.fasterxml.jackson.databind.introspect.AnnotatedMember;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.databind.jsontype.NamedType;
import dev.etlkit.operators.json.Coercion;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;

/**
 * Which fields of a target type (and of the POJOs and records nested in it) are required and which
 * are coerced, decided once per step from its options:
 *
 * <ul>
 *   <li>a field is <b>required</b> when it is named in {@code withRequiredFields} (top level), is
 *       annotated {@code @JsonProperty(required = true)} (any level), or has a primitive type (any
 *       level, unless {@code withPrimitiveFieldsRequired(false)}): a primitive cannot hold null,
 *       and Jackson would otherwise fill a missing one with 0 without telling anyone;
 *   <li>a field is <b>coerced</b> by its own coercion ({@code withFieldCoercion}, top level) or
 *       else by the step's ({@code withCoercion}), if that is enabled and the field's type is
 *       coercible ({@link CoercionTarget}); a coercion default is cast to the field's type here.
 * </ul>
 *
 * <p>The types are found by walking the declared types from the step's type: fields, record
 * components, elements and map values, and where a declared type names the classes it is read as,
 * those classes: {@code @JsonDeserialize(as = ...)} on the type or the property, and the subtypes
 * of {@code @JsonSubTypes} (or registered with the mapper). A class Jackson picks only at read time
 * (a class name in the JSON, {@code JsonTypeInfo.Id.CLASS}) is outside the walk.
 *
 * <p>Rules belong to the class whose objects hold the field, not to the class that declares it:
 * when the top-level type and a nested type inherit a field from the same base class, the top
 * level's {@code withRequiredFields} and {@code withFieldCoercion} do not reach the nested one.
 *
 * <p>Fields without a rule get no rule object at all, so they are read by Jackson's own
 * deserializers at no extra cost. Required fields are tracked by name: each distinct required name
 * gets one bit, and each class with required fields a mask of its names' bits.
 */
@Internal
public final class FieldRules {

  /**
   * A property of the objects of one class: that class (which may inherit the property's member
   * from a superclass) and its JSON name.
   */
  record Key(Class<?> holder, String name) {}

  /** What happens to one property. */
  static final class PropertyRule {
    final String name;
    final int requiredBit; // -1: not required
    @Nullable final CoercionRule coercion;

    PropertyRule(String name, int requiredBit, @Nullable CoercionRule coercion) {
      this.name = name;
      this.requiredBit = requiredBit;
      this.coercion = coercion;
    }
  }

  /** The TRY-cast of one property. */
  static final class CoercionRule {
    final CoercionTarget target;
    final Class<?> fieldType;
    final Coercion.OnFailure onFailure;
    @Nullable final Object defaultValue; // already of the field's type

    CoercionRule(
        CoercionTarget target,
        Class<?> fieldType,
        Coercion.OnFailure onFailure,
        @Nullable Object defaultValue) {
      this.target = target;
      this.fieldType = fieldType;
      this.onFailure = onFailure;
      this.defaultValue = defaultValue;
    }
  }

  /** The required fields of one class. */
  static final class BeanRule {
    final String typeName;
    final long[] mask;

    BeanRule(String typeName, long[] mask) {
      this.typeName = typeName;
      this.mask = mask;
    }
  }

  private final Map<Key, PropertyRule> properties;
  private final Map<Class<?>, BeanRule> beans;
  private final String[] requiredNames; // by bit
  private final Set<String> knownNames;
  private final Map<Class<?>, Set<Class<?>>> builtBy;
  private final TryCast tryCast;

  private FieldRules(
      Map<Key, PropertyRule> properties,
      Map<Class<?>, BeanRule> beans,
      String[] requiredNames,
      Set<String> knownNames,
      Map<Class<?>, Set<Class<?>>> builtBy,
      TryCast tryCast) {
    this.properties = properties;
    this.beans = beans;
    this.requiredNames = requiredNames;
    this.knownNames = knownNames;
    this.builtBy = builtBy;
    this.tryCast = tryCast;
  }

  /**
   * Decides the rules of {@code config}'s type.
   *
   * @throws IllegalArgumentException when a coercion default does not fit a coerced field, or a
   *     field coercion names a field that is missing or not coercible
   */
  public static FieldRules of(JsonParseConfig<?> config, ObjectMapper mapper) {
    return new Builder(config, mapper).build();
  }

  /** The rule of property {@code name} of the objects of {@code holder}, or null. */
  @Nullable
  PropertyRule property(Class<?> holder, String name) {
    return properties.isEmpty() ? null : properties.get(new Key(holder, name));
  }

  /**
   * Whether property {@code name}, declared in {@code declaring} and inherited by {@code holder},
   * has a rule in either: then Jackson's property must say which class holds it (its member names
   * only the declaring class).
   */
  boolean inheritedHasRule(Class<?> declaring, Class<?> holder, String name) {
    return property(declaring, name) != null || property(holder, name) != null;
  }

  @Nullable
  BeanRule bean(Class<?> type) {
    return beans.isEmpty() ? null : beans.get(type);
  }

  /** Number of distinct required names (bits of the tracker). */
  int requiredNameCount() {
    return requiredNames.length;
  }

  /** The name of required bit {@code bit}. */
  String requiredName(int bit) {
    return requiredNames[bit];
  }

  /** Every property name of the target type and its nested types: safe to show in messages. */
  public Set<String> knownNames() {
    return knownNames;
  }

  /**
   * The types of the target type's graph that Jackson reads through a builder, by builder class
   * (from the type's {@code @JsonDeserialize(builder = ...)}, wherever the builder is declared; a
   * builder may serve several types, for example a base class and the subclass it builds).
   */
  Map<Class<?>, Set<Class<?>>> builtBy() {
    return builtBy;
  }

  /** The casts, with the step's number length limit. */
  TryCast tryCast() {
    return tryCast;
  }

  /** True when no field is required or coerced: plain Jackson binding. */
  public boolean isEmpty() {
    return properties.isEmpty();
  }

  /** Required fields of {@code type}, for tests and messages. */
  public List<String> requiredFieldsOf(Class<?> type) {
    BeanRule rule = beans.get(type);
    if (rule == null) {
      return List.of();
    }
    List<String> names = new ArrayList<>();
    for (int bit = 0; bit < requiredNames.length; bit++) {
      if ((rule.mask[bit >>> 6] & (1L << bit)) != 0) {
        names.add(requiredNames[bit]);
      }
    }
    return names;
  }

  /** The coercion of a property of {@code holder}, as "target/onFailure[/default]", or null. */
  @Nullable
  public String coercionOf(Class<?> holder, String name) {
    PropertyRule rule = properties.get(new Key(holder, name));
    if (rule == null || rule.coercion == null) {
      return null;
    }
    CoercionRule c = rule.coercion;
    return c.target
        + "/"
        + c.onFailure
        + (c.onFailure == Coercion.OnFailure.DEFAULT ? "/" + c.defaultValue : "");
  }

  private static final class Builder {
    private final JsonParseConfig<?> config;
    private final ObjectMapper mapper;
    private final TryCast tryCast;
    private final Map<String, Integer> bits = new LinkedHashMap<>();
    private final Map<Key, PropertyRule> properties = new HashMap<>();
    private final Map<Class<?>, List<String>> requiredByClass = new LinkedHashMap<>();
    private final Set<String> knownNames = new HashSet<>();
    private final Map<Class<?>, Set<Class<?>>> builtBy = new HashMap<>();

    Builder(JsonParseConfig<?> config, ObjectMapper mapper) {
      this.config = config;
      this.mapper = mapper;
      this.tryCast = new TryCast(config.limits().maxNumberLength());
    }

    FieldRules build() {
      Set<Class<?>> seen = new HashSet<>();
      Set<Class<?>> bound = new HashSet<>();
      Deque<JavaType> todo = new ArrayDeque<>();
      todo.add(mapper.constructType(config.type()));
      while (!todo.isEmpty()) {
        JavaType type = todo.poll();
        while (type.getContentType() != null) { // collections, maps (values), arrays, Optional
          type = type.getContentType();
        }
        Class<?> raw = type.getRawClass();
        if (bound.add(raw)) {
          addBoundTypes(type, todo);
        }
        if (JsonTypes.isBean(raw) && seen.add(raw)) {
          visit(type, raw == config.type(), todo);
        }
      }
      Map<Class<?>, BeanRule> beans = new HashMap<>();
      int words = Math.max(1, (bits.size() + 63) >>> 6);
      for (Map.Entry<Class<?>, List<String>> e : requiredByClass.entrySet()) {
        long[] mask = new long[words];
        for (String name : e.getValue()) {
          int bit = bits.get(name);
          mask[bit >>> 6] |= 1L << bit;
        }
        beans.put(e.getKey(), new BeanRule(e.getKey().getSimpleName(), mask));
      }
      return new FieldRules(
          Collections.unmodifiableMap(properties),
          Collections.unmodifiableMap(beans),
          bits.keySet().toArray(new String[0]),
          Collections.unmodifiableSet(knownNames),
          Collections.unmodifiableMap(builtBy),
          tryCast);
    }

    private void visit(JavaType type, boolean root, Deque<JavaType> todo) {
      Class<?> raw = type.getRawClass();
      BeanDescription description = JsonTypes.describe(mapper, type);
      Class<?> builder = description.findPOJOBuilder();
      if (builder != null) {
        builtBy.computeIfAbsent(builder, b -> new LinkedHashSet<>()).add(raw);
      }
      for (BeanPropertyDefinition p : description.findProperties()) {
        if (!p.couldDeserialize()) {
          continue;
        }
        String name = p.getName();
        JavaType propertyType = p.getPrimaryType();
        knownNames.add(name);
        todo.add(propertyType);
        AnnotatedMember member = p.getPrimaryMember();
        if (member != null) {
          todo.add(refined(member, propertyType)); // @JsonDeserialize(as = ...) on the property
        }
        if (JsonTypes.owner(p) == null) {
          continue;
        }
        boolean required =
            p.isRequired()
                || (config.primitiveFieldsRequired() && propertyType.isPrimitive())
                || (root && config.requiredFields().contains(name));
        int bit = -1;
        if (required) {
          bit = bits.computeIfAbsent(name, n -> bits.size());
          requiredByClass.computeIfAbsent(raw, c -> new ArrayList<>()).add(name);
        }
        CoercionRule coercion = coercion(raw, name, propertyType.getRawClass(), root);
        if (bit >= 0 || coercion != null) {
          // Each class is visited once, so each holder decides its own properties' rules.
          properties.put(new Key(raw, name), new PropertyRule(name, bit, coercion));
        }
      }
    }

    /**
     * Adds the classes {@code type} is read as, beside itself: its {@code @JsonDeserialize(as =
     * ...)} target and its named or registered subtypes.
     */
    private void addBoundTypes(JavaType type, Deque<JavaType> todo) {
      DeserializationConfig deserialization = mapper.getDeserializationConfig();
      AnnotatedClass annotated =
          AnnotatedClassResolver.resolveWithoutSuperTypes(deserialization, type.getRawClass());
      todo.add(refined(annotated, type));
      for (NamedType subtype :
          mapper
              .getSubtypeResolver()
              .collectAndResolveSubtypesByClass(deserialization, annotated)) {
        if (subtype.getType() != type.getRawClass()) {
          todo.add(mapper.constructType(subtype.getType()));
        }
      }
    }

    /** {@code type} as the annotations of {@code annotated} refine it for reading, else itself. */
    private JavaType refined(Annotated annotated, JavaType type) {
      DeserializationConfig deserialization = mapper.getDeserializationConfig();
      try {
        return deserialization
            .getAnnotationIntrospector()
            .refineDeserializationType(deserialization, annotated, type);
      } catch (JsonMappingException e) {
        return type; // Jackson reports the bad annotation when it builds the reader
      }
    }

    @Nullable
    private CoercionRule coercion(Class<?> owner, String name, Class<?> fieldType, boolean root) {
      Coercion own = root ? config.fieldCoercions().get(name) : null;
      Coercion coercion = own != null ? own : config.coercion();
      if (!coercion.isEnabled()) {
        return null;
      }
      CoercionTarget target = CoercionTarget.of(fieldType);
      if (target == null) {
        if (own != null) {
          throw new IllegalArgumentException(
              "fieldCoercion: field '"
                  + name
                  + "' of "
                  + owner.getSimpleName()
                  + " has type "
                  + fieldType.getSimpleName()
                  + ", which cannot be coerced; coercible types: "
                  + CoercionTarget.SUPPORTED);
        }
        return null; // the step's coercion covers the coercible fields only
      }
      Object defaultValue = null;
      if (coercion.onFailure() == Coercion.OnFailure.DEFAULT) {
        Object given = coercion.defaultValue();
        defaultValue = tryCast.fromValue(given, target);
        if (defaultValue == TryCast.FAILED) {
          throw new IllegalArgumentException(
              (own != null ? "fieldCoercion" : "coercion")
                  + ": default "
                  + given
                  + " ("
                  + given.getClass().getSimpleName()
                  + ") does not fit field '"
                  + name
                  + "' of "
                  + owner.getSimpleName()
                  + " ("
                  + target
                  + ")"
                  + (own != null ? "" : "; give that field its own coercion"));
        }
      }
      return new CoercionRule(target, fieldType, coercion.onFailure(), defaultValue);
    }
  }
}
