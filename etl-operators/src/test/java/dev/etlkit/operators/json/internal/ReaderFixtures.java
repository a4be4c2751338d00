package dev.etlkit.operators.json.internal;

import dev.etlkit.operators.JsonReadLimits;
import dev.etlkit.operators.json.Coercion;
import dev.etlkit.operators.json.UnknownFields;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** Builds parse configurations for the internal tests, one option at a time. */
final class ReaderFixtures<T> {
  private final Class<T> type;
  private JsonReadLimits limits = JsonReadLimits.defaults();
  private UnknownFields unknown = UnknownFields.IGNORE;
  private Set<String> required = Set.of();
  private boolean primitivesRequired = true;
  private Coercion coercion = Coercion.none();
  private final Map<String, Coercion> fieldCoercions = new LinkedHashMap<>();

  private ReaderFixtures(Class<T> type) {
    this.type = type;
  }

  static <T> ReaderFixtures<T> of(Class<T> type) {
    return new ReaderFixtures<>(type);
  }

  ReaderFixtures<T> limits(JsonReadLimits l) {
    this.limits = l;
    return this;
  }

  ReaderFixtures<T> unknown(UnknownFields u) {
    this.unknown = u;
    return this;
  }

  ReaderFixtures<T> required(String... names) {
    this.required = Set.of(names);
    return this;
  }

  ReaderFixtures<T> primitivesRequired(boolean b) {
    this.primitivesRequired = b;
    return this;
  }

  ReaderFixtures<T> coercion(Coercion c) {
    this.coercion = c;
    return this;
  }

  ReaderFixtures<T> fieldCoercion(String field, Coercion c) {
    fieldCoercions.put(field, c);
    return this;
  }

  JsonParseConfig<T> config() {
    return new JsonParseConfig<>(
        type, limits, unknown, required, primitivesRequired, coercion, fieldCoercions);
  }

  JsonRecordReader<T> reader() {
    return new JsonRecordReader<>(config());
  }

  static byte[] utf8(String json) {
    return json.getBytes(StandardCharsets.UTF_8);
  }
}
