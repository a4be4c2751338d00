package dev.etlkit.operators.json.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.deser.std.DelegatingDeserializer;
import dev.etlkit.operators.json.JsonRecordException;
import java.io.IOException;
import org.apache.flink.annotation.Internal;

/**
 * Reads an object of a class with required fields and rejects it when one of them was missing or
 * null: opens a tracker frame, lets the class's own deserializer read the object (its required
 * fields mark the frame), then checks the class's mask.
 */
@Internal
final class RequiredFieldsDeserializer extends DelegatingDeserializer {
  private static final long serialVersionUID = 1L;

  private final transient RequiredTracker tracker;
  private final transient FieldRules rules;
  private final transient FieldRules.BeanRule bean;

  RequiredFieldsDeserializer(
      JsonDeserializer<?> delegate,
      RequiredTracker tracker,
      FieldRules rules,
      FieldRules.BeanRule bean) {
    super(delegate);
    this.tracker = tracker;
    this.rules = rules;
    this.bean = bean;
  }

  @Override
  protected JsonDeserializer<?> newDelegatingInstance(JsonDeserializer<?> newDelegatee) {
    return new RequiredFieldsDeserializer(newDelegatee, tracker, rules, bean);
  }

  @Override
  public Object deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
    int frame = tracker.enter();
    try {
      Object value = _delegatee.deserialize(p, ctxt);
      if (tracker.firstMissing(bean.mask) >= 0) {
        throw missing(p);
      }
      return value;
    } finally {
      tracker.exit(frame);
    }
  }

  private FieldException missing(JsonParser p) {
    int[] bits = tracker.allMissing(bean.mask);
    StringBuilder names = new StringBuilder();
    for (int bit : bits) {
      names.append(names.length() == 0 ? "'" : ", '").append(rules.requiredName(bit)).append('\'');
    }
    return new FieldException(
        p,
        JsonRecordException.Reason.MISSING_REQUIRED_FIELD,
        (bits.length == 1 ? "required field " : "required fields ")
            + names
            + " of "
            + bean.typeName
            + (bits.length == 1 ? " is" : " are")
            + " missing or null");
  }

  @Override
  public boolean isCachable() {
    return false;
  }
}
