package dev.etlkit.operators.json.internal;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.BeanProperty;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.deser.BeanDeserializerBuilder;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.deser.SettableBeanProperty;
import com.fasterxml.jackson.databind.deser.std.DelegatingDeserializer;
import com.fasterxml.jackson.databind.introspect.AnnotatedMember;
import com.fasterxml.jackson.databind.type.ArrayType;
import com.fasterxml.jackson.databind.type.CollectionLikeType;
import com.fasterxml.jackson.databind.type.CollectionType;
import com.fasterxml.jackson.databind.type.MapLikeType;
import com.fasterxml.jackson.databind.type.MapType;
import com.fasterxml.jackson.databind.type.ReferenceType;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;

/**
 * Applies {@link FieldRules} inside Jackson's binding, without a tree model: every value
 * deserializer is wrapped in a router that, when Jackson contextualizes it for a property, returns
 * the plain deserializer (no rule), a coercing one, or one that marks a required field as set; and
 * for a class with required fields, one that checks them when its object is complete.
 *
 * <p>Rules belong to the class that holds a property, but Jackson's property names only the class
 * that declares its member. So an inherited property with a rule (in the holder or the declaring
 * class) is wrapped in a {@link HeldProperty} that names its holder; the others need no wrapper.
 *
 * <p>Contextualization happens once per property when the reader is built, so reading a record
 * never looks a rule up.
 */
@Internal
final class FieldRulesModifier extends BeanDeserializerModifier {
  private static final long serialVersionUID = 1L;

  private final transient FieldRules rules;
  private final transient RequiredTracker tracker;

  FieldRulesModifier(FieldRules rules, RequiredTracker tracker) {
    this.rules = rules;
    this.tracker = tracker;
  }

  private JsonDeserializer<?> route(JsonDeserializer<?> deserializer) {
    return new Router(deserializer, rules, tracker);
  }

  @Override
  public BeanDeserializerBuilder updateBuilder(
      DeserializationConfig config, BeanDescription beanDesc, BeanDeserializerBuilder builder) {
    Class<?> holder = beanDesc.getBeanClass();
    List<SettableBeanProperty> inherited = new ArrayList<>();
    for (Iterator<SettableBeanProperty> it = builder.getProperties(); it.hasNext(); ) {
      SettableBeanProperty property = it.next();
      AnnotatedMember member = property.getMember();
      if (member != null
          && member.getDeclaringClass() != holder
          && rules.inheritedHasRule(member.getDeclaringClass(), holder, property.getName())) {
        inherited.add(property);
      }
    }
    for (SettableBeanProperty property : inherited) {
      builder.addOrReplaceProperty(new HeldProperty(property, holder), true);
    }
    return builder;
  }

  @Override
  public JsonDeserializer<?> modifyDeserializer(
      DeserializationConfig config, BeanDescription beanDesc, JsonDeserializer<?> deserializer) {
    return route(deserializer);
  }

  @Override
  public JsonDeserializer<?> modifyEnumDeserializer(
      DeserializationConfig config,
      JavaType type,
      BeanDescription beanDesc,
      JsonDeserializer<?> deserializer) {
    return route(deserializer);
  }

  @Override
  public JsonDeserializer<?> modifyReferenceDeserializer(
      DeserializationConfig config,
      ReferenceType type,
      BeanDescription beanDesc,
      JsonDeserializer<?> deserializer) {
    return route(deserializer);
  }

  @Override
  public JsonDeserializer<?> modifyArrayDeserializer(
      DeserializationConfig config,
      ArrayType valueType,
      BeanDescription beanDesc,
      JsonDeserializer<?> deserializer) {
    return route(deserializer);
  }

  @Override
  public JsonDeserializer<?> modifyCollectionDeserializer(
      DeserializationConfig config,
      CollectionType type,
      BeanDescription beanDesc,
      JsonDeserializer<?> deserializer) {
    return route(deserializer);
  }

