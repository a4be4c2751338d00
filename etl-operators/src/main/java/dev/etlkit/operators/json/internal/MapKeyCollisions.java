package dev.etlkit.operators.json.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.KeyDeserializer;
import com.fasterxml.jackson.databind.deser.BeanDeserializerFactory;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.deser.NullValueProvider;
import com.fasterxml.jackson.databind.deser.std.EnumMapDeserializer;
import com.fasterxml.jackson.databind.deser.std.MapDeserializer;
import com.fasterxml.jackson.databind.jsontype.TypeDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.type.MapType;
import dev.etlkit.operators.json.JsonRecordException.Reason;
import java.io.IOException;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;

/**
 * Rejects a JSON object read into a map whose keys are not strings when two different names read as
 * one key ({@code "1"} and {@code "01"} for an {@code Integer}, a UUID in upper and in lower case,
 * an enum constant and its alias): Jackson puts both, and the second replaces the first without a
 * word. A name written twice is a repeated key instead, whose last value wins as anywhere in a
 * document.
 *
 * <p>Jackson's {@link MapDeserializer} and {@link EnumMapDeserializer} are replaced by subclasses
 * that read exactly as they do, with their key deserializer wrapped in {@link KeyNames}, which
 * remembers which name gave each key of the object being read. Keys are compared as the map
 * compares them: by {@code equals}, or by natural order in a {@code SortedMap} ({@code 1.0} and
 * {@code 1.00} are two {@code BigDecimal} keys of a {@code HashMap}, one of a {@code TreeMap}).
 * Maps with {@code String} or {@code Object} keys, whose keys are the names themselves, keep
 * Jackson's deserializer and its fast path.
 *
 * <p>The names of the map being read are state of its deserializer, as the required-field tracker
 * is of the reader: like the reader, not thread-safe.
 */
@Internal
final class MapKeyCollisions {

  private MapKeyCollisions() {}

  /** A module replacing the deserializers of maps with non-String keys. */
  static SimpleModule module() {
    return new SimpleModule("etlkit-json-map-keys").setDeserializerModifier(new Modifier());
  }

  /**
   * The key deserializer of one map deserializer: its key, and a rejection when the key was read
   * before from another name in the same object.
   */
  static final class KeyNames extends KeyDeserializer {
    private final KeyDeserializer delegate;
    private final String keyType;
    private final boolean sorted;
    // The names by key of the object being read, or null between objects.
    @Nullable private Map<Object, String> names;

    private KeyNames(KeyDeserializer delegate, String keyType, boolean sorted) {
      this.delegate = delegate;
      this.keyType = keyType;
      this.sorted = sorted;
    }

    static KeyNames of(KeyDeserializer keyDeserializer, JavaType mapType, boolean sorted) {
      KeyDeserializer plain =
          keyDeserializer instanceof KeyNames
              ? ((KeyNames) keyDeserializer).delegate
              : keyDeserializer;
      return new KeyNames(plain, mapType.getKeyType().getRawClass().getSimpleName(), sorted);
    }

    @Override
    @Nullable
    public Object deserializeKey(String name, DeserializationContext ctxt) throws IOException {
      Object key = delegate.deserializeKey(name, ctxt);
      if (key != null && names != null) {
        String earlier = names.putIfAbsent(key, name);
        if (earlier != null && !earlier.equals(name)) {
          throw new FieldException(
              ctxt.getParser(),
              Reason.INVALID_VALUE,
              "duplicate map key (two names read as one " + keyType + ")",
              true);
        }
      }
      return key;
    }

    /** Starts an object; returns the names of the object it is nested in, for {@link #close}. */
    @Nullable
    Map<Object, String> open() {
      Map<Object, String> outer = names;
      names = sorted ? new TreeMap<>() : new HashMap<>();
      return outer;
    }

    void close(@Nullable Map<Object, String> outer) {
      names = outer;
    }
  }

  /** Jackson's map deserializer, its keys checked by {@link KeyNames}. */
  static final class CheckedMap extends MapDeserializer {
    private static final long serialVersionUID = 1L;

    private final boolean sorted;
    @Nullable private final transient KeyNames keyNames; // null until contextualized

    CheckedMap(MapDeserializer src, boolean sorted) {
      super(src);
      this.sorted = sorted;
      this.keyNames = null;
    }

    private CheckedMap(
        CheckedMap src,
        KeyNames keyNames,
        JsonDeserializer<Object> valueDeser,
        @Nullable TypeDeserializer valueTypeDeser,
        @Nullable NullValueProvider nuller,
        @Nullable Set<String> ignorable,
        @Nullable Set<String> includable) {
      super(src, keyNames, valueDeser, valueTypeDeser, nuller, ignorable, includable);
      this.sorted = src.sorted;
      this.keyNames = keyNames;
    }

