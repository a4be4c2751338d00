package dev.etlkit.operators.json.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.deser.std.DelegatingDeserializer;
import java.io.IOException;
import org.apache.flink.annotation.Internal;

/**
 * Reads a required field with its own deserializer and marks it as set when it is not null, or as
 * unset when it is: when a key appears twice, the last value wins, for the check as for the field.
 */
@Internal
final class PresenceDeserializer extends DelegatingDeserializer {
  private static final long serialVersionUID = 1L;

  private final transient RequiredTracker tracker;
  private final int bit;

  PresenceDeserializer(JsonDeserializer<?> delegate, RequiredTracker tracker, int bit) {
    super(delegate);
    this.tracker = tracker;
    this.bit = bit;
  }

  @Override
  protected JsonDeserializer<?> newDelegatingInstance(JsonDeserializer<?> newDelegatee) {
    return new PresenceDeserializer(newDelegatee, tracker, bit);
  }

  @Override
  public Object deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
    Object value = _delegatee.deserialize(p, ctxt);
    if (value != null) {
      tracker.mark(bit);
    } else {
      tracker.unmark(bit);
    }
    return value;
  }

  /** JSON null: Jackson asks for the null value instead of calling {@link #deserialize}. */
  @Override
  public Object getNullValue(DeserializationContext ctxt) throws JsonMappingException {
    tracker.unmark(bit);
    return super.getNullValue(ctxt);
  }

  @Override
  public boolean isCachable() {
    return false;
  }
}
