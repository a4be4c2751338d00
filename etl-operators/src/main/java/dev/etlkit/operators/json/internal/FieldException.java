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

  FieldException(JsonParser parser, JsonRecordException.Reason reason, String detail) {
    super(parser, detail);
    this.reason = reason;
  }

  JsonRecordException.Reason reason() {
    return reason;
  }
}
