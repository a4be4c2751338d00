package dev.etlkit.operators.json.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.type.LogicalType;
import dev.etlkit.operators.json.JsonRecordException;
import java.io.IOException;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;

/**
 * Reads one coerced field: a JSON value of the field's own type is read directly, any other scalar
 * is TRY-cast ({@link TryCast}); objects and arrays always fail the cast. A failed cast becomes
 * null, the default or a {@link FieldException}, per the field's coercion.
 *
 * <p>A primitive field that ends up without a value gets its Java default (0, false) so Jackson can
 * set it; when the field is required, it is not marked as set (or unmarked, when an earlier
 * duplicate key had set it: the last value wins), so the record is rejected anyway.
 */
@Internal
final class CoercingDeserializer extends StdDeserializer<Object> {
  private static final long serialVersionUID = 1L;

  private final transient FieldRules.CoercionRule rule;
  private final transient TryCast tryCast;
  private final transient RequiredTracker tracker;
  private final int requiredBit;
  @Nullable private final transient Object primitiveDefault;

  CoercingDeserializer(
      FieldRules.CoercionRule rule, TryCast tryCast, RequiredTracker tracker, int requiredBit) {
    super(rule.fieldType);
    this.rule = rule;
    this.tryCast = tryCast;
    this.tracker = tracker;
    this.requiredBit = requiredBit;
    this.primitiveDefault = CoercionTarget.primitiveDefault(rule.fieldType);
  }

  @Override
  public Object deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
    JsonToken token = p.currentToken();
    Object value = read(p, token);
    if (value == TryCast.FAILED) {
      value = onFailure(p, token);
    }
    if (value == null) {
      return getNullValue(ctxt);
    }
    if (requiredBit >= 0) {
      tracker.mark(requiredBit);
    }
    return value;
  }

  private Object read(JsonParser p, @Nullable JsonToken token) throws IOException {
    if (token == null) {
      return TryCast.FAILED;
    }
    switch (token) {
      case VALUE_STRING:
        return tryCast.fromString(p.getText(), rule.target);
      case VALUE_NUMBER_INT:
        // The common case, a number for a number field, without parsing the text again.
        JsonParser.NumberType type = p.getNumberType();
        if (rule.target == CoercionTarget.INT && type == JsonParser.NumberType.INT) {
          return p.getIntValue();
        }
        if (rule.target == CoercionTarget.LONG && type != JsonParser.NumberType.BIG_INTEGER) {
          return p.getLongValue();
        }
        return tryCast.fromNumber(p.getText(), rule.target);
      case VALUE_NUMBER_FLOAT:
        if (rule.target == CoercionTarget.DOUBLE) {
          // A decimal for a double, read as without coercion (-0.0 stays negative zero); only an
          // overflow to infinity fails the cast.
          double d = p.getDoubleValue();
          return Double.isInfinite(d) ? TryCast.FAILED : d;
        }
        return tryCast.fromNumber(p.getText(), rule.target);
      case VALUE_TRUE:
        return tryCast.fromBoolean(true, rule.target);
      case VALUE_FALSE:
        return tryCast.fromBoolean(false, rule.target);
      case START_OBJECT:
      case START_ARRAY:
        UnknownFieldSkipper.skipValue(
            p); // its strings held to maxStringLength, unlike skipChildren
        return TryCast.FAILED;
      default:
        return TryCast.FAILED;
    }
  }

  @Nullable
  private Object onFailure(JsonParser p, @Nullable JsonToken token) throws FieldException {
    switch (rule.onFailure) {
      case NULL:
        return null;
      case DEFAULT:
        return rule.defaultValue;
      default:
        throw new FieldException(
            p,
            JsonRecordException.Reason.COERCION_FAILED,
            "cannot cast " + JsonErrors.describeToken(token) + " to " + rule.target);
    }
  }

  /** JSON null, or a cast that failed to null: not set, even when an earlier duplicate was. */
  @Override
  @Nullable
  public Object getNullValue(DeserializationContext ctxt) {
    if (requiredBit >= 0) {
      tracker.unmark(requiredBit);
    }
    return primitiveDefault;
  }

  @Override
  @Nullable
  public Object getAbsentValue(DeserializationContext ctxt) {
    return primitiveDefault;
  }

  @Override
  public LogicalType logicalType() {
    return LogicalType.OtherScalar;
  }

  @Override
  public boolean isCachable() {
    return false;
  }
}
