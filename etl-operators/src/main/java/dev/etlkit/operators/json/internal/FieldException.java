package dev.etlkit.operators.json.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonMappingException;
import dev.etlkit.operators.json.JsonRecordException;
import org.apache.flink.annotation.Internal;

/**
 * A rejection decided inside Jackson's binding (a missing required field, a failed cast): a {@link
 * JsonMappingException}, so Jackson adds the path to the field on its way out, with a reason and a
 * message free of payload contents.
 */
@Internal
final class FieldException extends JsonMappingException {
  private static final long serialVersionUID = 1L;

  private final JsonRecordException.Reason reason;
  private final boolean aboutObject;

  FieldException(JsonParser parser, JsonRecordException.Reason reason, String detail) {
    this(parser, reason, detail, false);
  }

  /**
   * @param aboutObject whether the rejection is about the object whose field name the parser is at
   *     (a map), so its path ends at that object rather than at the name
   */
  FieldException(
      JsonParser parser, JsonRecordException.Reason reason, String detail, boolean aboutObject) {
    super(parser, detail);
    this.reason = reason;
    this.aboutObject = aboutObject;
  }

  JsonRecordException.Reason reason() {
    return reason;
  }

  boolean aboutObject() {
    return aboutObject;
  }
}