    @Override
    @SuppressWarnings("unchecked")
    protected MapDeserializer withResolved(
        KeyDeserializer keyDeser,
        @Nullable TypeDeserializer valueTypeDeser,
        JsonDeserializer<?> valueDeser,
        @Nullable NullValueProvider nuller,
        @Nullable Set<String> ignorable,
        @Nullable Set<String> includable) {
      return new CheckedMap(
          this,
          KeyNames.of(keyDeser, _containerType, sorted),
          (JsonDeserializer<Object>) valueDeser,
          valueTypeDeser,
          nuller,
          ignorable,
          includable);
    }

    @Override
    public Map<Object, Object> deserialize(JsonParser p, DeserializationContext ctxt)
        throws IOException {
      if (keyNames == null) {
        return super.deserialize(p, ctxt);
      }
      Map<Object, String> outer = keyNames.open();
      try {
        return super.deserialize(p, ctxt);
      } finally {
        keyNames.close(outer);
      }
    }

    @Override
    public Map<Object, Object> deserialize(
        JsonParser p, DeserializationContext ctxt, Map<Object, Object> result) throws IOException {
      if (keyNames == null) {
        return super.deserialize(p, ctxt, result);
      }
      Map<Object, String> outer = keyNames.open();
      try {
        return super.deserialize(p, ctxt, result);
      } finally {
        keyNames.close(outer);
      }
    }
  }

  /** Jackson's {@code EnumMap} deserializer, its keys checked by {@link KeyNames}. */
  static final class CheckedEnumMap extends EnumMapDeserializer {
    private static final long serialVersionUID = 1L;

    @Nullable private final transient KeyNames keyNames; // null until contextualized

    /** As Jackson's factory builds it (the value type deserializer is the factory's, too). */
    CheckedEnumMap(
        JavaType type, EnumMapDeserializer src, @Nullable TypeDeserializer valueTypeDeser) {
      super(
          type,
          src.getValueInstantiator(),
          null,
          src.getContentDeserializer(),
          valueTypeDeser,
          null);
      this.keyNames = null;
    }

    private CheckedEnumMap(
        CheckedEnumMap src,
        KeyNames keyNames,
        JsonDeserializer<?> valueDeser,
        @Nullable TypeDeserializer valueTypeDeser,
        @Nullable NullValueProvider nuller) {
      super(src, keyNames, valueDeser, valueTypeDeser, nuller);
      this.keyNames = keyNames;
    }

    @Override
    public EnumMapDeserializer withResolved(
        KeyDeserializer keyDeser,
        JsonDeserializer<?> valueDeser,
        @Nullable TypeDeserializer valueTypeDeser,
        @Nullable NullValueProvider nuller) {
      return new CheckedEnumMap(
          this, KeyNames.of(keyDeser, _containerType, false), valueDeser, valueTypeDeser, nuller);
    }

    @Override
    public EnumMap<?, ?> deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      if (keyNames == null) {
        return super.deserialize(p, ctxt);
      }
      Map<Object, String> outer = keyNames.open();
      try {
        return super.deserialize(p, ctxt);
      } finally {
        keyNames.close(outer);
      }
    }

    @Override
    @SuppressWarnings("rawtypes")
    public EnumMap<?, ?> deserialize(JsonParser p, DeserializationContext ctxt, EnumMap result)
        throws IOException {
      if (keyNames == null) {
        return super.deserialize(p, ctxt, result);
      }
      Map<Object, String> outer = keyNames.open();
      try {
        return super.deserialize(p, ctxt, result);
      } finally {
        keyNames.close(outer);
      }
    }
  }

  private static final class Modifier extends BeanDeserializerModifier {
    private static final long serialVersionUID = 1L;

    @Override
    public JsonDeserializer<?> modifyMapDeserializer(
        DeserializationConfig config,
        MapType type,
        BeanDescription beanDesc,
        JsonDeserializer<?> deserializer) {
      JavaType keyType = type.getKeyType();
      Class<?> key = keyType.getRawClass();
      if ((key == String.class || key == Object.class) && keyType.getValueHandler() == null) {
        return deserializer; // the keys are the names: no collision possible
      }
      if (deserializer.getClass() == MapDeserializer.class) {
        boolean sorted =
            SortedMap.class.isAssignableFrom(type.getRawClass())
                && Comparable.class.isAssignableFrom(key);
        return new CheckedMap((MapDeserializer) deserializer, sorted);
      }
      if (deserializer.getClass() == EnumMapDeserializer.class) {
        return new CheckedEnumMap(
            type, (EnumMapDeserializer) deserializer, valueTypeDeserializer(config, type));
      }
      return deserializer;
    }

    /** The value type deserializer Jackson's factory gave the map deserializer it just built. */
    @Nullable
    private static TypeDeserializer valueTypeDeserializer(
        DeserializationConfig config, MapType type) {
      JavaType content = type.getContentType();
      TypeDeserializer own = content.getTypeHandler();
      if (own != null) {
        return own;
      }
      try {
        return BeanDeserializerFactory.instance.findTypeDeserializer(config, content);
      } catch (JsonMappingException e) {
        // The factory has just found the same without failing.
        throw new IllegalStateException("no type deserializer for " + content, e);
      }
    }
  }
}
