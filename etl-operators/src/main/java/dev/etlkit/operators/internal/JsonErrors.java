package dev.etlkit.operators.internal;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import java.io.CharConversionException;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;

/**
 * Rewrites Jackson's exceptions so their messages say what went wrong and where, but never quote
 * the payload: Jackson's own messages include tokens and values ({@code Unrecognized token 'x'},
 * {@code from String "x"}), which would carry record contents into dead letters and logs. The
 * exception class is kept where Jackson has a public way to build it, so dead letters can still be
 * grouped by it.
 */
@Internal
public final class JsonErrors {
  private JsonErrors() {}

  /**
   * A payload-free version of a parse error.
   *
   * @param what which part of the record was being read ({@code value}, {@code key})
   */
  public static IOException parse(IOException e, String what) {
    if (e instanceof StreamConstraintsException) {
      // names the limit and the sizes, never the content
      StreamConstraintsException limit = (StreamConstraintsException) e;
      return new StreamConstraintsException(
          limitMessage(limit.getOriginalMessage()), limit.getLocation());
    }
    if (e instanceof JsonEOFException) {
      return new JsonEOFException(null, null, what + ": truncated JSON" + at(e));
    }
    if (e instanceof JsonParseException) {
      String original = ((JsonParseException) e).getOriginalMessage();
      String kind =
          original != null && original.startsWith("Invalid UTF-8")
              ? "invalid UTF-8"
              : "malformed JSON";
      return new JsonParseException((JsonParser) null, what + ": " + kind + at(e));
    }
    if (e instanceof CharConversionException) {
      return new CharConversionException(what + ": invalid character encoding");
    }
    return new IOException(what + ": unreadable JSON (" + e.getClass().getName() + ")");
  }

  /**
   * Jackson's message for a read limit, which holds sizes only, with the {@code JsonReadLimits}
   * option that sets the limit in place of Jackson's own getter: {@code Name length (1025) exceeds
   * the maximum allowed (1024) (JsonReadLimits.maxNameLength)}.
   */
  public static String limitMessage(@Nullable String original) {
    if (original == null) {
      return "a read limit was exceeded";
    }
    String option = "";
    if (original.startsWith("Document nesting depth")) {
      option = "maxNestingDepth";
    } else if (original.startsWith("String value length")) {
      option = "maxStringLength";
    } else if (original.startsWith("Number value length")) {
      option = "maxNumberLength";
    } else if (original.startsWith("Name length")) {
      option = "maxNameLength";
    } else if (original.startsWith("Document length")) {
      option = "maxDocumentBytes";
    }
    int from = original.indexOf(", from ");
    String text = from > 0 ? original.substring(0, from) + ")" : original;
    return text + (option.isEmpty() ? "" : " (JsonReadLimits." + option + ")");
  }

  /**
   * A payload-free version of a binding error: the image ({@code after}, {@code before}, {@code
   * key}), the row property when it is one of {@code properties}, and the target type.
   */
  public static IOException binding(Exception e, String what, Set<String> properties) {
    if (e instanceof JsonProcessingException && !(e instanceof JsonMappingException)) {
      return parse((JsonProcessingException) e, what);
    }
    if (e instanceof MismatchedInputException) {
      Class<?> target = ((MismatchedInputException) e).getTargetType();
      return MismatchedInputException.from(
          (JsonParser) null,
          target,
          what
              + property((JsonMappingException) e, properties)
              + ": value does not fit "
              + (target == null ? "the row type" : target.getTypeName()));
    }
    if (e instanceof JsonMappingException) {
      Throwable cause = e.getCause();
      return JsonMappingException.from(
          (JsonParser) null,
          what
              + property((JsonMappingException) e, properties)
              + ": cannot build the row"
              + (cause != null ? " (" + cause.getClass().getName() + ")" : ""));
    }
    return new IOException(what + ": cannot build the row (" + e.getClass().getName() + ")");
  }

  private static String property(JsonMappingException e, Set<String> properties) {
    List<JsonMappingException.Reference> path = e.getPath();
    if (path.isEmpty()) {
      return "";
    }
    String name = path.get(0).getFieldName();
    return name != null && properties.contains(name) ? "." + name : "";
  }

  private static String at(Exception e) {
    JsonLocation location = location(e);
    if (location == null || location.getLineNr() < 0) {
      return "";
    }
    return " at line " + location.getLineNr() + ", column " + location.getColumnNr();
  }

  @Nullable
  private static JsonLocation location(Exception e) {
    return e instanceof JsonProcessingException
        ? ((JsonProcessingException) e).getLocation()
        : null;
  }
}