  @Override
  public JsonDeserializer<?> modifyCollectionLikeDeserializer(
      DeserializationConfig config,
      CollectionLikeType type,
      BeanDescription beanDesc,
      JsonDeserializer<?> deserializer) {
    return route(deserializer);
  }

  @Override
  public JsonDeserializer<?> modifyMapDeserializer(
      DeserializationConfig config,
      MapType type,
      BeanDescription beanDesc,
      JsonDeserializer<?> deserializer) {
    return route(deserializer);
  }

  @Override
  public JsonDeserializer<?> modifyMapLikeDeserializer(
      DeserializationConfig config,
      MapLikeType type,
      BeanDescription beanDesc,
      JsonDeserializer<?> deserializer) {
    return route(deserializer);
  }

  /**
   * Stands in for a deserializer until Jackson contextualizes it; then picks what the property (or
   * the root, for a null property) needs. Used uncontextualized, it just delegates.
   */
  static final class Router extends DelegatingDeserializer {
    private static final long serialVersionUID = 1L;

    private final transient FieldRules rules;
    private final transient RequiredTracker tracker;

    Router(JsonDeserializer<?> delegate, FieldRules rules, RequiredTracker tracker) {
      super(delegate);
      this.rules = rules;
      this.tracker = tracker;
    }

    @Override
    protected JsonDeserializer<?> newDelegatingInstance(JsonDeserializer<?> newDelegatee) {
      return new Router(newDelegatee, rules, tracker);
    }

    @Override
    public JsonDeserializer<?> createContextual(DeserializationContext ctxt, BeanProperty property)
        throws JsonMappingException {
      Class<?> handled = _delegatee.handledType();
      JavaType type =
          property != null
              ? property.getType()
              : handled != null ? ctxt.constructType(handled) : null;
      JsonDeserializer<?> deserializer =
          ctxt.handleSecondaryContextualization(_delegatee, property, type);
      if (deserializer instanceof Router) {
        deserializer = ((Router) deserializer)._delegatee;
      }
      FieldRules.BeanRule bean = handled == null ? null : rules.bean(handled);
      if (bean != null) {
        deserializer = new RequiredFieldsDeserializer(deserializer, tracker, rules, bean);
      }
      // Only the property's own value, not the elements of a collection property (whose
      // deserializers Jackson contextualizes with the collection's property too).
      FieldRules.PropertyRule rule =
          property != null && handled != null && related(handled, rawOf(property))
              ? rule(property)
              : null;
      if (rule == null) {
        return deserializer;
      }
      if (rule.coercion != null && rule.coercion.fieldType == rawOf(property)) {
        return new CoercingDeserializer(rule.coercion, rules.tryCast(), tracker, rule.requiredBit);
      }
      if (rule.requiredBit >= 0) {
        return new PresenceDeserializer(deserializer, tracker, rule.requiredBit);
      }
      return deserializer;
    }

    @Nullable
    private FieldRules.PropertyRule rule(BeanProperty property) {
      Class<?> holder;
      if (property instanceof HeldProperty) {
        holder = ((HeldProperty) property).holder;
      } else {
        AnnotatedMember member = property.getMember();
        if (member == null) {
          return null;
        }
        holder = member.getDeclaringClass(); // not inherited, or inherited without a rule
      }
      return rules.property(holder, property.getName());
    }

    private static boolean related(Class<?> a, Class<?> b) {
      return a.isAssignableFrom(b) || b.isAssignableFrom(a);
    }

    private static Class<?> rawOf(BeanProperty property) {
      return property.getType().getRawClass();
    }
  }

  /** A property inherited from a superclass, naming the class whose objects hold it. */
  static final class HeldProperty extends SettableBeanProperty.Delegating {
    private static final long serialVersionUID = 1L;

    private final Class<?> holder;

    HeldProperty(SettableBeanProperty delegate, Class<?> holder) {
      super(delegate);
      this.holder = holder;
    }

    @Override
    protected SettableBeanProperty withDelegate(SettableBeanProperty delegate) {
      return new HeldProperty(delegate, holder);
    }
  }
}
