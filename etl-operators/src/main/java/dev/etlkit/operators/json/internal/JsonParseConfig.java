package dev.etlkit.operators.json.internal;

import dev.etlkit.operators.JsonReadLimits;
import dev.etlkit.operators.json.Coercion;
import dev.etlkit.operators.json.UnknownFields;
import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.flink.annotation.Internal;

/** The options of a JSON parse step, as the function needs them at runtime. Immutable. */
@Internal
public final class JsonParseConfig<T> implements Serializable {
  private static final long serialVersionUID = 1L;

  private final Class<T> type;
  private final JsonReadLimits limits;
  private final UnknownFields unknownFields;
  private final Set<String> requiredFields;
  private final boolean primitiveFieldsRequired;
  private final Coercion coercion;
  private final Map<String, Coercion> fieldCoercions;

  public JsonParseConfig(
      Class<T> type,
      JsonReadLimits limits,
      UnknownFields unknownFields,
      Set<String> requiredFields,
      boolean primitiveFieldsRequired,
      Coercion coercion,
      Map<String, Coercion> fieldCoercions) {
    this.type = type;
    this.limits = limits;
    this.unknownFields = unknownFields;
    this.requiredFields = Collections.unmodifiableSet(new TreeSet<>(requiredFields));
    this.primitiveFieldsRequired = primitiveFieldsRequired;
    this.coercion = coercion;
    this.fieldCoercions = Collections.unmodifiableMap(new LinkedHashMap<>(fieldCoercions));
  }

  public Class<T> type() {
    return type;
  }

  public JsonReadLimits limits() {
    return limits;
  }

  public UnknownFields unknownFields() {
    return unknownFields;
  }

  /** Top-level properties that must be present and non-null. */
  public Set<String> requiredFields() {
    return requiredFields;
  }

  public boolean primitiveFieldsRequired() {
    return primitiveFieldsRequired;
  }

  /** The step's coercion, for every coercible field without its own. */
  public Coercion coercion() {
    return coercion;
  }

  /** Per top-level property overrides of {@link #coercion()}. */
  public Map<String, Coercion> fieldCoercions() {
    return fieldCoercions;
  }
}
